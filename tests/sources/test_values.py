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
    # out of range: an invalid row, never a failed query (issue 13)
    ("unix_time", "99999999999999999999", None, True),  # over BIGINT: DuckDB/PostgreSQL aborted
    ("unix_time", "-99999999999999999999", None, True),
    ("unix_time", "9223372036854775808", None, True),  # MariaDB wrapped it to a negative
    ("unix_time", "99999999999999", None, True),  # after the year 9999
    ("unix_time", "253402300799", "253402300799", False),  # 9999-12-31T23:59:59Z
    ("unix_time", "-62135596800", "-62135596800", False),  # 0001-01-01T00:00:00Z
    ("unix_time", "-62135596801", None, True),
    ("unix_time", "0000001714564800", "1714564800", False),
    ("unix_time", "0000-01-01", None, True),  # PostgreSQL has no year 0
    ("unix_time", "9999-12-31T23:59:59-05:00", None, True),  # the year 10000 in UTC
    ("unix_time", "2024-05-01T12:00:00+16:00", None, True),  # PostgreSQL refuses the offset
    ("unix_time", "2024-05-01T12:00:00+15:00", None, True),  # SQLite reads up to 14:59
    ("unix_time", "2024-05-01T12:00:00+14:00", "1714514400", False),  # MariaDB: past +13:00
    ("unix_time", "2024-05-01T12:00:00-12:59", "1714611540", False),
    ("unix_time", "2050-01-01T00:00:00+02:00", "2524600800", False),  # MariaDB ignored it
    ("unix_time", "1960-01-01T00:00:00-02:00", "-315612000", False),
    ("number", "99999999999999999999", "99999999999999999999", False),  # exact, any size
    ("number", "-123456789012345678901234567890.50", "-123456789012345678901234567890.5", False),
    ("date", "not a date", None, True),
    ("date", "2024-5-1", None, True),
    ("iso", "99999999999999", None, True),
    ("iso", "99999999999999999999", None, True),
    ("iso", "253402300799", "9999-12-31T23:59:59Z", False),
    ("iso", "2050-01-01T00:00:00+02:00", "2049-12-31T22:00:00Z", False),
    ("iso", "0001-01-01T00:00:00+05:00", None, True),
]


def _value(v: exp.Expression, type_: str, dialect: str) -> tuple[exp.Expression, exp.Expression]:
    """The normalised value and the invalid flag; ``iso`` is an event timestamp."""
    if type_ == "iso":
        return timestamp_iso(v, dialect), invalid(v, "unix_time", dialect)
    return normalize(v, type_, dialect), invalid(v, type_, dialect)


def run_cases(dialect: str, source: Source, root: Path, table: str) -> None:
    with connect(source, root) as conn:
        text = "VARCHAR(64)" if dialect == "mysql" else "TEXT"
        conn.execute(f"CREATE TABLE {table} (k INTEGER, v {text})")
        for k, (_, value, _, _) in enumerate(CASES):
            conn.execute(f"INSERT INTO {table} VALUES ({PLACEHOLDER[dialect]}, "
                         f"{PLACEHOLDER[dialect]})", [k, value])  # fmt: skip
        got = {}
        for k, (type_, _, _, _) in enumerate(CASES):
            value, bad = _value(exp.column("v"), type_, dialect)
            flag = exp.Case().when(bad, exp.Literal.number(1))
            query = (
                exp.select(value, flag.else_(exp.Literal.number(0)))
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
