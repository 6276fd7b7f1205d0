"""Compile a sync into the SQL that reads it: the model wrapped in a canonical projection.

The projection is the contract between the compiler and everything downstream (see
ARCHITECTURE.md): one text-or-NULL column per value OneSignal will receive, already normalised
per its type in the source's own dialect, plus a fingerprint of the whole row. Because the values
are normalised inside the database, the same diff can run in DuckDB, or be pushed down into
PostgreSQL (and later a warehouse), and give the same answer.

Spec values never reach SQL as text: identifiers and literals are sqlglot expressions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from onesync.compile import values
from onesync.errors import Diagnostic, SpecError
from onesync.model import Column, CompiledSync, Field, Project, Source, Sync

__all__ = ["DIALECTS", "compile_project", "compile_sync", "parse_model"]

# Dialects `compile --dialect` accepts; the first four have connectors and run in the tests.
DIALECTS: tuple[str, ...] = (
    "duckdb", "sqlite", "postgres", "mysql", "snowflake", "bigquery", "trino", "spark",
)  # fmt: skip

_ALIAS = "m"


def _pos_error(sync: Sync, message: str, hint: str | None = None) -> SpecError:
    pos = sync.model.sql_pos or sync.pos
    file, line, col = (pos.file, pos.line, pos.col) if pos else (sync.file, 1, 1)
    return SpecError([Diagnostic(file, line, col, message, hint)])


def parse_model(sync: Sync, dialect: str) -> exp.Query:
    """The model as a sqlglot query, read in the source's dialect."""
    model = sync.model
    if model.table:
        return exp.select("*").from_(exp.to_table(model.table, dialect=dialect))
    try:
        parsed = sqlglot.parse(model.sql or "", read=dialect)
    except ParseError as exc:
        raise _pos_error(
            sync, f"model SQL does not parse as {dialect}: {exc.errors[0]['description']}"
        ) from exc
    statements = [p for p in parsed if p is not None]
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise _pos_error(
            sync, "model SQL must be exactly one SELECT query", "remove other statements"
        )
    return statements[0]


def _col(name: str) -> exp.Column:
    return exp.column(exp.to_identifier(name), table=exp.to_identifier(_ALIAS))


def _text(expr: exp.Expression, type_: str, dialect: str, tz: str | None) -> exp.Expression:
    return values.normalize(expr, type_, dialect, timezone=tz)


def _fingerprint(parts: Iterable[exp.Expression]) -> exp.Expression:
    """md5 over every value, each length-prefixed, so NULL, '' and NUL bytes cannot collide."""
    pieces: list[exp.Expression] = []
    for part in parts:
        pieces.append(
            exp.Case(
                ifs=[
                    exp.If(
                        this=exp.Is(this=part.copy(), expression=exp.Null()),
                        true=exp.Literal.string("~"),
                    )
                ],
                default=exp.DPipe(
                    this=exp.DPipe(
                        this=exp.cast(exp.Length(this=part.copy()), exp.DataType.Type.TEXT),
                        expression=exp.Literal.string(":"),
                        safe=True,
                    ),
                    expression=part.copy(),
                    safe=True,
                ),
            )
        )
    body: exp.Expression = pieces[0] if pieces else exp.Literal.string("")
    for piece in pieces[1:]:
        body = exp.DPipe(this=body, expression=piece, safe=True)
    return exp.MD5(this=body)


def _fields(sync: Sync) -> list[tuple[str, str, str, Field]]:
    """(output name, role, label, field) for every value the sync sends, in projection order."""
    out: list[tuple[str, str, str, Field]] = []
    out.append(
        ("__external_id", "external_id", "", Field("external_id", sync.identity.external_id))
    )
    for f in sync.identity.aliases:
        out.append((f"alias__{f.name}", "alias", f.name, f))
    for f in sync.subscriptions:
        out.append((f"sub__{f.name}", "subscription", f.name, f))
    for f in sync.tags:
        out.append((f"tag__{f.name}", "tag", f.name, f))
    if sync.event is not None:
        for f in sync.event.properties:
            out.append((f"prop__{f.name}", "property", f.name, f))
    if sync.message is not None:
        for f in sync.message.custom_data:
            out.append((f"prop__{f.name}", "property", f.name, f))
        for name in sync.message.variables:
            out.append((f"var__{name}", "variable", name, Field(name, name)))
    return out


