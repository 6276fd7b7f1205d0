"""Naive timestamps read in the source's ``timezone:``; values with an offset keep theirs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlglot import exp

from onesync.compile.values import normalize
from onesync.errors import SourceError
from onesync.model import Source
from onesync.sources import connect

from .dataset import load

# May is +02:00 in Berlin, December and February +01:00: a fixed '+02:00' differs there.
EXPECTED = {
    "Europe/Berlin": {
        "a/b c+d@e": ("1714557600", "2024-05-01 10:00:00", "1714564800", "1709161200",
                      "1714564800"),
        "o'brien": ("-3601", "1969-12-31 22:59:59", "1704067200", "-90000", None),
    },
    "+02:00": {
        "a/b c+d@e": ("1714557600", "2024-05-01 10:00:00", "1714564800", "1709157600",
                      "1714564800"),
        "o'brien": ("-7201", "1969-12-31 21:59:59", "1704067200", "-93600", None),
    },
}  # fmt: skip


def zoned_sql(dialect: str, table: str, zone: str) -> str:
    col = exp.column
    items = [
        col("id"),
        normalize(col("seen_at"), "unix_time", dialect, timezone=zone),
        normalize(col("seen_at"), "string", dialect, timezone=zone, source_type="timestamp"),
        normalize(col("paid_at"), "unix_time", dialect, timezone=zone),
        normalize(col("born"), "unix_time", dialect, timezone=zone),
        normalize(col("ts_text"), "unix_time", dialect, timezone=zone),
    ]
    where = exp.column("id").isin("a/b c+d@e", "o'brien")
    query = exp.select(*items).from_(exp.to_table(table, dialect=dialect)).where(where)
    return query.sql(dialect)


def check(dialect: str, source: Source, root: Path, table: str) -> None:
    assert source.timezone is not None
    with connect(Source(source.name, dialect, source.url, source.path), root) as conn:
        load(conn, dialect, table)  # written in UTC
    with connect(source, root) as conn:
        rows = [r for b in conn.stream(zoned_sql(dialect, table, source.timezone)) for r in b]
    assert {r[0]: tuple(r[1:]) for r in rows} == EXPECTED[source.timezone]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "+02:00"])
@pytest.mark.parametrize("dialect", ["duckdb", "sqlite"])
def test_embedded(dialect: str, zone: str, tmp_path: Path) -> None:
    check(dialect, Source("local", dialect, path="db.file", timezone=zone), tmp_path, "t")


@pytest.mark.postgres
@pytest.mark.parametrize("zone", ["Europe/Berlin", "+02:00"])
def test_postgres(zone: str, pg_url: str, pg_schema: str, tmp_path: Path) -> None:
    source = Source("warehouse", "postgres", url=pg_url, timezone=zone)
    check("postgres", source, tmp_path, f"{pg_schema}.t")


@pytest.mark.mysql
def test_mysql_fixed_offset(mysql_db: str, tmp_path: Path) -> None:
    check("mysql", Source("shop", "mysql", url=mysql_db, timezone="+02:00"), tmp_path, "t")


@pytest.mark.mysql
def test_mysql_named_zone_without_tables_is_one_clear_line(mysql_db: str, tmp_path: Path) -> None:
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", user="root")
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM mysql.time_zone_name")
        (zones,) = cur.fetchone()
    conn.close()
    if zones:
        pytest.skip("this MariaDB has its time zone tables loaded")
    with pytest.raises(SourceError) as err:
        connect(Source("shop", "mysql", url=mysql_db, timezone="Europe/Berlin"), tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("source 'shop' (mysql: mysql://root@127.0.0.1:3306/")
    assert "cannot use timezone 'Europe/Berlin'" in message
    assert "mariadb-tzinfo-to-sql" in message and "'+01:00'" in message
