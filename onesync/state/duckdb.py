"""The DuckDB state backend: an embedded file (``.onesync/state.duckdb`` by default).

Opening takes the ``flock`` beside the file (``<file>.lock``, see ``lock.py``) before DuckDB opens
it, and bounds DuckDB's memory (``ONESYNC_DUCKDB_MEMORY``; it spills past it). Incoming rows
reach the diff by ATTACHing a DuckDB source read-only and running the model in the state
connection, else by streaming the source's batches into one CSV file read by ``read_csv``.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlglot import exp

from onesync.errors import SourceError, StateError
from onesync.model import CompiledSync, Source, StateConfig
from onesync.state.backend import Backend, BackendName, scrub
from onesync.state.engine import INCOMING, INVALID, Engine, ReadBy, read_source
from onesync.state.lock import FileLock, LockInfo

__all__ = ["DuckDBBackend", "DuckDBEngine", "open_backend", "unlock"]

DUCKDB_MEMORY = os.environ.get("ONESYNC_DUCKDB_MEMORY", "512MB")


class DuckDBBackend(Backend):
    name: ClassVar[BackendName] = "duckdb"
    array: ClassVar[str] = "?::VARCHAR[]"
    merge: ClassVar[str] = "CAST(json_merge_patch(onesync_rows.data, EXCLUDED.data) AS TEXT)"

    def __init__(self, conn: Any, where: str, lock: FileLock | None) -> None:
        super().__init__(conn, where)
        self.lock = lock

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.begin()
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def compact(self) -> None:
        # DuckDB keeps a write's undo and allocator memory until a checkpoint: without one, an
        # apply of 200,000 users holds some 50 MB more than one of 10,000.
        self.execute("CHECKPOINT")

    def diff_engine(self) -> DuckDBEngine:
        return DuckDBEngine(self)

    def abort(self) -> None:
        try:
            self.conn.close()
        finally:
            if self.lock is not None:
                self.lock.release()

    def close(self) -> None:
        self.abort()  # the connection first: the next holder may open the file at once


def _path(config: StateConfig, root: Path) -> Path:
    path = Path(config.url)
    return path if path.is_absolute() else root / path


def _lock_file(path: Path) -> FileLock:
    return FileLock(path.with_name(path.name + ".lock"))


def open_backend(
    config: StateConfig, root: Path, *, lock: bool, lock_timeout: float
) -> DuckDBBackend:
    """Take the file lock (with ``lock``), then open and set up the DuckDB file."""
    import duckdb

    path = _path(config, root)
    file_lock = _lock_file(path) if lock else None
    if file_lock is not None:
        file_lock.acquire(lock_timeout)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = duckdb.connect(str(path))
        except duckdb.Error as exc:
            pid = re.search(r"\(PID (\d+)\)", str(exc))
            if pid:  # DuckDB's own file lock: a process we cannot unlock for, only wait for
                raise StateError(
                    scrub(
                        f"state {path} is open in another process (pid {pid.group(1)}); wait "
                        "for it to finish or stop it"
                    )
                ) from exc
            raise StateError(scrub(f"state {path}: cannot open: {exc}")) from exc
        try:
            # Bounded memory for big diffs (DuckDB spills past it); order is never relied on.
            conn.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
            conn.execute("SET enable_progress_bar = false")  # never print to a user's terminal
            conn.execute("SET preserve_insertion_order = false")
        except BaseException:
            conn.close()
            raise
    except BaseException:
        if file_lock is not None:
            file_lock.release()
        raise
    return DuckDBBackend(conn, scrub(str(path)), file_lock)


def unlock(config: StateConfig, root: Path, *, force: bool) -> LockInfo | None:
    """Clear the file lock (a live one only with ``force``) without opening the store."""
    return _lock_file(_path(config, root)).unlock(force)


class DuckDBEngine(Engine):
    """The diff in the DuckDB state connection; rows come by ATTACH or as one CSV file."""

    def load(self, compiled: CompiledSync, source: Source, root: Path) -> ReadBy:
        self.drop(INCOMING, INVALID)
        if source.dialect == "duckdb" and bool(source.path) and source.path != ":memory:":
            self._attach(compiled, source, _source_path(source, root), root)
            return "attach"
        names = [c.name for c in compiled.columns]
        self._stream(names, read_source(compiled, source, root))
        return "stream"

    def _attach(self, compiled: CompiledSync, source: Source, path: Path, root: Path) -> None:
        if not path.exists():
            raise SourceError(
                f"{compiled.sync.file}: source {source.name}: database file {path} does not exist"
            )
        alias = "onesync_src"
        catalog = self.scalar("SELECT current_database()")
        try:
            self.conn.execute(f"ATTACH {self.lit(str(path))} AS {alias} (READ_ONLY)")
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
        bulk_load(self.conn, INCOMING, names, batches)


def bulk_load(
    conn: Any,
    table: str,
    names: Sequence[str],
    batches: Iterable[Sequence[Sequence[Any]]],
    folder: str | None = None,
) -> int:
    """Create TEMP table ``table`` (text columns ``names``) from rows, through one CSV file read
    by DuckDB's vectorised reader (``executemany`` is far slower); returns the rows loaded.

    The batches are consumed before any statement runs on ``conn``, so they may come from a
    query on the same connection."""
    null = "\x01" + uuid.uuid4().hex  # no real value equals this
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="onesync-", dir=folder)
    written = 0
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
            for batch in batches:
                w.writerows([null if v is None else v for v in row] for row in batch)
                written += len(batch)
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        if not written:
            conn.execute(f"CREATE TEMP TABLE {table} ({', '.join(f'{_q(n)} TEXT' for n in names)})")
            return 0
        types = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in names) + "}"
        conn.execute(
            f"CREATE TEMP TABLE {table} AS SELECT * FROM read_csv({_lit(tmp)}, "
            f"columns = {types}, header = false, quote = '\"', escape = '\"', "
            f"nullstr = {_lit(null)}, allow_quoted_nulls = true, delim = ',', strict_mode = false)"
        )
    finally:
        os.unlink(tmp)
    return written


def _q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _lit(value: str) -> str:
    return exp.Literal.string(value).sql("duckdb")


def _source_path(source: Source, root: Path) -> Path:
    path = Path(source.path or "")
    return path if path.is_absolute() else root / path
