"""Checks of a spec's ``tests:`` section (``onesync test``), beyond its JSON Schema shape.

A test names what the sync sends: the rule refuses an expected tag, alias, property or language
the sync does not have, an ``expect`` list of the wrong kind (events on a profile sync), given
rows with a column the model does not output, and given tables the model does not read (or
tables it reads that the test leaves out). ``onesync validate`` runs it like any other rule; the
tests themselves run only in ``onesync test`` (``onesync.testing``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlglot import exp
from sqlglot.errors import SqlglotError

from onesync.errors import Diagnostic
from onesync.validate.context import Context, Spec, get
from onesync.validate.sql import SqlProblem, parse_model
from onesync.validate.suggest import did_you_mean, one_of

__all__ = ["KINDS", "check_tests", "model_tables", "table_name"]

# what each kind of sync sends, as the ``expect`` key that lists it
KINDS = {"profile": "users", "event": "events", "message": "messages"}
_ID = {"users": "external_id", "events": "key", "messages": "key"}


def table_name(text: str, dialect: str) -> str:
    """A table reference as ``catalog.schema.table``, lower case; raises SqlglotError."""
    table = exp.to_table(text, dialect=dialect)
    parts = [table.catalog, table.db, table.name]
    return ".".join(p for p in parts if p).lower()


def model_tables(sql: str | None, table: str | None, dialect: str) -> dict[str, str] | None:
    """The tables a model reads (CTEs and table functions left out), as
    ``catalog.schema.table`` in lower case -> the name as the model writes it; None if the model
    does not parse (that is reported by the model's own checks)."""
    try:
        if table is not None:
            return {table_name(table, dialect): table}
        query = parse_model(sql or "", dialect)
    except (SqlProblem, SqlglotError, ValueError):
        return None
    ctes = {c.alias_or_name.lower() for c in query.find_all(exp.CTE)}
    found: dict[str, str] = {}
    for t in query.find_all(exp.Table):
        if not isinstance(t.this, exp.Identifier):
            continue  # read_csv(...), unnest(...): nothing a test can give rows for
        if not t.db and t.name.lower() in ctes:
            continue
        name = ".".join(p for p in (t.catalog, t.db, t.name) if p).lower()
        shown = exp.Table(this=t.this, db=t.args.get("db"), catalog=t.args.get("catalog"))
        found.setdefault(name, shown.sql(dialect))
    return found


def _kind(data: dict[str, Any]) -> str:
    return "event" if "event" in data else "message" if "message" in data else "profile"


def _names(spec: Spec) -> dict[str, list[str]]:
    """The names a sync sends, per expected field: tag keys, alias labels, properties, ..."""
    d = spec.data
    msg = d.get("message") or {}
    languages = sorted(
        {lang for part in ("headings", "contents", "subject") for lang in (msg.get(part) or {})}
    )
    return {
        "tags": list(get(d, ("tags",), {}) or {}),
        "aliases": list(get(d, ("identity", "aliases"), {}) or {}),
        "subscriptions": list(get(d, ("subscriptions",), {}) or {}),
        "properties": list(get(d, ("event", "properties"), {}) or {}),
        "custom_data": list(msg.get("custom_data") or {}),
        "headings": languages,
        "contents": languages,
        "subject": languages,
    }


_WHAT = {
    "tags": "tag",
    "aliases": "alias",
    "subscriptions": "subscription",
    "properties": "event property",
    "custom_data": "custom_data entry",
    "headings": "language",
    "contents": "language",
    "subject": "language",
}


def check_tests(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    """Every test of the spec names what its sync has, and gives what its model reads."""
    tests = spec.data.get("tests")
    if not isinstance(tests, list):
        return
    seen: dict[str, int] = {}
    for i, test in enumerate(tests):
        if not isinstance(test, dict):
            continue
        name = test.get("name")
        label = f"test '{name}'" if isinstance(name, str) else f"tests[{i}]"
        if isinstance(name, str):
            if name in seen:
                yield spec.doc.diag(
                    ("tests", i, "name"),
                    f"{label} is already defined on line {seen[name]}",
                    "give each test of the file its own name",
                )
            else:
                seen[name] = spec.doc.at(("tests", i, "name"))[0]
        yield from _check_given(spec, ("tests", i, "given"), test.get("given"), label)
        yield from _check_expect(spec, ("tests", i, "expect"), test.get("expect"), label)


def _check_given(
    spec: Spec, at: tuple[str | int, ...], given: Any, label: str
) -> Iterator[Diagnostic]:
    if isinstance(given, list):
        for j, row in enumerate(given):
            yield from _row_columns(spec, (*at, j), row, label)
        return
    if not isinstance(given, dict) or spec.source is None or spec.model is None:
        return
    dialect = spec.source.dialect
    reads = model_tables(spec.model.sql, spec.model.table, dialect)
    if reads is None:
        return
    named: set[str] = set()  # the tables given, and those a misspelt name was taken for
    for key, value in given.items():
        path = (*at, key)
        try:
            name = table_name(key, dialect)
        except (SqlglotError, ValueError):
            yield spec.doc.diag(
                path, f"{label}: '{key}' is not a table name", "write schema.table", key=True
            )
            continue
        named.add(name)
        if name not in reads:
            if reads:
                close = did_you_mean(key, reads.values())
                hint = close or f"the model reads: {', '.join(reads.values())}"
                named.update(r for r, shown in reads.items() if close and f"'{shown}'" in close)
            else:
                hint = "the model reads no table; give its rows as a list: given: [{column: value}]"
            yield spec.doc.diag(
                path, f"{label}: the model does not read table '{key}'", hint, key=True
            )
        yield from _given_table(spec, path, value, label, key)
    for name, shown in reads.items():
        if name not in named:
            yield spec.doc.diag(
                at,
                f"{label}: the model also reads table {shown}; give its rows",
                f"add {shown}: [rows], or {shown}: {{columns: {{id: varchar}}, rows: []}} for an "
                "empty table",
                key=True,
            )


def _given_table(
    spec: Spec, path: tuple[str | int, ...], value: Any, label: str, key: str
) -> Iterator[Diagnostic]:
    columns = (value.get("columns") or {}) if isinstance(value, dict) else {}
    rows = value.get("rows") if isinstance(value, dict) else value
    for column, type_ in columns.items():
        try:
            exp.DataType.build(type_, dialect="duckdb")
        except (SqlglotError, ValueError):
            yield spec.doc.diag(
                (*path, "columns", column),
                f"{label}: '{type_}' is not a DuckDB column type",
                "e.g. varchar, bigint, double, boolean, decimal(12, 2), date, timestamp",
            )
    if isinstance(rows, list) and not columns and not any(rows):
        yield spec.doc.diag(
            path,
            f"{label}: table '{key}' has no rows and no columns",
            "an empty table needs its columns: {columns: {id: varchar}, rows: []}",
            key=True,
        )


def _row_columns(
    spec: Spec, path: tuple[str | int, ...], row: Any, label: str
) -> Iterator[Diagnostic]:
    """A row of the model's output may only name the model's output columns."""
    if spec.columns is None or not isinstance(row, dict):
        return
    for column in row:
        if column not in spec.columns:
            hint = did_you_mean(column, spec.columns) or f"the model has: {', '.join(spec.columns)}"
            yield spec.doc.diag(
                (*path, column),
                f"{label}: column '{column}' is not in the model's output",
                hint,
                key=True,
            )


def _check_expect(
    spec: Spec, at: tuple[str | int, ...], expect: Any, label: str
) -> Iterator[Diagnostic]:
    if not isinstance(expect, dict):
        return
    kind = _kind(spec.data)
    sends = KINDS[kind]
    for key in KINDS.values():
        if key in expect and key != sends:
            yield spec.doc.diag(
                (*at, key),
                f"{label}: sync '{spec.name}' sends {sends}, not {key}",
                f"list what it sends under expect.{sends}",
                key=True,
            )
    names = _names(spec)
    items = expect.get(sends)
    seen: dict[str, int] = {}
    for j, item in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(item, dict):
            continue
        ident = item.get(_ID[sends])
        if isinstance(ident, str):
            if ident in seen:
                yield spec.doc.diag(
                    (*at, sends, j, _ID[sends]),
                    f"{label}: {_ID[sends]} '{ident}' is already listed on line {seen[ident]}",
                    "list each one once",
                )
            else:
                seen[ident] = spec.doc.at((*at, sends, j, _ID[sends]))[0]
        for fieldname, known in names.items():
            value = item.get(fieldname)
            if not isinstance(value, dict):
                continue
            for name in value:
                if name not in known:
                    what = _WHAT[fieldname]
                    hint = one_of(name, known) if known else f"the sync sends no {fieldname}"
                    yield spec.doc.diag(
                        (*at, sends, j, fieldname, name),
                        f"{label}: the sync has no {what} '{name}'",
                        hint,
                        key=True,
                    )
    fields = names["subscriptions"] + names["aliases"] + ["tags"] if kind == "profile" else []
    for j, item in enumerate(expect.get("invalid") or ()):
        field = item.get("field") if isinstance(item, dict) else None
        if isinstance(field, str) and field not in fields:
            hint = (
                one_of(field, fields)
                if fields
                else "an event or message row is refused whole; leave field out"
            )
            yield spec.doc.diag(
                (*at, "invalid", j, "field"),
                f"{label}: '{field}' is not a field this sync can have refused",
                hint,
            )
