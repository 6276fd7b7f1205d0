"""The PostgreSQL state backend (``state.url: postgresql://...``), for teams and CI.

Opening connects in autocommit mode and takes the session advisory lock (see ``lock.py``) before
the schema is created, so two first runs do not both create the tables; the holder row is
written once the schema exists. Incoming rows reach the diff by running the model in PostgreSQL
when the source is the same database (pushdown), else by COPY of the source's batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from onesync.errors import StateError, register_secret
from onesync.model import CompiledSync, Source, StateConfig, dsn_secrets, redact_url
from onesync.state.backend import Backend, BackendName, scrub
from onesync.state.engine import INCOMING, INVALID, Engine, ReadBy, read_source
from onesync.state.lock import LockInfo, PgLock

__all__ = ["PostgresBackend", "PostgresEngine", "open_backend", "state_where", "unlock"]


def state_where(config: StateConfig) -> str:
    """How the store is named in messages and in ``state show``: the URL without its password
    (and without any secret registered from the environment)."""
    for secret in dsn_secrets(config.url):
        register_secret(secret)
    return scrub(redact_url(config.url) or "postgres", config.url)


class PostgresBackend(Backend):
    name: ClassVar[BackendName] = "postgres"
    array: ClassVar[str] = "?::text[]"
    merge: ClassVar[str] = "(onesync_rows.data::jsonb || EXCLUDED.data::jsonb)::text"

    def __init__(self, conn: Any, where: str) -> None:
        super().__init__(conn, where)
        self.lock: PgLock | None = None

    def placeholders(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def transaction(self) -> Any:
        return self.conn.transaction()

    def diff_engine(self) -> PostgresEngine:
        return PostgresEngine(self)

    def ready(self) -> None:
        if self.lock is not None:
            self.lock.record()

    def close(self) -> None:
        try:
            if self.lock is not None:
                self.lock.release()
        finally:
            self.conn.close()


def open_backend(
    config: StateConfig, root: Path, *, lock: bool, lock_timeout: float
) -> PostgresBackend:
    """Connect and (with ``lock``) take the advisory lock; the holder row comes in ``ready``."""
    import psycopg

    where = state_where(config)
    try:
        conn = psycopg.connect(config.url, autocommit=True)
    except Exception as exc:
        detail = scrub(str(exc).strip(), config.url)
        raise StateError(f"state {where}: cannot connect: {detail}") from None
    backend = PostgresBackend(conn, where)
    if lock:  # lock first, so two first runs do not both create the tables
        backend.lock = PgLock(conn, where)
        try:
            backend.lock.acquire(lock_timeout, record=False)
        except BaseException:
            conn.close()
            raise
    return backend


def unlock(backend: PostgresBackend, *, force: bool) -> LockInfo | None:
    """Clear the advisory lock over an open (migrated, unlocked) connection; with ``force``
    the session holding it is ended."""
    return PgLock(backend.conn, backend.where).unlock(force)


class PostgresEngine(Engine):
    """The diff in PostgreSQL; rows come by pushdown (same database) or COPY."""

    def load(self, compiled: CompiledSync, source: Source, root: Path) -> ReadBy:
        self.drop(INCOMING, INVALID)
        if source.dialect == "postgres" and _same_pg(source.url, self.conn):
            self._model(compiled, source)
            return "pushdown"
        names = [c.name for c in compiled.columns]
        self._stream(names, read_source(compiled, source, root))
        return "stream"

    def _stream(self, names: list[str], batches: Iterator[list[tuple[Any, ...]]]) -> None:
        cols = ", ".join(f"{self.q(n)} TEXT" for n in names)
        self.run(f"CREATE TEMP TABLE {INCOMING} ({cols})")
        cur = self.conn.cursor()
        with cur.copy(f"COPY {INCOMING} FROM STDIN") as copy:
            for batch in batches:
                for row in batch:
                    copy.write_row([None if v is None else str(v) for v in row])


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
