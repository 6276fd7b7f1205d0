"""PostgreSQL source over psycopg 3, streaming through a server-side (named) cursor.

The session's ``TimeZone`` is the source's ``timezone:`` (UTC by default), so timestamptz values
print with their offset and naive ones are read in that zone. The connection is read-only in
spirit: one transaction per ``stream``, rolled back at the end.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from onesync.model import Source
from onesync.sources.base import Connector, strip_sql

__all__ = ["PostgresConnector"]

_cursor_ids = itertools.count(1)


class PostgresConnector(Connector):
    dialect = "postgres"

    def __init__(self, source: Source, root: Path | str = ".", context: str | None = None):
        super().__init__(source, root, context)
        try:
            import psycopg
        except ImportError:
            self.fail("cannot connect", "psycopg is not installed: pip install 'onesync[postgres]'")
        self._psycopg = psycopg
        if not source.url:
            self.fail("cannot connect", "no url: set url: postgresql://user@host:5432/db")
        url = source.url.replace("postgres+psycopg://", "postgresql://", 1)
        try:
            self.conn = psycopg.connect(url, connect_timeout=10, autocommit=True)
            self.conn.execute("SELECT set_config('TimeZone', %s, false)", [_pg_zone(source)])
        except psycopg.Error as e:
            self.fail("cannot connect", e)

    def columns(self, sql: str) -> list[tuple[str, str]]:
        try:
            cur = self.conn.execute(f"SELECT * FROM (\n{strip_sql(sql)}\n) AS q LIMIT 0")
        except self._psycopg.Error as e:
            self.fail("query failed", e)
        return [(d.name, d.type_display) for d in cur.description or ()]

    def stream(self, sql: str, batch_size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
        try:
            # A named cursor lives in a transaction; it is rolled back when reading ends.
            with self.conn.transaction(force_rollback=True):
                name = f"onesync_{next(_cursor_ids)}"
                with self.conn.cursor(name=name) as cur:
                    cur.itersize = batch_size
                    cur.execute(strip_sql(sql))
                    while batch := cur.fetchmany(batch_size):
                        yield batch
        except self._psycopg.Error as e:
            self.fail("query failed", e)

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] | None = None) -> None:
        try:
            self.conn.execute(sql, params)
        except self._psycopg.Error as e:
            self.fail("statement failed", e)

    def close(self) -> None:
        self.conn.close()


def _pg_zone(source: Source) -> str:
    """The TimeZone setting: PostgreSQL reads '+02:00' the POSIX way (west), so flip the sign."""
    tz = source.timezone or "UTC"
    if tz[0] in "+-":
        return ("-" if tz[0] == "+" else "+") + tz[1:]
    return tz
