"""The state store: what OneSignal confirmed, per sync and key, in DuckDB or PostgreSQL.

``StateReader`` is the read side the planner uses; ``StateWriter`` adds the writes apply makes
after OneSignal confirmed a batch. ``StateStore`` is both, over one connection, holding the lock.
Every write runs in one transaction and bumps ``serial``, so a plan can tell that the state it was
made against has moved on. Writes are idempotent: confirming the same batch twice is harmless.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from onesync.errors import StateError
from onesync.model import StateConfig, redact_url
from onesync.state.lock import FileLock, LockInfo, PgLock, now, who
from onesync.state.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["StateReader", "StateStore", "StateWriter", "open_state", "unlock_state"]

Backend = Literal["duckdb", "postgres"]
DUCKDB_MEMORY = os.environ.get("ONESYNC_DUCKDB_MEMORY", "512MB")


class StateReader:
    """Read-only queries on the state store (the planner needs nothing else)."""

    backend: Backend
    conn: Any
    where: str

    def _q(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.backend == "postgres" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run ``sql`` (``?`` placeholders on both backends) and return the cursor."""
        try:
            return self.conn.execute(self._q(sql), params)
        except Exception as exc:  # driver errors become one line naming the store
            raise StateError(f"state {self.where}: {type(exc).__name__}: {exc}".strip()) from exc

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return row[0] if row else None

    @property
    def serial(self) -> int:
        """Bumped by every write; a saved plan records it to detect stale state."""
        return int(self.scalar("SELECT value FROM onesync_meta WHERE key = 'serial'") or 0)

    @property
    def lineage(self) -> str:
        """A uuid made when the store was created: a plan for one store never applies to another."""
        return str(self.scalar("SELECT value FROM onesync_meta WHERE key = 'lineage'") or "")

    def row_count(self, sync: str) -> int:
        return int(self.scalar("SELECT count(*) FROM onesync_rows WHERE sync = ?", (sync,)))

    def sent_count(self, sync: str) -> int:
        return int(self.scalar("SELECT count(*) FROM onesync_sent WHERE sync = ?", (sync,)))

    def is_started(self, sync: str) -> bool:
        """True once the first run (or baseline) of an event/message sync was recorded."""
        return self.scalar("SELECT count(*) FROM onesync_syncs WHERE sync = ?", (sync,)) > 0

    def values(self, sync: str, key: str) -> dict[str, str | None] | None:
        """The values OneSignal last confirmed for one key, by compiled column name."""
        row = self.execute(
            "SELECT data FROM onesync_rows WHERE sync = ? AND key = ?", (sync, key)
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else ({} if row else None)

    def fingerprint(self, sync: str, key: str) -> str | None:
        return self.scalar(
            "SELECT fingerprint FROM onesync_rows WHERE sync = ? AND key = ?", (sync, key)
        )

    def sent_keys(self, sync: str) -> dict[str, str]:
        """Key -> ``sent`` or ``baseline``; for tests and ``state show``, not for big syncs."""
        return dict(self.fetchall("SELECT key, status FROM onesync_sent WHERE sync = ?", (sync,)))

    def runs(self, sync: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, sync, started_at, finished_at, who, counts, outcome FROM onesync_runs"
        rows = self.fetchall(sql + (" WHERE sync = ?" if sync else ""), (sync,) if sync else ())
        names = ("id", "sync", "started_at", "finished_at", "who", "counts", "outcome")
        out = [dict(zip(names, r, strict=True)) for r in rows]
        for r in out:
            r["counts"] = json.loads(r["counts"] or "{}")
        return sorted(out, key=lambda r: r["started_at"] or "")

    def summary(self) -> list[tuple[str, int, int]]:
        """(sync, profile rows, sent keys) for every sync the store knows."""
        rows = self.fetchall(
            "SELECT sync, sum(r), sum(s) FROM (SELECT sync, 1 AS r, 0 AS s FROM onesync_rows "
            "UNION ALL SELECT sync, 0, 1 FROM onesync_sent) t GROUP BY sync ORDER BY sync"
        )
        return [(s, int(r), int(n)) for s, r, n in rows]


class StateWriter(StateReader):
    """The writes apply makes, each one transaction that bumps ``serial``."""

    @contextmanager
    def transaction(self, bump: bool = True) -> Iterator[None]:
        """One transaction; with ``bump`` it also advances the serial."""
        if self.backend == "postgres":
            with self.conn.transaction():
                yield
                if bump:
                    self._bump()
            return
        self.conn.begin()
        try:
            yield
            if bump:
                self._bump()
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def _bump(self) -> None:
        self.execute(
            "UPDATE onesync_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) "
            "WHERE key = 'serial'"
        )

    def _array(self) -> str:
        return "?::text[]" if self.backend == "postgres" else "?::VARCHAR[]"

    def _merge(self) -> str:
        if self.backend == "postgres":
            return "(onesync_rows.data::jsonb || EXCLUDED.data::jsonb)::text"
        return "CAST(json_merge_patch(onesync_rows.data, EXCLUDED.data) AS TEXT)"

    def confirm_rows(
        self, sync: str, rows: Iterable[tuple[str, str | None, Mapping[str, str | None]]]
    ) -> None:
        """Record (key, fingerprint, values) confirmed by OneSignal for a profile sync.

        ``values`` is merged into what state holds for the key (a JSON merge patch: ``None``
        removes a value), so a change only needs to carry what it changed.
        """
        rows = list(rows)
        if not rows:
            return
        keys = [r[0] for r in rows]
        fps = [r[1] for r in rows]
        data = [json.dumps(dict(r[2]), sort_keys=True) for r in rows]
        a = self._array()
        with self.transaction():  # parallel unnest: one statement per batch on both backends
            self.execute(
                "INSERT INTO onesync_rows (sync, key, fingerprint, data, updated_at) "
                f"SELECT ?, k, f, d, ? FROM (SELECT unnest({a}) AS k, unnest({a}) AS f, "
                f"unnest({a}) AS d) AS u ON CONFLICT (sync, key) DO UPDATE SET "
                f"fingerprint = EXCLUDED.fingerprint, data = {self._merge()}, "
                "updated_at = EXCLUDED.updated_at",
                (sync, now(), keys, fps, data),
            )

    def forget_rows(self, sync: str, keys: Iterable[str]) -> None:
        """Drop keys whose tags were removed from OneSignal (mirror mode, row left the model)."""
        keys = list(keys)
        if not keys:
            return
        with self.transaction():
            self.execute(
                "DELETE FROM onesync_rows WHERE sync = ? AND key IN "
                f"(SELECT unnest({self._array()}))",
                (sync, keys),
            )

    def record_sent(
        self, sync: str, keys: Iterable[str], status: str = "sent", kind: str = "event"
    ) -> None:
        """Record event/message keys as sent (or ``baseline``: seen, never to be sent)."""
        keys = list(keys)
        at = now()
        with self.transaction():
            self.execute(
                "INSERT INTO onesync_syncs (sync, kind, baseline_at) VALUES (?, ?, ?) "
                "ON CONFLICT (sync) DO NOTHING",
                (sync, kind, at),
            )
            if not keys:
                return
            self.execute(
                "INSERT INTO onesync_sent (sync, key, status, sent_at) SELECT DISTINCT ?, k, ?, ? "
                f"FROM (SELECT unnest({self._array()}) AS k) AS u ON CONFLICT (sync, key) "
                "DO NOTHING",
                (sync, status, at, keys),
            )

    def record_baseline(self, sync: str, keys: Iterable[str], kind: str = "event") -> None:
        """First run of an event/message sync without backfill: these keys are never sent."""
        self.record_sent(sync, keys, "baseline", kind)

    def confirm(self, sync: str, changes: Iterable[Any]) -> None:
        """Record confirmed plan changes (``onesync.plan.changes`` values) for one sync.

        Profile changes store their fingerprint and values (or are forgotten when their action is
        ``unset``), events and messages record their keys as sent. Apply calls this after each
        batch OneSignal confirmed; calling it twice with the same batch changes nothing more.
        """
        rows, gone, sent, kind = [], [], [], "event"
        for c in changes:
            if hasattr(c, "idempotency_key"):
                sent.extend(c.keys)
                kind = "message"
            elif hasattr(c, "timestamp"):
                sent.append(c.key)
            elif c.action == "unset":
                gone.append(c.key)
            else:
                rows.append((c.key, c.fingerprint, c.state_patch()))
        self.confirm_rows(sync, rows)
        self.forget_rows(sync, gone)
        if sent:
            self.record_sent(sync, sent, "sent", kind)

    def record_run(
        self,
        sync: str,
        *,
        started_at: str,
        counts: Mapping[str, int],
        outcome: str,
        finished_at: str | None = None,
    ) -> str:
        """Append one run to the history; returns its id."""
        run_id = str(uuid.uuid4())
        with self.transaction():
            self.execute(
                "INSERT INTO onesync_runs (id, sync, started_at, finished_at, who, counts, "
                "outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, sync, started_at, finished_at or now(), who(),
                 json.dumps(dict(counts), sort_keys=True), outcome),
            )  # fmt: skip
        return run_id


class StateStore(StateWriter):
    """An open state store: connection, migrated schema, and (usually) the lock."""

    def __init__(self, conn: Any, backend: Backend, where: str, lock: Any) -> None:
        self.conn = conn
        self.backend = backend
        self.where = where
        self.lock = lock

    def migrate(self) -> None:
        """Create or upgrade the schema; refuse a store written by a newer onesync."""
        self.execute(
            "CREATE TABLE IF NOT EXISTS onesync_schema_version "
            "(version INTEGER PRIMARY KEY, applied_at TEXT)"
        )
        current = int(self.scalar("SELECT max(version) FROM onesync_schema_version") or 0)
        if current > SCHEMA_VERSION:
            raise StateError(
                f"state {self.where} has schema version {current}, newer than this onesync "
                f"({SCHEMA_VERSION}); upgrade onesync"
            )
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            with self.transaction(bump=False):
                for sql in statements:
                    self.execute(sql)
                if version == 1:
                    self.execute(
                        "INSERT INTO onesync_meta (key, value) VALUES ('serial', '0'), "
                        "('lineage', ?)",
                        (str(uuid.uuid4()),),
                    )
                self.execute(
                    "INSERT INTO onesync_schema_version (version, applied_at) VALUES (?, ?)",
                    (version, now()),
                )

    def close(self) -> None:
        try:
            if self.lock is not None and self.backend == "postgres":
                self.lock.release()
        finally:
            self.conn.close()
            if self.lock is not None and self.backend == "duckdb":
                self.lock.release()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _duckdb_path(config: StateConfig, root: Path) -> Path:
    path = Path(config.url)
    return path if path.is_absolute() else root / path


def open_state(
    config: StateConfig, root: Path, *, lock: bool = True, lock_timeout: float = 10.0
) -> StateStore:
    """Open (creating and migrating if needed) the state store of a project.

    Args:
        config: the project's ``state:`` section.
        root: the project root; a relative DuckDB path is relative to it.
        lock: take the state lock (plan and apply do; read-only tools may not).
        lock_timeout: seconds to wait for another holder before raising ``StateError``.

    Returns:
        A ``StateStore`` (close it, or use it as a context manager, to release the lock).
    """
    if config.backend == "postgres":
        import psycopg

        where = redact_url(config.url) or "postgres"
        try:
            conn = psycopg.connect(config.url, autocommit=True)
        except Exception as exc:
            raise StateError(f"state {where}: cannot connect: {str(exc).strip()}") from exc
        store = StateStore(conn, "postgres", where, None)
        try:
            if lock:  # lock first, so two first runs do not both create the tables
                store.lock = PgLock(conn, where)
                store.lock.acquire(lock_timeout, record=False)
            store.migrate()
            if lock:
                store.lock.record()
        except BaseException:
            conn.close()
            raise
        return store

    import duckdb

    path = _duckdb_path(config, root)
    file_lock = FileLock(path.with_name(path.name + ".lock")) if lock else None
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
                    f"state {path} is open in another process (pid {pid.group(1)}); wait for "
                    "it to finish or stop it"
                ) from exc
            raise StateError(f"state {path}: cannot open: {exc}") from exc
        store = StateStore(conn, "duckdb", str(path), file_lock)
        try:
            # Bounded memory for big diffs (DuckDB spills past it); order is never relied on.
            conn.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
            conn.execute("SET preserve_insertion_order = false")
            store.migrate()
        except BaseException:
            conn.close()
            raise
    except BaseException:
        if file_lock is not None:
            file_lock.release()
        raise
    return store


def unlock_state(config: StateConfig, root: Path, *, force: bool = False) -> LockInfo | None:
    """Clear the state lock (a stale one; a live one only with ``force``); returns its holder."""
    if config.backend == "postgres":
        store = open_state(config, root, lock=False)
        try:
            return PgLock(store.conn, store.where).unlock(force)
        finally:
            store.close()
    path = _duckdb_path(config, root)
    return FileLock(path.with_name(path.name + ".lock")).unlock(force)
