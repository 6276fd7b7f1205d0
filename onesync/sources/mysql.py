"""MySQL / MariaDB source over PyMySQL with an unbuffered ``SSCursor`` (rows stream).

URL: ``mysql://user:password@host:3306/db`` (``mariadb://`` too). The session runs with
``time_zone`` set to the source's ``timezone:`` (``+00:00`` by default) and utf8mb4. MariaDB
only knows named zones (``Europe/Berlin``) when its time zone tables are loaded; when they are
not, connecting fails with a SourceError that says how to load them or to use a fixed offset
(``timezone: "+01:00"``), instead of silently reading every timestamp as NULL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from onesync.model import Source
from onesync.sources.base import Connector, strip_sql

__all__ = ["MySQLConnector"]

_FIXED = ("UTC", "+00:00")
# PyMySQL's protocol names, spelled as in CREATE TABLE (what docs/types.md and the compiler use)
_TYPE_NAMES = {
    "TINY": "tinyint",
    "SHORT": "smallint",
    "INT24": "mediumint",
    "LONG": "int",
    "LONGLONG": "bigint",
    "NEWDECIMAL": "decimal",
    "DECIMAL": "decimal",
    "VAR_STRING": "varchar",
    "STRING": "char",
    "VARCHAR": "varchar",
    "BLOB": "blob",
    "TINY_BLOB": "blob",
    "MEDIUM_BLOB": "blob",
    "LONG_BLOB": "blob",
    "NEWDATE": "date",
}


class MySQLConnector(Connector):
    dialect = "mysql"

    def __init__(self, source: Source, root: Path | str = ".", context: str | None = None):
        super().__init__(source, root, context)
        try:
            import pymysql
            import pymysql.constants.FIELD_TYPE as FT
            import pymysql.cursors
        except ImportError:
            self.fail("cannot connect", "PyMySQL is not installed: pip install 'onesync[mysql]'")
        self._pymysql = pymysql
        self._types = {
            v: _TYPE_NAMES.get(k, k.lower())
            for k, v in vars(FT).items()
            if k.isupper() and k not in ("CHAR", "INTERVAL")  # aliases of TINY and ENUM
        }
        if not source.url:
            self.fail("cannot connect", "no url: set url: mysql://user@host:3306/db")
        try:
            parts = urlsplit(source.url)
            port = parts.port or 3306
        except ValueError:  # a port that is not a number, a bad [IPv6] host
            self.fail("cannot connect", "the url is not like mysql://user@host:3306/db")
        try:
            self.conn = pymysql.connect(
                host=parts.hostname or "127.0.0.1",
                port=port,
                user=unquote(parts.username or "root"),
                password=unquote(parts.password or ""),
                database=unquote(parts.path.lstrip("/")) or None,
                charset="utf8mb4",
                connect_timeout=10,
                autocommit=True,
            )
        except pymysql.Error as e:
            self.fail("cannot connect", _message(e))
        zone = source.timezone or "UTC"
        try:
            with self.conn.cursor() as cur:
                cur.execute("SET time_zone = %s", ["+00:00" if zone in _FIXED else zone])
        except pymysql.Error as e:
            self.close()
            self.fail(
                "cannot use timezone " + repr(zone),
                f"{_message(e)} (load the zone tables: mariadb-tzinfo-to-sql "
                "/usr/share/zoneinfo | mariadb -u root mysql, or use an offset like '+01:00')",
            )

    def columns(self, sql: str) -> list[tuple[str, str]]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(f"SELECT * FROM (\n{strip_sql(sql)}\n) AS q LIMIT 0")
                # PEP 249: one 7-tuple per column (types-PyMySQL says tuple[str, ...])
                described = cast("tuple[tuple[Any, ...], ...]", cur.description)
                return [(d[0], self._type_name(d[1], d[3])) for d in described]
        except self._pymysql.Error as e:
            self.fail("query failed", _message(e))

    def _type_name(self, code: int, size: int | None) -> str:
        name = self._types.get(code, str(code))
        # BOOLEAN is TINYINT(1) in MySQL; say so, so string tags of it read true/false
        return "tinyint(1)" if name == "tinyint" and size == 1 else name

    def stream(self, sql: str, batch_size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
        try:
            with self.conn.cursor(self._pymysql.cursors.SSCursor) as cur:
                cur.execute(strip_sql(sql))
                while batch := cur.fetchmany(batch_size):
                    yield list(batch)
        except self._pymysql.Error as e:
            self.fail("query failed", _message(e))

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] | None = None) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
        except self._pymysql.Error as e:
            self.fail("statement failed", _message(e))

    def close(self) -> None:
        if self.conn.open:
            self.conn.close()


def _message(error: BaseException) -> str:
    """PyMySQL errors are (code, text) tuples; show 'text (code)'."""
    args: tuple[Any, ...] = getattr(error, "args", ())
    if len(args) == 2 and isinstance(args[0], int):
        return f"{args[1]} ({args[0]})"
    return str(error)
