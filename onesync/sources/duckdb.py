"""DuckDB source: a file, ``:memory:``, or ``duckdb:///path``; reads CSV/Parquet natively.

``execute`` + ``fetchmany`` streams the result (measured: 2M rows read in 10k batches add under
10 MB of RSS), so no Arrow is needed. The session runs in the source's time zone (ICU is built
into the Python package; nothing is downloaded at run time).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from onesync.model import Source
from onesync.sources.base import Connector, resolve_path, strip_sql

__all__ = ["DuckDBConnector"]


class DuckDBConnector(Connector):
    dialect = "duckdb"

    def __init__(self, source: Source, root: Path | str = ".", context: str | None = None):
        super().__init__(source, root, context)
        path = source.path
        if path is None and source.url:
            path = source.url.removeprefix("duckdb://").removeprefix("/") or ":memory:"
            if source.url.startswith("duckdb:///"):
                path = source.url.removeprefix("duckdb://")
        self.path = resolve_path(path or ":memory:", root)
        if self.path != ":memory:" and not Path(self.path).parent.is_dir():
            self.fail("cannot open", f"directory {Path(self.path).parent} does not exist")
        try:
            self.conn = duckdb.connect(self.path, config={"autoinstall_known_extensions": False})
            self._session(self.conn)
        except duckdb.Error as e:
            self.fail("cannot open", e)

    def _session(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Settings are per cursor in DuckDB, so every cursor gets them."""
        tz = self.source.timezone or "UTC"
        # ICU knows no bare offsets; 'UTC+02:00' is 2 hours east (ISO sign)
        zone = exp.Literal.string(f"UTC{tz}" if tz[0] in "+-" else tz).sql("duckdb")
        conn.execute(f"SET TimeZone = {zone}")
        # read_csv('data/x.csv') in a model means the project's data/, not the cwd's
        root_dir = exp.Literal.string(str(self.root.resolve())).sql("duckdb")
        conn.execute(f"SET file_search_path = {root_dir}")

    def columns(self, sql: str) -> list[tuple[str, str]]:
        try:
            rows = self.conn.execute(f"DESCRIBE {strip_sql(sql)}").fetchall()
        except duckdb.Error as e:
            self.fail("query failed", e)
        return [(r[0], str(r[1])) for r in rows]

    def stream(self, sql: str, batch_size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
        try:
            cur = self.conn.cursor()
            try:
                self._session(cur)
                cur.execute(strip_sql(sql))
                while batch := cur.fetchmany(batch_size):
                    yield batch
            finally:
                cur.close()
        except duckdb.Error as e:
            self.fail("query failed", e)

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] | None = None) -> None:
        try:
            self.conn.execute(sql, params)
        except duckdb.Error as e:
            self.fail("statement failed", e)

    def close(self) -> None:
        self.conn.close()
