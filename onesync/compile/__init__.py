"""Compile a sync into the SQL that reads it: the model wrapped in a canonical projection.

The projection is the contract between the compiler and everything downstream (see
ARCHITECTURE.md): one text-or-NULL column per value OneSignal will receive, already normalised
per its type in the source's own dialect, plus a fingerprint of the whole row. Because the values
are normalised inside the database, the same diff can run in DuckDB, or be pushed down into
PostgreSQL (and later a warehouse), and give the same answer.

Spec values never reach SQL as text: identifiers and literals are sqlglot expressions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from sqlglot import exp

from onesync.compile import values
from onesync.errors import Diagnostic, SpecError
from onesync.model import (
    Column,
    ColumnRole,
    CompiledSync,
    Field,
    Project,
    Source,
    Sync,
    TagType,
)
from onesync.validate.sql import SqlProblem
from onesync.validate.sql import parse_model as _parse_sql

__all__ = ["DIALECTS", "compile_project", "compile_sync", "parse_model"]

# Dialects `compile --dialect` accepts; the first four have connectors and run in the tests.
DIALECTS: tuple[str, ...] = values.DIALECTS

_ALIAS = "m"


def _pos_error(sync: Sync, message: str, hint: str | None = None) -> SpecError:
    pos = sync.model.sql_pos or sync.pos
    file, line, col = (pos.file, pos.line, pos.col) if pos else (sync.file, 1, 1)
    return SpecError([Diagnostic(file, line, col, message, hint)])


def parse_model(sync: Sync, dialect: str) -> exp.Query:
    """The model as a sqlglot query, read in the source's dialect (shared with the validator)."""
    if sync.model.table:
        return exp.select("*").from_(exp.to_table(sync.model.table, dialect=dialect))
    try:
        return _parse_sql(sync.model.sql or "", dialect)
    except SqlProblem as exc:
        raise _pos_error(sync, f"model SQL does not parse as {dialect}: {exc}") from exc


def _fingerprint(names: Iterable[str]) -> exp.Expression:
    """md5 over every value, each length-prefixed, so NULL, '' and NUL bytes cannot collide."""
    pieces: list[exp.Expression] = []
    for name in names:
        pieces.append(
            exp.Case(
                ifs=[
                    exp.If(
                        this=exp.Is(this=_ref(name), expression=exp.Null()),
                        true=exp.Literal.string("~"),
                    )
                ],
                default=exp.DPipe(
                    this=exp.DPipe(
                        this=exp.Cast(
                            this=exp.Length(this=_ref(name)),
                            to=exp.DataType(this=exp.DataType.Type.TEXT),
                        ),
                        expression=exp.Literal.string(":"),
                        safe=True,
                    ),
                    expression=_ref(name),
                    safe=True,
                ),
            )
        )
    body: exp.Expression = pieces[0] if pieces else exp.Literal.string("")
    for piece in pieces[1:]:
        body = exp.DPipe(this=body, expression=piece, safe=True)
    return exp.MD5(this=body)


def _fields(sync: Sync) -> list[tuple[str, ColumnRole, str, Field]]:
    """(output name, role, label, field) for every value the sync sends, in projection order."""
    out: list[tuple[str, ColumnRole, str, Field]] = []
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


_PLACEHOLDER = "__onesync_value__"


@functools.lru_cache(maxsize=1024)
def _template(kind: str, type_: str, dialect: str, tz: str | None, source_type: str | None) -> str:
    """The SQL of one normalisation for a placeholder column, generated once per type.

    A project of many syncs repeats the same few (type, dialect) pairs; generating each large
    CASE expression once and splicing in the sqlglot-quoted column keeps compile fast.
    """
    ref = exp.column(_PLACEHOLDER, table=_ALIAS)
    if kind == "iso":
        expr = values.timestamp_iso(ref, dialect, timezone=tz)
    else:
        expr = values.normalize(ref, type_, dialect, timezone=tz, source_type=source_type)
    return expr.sql(dialect=dialect, pretty=True)


