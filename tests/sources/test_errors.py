"""Every database failure is one SourceError line: the spec file, the source, the database's
own words, and never the password."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from onesync.errors import SourceError
from onesync.model import Source
from onesync.sources import connect

SPEC = "specs/customer_profile.yaml"


def error_line(call) -> str:
    with pytest.raises(SourceError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def read_all(source: Source, sql: str, root: Path | str = ".") -> None:
    with connect(source, root, context=SPEC) as conn:
        for _ in conn.stream(sql):
            pass


@pytest.mark.postgres
def test_postgres_unreachable_server_hides_the_password() -> None:
    source = Source("warehouse", "postgres", url="postgresql://app:s3cr3t-pw@127.0.0.1:1/shop")
    line = error_line(lambda: connect(source, context=SPEC))
    assert line.startswith(
        f"{SPEC}: source 'warehouse' (postgres: postgresql://app:***@127.0.0.1:1/shop): "
        "cannot connect: "
    )
    assert "refused" in line and "s3cr3t-pw" not in line


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("select * from no_such_table", 'relation "no_such_table" does not exist'),
        ("select 1 / (i - 3) from generate_series(1, 5) as g(i)", "division by zero"),
    ],
)
def test_postgres_query_failures(pg_url: str, sql: str, words: str) -> None:
    line = error_line(lambda: read_all(Source("warehouse", "postgres", url=pg_url), sql))
    assert line.startswith(f"{SPEC}: source 'warehouse' (postgres: {pg_url}): query failed: ")
    assert words in line


@pytest.mark.postgres
def test_postgres_missing_table_in_catalogue(pg_url: str) -> None:
    with connect(Source("warehouse", "postgres", url=pg_url), context=SPEC) as conn:
        line = error_line(lambda: conn.table_columns("crm.customers"))
    assert 'relation "crm.customers" does not exist' in line


@pytest.fixture
def mysql_user(mysql_url: str) -> Iterator[tuple[str, str]]:
    """A MariaDB user with a password, dropped afterwards."""
    import pymysql

    name, password = f"u_{uuid.uuid4().hex[:8]}", "right-Pa55"
    conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    with conn.cursor() as cur:
        cur.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", [name, password])
        cur.execute("CREATE USER %s@'localhost' IDENTIFIED BY %s", [name, password])
    yield name, password
    with conn.cursor() as cur:
        cur.execute("DROP USER %s@'%%'", [name])
        cur.execute("DROP USER %s@'localhost'", [name])
    conn.close()


@pytest.mark.mysql
def test_mysql_wrong_password(mysql_user: tuple[str, str]) -> None:
    name, right = mysql_user
    ok = Source("shop", "mysql", url=f"mysql://{name}:{right}@127.0.0.1:3306/")
    with connect(ok) as conn:
        assert next(conn.stream("SELECT 1")) == [(1,)]
    bad = Source("shop", "mysql", url=f"mysql://{name}:wrong-Pa55@127.0.0.1:3306/test")
    line = error_line(lambda: connect(bad, context=SPEC))
    assert line.startswith(
        f"{SPEC}: source 'shop' (mysql: mysql://{name}:***@127.0.0.1:3306/test): cannot connect: "
    )
    assert "Access denied" in line and "(1045)" in line and "wrong-Pa55" not in line


@pytest.mark.mysql
def test_mysql_unreachable_and_query_failures(mysql_db: str) -> None:
    gone = Source("shop", "mysql", url="mysql://root:pw@127.0.0.1:1/test")
    assert "Can't connect" in error_line(lambda: connect(gone))
    source = Source("shop", "mysql", url=mysql_db)
    line = error_line(lambda: read_all(source, "SELECT * FROM no_such_table"))
    assert line.startswith(f"{SPEC}: source 'shop' (mysql: {mysql_db}): query failed: ")
    assert "no_such_table' doesn't exist (1146)" in line
    assert "Unknown column 'nope'" in error_line(lambda: read_all(source, "SELECT nope"))


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite"])
def test_embedded_query_failures(dialect: str, tmp_path: Path) -> None:
    source = Source("local", dialect, path="shop.db")
    line = error_line(lambda: read_all(source, "select * from no_such_table", tmp_path))
    assert line.startswith(f"{SPEC}: source 'local' ({dialect}: shop.db): query failed: ")
    assert "no_such_table" in line
    with connect(source, tmp_path) as conn:
        assert "no_such_table" in error_line(lambda: conn.table_columns("no_such_table"))


def test_duckdb_runtime_failure_after_rows_started(tmp_path: Path) -> None:
    sql = "select cast(case when i < 20000 then '1' else 'x' end as int) from range(30000) t(i)"
    line = error_line(lambda: read_all(Source("local", "duckdb", path=":memory:"), sql, tmp_path))
    assert "query failed: Conversion Error" in line


def test_embedded_missing_directory(tmp_path: Path) -> None:
    source = Source("local", "duckdb", path="nowhere/shop.duckdb")
    line = error_line(lambda: connect(source, tmp_path, context=SPEC))
    assert line == (
        f"{SPEC}: source 'local' (duckdb: nowhere/shop.duckdb): cannot open: "
        f"directory {tmp_path / 'nowhere'} does not exist"
    )
