"""SQLite source: a file (or ``:memory:``) opened with the standard library.

SQLite lacks functions the compiled SQL uses, so every connection registers deterministic
``md5(text)`` (hex, lowercase, of the UTF-8 bytes), ``regexp(pattern, text)`` (Python ``re``,
which backs ``x REGEXP p``) and ``onesync_epoch(text, zone)`` (a naive timestamp in an IANA zone
to seconds since the epoch).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from onesync.model import Source
from onesync.sources.base import Connector, quote_table, resolve_path, strip_sql

__all__ = ["SQLiteConnector", "register_functions"]


def _md5(value: object) -> str | None:
    if value is None:
        return None
    data = value if isinstance(value, bytes) else str(value).encode("utf-8")
    return hashlib.md5(data).hexdigest()


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str | None, value: object) -> int | None:
    if pattern is None or value is None:
        return None
    return 1 if _pattern(pattern).search(str(value)) else 0


def _epoch(value: object, zone: str | None) -> int | None:
    """Seconds since the epoch of a naive ISO timestamp read in ``zone``; NULL if unreadable."""
    if value is None or zone is None:
        return None
    try:
        dt = datetime.fromisoformat(str(value).strip())
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=ZoneInfo(zone))
        return int(dt.timestamp() // 1)
    except (ValueError, KeyError, OSError):
        return None


def register_functions(conn: sqlite3.Connection) -> None:
    """Give ``conn`` the functions compiled SQL relies on."""
    conn.create_function("md5", 1, _md5, deterministic=True)
    conn.create_function("regexp", 2, _regexp, deterministic=True)
    conn.create_function("onesync_epoch", 2, _epoch, deterministic=True)


class SQLiteConnector(Connector):
    dialect = "sqlite"

    def __init__(self, source: Source, root: Path | str = ".", context: str | None = None):
        super().__init__(source, root, context)
        path = source.path or (source.url or "").removeprefix("sqlite:///") or ":memory:"
        self.path = resolve_path(path, root)
        if self.path != ":memory:" and not Path(self.path).parent.is_dir():
            self.fail("cannot open", f"directory {Path(self.path).parent} does not exist")
        try:
            self.conn = sqlite3.connect(self.path, check_same_thread=False)
            register_functions(self.conn)
        except sqlite3.Error as e:
            self.fail("cannot open", e)

    def columns(self, sql: str) -> list[tuple[str, str]]:
        try:
            cur = self.conn.execute(f"SELECT * FROM (\n{strip_sql(sql)}\n) LIMIT 0")
        except sqlite3.Error as e:
            self.fail("query failed", e)
        return [(d[0], "") for d in cur.description]  # SQLite has no types for expressions

    def table_columns(self, table: str) -> list[tuple[str, str]]:
        name = quote_table(table, "sqlite")
        try:
            self.conn.execute(f"SELECT * FROM {name} LIMIT 0")
            *schema, bare = table.split(".")
            pragma = f"{quote_table(schema[0], 'sqlite')}.table_info" if schema else "table_info"
            rows = self.conn.execute(f"PRAGMA {pragma}({quote_table(bare, 'sqlite')})").fetchall()
        except sqlite3.Error as e:
            self.fail("query failed", e)
        return [(r[1], r[2]) for r in rows]

    def stream(self, sql: str, batch_size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
        try:
            cur = self.conn.execute(strip_sql(sql))
            while batch := cur.fetchmany(batch_size):
                yield batch
        except sqlite3.Error as e:
            self.fail("query failed", e)

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] | None = None) -> None:
        try:
            self.conn.execute(sql, params or ())
            self.conn.commit()
        except sqlite3.Error as e:
            self.fail("statement failed", e)

    def close(self) -> None:
        self.conn.close()