@functools.lru_cache(maxsize=4096)
def _ident_sql(name: str, dialect: str, table: str | None = None) -> str:
    """An identifier (or table.column) quoted by sqlglot as the dialect needs."""
    if table is None:
        node: exp.Expression = exp.to_identifier(name)
    else:
        node = exp.column(exp.to_identifier(name), table=exp.to_identifier(table))
    return node.sql(dialect=dialect)


def _value_sql(
    column: str,
    kind: str,
    type_: str,
    dialect: str,
    tz: str | None,
    types: Mapping[str, str] | None = None,
) -> str:
    ref = _ident_sql(column, dialect, _ALIAS)
    # only string values take their text form from the column's type; typed ones say theirs
    source_type = _type_of(column, types) if type_ == "string" and kind == "norm" else None
    return _template(kind, type_, dialect, tz, source_type).replace(f"{_ALIAS}.{_PLACEHOLDER}", ref)


def _type_of(column: str, types: Mapping[str, str] | None) -> str | None:
    if not types:
        return None
    found = types.get(column)
    if found is None:  # engines fold unquoted names: PostgreSQL to lower, Snowflake to upper
        found = types.get(column.lower()) or types.get(column.upper())
    return found


def compile_sync(
    sync: Sync,
    source: Source,
    dialect: str | None = None,
    column_types: Mapping[str, str] | None = None,
) -> CompiledSync:
    """Build the canonical projection of one sync.

    Two levels: the inner SELECT normalises each model column once; the outer one adds the
    fingerprint and the names of values that did not fit their type, over those results.

    Args:
        sync: the resolved sync spec.
        source: its source; its dialect is the one the model SQL is read in.
        dialect: write the SQL in this dialect instead (``compile --dialect``).
        column_types: the model's column types from the source's catalogue, when known; a
            string tag of a decimal, boolean or timestamp column then gets canonical text.

    Returns:
        The SQL text and a description of every output column.
    """
    write = dialect or source.dialect
    tz = source.timezone
    model = parse_model(sync, source.dialect)

    inner: list[str] = []  # "<sql> AS <name>" of the inner select
    columns: list[Column] = []

    def add(
        name: str, role: ColumnRole, sql: str, label: str = "", type_: TagType = "string"
    ) -> None:
        alias = _ident_sql(name, write)
        inner.append(f"{sql} AS {alias}")
        columns.append(Column(name=name, role=role, label=label, type=type_))

    add("__key", "key", _value_sql(sync.key_column, "norm", "string", write, tz, column_types))
    checked: list[tuple[str, str, str, str]] = []  # (label, type, raw alias, normalised name)
    for name, role, label, f in _fields(sync):
        add(
            name, role, _value_sql(f.column, "norm", f.type, write, tz, column_types), label, f.type
        )
        if f.type != "string":
            raw = f"__raw_{len(checked)}"
            checked.append((label or name, f.type, raw, name))
            inner.append(f"{_ident_sql(f.column, write, _ALIAS)} AS {raw}")
    if sync.event is not None and sync.event.timestamp:
        add("__timestamp", "timestamp", _value_sql(sync.event.timestamp, "iso", "", write, tz))
    send_after = sync.message.send_after if sync.message is not None else None
    if send_after and not _is_literal_time(send_after):
        add("__send_after", "send_after", _value_sql(send_after, "iso", "", write, tz))

    outer_sql = _outer_sql(
        tuple(c.name for c in columns),
        tuple((f"{lb}:{t};", raw, nm) for lb, t, raw, nm in checked),
        write,
    )
    if checked:
        columns.append(Column(name="__invalid", role="invalid"))
    columns.append(Column(name="__fingerprint", role="fingerprint"))

    inner_sql = "SELECT\n" + ",\n".join(_indent(x, 2) for x in inner)
    inner_sql += (
        "\nFROM (\n" + _indent(model.sql(dialect=write, pretty=True), 2) + "\n) AS " + _ALIAS
    )
    sql = f"{outer_sql}\nFROM (\n{_indent(inner_sql, 2)}\n) AS {_NORMALISED}"
    return CompiledSync(sync=sync, dialect=write, sql=sql, columns=tuple(columns))


_NORMALISED = "n"