def compile_sync(sync: Sync, source: Source, dialect: str | None = None) -> CompiledSync:
    """Build the canonical projection of one sync.

    Args:
        sync: the resolved sync spec.
        source: its source; its dialect is the one the model SQL is read in.
        dialect: write the SQL in this dialect instead (``compile --dialect``).

    Returns:
        The SQL text and a description of every output column.
    """
    read = source.dialect
    write = dialect or source.dialect
    tz = source.timezone
    model = parse_model(sync, read)

    select: list[exp.Expression] = []
    columns: list[Column] = []

    def add(
        name: str, role: str, expr: exp.Expression, label: str = "", type_: str = "string"
    ) -> None:
        select.append(exp.alias_(expr, exp.to_identifier(name)))
        columns.append(Column(name=name, role=role, label=label, type=type_))  # type: ignore[arg-type]

    add("__key", "key", _text(_col(sync.key_column), "string", write, tz))
    checked: list[tuple[str, Field]] = []
    for name, role, label, f in _fields(sync):
        add(name, role, _text(_col(f.column), f.type, write, tz), label, f.type)
        if f.type != "string":
            checked.append((label or name, f))
    if sync.event is not None and sync.event.timestamp:
        add(
            "__timestamp",
            "timestamp",
            values.timestamp_iso(_col(sync.event.timestamp), write, timezone=tz),
        )
    if (
        sync.message is not None
        and sync.message.send_after
        and not _is_literal_time(sync.message.send_after)
    ):
        add(
            "__send_after",
            "send_after",
            values.timestamp_iso(_col(sync.message.send_after), write, timezone=tz),
        )
    if checked and hasattr(values, "invalid"):
        add("__invalid", "invalid", _invalid(checked, write, tz))
    value_exprs = [s.this.copy() for s in select[1:]]
    add("__fingerprint", "fingerprint", _fingerprint(value_exprs))

    query = exp.select(*select).from_(model.subquery(exp.to_identifier(_ALIAS)))
    return CompiledSync(
        sync=sync, dialect=write, sql=query.sql(dialect=write, pretty=True), columns=tuple(columns)
    )


def _invalid(checked: Sequence[tuple[str, Field]], dialect: str, tz: str | None) -> exp.Expression:
    """Names of the fields whose raw value does not fit its declared type, or NULL."""
    body: exp.Expression | None = None
    for label, f in checked:
        piece = exp.Case(
            ifs=[
                exp.If(
                    this=values.invalid(_col(f.column), f.type, dialect, timezone=tz),
                    true=exp.Literal.string(f"{label}:{f.type};"),
                )
            ],
            default=exp.Literal.string(""),
        )
        body = piece if body is None else exp.DPipe(this=body, expression=piece, safe=True)
    assert body is not None
    return exp.Nullif(this=body, expression=exp.Literal.string(""))


def _is_literal_time(value: str) -> bool:
    """A delay (``+1h``) or an ISO time is a constant; anything else names a column."""
    return value.startswith("+") or (len(value) >= 10 and value[:4].isdigit() and value[4] == "-")


def compile_project(
    project: Project, syncs: Sequence[str] | None = None, dialect: str | None = None
) -> tuple[CompiledSync, ...]:
    """Compile every sync (or the named ones), collecting all problems before raising."""
    wanted = [project.sync(name) for name in syncs] if syncs else list(project.syncs)
    out: list[CompiledSync] = []
    problems: list[Diagnostic] = []
    for sync in wanted:
        try:
            out.append(compile_sync(sync, project.source(sync.source), dialect))
        except SpecError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise SpecError(problems)
    return tuple(out)
