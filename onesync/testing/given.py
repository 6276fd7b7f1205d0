"""A test's ``given:`` rows as tables in a DuckDB file, and the sync compiled over them.

The planner attaches that file as the sync's source (``onesync.testing.sends``), so a table the
model names with a catalog (``db.schema.table``) cannot be given: the attached file is the
catalog. Such a test gives the model's rows instead.

Two forms (schema: ``$defs/test`` in ``schemas/sync.schema.json``):

* ``given: [rows]``: the model's output rows. They fill one table and the sync is compiled with
  that table as its model, so only the mapping (identity, tags, types, templates) is tested.
  Model columns a row leaves out are NULL.
* ``given: {table: rows | {columns, rows}}``: the rows of each table the model reads. The real
  model runs over them: its SQL is read in the source's dialect and written for DuckDB by sqlglot
  (the same ``compile_sync(..., dialect="duckdb")`` as ``onesync compile --dialect duckdb``).

A column's type comes from ``columns:`` (a DuckDB type: values are cast from their text as
written) or from its values: integers BIGINT, numbers DOUBLE, ``true``/``false`` BOOLEAN, anything
else (or a mix) VARCHAR, holding the text as written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from onesync.compile import compile_sync, parse_model
from onesync.errors import SourceError
from onesync.load import Document
from onesync.model import CompiledSync, Model, Source, Sync
from onesync.sources import Connector
from onesync.validate.sql import database_text, output_columns

__all__ = ["MODEL_ROWS", "GivenProblem", "compile_given", "database_words"]

MODEL_ROWS = "onesync_given"  # the table that holds a test's model rows
Path_ = tuple[str | int, ...]
_INT64 = 1 << 63


class GivenProblem(Exception):
    """A test whose given rows cannot run: reported at ``path`` in the spec, like a spec error."""

    def __init__(self, path: Path_, message: str, hint: str | None = None, *, key: bool = False):
        super().__init__(message)
        self.path, self.message, self.hint, self.key = path, message, hint, key


def database_words(exc: SourceError) -> str:
    """The database's own words in a connector error (no source prefix, no step name)."""
    text = database_text(str(exc))
    for step in ("statement failed: ", "query failed: "):
        text = text.removeprefix(step)
    return text