def _outer_sql(
    names: tuple[str, ...], checked: tuple[tuple[str, str, str], ...], dialect: str
) -> str:
    """The outer SELECT list: the values, ``__invalid`` and ``__fingerprint`` over them."""
    text = _outer_template(len(names), len(checked), dialect)
    # longest placeholders first, so __onesync_c1__ never rewrites part of __onesync_c12__
    subs: list[tuple[str, str]] = []
    for i, name in enumerate(names):
        subs.append((f"{_NORMALISED}.__onesync_c{i}__", _ident_sql(name, dialect, _NORMALISED)))
    for i, (message, raw, name) in enumerate(checked):
        subs.append((f"{_NORMALISED}.__onesync_r{i}__", _ident_sql(raw, dialect, _NORMALISED)))
        subs.append((f"{_NORMALISED}.__onesync_k{i}__", _ident_sql(name, dialect, _NORMALISED)))
        subs.append((f"'__onesync_l{i}__'", exp.Literal.string(message).sql(dialect=dialect)))
    pattern = re.compile("|".join(re.escape(a) for a, _ in subs))
    table = dict(subs)
    return pattern.sub(lambda m: table[m.group(0)], text)


@functools.lru_cache(maxsize=256)
def _outer_template(n_columns: int, n_checked: int, dialect: str) -> str:
    """The outer SELECT with placeholders, generated once per shape and dialect."""
    names = [f"__onesync_c{i}__" for i in range(n_columns)]
    outer: list[exp.Expr] = [_ref(n) for n in names]
    if n_checked:
        checked = [
            (f"__onesync_l{i}__", f"__onesync_r{i}__", f"__onesync_k{i}__")
            for i in range(n_checked)
        ]
        outer.append(exp.alias_(_invalid(checked, dialect), "__invalid", copy=False))
    outer.append(exp.alias_(_fingerprint(names[1:]), "__fingerprint", copy=False))
    select = exp.Select(expressions=outer).from_(exp.to_table(_NORMALISED), copy=False)
    head, _, _ = select.sql(dialect=dialect, pretty=True).rpartition("\nFROM ")
    return head


def _ref(name: str) -> exp.Column:
    return exp.column(exp.to_identifier(name), table=exp.to_identifier(_NORMALISED))


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _invalid(checked: Sequence[tuple[str, str, str]], dialect: str) -> exp.Expression:
    """Names of the fields whose raw value is there but did not fit its declared type, or NULL."""
    fam = values.family(dialect)
    body: exp.Expression | None = None
    for message, raw, name in checked:
        present = exp.and_(
            exp.not_(exp.Is(this=_ref(raw), expression=exp.Null()), copy=False),
            exp.NEQ(this=fam.text(_ref(raw)), expression=exp.Literal.string("")),
            copy=False,
        )
        bad = exp.and_(present, exp.Is(this=_ref(name), expression=exp.Null()), copy=False)
        piece = exp.Case(
            ifs=[exp.If(this=bad, true=exp.Literal.string(message))],
            default=exp.Literal.string(""),
        )
        body = piece if body is None else exp.DPipe(this=body, expression=piece, safe=True)
    assert body is not None
    return exp.Nullif(this=body, expression=exp.Literal.string(""))


def _is_literal_time(value: str) -> bool:
    """A delay (``+1h``) or a time (validate makes it RFC 3339 UTC) is a constant; a column name
    never starts with a digit, so anything else names a column. Agrees with ``Message.per_row``.
    """
    return value.startswith("+") or value[:1].isdigit()


def compile_project(
    project: Project,
    syncs: Sequence[str] | None = None,
    dialect: str | None = None,
    describe: Callable[[Sync, Source], Mapping[str, str] | None] | None = None,
) -> tuple[CompiledSync, ...]:
    """Compile every sync (or the named ones), collecting all problems before raising.

    ``describe(sync, source)`` returns the model's column types when the caller can ask the
    source (the compiler itself never connects to a database).
    """
    wanted = [project.sync(name) for name in syncs] if syncs else list(project.syncs)
    out: list[CompiledSync] = []
    problems: list[Diagnostic] = []
    for sync in wanted:
        source = project.source(sync.source)
        try:
            types = describe(sync, source) if describe is not None else None
            out.append(compile_sync(sync, source, dialect, types))
        except SpecError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise SpecError(problems)
    return tuple(out)
