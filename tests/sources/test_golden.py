"""Cross-engine golden test: the same data through normalize() gives identical text everywhere.

The data set (tests/sources/dataset.py) is loaded into a DuckDB file, a SQLite file and the real
PostgreSQL and MariaDB servers; one SELECT built from onesync.compile.values runs on each and
must return exactly EXPECTED.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlglot import exp

from onesync.compile.values import invalid, normalize, timestamp_iso
from onesync.model import Source
from onesync.sources import connect

from .dataset import load

# (output name, column, how): how is a tag type, "iso" for timestamp_iso, or "bad:<type>" for
# the invalid() flag, or "string:<db type>" for a string tag told its column's type.
OUTPUTS = [
    ("id", "id", "string"),
    ("name", "name", "string"),
    ("price", "price", "number"),
    ("big", "big", "number"),
    ("ratio", "ratio", "number"),
    ("active", "active", "boolean"),
    ("born", "born", "date"),
    ("born_unix", "born", "unix_time"),
    ("seen_unix", "seen_at", "unix_time"),
    ("seen_text", "seen_at", "string:timestamp"),
    ("seen_date", "seen_at", "date"),
    ("paid_unix", "paid_at", "unix_time"),
    ("paid_iso", "paid_at", "iso"),
    ("num", "num_text", "number"),
    ("num_bad", "num_text", "bad:number"),
    ("name_bad", "name", "bad:number"),
    ("ts", "ts_text", "unix_time"),
    ("ts_bad", "ts_text", "bad:unix_time"),
    # string tags told the column's type by the connector's own catalogue
    ("price_s", "price", "string:?"),
    ("ratio_s", "ratio", "string:?"),
    ("active_s", "active", "string:?"),
    ("born_s", "born", "string:?"),
    ("paid_s", "paid_at", "string:?"),
]

EXPECTED = {
    "a/b c+d@e": (
        "a/b c+d@e", 'Zoë 🎉 "quoted"', "49.99", "9007199254740993", "0.1", "true",
        "2024-02-29", "1709164800", "1714564800", "2024-05-01 12:00:00", "2024-05-01",
        "1714564800", "2024-05-01T12:00:00Z", "42", False, True, "1714564800", False,
        "49.99", "0.1", "true", "2024-02-29", "2024-05-01 12:00:00",
    ),
    "o'brien": (
        "o'brien", "'; drop table x; --", "50", "-1", "-2.5", "false", "1969-12-31",
        "-86400", "-1", "1969-12-31 23:59:59", "1969-12-31", "1704067200",
        "2024-01-01T00:00:00Z", None, True, True, None, True,
        "50", "-2.5", "false", "1969-12-31", "2024-01-01 00:00:00",
    ),
    "empty": (
        "empty", "", "1.5", "0", "0.30000000000000004", "true", "2000-01-01", "946684800",
        "946684800", "2000-01-01 00:00:00", "2000-01-01", "946702800", "2000-01-01T05:00:00Z",
        None, False, False, None, False,
        "1.5", "0.30000000000000004", "true", "2000-01-01", "2000-01-01 05:00:00",
    ),
    "x": (
        "x", "日本語 ß\\n", "0", "9223372036854775807", "1", "false", "1999-12-31",
        "946598400", None, None, None, None, None, "-12.5", False, True, "1714564800", False,
        "0", "1", "false", "1999-12-31", None,
    ),
    "nulls": ("nulls",) + (None,) * 13 + (False, False, None, False) + (None,) * 5,
}  # fmt: skip


def golden_sql(dialect: str, table: str, types: dict[str, str]) -> str:
    col = exp.column
    items = []
    for name, column, how in OUTPUTS:
        if how == "iso":
            e = timestamp_iso(col(column), dialect)
        elif how.startswith("bad:"):
            pred = invalid(col(column), how[4:], dialect)
            e = exp.Case().when(pred, exp.Literal.number(1)).else_(exp.Literal.number(0))
        elif how == "string:?":
            e = normalize(col(column), "string", dialect, source_type=types[column])
        elif how.startswith("string:"):
            e = normalize(col(column), "string", dialect, source_type=how[7:])
        else:
            e = normalize(col(column), how, dialect)
        items.append(e.as_(name))
    return exp.select(*items).from_(exp.to_table(table, dialect=dialect)).sql(dialect)


def check(dialect: str, source: Source, root: Path, table: str) -> None:
    with connect(source, root) as conn:
        load(conn, dialect, table)
        types = dict(conn.table_columns(table))
        sql = golden_sql(dialect, table, types)
        rows = [r for batch in conn.stream(sql, batch_size=2) for r in batch]
    got = {}
    for row in rows:
        flags = {i for i, (_, _, how) in enumerate(OUTPUTS) if how.startswith("bad:")}
        got[row[0]] = tuple(bool(v) if i in flags else v for i, v in enumerate(row))
    assert got == EXPECTED


def test_duckdb(tmp_path: Path) -> None:
    check("duckdb", Source("local", "duckdb", path="shop.duckdb"), tmp_path, "t")


def test_sqlite(tmp_path: Path) -> None:
    check("sqlite", Source("lite", "sqlite", path="shop.sqlite"), tmp_path, "t")


@pytest.mark.postgres
def test_postgres(pg_url: str, pg_schema: str, tmp_path: Path) -> None:
    check("postgres", Source("warehouse", "postgres", url=pg_url), tmp_path, f"{pg_schema}.t")


@pytest.mark.mysql
def test_mysql(mysql_db: str, tmp_path: Path) -> None:
    check("mysql", Source("shop", "mysql", url=mysql_db), tmp_path, "t")