def _ident(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _infer(values: Sequence[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return "BOOLEAN"
    if kinds == {int} and all(-_INT64 <= v < _INT64 for v in values if v is not None):
        return "BIGINT"
    if kinds and kinds <= {int, float}:
        return "DOUBLE"
    return "VARCHAR"


def _text(doc: Document, path: Path_, value: Any) -> str | None:
    """A value as the text written in the spec (``1249.50`` stays ``1249.50``)."""
    if value is None or isinstance(value, str):
        return value
    span = doc.spans.get(path)
    return span.raw if span is not None and span.raw is not None else str(value).lower()


def _create(
    conn: Connector,
    doc: Document,
    path: Path_,
    table: exp.Table,
    rows: Sequence[Mapping[str, Any]],
    rows_path: Path_,
    declared: Mapping[str, str],
    extra: Sequence[str] = (),
) -> None:
    """Create ``table`` with a column per name in ``declared``, the rows, and ``extra``; insert."""
    names = list(dict.fromkeys([*declared, *(c for row in rows for c in row), *extra]))
    types: dict[str, str] = {}
    for name in names:
        if name in declared:
            types[name] = exp.DataType.build(declared[name], dialect="duckdb").sql("duckdb")
        else:
            types[name] = _infer([r.get(name) for r in rows])
    if table.args.get("catalog"):
        raise GivenProblem(
            path,
            f"cannot give table '{table.sql('duckdb')}': a test's tables are one DuckDB file, "
            "which the planner reads as the source's catalog",
            "give the model's rows as a list to test the mapping",
            key=True,
        )
    if table.args.get("db"):
        schema = exp.Table(this=table.args["db"])
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema.sql('duckdb', identify=True)}")
    target = table.sql("duckdb", identify=True)
    cols = ", ".join(f"{_ident(n)} {types[n]}" for n in names)
    conn.execute(f"CREATE TABLE {target} ({cols})")
    for j, row in enumerate(rows):
        params: list[Any] = []
        slots: list[str] = []
        for name in names:
            value = row.get(name)
            if name in declared:
                params.append(_text(doc, (*rows_path, j, name), value))
                slots.append(f"CAST(? AS {types[name]})")
            elif types[name] == "VARCHAR":
                params.append(_text(doc, (*rows_path, j, name), value))
                slots.append("?")
            else:
                params.append(value)
                slots.append("?")
        try:
            conn.execute(f"INSERT INTO {target} VALUES ({', '.join(slots)})", params)
        except SourceError as exc:
            raise GivenProblem(
                (*rows_path, j),
                f"this row does not fit its table: {database_words(exc)}",
                "make each value fit its column's type in columns:",
            ) from None


def _sync_columns(sync: Sync) -> list[str]:
    """The model columns the sync reads, so model rows that leave one out still compile."""
    cols = [sync.key_column, sync.identity.external_id]
    for f in (*sync.identity.aliases, *sync.subscriptions, *sync.tags):
        cols.append(f.column)
    if sync.event is not None:
        cols += [f.column for f in sync.event.properties]
        cols += [sync.event.timestamp] if sync.event.timestamp else []
    if sync.message is not None:
        cols += [f.column for f in sync.message.custom_data] + list(sync.message.variables)
        after = sync.message.send_after or ""
        if after and not (after.startswith("+") or after[:1].isdigit()):
            cols.append(after)
    return list(dict.fromkeys(cols))


def _types(conn: Connector, sql: str) -> dict[str, str]:
    return {name: type_ for name, type_ in conn.columns(sql)}


def compile_given(
    conn: Connector, doc: Document, at: Path_, given: Any, sync: Sync, source: Source
) -> CompiledSync:
    """Load ``given`` (the value at ``at`` in ``doc``) into ``conn`` and compile the sync for
    DuckDB over it; raises GivenProblem when the rows or the model cannot run."""
    if isinstance(given, list):
        declared_model = output_columns(sync.model.sql, source.dialect) if sync.model.sql else None
        extra = [*(declared_model or []), *_sync_columns(sync)]
        try:
            _create(conn, doc, at, exp.to_table(MODEL_ROWS), given, at, {}, extra)
        except SourceError as exc:
            raise GivenProblem(
                at, f"cannot hold the given rows: {database_words(exc)}", key=True
            ) from None
        rows_sync = dataclasses.replace(sync, model=Model(table=MODEL_ROWS))
        duck = dataclasses.replace(source, dialect="duckdb")
        types = _types(conn, f"SELECT * FROM {_ident(MODEL_ROWS)}")
        return compile_sync(rows_sync, duck, "duckdb", types)
    for key, value in given.items():
        table = exp.to_table(key, dialect=source.dialect)
        rows = value.get("rows", []) if isinstance(value, dict) else value
        declared = (value.get("columns") or {}) if isinstance(value, dict) else {}
        rows_path = (*at, key, "rows") if isinstance(value, dict) else (*at, key)
        try:
            _create(conn, doc, (*at, key), table, rows, rows_path, declared)
        except SourceError as exc:
            raise GivenProblem(
                (*at, key), f"cannot create table '{key}': {database_words(exc)}", key=True
            ) from None
    model_sql = parse_model(sync, source.dialect).sql(dialect="duckdb")
    try:
        types = _types(conn, model_sql)
    except SourceError as exc:
        words = database_words(exc)
        how = "" if source.dialect == "duckdb" else f" ({source.dialect} SQL written for DuckDB)"
        raise GivenProblem(
            at,
            f"the model{how} does not run on the given tables: {words}",
            "give every column the model reads (null values are fine), or give the model's "
            "rows as a list to test the mapping alone",
            key=True,
        ) from None
    return compile_sync(sync, source, "duckdb", types)
