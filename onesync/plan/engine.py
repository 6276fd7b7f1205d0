"""Set-based diff in the state's own engine: rows are loaded next to the state, compared there.

Only rows whose fingerprint differs (or that are new, invalid or gone) ever reach Python. How the
model's rows get into the temp table ``onesync_incoming`` next to the state:

* ``attach``   DuckDB state, DuckDB source: the source file is ATTACHed read-only and the compiled
  SQL runs inside the state connection (no row leaves DuckDB).
* ``pushdown`` PostgreSQL state in the same database as a postgres source: the compiled SQL runs
  in PostgreSQL and the diff too; only changed rows leave the database.
* ``stream``   anything else: batches from the source are bulk-loaded (a CSV file for DuckDB,
  COPY for PostgreSQL).

Every statement is plain ANSI-ish SQL with identifiers and literals quoted by sqlglot for the
engine's dialect, so another warehouse can host the diff by adding a loader.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlglot import exp

from onesync.errors import SourceError
from onesync.model import CompiledSync, Source
from onesync.state import StateStore
from onesync.validate.sql import model_position

INCOMING = "onesync_incoming"
INVALID = "onesync_invalid"
BATCH = 50_000


class Engine:
    """SQL helpers bound to the state connection's dialect."""

    def __init__(self, state: StateStore) -> None:
        self.state = state
        self.dialect = state.backend

    def q(self, name: str) -> str:
        """A quoted identifier."""
        return exp.to_identifier(name, quoted=True).sql(self.dialect)

    def lit(self, value: str) -> str:
        """A quoted string literal (values from specs never reach SQL unquoted)."""
        return exp.Literal.string(value).sql(self.dialect)

    def run(self, sql: str) -> Any:
        return self.state.execute(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.state.fetchall(sql)

    def batches(self, sql: str, size: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
        """Rows in batches, so only one batch of raw tuples is alive at a time."""
        cur = self.run(sql)
        while batch := cur.fetchmany(size):
            yield batch

    def scalar(self, sql: str) -> Any:
        return self.state.scalar(sql)

    def columns(self, table: str) -> list[str]:
        cur = self.run(f"SELECT * FROM {table} WHERE 1 = 0")
        return [d[0] for d in cur.description]

    def drop(self, *tables: str) -> None:
        for t in tables:
            self.run(f"DROP TABLE IF EXISTS {t}")

    # -- loading ---------------------------------------------------------------------------

    def load(self, compiled: CompiledSync, source: Source, root: Path) -> str:
        """Fill ``onesync_incoming`` with the compiled model's rows; returns the path taken."""
        self.drop(INCOMING, INVALID)
        file_backed = bool(source.path) and source.path != ":memory:"
        if self.dialect == "duckdb" and source.dialect == "duckdb" and file_backed:
            self._attach(compiled, source, _source_path(source, root), root)
            return "attach"
        if (
            self.dialect == "postgres"
            and source.dialect == "postgres"
            and _same_pg(source.url, self.state.conn)
        ):
            self._model(compiled, source)
            return "pushdown"
        names = [c.name for c in compiled.columns]
        self._stream(names, _read_source(compiled, source, root))
        return "stream"

    def _model(self, compiled: CompiledSync, source: Source) -> None:
        """Run the compiled model into the temp table; its errors are the source's."""
        try:
            self.state.conn.execute(f"CREATE TEMP TABLE {INCOMING} AS {compiled.sql}")
        except Exception as exc:
            msg = _database_words(str(exc))
            raise SourceError(
                f"{_spec_place(compiled, source, msg)}: source {source.name}: the model of sync "
                f"{compiled.sync.name} failed: {msg}"
            ) from exc

    def _attach(self, compiled: CompiledSync, source: Source, path: Path, root: Path) -> None:
        if not path.exists():
            raise SourceError(
                f"{compiled.sync.file}: source {source.name}: database file {path} does not exist"
            )
        alias = "onesync_src"
        catalog = self.scalar("SELECT current_database()")
        try:
            self.state.conn.execute(f"ATTACH {self.lit(str(path))} AS {alias} (READ_ONLY)")
        except Exception as exc:
            raise SourceError(f"source {source.name}: cannot open {path}: {exc}") from exc
        try:
            self.run(f"USE {alias}")
            # relative files in the model (read_csv('data/x.csv')) are relative to the project
            self.run(f"SET file_search_path = {self.lit(str(root.resolve()))}")
            try:
                self._model(compiled, source)
            finally:
                self.run("RESET file_search_path")
                self.run(f"USE {self.q(catalog)}")
        finally:
            self.run(f"DETACH {alias}")

    def _stream(self, names: list[str], batches: Iterator[list[tuple[Any, ...]]]) -> None:
        cols = ", ".join(f"{self.q(n)} TEXT" for n in names)
        if self.dialect == "postgres":
            self.run(f"CREATE TEMP TABLE {INCOMING} ({cols})")
            cur = self.state.conn.cursor()
            with cur.copy(f"COPY {INCOMING} FROM STDIN") as copy:
                for batch in batches:
                    for row in batch:
                        copy.write_row([None if v is None else str(v) for v in row])
            return
        # DuckDB: executemany is slow; one CSV file read by the vectorised reader is fast.
        null = "\x01" + uuid.uuid4().hex  # no real value equals this
        fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="onesync-")
        written = 0
        try:
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
                for batch in batches:
                    w.writerows([null if v is None else v for v in row] for row in batch)
                    written += len(batch)
            if not written:
                self.run(f"CREATE TEMP TABLE {INCOMING} ({cols})")
                return
            types = "{" + ", ".join(f"{self.lit(n)}: 'VARCHAR'" for n in names) + "}"
            self.run(
                f"CREATE TEMP TABLE {INCOMING} AS SELECT * FROM read_csv({self.lit(tmp)}, "
                f"columns = {types}, header = false, quote = '\"', escape = '\"', "
                f"nullstr = {self.lit(null)}, allow_quoted_nulls = true, delim = ',', "
                "strict_mode = false)"
            )
        finally:
            os.unlink(tmp)


def _source_path(source: Source, root: Path) -> Path:
    path = Path(source.path or "")
    return path if path.is_absolute() else root / path


def _same_pg(url: str | None, conn: Any) -> bool:
    """True when ``url`` is the database (and search path options) of the state connection."""
    if not url:
        return False
    from psycopg.conninfo import conninfo_to_dict

    try:
        want = conninfo_to_dict(url)
    except Exception:
        return False
    info = conn.info
    host = str(want.get("host") or "localhost")
    hosts = {info.host, "localhost" if info.host.startswith("/") else info.host}
    return (
        (host in hosts or {host, info.host} <= {"localhost", "127.0.0.1"})
        and int(want.get("port") or 5432) == int(info.port)
        and want.get("dbname") == info.dbname
        and (want.get("options") or "") == (info.options or "")
    )


def _read_source(compiled: CompiledSync, source: Source, root: Path) -> Iterator[list[tuple]]:
    """Batches of the compiled model's rows from any source; errors name the spec file."""
    sync = compiled.sync
    try:
        from onesync.sources import connect

        with connect(source, root) as conn:
            yield from conn.stream(compiled.sql, BATCH)
    except SourceError as exc:
        msg = _database_words(str(exc))
        if msg.startswith(sync.file):
            raise
        raise SourceError(f"{_spec_place(compiled, source, msg)}: {msg}") from exc


def _database_words(text: str) -> str:
    """A database error on one line, without its excerpt of the compiled SQL (``LINE 72: ...``
    and a caret): that line number is in SQL the user never wrote."""
    return " ".join(re.split(r"\bLINE \d+:", text, maxsplit=1)[0].split())


def _spec_place(compiled: CompiledSync, source: Source, message: str) -> str:
    """``file:line:col`` in the sync's spec of what a database error names (the model's own
    SQL, else where the model starts), or the spec file alone when the sync has no position."""
    sync = compiled.sync
    start = sync.model.sql_pos or sync.pos
    if start is None:
        return sync.file
    if sync.model.sql and sync.model.sql_pos is not None:
        return str(model_position(start, sync.model.sql, source.dialect, message))
    return str(start)
