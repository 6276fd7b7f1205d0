"""Value rules for text input, table-driven, on every engine; and valid SQL for every dialect."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from onesync.compile.values import DIALECTS, invalid, normalize, timestamp_iso
from onesync.model import Source
from onesync.sources import connect

from .dataset import PLACEHOLDER

# (type, text in a text column, normalised value, flagged invalid)
CASES = [
    ("number", " 42 ", "42", False),
    ("number", "10", "10", False),
    ("number", "100.000", "100", False),
    ("number", "-0.50", "-0.5", False),
    ("number", ".0", "0", False),
    ("number", "1e5", "1e5", False),
    ("number", "12abc", None, True),
    ("number", "", None, False),
    ("boolean", "TRUE", "true", False),
    ("boolean", "yes", "true", False),
    ("boolean", "0", "false", False),
    ("boolean", "N", "false", False),
    ("boolean", "maybe", None, True),
    ("date", "2024-05-01T23:30:00Z", "2024-05-01", False),
    ("date", "2024-13-01", None, True),
    ("date", "01/05/2024", None, True),
    ("date", "2024-02-30", None, True),
    ("date", "2024-02-29", "2024-02-29", False),
    ("date", "2023-02-29 10:00:00", None, True),
    ("date", "2000-02-29", "2000-02-29", False),
    ("date", "1900-02-29", None, True),
    ("date", "2024-04-31", None, True),
    ("unix_time", "2024-05-01", "1714521600", False),
    ("unix_time", "2024-05-01 12:00", "1714564800", False),
    ("unix_time", "2024-05-01 12:00:00.999", "1714564800", False),
    ("unix_time", "2024-05-01T14:00:00+02:00", "1714564800", False),
    ("unix_time", "2024-05-01T12:00:00Z", "1714564800", False),
    ("unix_time", "-5", "-5", False),
    ("unix_time", "12:00", None, True),
    ("unix_time", "2024-05-01 25:00:00", None, True),
    ("unix_time", "2024-02-30 10:00:00", None, True),
    ("unix_time", "2024-02-30T10:00:00+01:00", None, True),
    ("string", "  spaced  ", "  spaced  ", False),
    ("string", "", "", False),
]


def run_cases(dialect: str, source: Source, root: Path, table: str) -> None:
    with connect(source, root) as conn:
        text = "VARCHAR(64)" if dialect == "mysql" else "TEXT"
        conn.execute(f"CREATE TABLE {table} (k INTEGER, v {text})")
        for k, (_, value, _, _) in enumerate(CASES):
            conn.execute(f"INSERT INTO {table} VALUES ({PLACEHOLDER[dialect]}, "
                         f"{PLACEHOLDER[dialect]})", [k, value])  # fmt: skip
        got = {}
        for k, (type_, _, _, _) in enumerate(CASES):
            v = exp.column("v")
            flag = exp.Case().when(invalid(v, type_, dialect), exp.Literal.number(1))
            query = (
                exp.select(normalize(v, type_, dialect), flag.else_(exp.Literal.number(0)))
                .from_(exp.to_table(table, dialect=dialect))
                .where(exp.column("k").eq(k))
            )
            ((value, bad),) = next(conn.stream(query.sql(dialect)))
            got[k] = (value, bool(bad))
    assert got == {k: (want, bad) for k, (_, _, want, bad) in enumerate(CASES)}


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite"])
def test_embedded(dialect: str, tmp_path: Path) -> None:
    run_cases(dialect, Source("local", dialect, path="v.db"), tmp_path, "v")


@pytest.mark.postgres
def test_postgres(pg_url: str, pg_schema: str, tmp_path: Path) -> None:
    run_cases("postgres", Source("pg", "postgres", url=pg_url), tmp_path, f"{pg_schema}.v")


@pytest.mark.mysql
def test_mysql(mysql_db: str, tmp_path: Path) -> None:
    run_cases("mysql", Source("my", "mysql", url=mysql_db), tmp_path, "v")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_gets_sql_that_parses_back(dialect: str) -> None:
    col = exp.column("ltv", table="m")
    for zone in (None, "Europe/Berlin", "-05:00"):
        items = [timestamp_iso(col, dialect, timezone=zone)]
        for type_ in ("string", "number", "boolean", "unix_time", "date"):
            items.append(normalize(col, type_, dialect, timezone=zone))
            items.append(invalid(col, type_, dialect, timezone=zone))
        items.append(normalize(col, "string", dialect, source_type="TIMESTAMP_NTZ"))
        sql = exp.select(*items).from_(exp.to_table("m")).sql(dialect)
        assert sqlglot.parse_one(sql, read=dialect) is not None


def test_values_never_become_sql_text() -> None:
    # a hostile column name is quoted as an identifier, and the zone is a literal
    col = exp.column("x'; drop table t; --", quoted=True)
    sql = normalize(col, "unix_time", "postgres", timezone="Europe/Berlin").sql("postgres")
    assert '"x\'; drop table t; --"' in sql and "AT TIME ZONE 'Europe/Berlin'" in sql


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown tag type 'money'"):
        normalize(exp.column("x"), "money", "duckdb")
