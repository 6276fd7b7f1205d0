"""Fixtures shared by every test package: the real database servers of this machine.

In CI (CI=true) a test that needs a server fails when the server is missing; on a laptop it
skips with the reason.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest

PG_BASE = os.environ.get("ONESYNC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_BASE = os.environ.get("ONESYNC_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def need_server(name: str, port: int) -> None:
    if _reachable(port):
        return
    message = f"{name} is not running on 127.0.0.1:{port}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message} (CI=true: .ci/run should have started it)")
    pytest.skip(message)


@pytest.fixture
def pg_url() -> str:
    """The URL of the real PostgreSQL test database."""
    need_server("PostgreSQL", 5432)
    return PG_BASE


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[str]:
    """A fresh schema in the PostgreSQL test database, dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'create schema "{name}"')
    yield name
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'drop schema "{name}" cascade')


@pytest.fixture
def mysql_url() -> str:
    """The URL of the real MariaDB/MySQL test database."""
    need_server("MariaDB", 3306)
    return MYSQL_BASE


@pytest.fixture
def mysql_db(mysql_url: str) -> Iterator[str]:
    """A fresh MariaDB database; yields its URL, dropped afterwards."""
    import pymysql

    name = f"t_{uuid.uuid4().hex[:10]}"
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"create database `{name}` character set utf8mb4")
        yield mysql_url.rsplit("/", 1)[0] + f"/{name}"
        with conn.cursor() as cur:
            cur.execute(f"drop database `{name}`")
    finally:
        conn.close()
