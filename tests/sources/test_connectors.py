"""Connectors: shapes without rows, streaming in batches, CSV, SQLite functions, the catalog."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from onesync.errors import SourceError
from onesync.model import Source
from onesync.sources import catalog, connect


def duck(path: str = "shop.duckdb", **kw: str) -> Source:
    return Source("local", "duckdb", path=path, **kw)


def test_relative_paths_resolve_against_the_project_root(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with connect(duck("data/shop.duckdb"), tmp_path) as conn:
        conn.execute("CREATE TABLE t (a INT)")
    assert (tmp_path / "data" / "shop.duckdb").is_file()
    with connect(Source("local", "duckdb", url="duckdb:///" + str(tmp_path / "u.duckdb"))) as c:
        c.execute("CREATE TABLE u (a INT)")
    assert (tmp_path / "u.duckdb").is_file()


def test_columns_and_table_columns_read_no_rows(tmp_path: Path) -> None:
    with connect(duck(), tmp_path) as conn:
        conn.execute("CREATE SCHEMA crm")
        conn.execute("CREATE TABLE crm.customers (id BIGINT, ltv DECIMAL(10,2), seen TIMESTAMP)")
        assert conn.table_columns("crm.customers") == [
            ("id", "BIGINT"), ("ltv", "DECIMAL(10,2)"), ("seen", "TIMESTAMP"),
        ]  # fmt: skip
        # a query that would fail on any row still describes fine: nothing is read
        sql = "select id, 1 / 0 as boom, cast('x' as int) as bad from crm.customers;"
        assert [n for n, _ in conn.columns(sql)] == ["id", "boom", "bad"]


def test_a_csv_file_is_a_source(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "people.csv").write_text(
        'id,email,ltv\n1,a@example.com,49.99\n2,"b,c@example.com",50.00\n', encoding="utf-8"
    )
    with connect(Source("csv", "duckdb", path=":memory:"), tmp_path) as conn:
        sql = "select id, email, ltv from read_csv('data/people.csv') order by id"
        assert [n for n, _ in conn.columns(sql)] == ["id", "email", "ltv"]
        rows = [r for b in conn.stream(sql) for r in b]
    assert [(r[0], r[1]) for r in rows] == [(1, "a@example.com"), (2, "b,c@example.com")]


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite"])
def test_embedded_batches_come_in_batch_size_chunks(dialect: str, tmp_path: Path) -> None:
    with connect(Source("local", dialect, path="x.db"), tmp_path) as conn:
        conn.execute("CREATE TABLE n (i INTEGER)")
        for i in range(25):
            conn.execute("INSERT INTO n VALUES (?)", [i])
        batches = list(conn.stream("select i from n order by i", batch_size=10))
    assert [len(b) for b in batches] == [10, 10, 5]
    assert [r[0] for b in batches for r in b] == list(range(25))


@pytest.mark.postgres
def test_postgres_streams_through_a_named_cursor(pg_url: str) -> None:
    with connect(Source("warehouse", "postgres", url=pg_url)) as conn:
        stream = conn.stream("select i from generate_series(1, 25) as g(i)", batch_size=10)
        first = next(stream)
        # while reading, the rows live on the server behind a cursor onesync declared
        cursors = conn.conn.execute("select name, is_holdable from pg_cursors").fetchall()
        rest = list(stream)
    assert [len(first)] + [len(b) for b in rest] == [10, 10, 5]
    assert any(name.startswith("onesync_") and not holdable for name, holdable in cursors)


@pytest.mark.postgres
def test_postgres_types_and_session_zone(pg_url: str, pg_schema: str) -> None:
    with connect(Source("warehouse", "postgres", url=pg_url, timezone="Europe/Berlin")) as conn:
        conn.execute(f'create table "{pg_schema}".c (ltv numeric(10,2), at timestamptz)')
        assert conn.table_columns(f"{pg_schema}.c") == [
            ("ltv", "numeric(10,2)"), ("at", "timestamptz"),
        ]  # fmt: skip
        assert next(conn.stream("select current_setting('TimeZone')")) == [("Europe/Berlin",)]


@pytest.mark.mysql
def test_mysql_streams_unbuffered_in_batches(mysql_db: str) -> None:
    with connect(Source("shop", "mysql", url=mysql_db)) as conn:
        conn.execute("CREATE TABLE n (i INT, d DECIMAL(10,2), s VARCHAR(10))")
        conn.execute("INSERT INTO n VALUES (1, 49.99, 'é'), (2, 50.00, '🎉'), (3, NULL, NULL)")
        assert conn.table_columns("n") == [("i", "int"), ("d", "decimal"), ("s", "varchar")]
        batches = list(conn.stream("SELECT i, s FROM n ORDER BY i", batch_size=2))
        zone = next(conn.stream("SELECT @@session.time_zone"))
    assert batches == [[(1, "é"), (2, "🎉")], [(3, None)]]
    assert zone == [("+00:00",)]


def test_sqlite_has_md5_and_regexp_like_the_other_engines(tmp_path: Path) -> None:
    text = "Zoë 🎉 '; drop table x; --"
    with connect(Source("lite", "sqlite", path="x.sqlite"), tmp_path) as conn:
        got = next(conn.stream("select md5(?), md5(NULL), 'a1' REGEXP '^[a-z][0-9]$'".replace(
            "?", "'" + text.replace("'", "''") + "'")))  # fmt: skip
    with connect(Source("local", "duckdb", path=":memory:"), tmp_path) as conn:
        duck_md5 = next(conn.stream("select md5('" + text.replace("'", "''") + "')"))[0][0]
    assert got == [(hashlib.md5(text.encode()).hexdigest(), None, 1)]
    assert got[0][0] == duck_md5
    # the file stays a plain SQLite file other tools can open
    assert sqlite3.connect(tmp_path / "x.sqlite").execute("select 1").fetchone() == (1,)


@pytest.mark.parametrize("dialect", ["bigquery", "trino", "redshift"])
def test_dialects_without_a_connector_say_they_compile_only(dialect: str) -> None:
    with pytest.raises(SourceError) as err:
        connect(Source("dw", dialect, url=f"{dialect}://user:hunter2@acct/db"))
    message = str(err.value)
    assert "cannot be read yet" in message and "onesync compile" in message
    assert "hunter2" not in message and "***" in message


def test_catalog_gives_table_and_query_columns(tmp_path: Path) -> None:
    with connect(duck(), tmp_path) as conn:
        conn.execute("CREATE TABLE customers (id INT, email VARCHAR)")
    unreachable = Source("gone", "postgres", url="postgresql://u:pw@127.0.0.1:1/db")
    with catalog(tmp_path) as lookup:
        assert lookup(duck(), "customers") == ["id", "email"]
        assert lookup(duck(), "select id as external_id from customers") == ["external_id"]
        assert lookup(unreachable, "customers") is None
        with pytest.raises(SourceError, match="customerz"):
            lookup(duck(), "customerz")


def test_duckdb_session_runs_in_the_source_zone(tmp_path: Path) -> None:
    with connect(duck(timezone="Europe/Berlin"), tmp_path) as conn:
        assert next(conn.stream("select current_setting('TimeZone')")) == [("Europe/Berlin",)]
    with connect(duck(), tmp_path) as conn:
        assert next(conn.stream("select current_setting('TimeZone')")) == [("UTC",)]


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite"])
def test_a_model_ending_in_a_comment_can_be_described(dialect: str, tmp_path: Path) -> None:
    sql = "select 1 as a, 'x' as b -- the model's last line is a comment\n;"
    with connect(Source("local", dialect, path=":memory:"), tmp_path) as conn:
        assert [n for n, _ in conn.columns(sql)] == ["a", "b"]
