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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from onesync.errors import REDACTED, StateError, redact, register_secret
from onesync.model import StateConfig, dsn_secrets, redact_dsn, redact_url
from onesync.state.lock import FileLock, LockInfo, PgLock, now, who
from onesync.state.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "Missed",
    "RowUpdate",
    "StateReader",
    "StateStore",
    "StateWriter",
    "open_state",
    "unlock_state",
]

Backend = Literal["duckdb", "postgres"]


def state_where(config: StateConfig) -> str:
    """How the store is named in messages and in ``state show``: the URL without its password
    (and without any secret registered from the environment)."""
    for secret in dsn_secrets(config.url):
        register_secret(secret)
    return scrub(redact_url(config.url) or "postgres", config.url)


def scrub(text: str, url: str | None = None) -> str:
    """``text`` safe to show: no password of ``url``, of any DSN in it, or registered.

    Drivers put the connection string they were given into their errors; this is applied to
    every StateError line.
    """
    for secret in sorted(dsn_secrets(url), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return redact(redact_dsn(text) or "")


DUCKDB_MEMORY = os.environ.get("ONESYNC_DUCKDB_MEMORY", "512MB")


@dataclass(frozen=True, slots=True)
class RowUpdate:
    """What OneSignal confirmed for one user: a merge patch of state values, or forget it.

    ``fingerprint`` None stores no fingerprint, so the next plan compares the row again (used
    when a field was refused or only part of a user's calls went through).
    """

    key: str
    fingerprint: str | None
    patch: Mapping[str, str | None] = field(default_factory=dict)
    forget: bool = False
    conflict: str | None = None  # OneSignal's 409, kept until the row (fingerprint) changes
    conflict_fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Missed:
    """A message key that reached nobody: retried with a new key once its user is synced."""

    key: str
    external_id: str


def precise_now() -> str:
    """ISO 8601 UTC with microseconds: "confirmed after this miss" must hold within a second."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


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
            text = f"state {self.where}: {type(exc).__name__}: {exc}".strip()
            raise StateError(scrub(text)) from exc

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

    def values_of(self, sync: str, keys: Sequence[str]) -> dict[str, dict[str, str | None]]:
        """``values`` for a batch of keys in one query (keys not in state are left out)."""
        if not keys:
            return {}
        rows = self.fetchall(
            "SELECT key, data FROM onesync_rows WHERE sync = ? AND key IN "
            f"(SELECT unnest({self._array()}))",
            (sync, list(keys)),
        )
        return {str(k): (json.loads(d) if d else {}) for k, d in rows}

    def _array(self) -> str:
        return "?::text[]" if self.backend == "postgres" else "?::VARCHAR[]"

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

    def conflicts(self, sync: str) -> dict[str, tuple[str | None, str]]:
        """Key -> (row fingerprint, OneSignal's reason) for rows last answered with a 409."""
        rows = self.fetchall(
            "SELECT key, fingerprint, reason FROM onesync_conflicts WHERE sync = ?", (sync,)
        )
        return {str(k): (f, str(r)) for k, f, r in rows}

    def outbox(self, sync: str) -> list[dict[str, Any]]:
        """Message batches fixed before their first send and not yet confirmed, oldest first."""
        rows = self.fetchall(
            "SELECT id, keys, external_ids, body FROM onesync_outbox WHERE sync = ? "
            "ORDER BY created_at, id",
            (sync,),
        )
        return [
            {"id": i, "keys": json.loads(k), "external_ids": json.loads(e), "body": json.loads(b)}
            for i, k, e, b in rows
        ]

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
                (sync, precise_now(), keys, fps, data),
            )
            self.execute(
                f"DELETE FROM onesync_conflicts WHERE sync = ? AND key IN (SELECT unnest({a}))",
                (sync, keys),
            )

    def record_conflicts(self, sync: str, rows: Iterable[tuple[str, str | None, str]]) -> None:
        """Remember (key, row fingerprint, reason) of rows OneSignal answered 409 for.

        Nothing about the user is recorded as confirmed; the plan skips such a row (and lists
        the conflict) until its fingerprint changes.
        """
        rows = list(rows)
        if not rows:
            return
        with self.transaction():
            for key, fp, reason in rows:
                self.execute(
                    "INSERT INTO onesync_conflicts (sync, key, fingerprint, reason, seen_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sync, key) DO UPDATE SET "
                    "fingerprint = EXCLUDED.fingerprint, reason = EXCLUDED.reason, "
                    "seen_at = EXCLUDED.seen_at",
                    (sync, key, fp, reason, now()),
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
        self,
        sync: str,
        keys: Iterable[str],
        status: str = "sent",
        kind: str = "event",
        external_ids: Iterable[str | None] | None = None,
        *,
        outbox: str | None = None,
    ) -> None:
        """Record event/message keys as sent (or ``baseline``: seen, never to be sent).

        A key recorded ``missed`` before becomes ``sent``; ``outbox`` names a fixed message
        batch that is done, removed in the same transaction.
        """
        keys = list(keys)
        ids = list(external_ids) if external_ids is not None else [None] * len(keys)
        first = dict(zip(reversed(keys), reversed(ids), strict=True))  # one row per key
        keys, ids = list(first), list(first.values())
        at = precise_now()
        a = self._array()
        with self.transaction():
            self.execute(
                "INSERT INTO onesync_syncs (sync, kind, baseline_at) VALUES (?, ?, ?) "
                "ON CONFLICT (sync) DO NOTHING",
                (sync, kind, at),
            )
            if outbox is not None:
                self.execute("DELETE FROM onesync_outbox WHERE sync = ? AND id = ?", (sync, outbox))
            if not keys:
                return
            self.execute(
                "INSERT INTO onesync_sent (sync, key, status, sent_at, external_id, attempts) "
                f"SELECT ?, k, ?, ?, e, 0 FROM (SELECT unnest({a}) AS k, unnest({a}) AS e) AS u "
                "ON CONFLICT (sync, key) DO UPDATE SET status = EXCLUDED.status, "
                "sent_at = EXCLUDED.sent_at WHERE onesync_sent.status = 'missed'",
                (sync, status, at, keys, ids),
            )

    def record_missed(
        self, sync: str, rows: Iterable[tuple[str, str]], kind: str = "message"
    ) -> None:
        """(key, external_id) of messages that reached nobody: planned again, with a new
        idempotency key, once a profile sync confirms that user after this moment."""
        rows = list(dict(rows).items())  # one row per key
        if not rows:
            return
        at = precise_now()
        with self.transaction():
            self.execute(
                "INSERT INTO onesync_syncs (sync, kind, baseline_at) VALUES (?, ?, ?) "
                "ON CONFLICT (sync) DO NOTHING",
                (sync, kind, at),
            )
            a = self._array()
            self.execute(
                "INSERT INTO onesync_sent (sync, key, status, sent_at, external_id, attempts) "
                f"SELECT ?, k, 'missed', ?, e, 1 FROM (SELECT unnest({a}) AS k, "
                f"unnest({a}) AS e) AS u ON CONFLICT (sync, key) DO UPDATE SET "
                "status = 'missed', sent_at = EXCLUDED.sent_at, "
                "attempts = COALESCE(onesync_sent.attempts, 0) + 1 "
                "WHERE onesync_sent.status = 'missed'",
                (sync, at, [k for k, _ in rows], [e for _, e in rows]),
            )

    def outbox_put(
        self, sync: str, id: str, keys: Sequence[str], external_ids: Sequence[str], body: Any
    ) -> None:
        """Fix a message batch (recipients, body, idempotency key) before its first send."""
        with self.transaction():
            self.execute(
                "INSERT INTO onesync_outbox (sync, id, keys, external_ids, body, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sync, id) DO NOTHING",
                (sync, id, json.dumps(list(keys)), json.dumps(list(external_ids)),
                 json.dumps(body, sort_keys=True), now()),
            )  # fmt: skip

    def record_baseline(self, sync: str, keys: Iterable[str], kind: str = "event") -> None:
        """First run of an event/message sync without backfill: these keys are never sent."""
        self.record_sent(sync, keys, "baseline", kind)

    def confirm(self, sync: str, changes: Iterable[Any]) -> None:
        """Record confirmed plan changes (``onesync.plan.changes`` values) for one sync.

        ``RowUpdate`` values (what apply learned OneSignal confirmed for a user) and profile
        changes store their fingerprint and values (or are forgotten when the row left the
        model and was cleared or deleted), events and messages record their keys as sent.
        Apply calls this after each batch OneSignal confirmed; calling it twice with the same
        batch changes nothing more.
        """
        rows, gone, sent, ext, kind = [], [], [], [], "event"
        held: list[tuple[str, str | None, str]] = []
        missed: list[tuple[str, str]] = []
        done: list[str] = []
        for c in changes:
            if isinstance(c, RowUpdate):
                if c.forget:
                    gone.append(c.key)
                elif c.patch:
                    rows.append((c.key, c.fingerprint, c.patch))
                if c.conflict:
                    held.append((c.key, c.conflict_fingerprint, c.conflict))
            elif isinstance(c, Missed):
                missed.append((c.key, c.external_id))
            elif hasattr(c, "idempotency_key"):
                sent.extend(c.keys)
                ext.extend(c.external_ids)
                kind = "message"
                if getattr(c, "batched", False):
                    done.append(c.idempotency_key)
            elif hasattr(c, "timestamp"):
                sent.append(c.key)
                ext.append(c.external_id)
            elif c.action in ("unset", "delete"):
                gone.append(c.key)
            else:
                rows.append((c.key, c.fingerprint, c.state_patch()))
        self.confirm_rows(sync, rows)
        self.forget_rows(sync, gone)
        self.record_conflicts(sync, held)
        if sent:
            self.record_sent(sync, sent, "sent", kind, ext)
        self.record_missed(sync, missed)
        if done:
            with self.transaction():
                self.execute(
                    f"DELETE FROM onesync_outbox WHERE sync = ? AND id IN "
                    f"(SELECT unnest({self._array()}))",
                    (sync, done),
                )

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

        where = state_where(config)
        try:
            conn = psycopg.connect(config.url, autocommit=True)
        except Exception as exc:
            detail = scrub(str(exc).strip(), config.url)
            raise StateError(f"state {where}: cannot connect: {detail}") from None
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
                    scrub(
                        f"state {path} is open in another process (pid {pid.group(1)}); wait "
                        "for it to finish or stop it"
                    )
                ) from exc
            raise StateError(scrub(f"state {path}: cannot open: {exc}")) from exc
        store = StateStore(conn, "duckdb", scrub(str(path)), file_lock)
        try:
            # Bounded memory for big diffs (DuckDB spills past it); order is never relied on.
            conn.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
            conn.execute("SET enable_progress_bar = false")  # never print to a user's terminal
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
