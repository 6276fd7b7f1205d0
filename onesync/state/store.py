"""The state store: what OneSignal confirmed, per sync and key, in DuckDB, PostgreSQL, Snowflake or
Spark.

``StateReader`` is the read side the planner uses: named queries, and ``diff_engine()`` for the
diff SQL it runs next to the state. ``StateWriter`` adds the writes apply makes after OneSignal
confirmed a batch (``confirm`` takes the records of ``onesync.state.records``). ``StateStore`` is
both, over one backend connection (``duckdb.py``, ``postgres.py``, ``snowflake.py``) holding the
lock (Spark tables take INSERT only: ``sparkstore.py`` appends to logs instead). Snowflake has
no ``ON CONFLICT``, no array parameter and no JSON merge function, and does
not enforce primary keys: its writes are UPDATE (or DELETE) then INSERT ... WHERE NOT EXISTS in
one transaction, over a JSON array parameter read by ``TABLE(FLATTEN(...))``, with confirmed
values merged here per batch (JSON nulls are left out of its ``data``). Every
write runs in one transaction and bumps ``serial``, so a plan can tell that the state it was made
against has moved on. Writes are idempotent: confirming the same batch twice is harmless.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from onesync.errors import StateError
from onesync.model import StateConfig
from onesync.state import duckdb, postgres, snowflake
from onesync.state.backend import Backend, BackendName
from onesync.state.engine import Engine
from onesync.state.lock import LockInfo, now, who
from onesync.state.records import IMPORTED, Missed, Record, RowUpdate, Sent
from onesync.state.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["StateReader", "StateStore", "StateWriter", "open_state", "unlock_state"]


def precise_now() -> str:
    """ISO 8601 UTC with microseconds: "confirmed after this miss" must hold within a second."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _flatten(*fields: str) -> str:
    """Snowflake: the rows of one JSON-array parameter of objects (a missing field is NULL)."""
    cols = ", ".join(f"value['{f}']::STRING AS {f}" for f in fields)
    return f"SELECT {cols} FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?)))"


def _objects(rows: Iterable[Mapping[str, str | None]]) -> str:
    """The parameter ``_flatten`` reads: NULL fields left out, so no JSON null is ever cast."""
    return json.dumps([{k: v for k, v in r.items() if v is not None} for r in rows])


class StateReader:
    """Read-only queries on the state store (the planner needs nothing else)."""

    def __init__(self, backend: Backend) -> None:
        self._db = backend

    @property
    def backend(self) -> BackendName:
        """``duckdb``, ``postgres`` or ``snowflake``."""
        return self._db.name

    @property
    def _sf(self) -> bool:
        return self._db.name == "snowflake"

    @property
    def where(self) -> str:
        """The store's file or URL, without a password: how messages name it."""
        return self._db.where

    def diff_engine(self) -> Engine:
        """The engine the planner diffs in: its SQL runs next to the state (temp tables only),
        over incoming rows loaded by the backend (``Engine.load``)."""
        return self._db.diff_engine()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._db.execute(sql, params).fetchall())

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._db.execute(sql, params).fetchone()
        return row[0] if row else None

    @property
    def schema_version(self) -> int:
        """The last migration applied (``onesync.state.schema.SCHEMA_VERSION`` once open)."""
        return int(self._scalar("SELECT max(version) FROM onesync_schema_version") or 0)

    @property
    def serial(self) -> int:
        """Bumped by every write; a saved plan records it to detect stale state."""
        return int(self._scalar("SELECT value FROM onesync_meta WHERE key = 'serial'") or 0)

    @property
    def lineage(self) -> str:
        """A uuid made when the store was created: a plan for one store never applies to another."""
        return str(self._scalar("SELECT value FROM onesync_meta WHERE key = 'lineage'") or "")

    def row_count(self, sync: str) -> int:
        return int(self._scalar("SELECT count(*) FROM onesync_rows WHERE sync = ?", (sync,)))

    def sent_count(self, sync: str) -> int:
        return int(self._scalar("SELECT count(*) FROM onesync_sent WHERE sync = ?", (sync,)))

    def is_started(self, sync: str) -> bool:
        """True once the first run (or baseline) of an event/message sync was recorded."""
        return int(self._scalar("SELECT count(*) FROM onesync_syncs WHERE sync = ?", (sync,))) > 0

    def values(self, sync: str, key: str) -> dict[str, str | None] | None:
        """The values OneSignal last confirmed for one key, by compiled column name."""
        row = self._db.execute(
            "SELECT data FROM onesync_rows WHERE sync = ? AND key = ?", (sync, key)
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else ({} if row else None)

    def values_of(self, sync: str, keys: Sequence[str]) -> dict[str, dict[str, str | None]]:
        """``values`` for a batch of keys in one query (keys not in state are left out)."""
        if not keys:
            return {}
        rows = self._rows(
            f"SELECT key, data FROM onesync_rows WHERE sync = ? AND key IN ({self._db.keys_in()})",
            (sync, self._db.list_param(keys)),
        )
        return {str(k): (json.loads(d) if d else {}) for k, d in rows}

    def confirmed_of(
        self, sync: str, keys: Sequence[str]
    ) -> dict[str, tuple[str | None, dict[str, str | None]]]:
        """(fingerprint, values) for a batch of keys (keys not in state are left out)."""
        if not keys:
            return {}
        rows = self._rows(
            "SELECT key, fingerprint, data FROM onesync_rows WHERE sync = ? AND key IN "
            f"({self._db.keys_in()})",
            (sync, self._db.list_param(keys)),
        )
        return {str(k): (f, json.loads(d) if d else {}) for k, f, d in rows}

    def fingerprint(self, sync: str, key: str) -> str | None:
        value = self._scalar(
            "SELECT fingerprint FROM onesync_rows WHERE sync = ? AND key = ?", (sync, key)
        )
        return None if value is None else str(value)

    def sent_keys(self, sync: str) -> dict[str, str]:
        """Key -> ``sent`` or ``baseline``; for tests and ``state show``, not for big syncs."""
        return dict(self._rows("SELECT key, status FROM onesync_sent WHERE sync = ?", (sync,)))

    def runs(self, sync: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, sync, started_at, finished_at, who, counts, outcome FROM onesync_runs"
        rows = self._rows(sql + (" WHERE sync = ?" if sync else ""), (sync,) if sync else ())
        names = ("id", "sync", "started_at", "finished_at", "who", "counts", "outcome")
        out = [dict(zip(names, r, strict=True)) for r in rows]
        for r in out:
            r["counts"] = json.loads(r["counts"] or "{}")
        return sorted(out, key=lambda r: r["started_at"] or "")

    def imported_at(self, sync: str) -> str | None:
        """When ``onesync import`` seeded this sync (its run's ``started_at``), while no other
        run (an apply) came after it."""
        rows = self._rows(
            "SELECT CASE WHEN outcome = ? THEN 1 ELSE 0 END, max(started_at) FROM onesync_runs "
            "WHERE sync = ? GROUP BY 1",
            (IMPORTED, sync),
        )
        last = {int(o) == 1: str(at) for o, at in rows if at is not None}
        if True not in last or last.get(False, "") > last[True]:
            return None  # never imported, or applied since: the plan is not about drift only
        return last[True]

    def conflicts(self, sync: str) -> dict[str, tuple[str | None, str]]:
        """Key -> (row fingerprint, OneSignal's reason) for rows last answered with a 409."""
        rows = self._rows(
            "SELECT key, fingerprint, reason FROM onesync_conflicts WHERE sync = ?", (sync,)
        )
        return {str(k): (f, str(r)) for k, f, r in rows}

    def outbox(self, sync: str) -> list[dict[str, Any]]:
        """Message batches fixed before their first send and not yet confirmed, oldest first."""
        rows = self._rows(
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
        rows = self._rows(
            "SELECT sync, sum(r), sum(s) FROM (SELECT sync, 1 AS r, 0 AS s FROM onesync_rows "
            "UNION ALL SELECT sync, 0, 1 FROM onesync_sent) t GROUP BY sync ORDER BY sync"
        )
        return [(s, int(r), int(n)) for s, r, n in rows]


class StateWriter(StateReader):
    """The writes apply makes, each one transaction that bumps ``serial``."""

    _depth = 0  # transactions open: writes inside ``batch()`` join the outer one

    @contextmanager
    def _transaction(self, bump: bool = True) -> Iterator[None]:
        """One transaction; with ``bump`` it also advances the serial. Inside another (see
        ``batch``) it is part of that one, which bumps the serial once."""
        if self._depth:
            yield
            return
        self._depth += 1
        try:
            with self._db.transaction():
                yield
                if bump:
                    self._bump()
        finally:
            self._depth -= 1

    def _bump(self) -> None:
        self._db.execute(
            "UPDATE onesync_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) "
            "WHERE key = 'serial'"
        )

    def batch(self) -> AbstractContextManager[None]:
        """Many writes as one transaction: all of them or, when the block raises, none
        (``onesync import`` seeds a whole sync this way)."""
        return self._transaction()

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
        if self._sf:
            self._confirm_rows_merged(sync, rows)
            return
        keys = [r[0] for r in rows]
        fps = [r[1] for r in rows]
        data = [json.dumps(dict(r[2]), sort_keys=True) for r in rows]
        a = self._db.array
        with self._transaction():  # parallel unnest: one statement per batch on both backends
            self._db.execute(
                "INSERT INTO onesync_rows (sync, key, fingerprint, data, updated_at) "
                f"SELECT ?, k, f, d, ? FROM (SELECT unnest({a}) AS k, unnest({a}) AS f, "
                f"unnest({a}) AS d) AS u ON CONFLICT (sync, key) DO UPDATE SET "
                f"fingerprint = EXCLUDED.fingerprint, data = {self._db.merge}, "
                "updated_at = EXCLUDED.updated_at",
                (sync, precise_now(), keys, fps, data),
            )
            self._db.execute(
                f"DELETE FROM onesync_conflicts WHERE sync = ? AND key IN (SELECT unnest({a}))",
                (sync, keys),
            )

    def _confirm_rows_merged(
        self, sync: str, rows: list[tuple[str, str | None, Mapping[str, str | None]]]
    ) -> None:
        """``confirm_rows`` where the database has no JSON merge patch (Snowflake): the batch's
        confirmed values are read, patched here, and written back whole."""
        with self._transaction():
            old = self.values_of(sync, list(dict.fromkeys(r[0] for r in rows)))
            new: dict[str, tuple[str | None, dict[str, str | None]]] = {}
            for key, fp, patch in rows:
                base = new[key][1] if key in new else old.get(key, {})
                merged = {**base, **patch}
                new[key] = (fp, {k: v for k, v in merged.items() if v is not None})
            keys = self._db.list_param(list(new))
            self._db.execute(
                f"DELETE FROM onesync_rows WHERE sync = ? AND key IN ({self._db.keys_in()})",
                (sync, keys),
            )
            self._db.execute(
                "INSERT INTO onesync_rows (sync, key, fingerprint, data, updated_at) "
                f"SELECT ?, u.k, u.f, u.d, ? FROM ({_flatten('k', 'f', 'd')}) AS u",
                (
                    sync,
                    precise_now(),
                    _objects(
                        {"k": k, "f": fp, "d": json.dumps(d, sort_keys=True)}
                        for k, (fp, d) in new.items()
                    ),
                ),
            )
            self._db.execute(
                f"DELETE FROM onesync_conflicts WHERE sync = ? AND key IN ({self._db.keys_in()})",
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
        if self._sf:
            last = {key: (fp, reason) for key, fp, reason in rows}
            with self._transaction():
                self._db.execute(
                    "DELETE FROM onesync_conflicts WHERE sync = ? AND key IN "
                    f"({self._db.keys_in()})",
                    (sync, self._db.list_param(list(last))),
                )
                self._db.execute(
                    "INSERT INTO onesync_conflicts (sync, key, fingerprint, reason, seen_at) "
                    f"SELECT ?, u.k, u.f, u.r, ? FROM ({_flatten('k', 'f', 'r')}) AS u",
                    (
                        sync,
                        now(),
                        _objects({"k": k, "f": f, "r": r} for k, (f, r) in last.items()),
                    ),
                )
            return
        with self._transaction():
            for key, fp, reason in rows:
                self._db.execute(
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
        with self._transaction():
            self._db.execute(
                f"DELETE FROM onesync_rows WHERE sync = ? AND key IN ({self._db.keys_in()})",
                (sync, self._db.list_param(keys)),
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
        a = self._db.array
        with self._transaction():
            self._started(sync, kind, at)
            if outbox is not None:
                self._db.execute(
                    "DELETE FROM onesync_outbox WHERE sync = ? AND id = ?", (sync, outbox)
                )
            if not keys:
                return
            if self._sf:
                self._db.execute(
                    "UPDATE onesync_sent SET status = ?, sent_at = ? WHERE sync = ? AND "
                    f"status = 'missed' AND key IN ({self._db.keys_in()})",
                    (status, at, sync, self._db.list_param(keys)),
                )
                self._insert_new_sent(sync, "?, ?, u.e, 0", (status, at), keys, ids)
                return
            self._db.execute(
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
        with self._transaction():
            self._started(sync, kind, at)
            if self._sf:
                keys = [k for k, _ in rows]
                self._db.execute(
                    "UPDATE onesync_sent SET sent_at = ?, attempts = COALESCE(attempts, 0) + 1 "
                    f"WHERE sync = ? AND status = 'missed' AND key IN ({self._db.keys_in()})",
                    (at, sync, self._db.list_param(keys)),
                )
                self._insert_new_sent(
                    sync, "'missed', ?, u.e, 1", (at,), keys, [e for _, e in rows]
                )
                return
            a = self._db.array
            self._db.execute(
                "INSERT INTO onesync_sent (sync, key, status, sent_at, external_id, attempts) "
                f"SELECT ?, k, 'missed', ?, e, 1 FROM (SELECT unnest({a}) AS k, "
                f"unnest({a}) AS e) AS u ON CONFLICT (sync, key) DO UPDATE SET "
                "status = 'missed', sent_at = EXCLUDED.sent_at, "
                "attempts = COALESCE(onesync_sent.attempts, 0) + 1 "
                "WHERE onesync_sent.status = 'missed'",
                (sync, at, [k for k, _ in rows], [e for _, e in rows]),
            )

    def _started(self, sync: str, kind: str, at: str) -> None:
        """Record the sync's first run (baseline), once."""
        if self._sf:
            self._db.execute(
                "INSERT INTO onesync_syncs (sync, kind, baseline_at) SELECT ?, ?, ? "
                "WHERE NOT EXISTS (SELECT 1 FROM onesync_syncs WHERE sync = ?)",
                (sync, kind, at, sync),
            )
            return
        self._db.execute(
            "INSERT INTO onesync_syncs (sync, kind, baseline_at) VALUES (?, ?, ?) "
            "ON CONFLICT (sync) DO NOTHING",
            (sync, kind, at),
        )

    def _insert_new_sent(
        self,
        sync: str,
        rest: str,
        params: tuple[Any, ...],
        keys: Sequence[str],
        ids: Sequence[str | None],
    ) -> None:
        """Snowflake: insert the keys not in ``onesync_sent`` yet (``rest``: status, sent_at,
        external_id, attempts over ``u.e`` and ``params``)."""
        self._db.execute(
            "INSERT INTO onesync_sent (sync, key, status, sent_at, external_id, attempts) "
            f"SELECT ?, u.k, {rest} FROM ({_flatten('k', 'e')}) AS u WHERE NOT EXISTS "
            "(SELECT 1 FROM onesync_sent s WHERE s.sync = ? AND s.key = u.k)",
            (
                sync,
                *params,
                _objects({"k": k, "e": e} for k, e in zip(keys, ids, strict=True)),
                sync,
            ),
        )

    def outbox_put(
        self, sync: str, id: str, keys: Sequence[str], external_ids: Sequence[str], body: Any
    ) -> None:
        """Fix a message batch (recipients, body, idempotency key) before its first send."""
        values = (
            sync,
            id,
            json.dumps(list(keys)),
            json.dumps(list(external_ids)),
            json.dumps(body, sort_keys=True),
            now(),
        )
        with self._transaction():
            if self._sf:
                self._db.execute(
                    "INSERT INTO onesync_outbox (sync, id, keys, external_ids, body, created_at) "
                    "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM onesync_outbox "
                    "WHERE sync = ? AND id = ?)",
                    (*values, sync, id),
                )
                return
            self._db.execute(
                "INSERT INTO onesync_outbox (sync, id, keys, external_ids, body, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sync, id) DO NOTHING",
                values,
            )

    def outbox_done(self, sync: str, ids: Iterable[str]) -> None:
        """Remove fixed message batches that were sent."""
        ids = list(ids)
        if not ids:
            return
        with self._transaction():
            self._db.execute(
                f"DELETE FROM onesync_outbox WHERE sync = ? AND id IN ({self._db.keys_in()})",
                (sync, self._db.list_param(ids)),
            )

    def record_baseline(self, sync: str, keys: Iterable[str], kind: str = "event") -> None:
        """First run of an event/message sync without backfill: these keys are never sent."""
        self.record_sent(sync, keys, "baseline", kind)

    def compact(self) -> None:
        """Give back the memory a long run of writes holds (DuckDB: a checkpoint)."""
        self._db.compact()

    def confirm(self, sync: str, records: Iterable[Record]) -> None:
        """Record what OneSignal confirmed for one sync (``onesync.state.records`` values).

        ``RowUpdate`` stores a user's fingerprint and values (or forgets the key, or holds it
        after a 409), ``Sent`` records event or message keys as sent (and finishes its fixed
        batch), ``Missed`` a message key that reached nobody. Apply calls this after each batch
        OneSignal confirmed (``onesync.apply.records.record_of`` makes the records); calling it
        twice with the same batch changes nothing more.
        """
        rows: list[tuple[str, str | None, Mapping[str, str | None]]] = []
        gone: list[str] = []
        sent: list[str] = []
        ext: list[str | None] = []
        kind = "event"
        held: list[tuple[str, str | None, str]] = []
        missed: list[tuple[str, str]] = []
        done: list[str] = []
        for r in records:
            if isinstance(r, RowUpdate):
                if r.forget:
                    gone.append(r.key)
                elif r.patch:
                    rows.append((r.key, r.fingerprint, r.patch))
                if r.conflict:
                    held.append((r.key, r.conflict_fingerprint, r.conflict))
            elif isinstance(r, Sent):
                sent.extend(r.keys)
                ext.extend(r.external_ids)
                if r.kind == "message":
                    kind = "message"
                if r.outbox is not None:
                    done.append(r.outbox)
            elif isinstance(r, Missed):
                missed.append((r.key, r.external_id))
            else:
                raise TypeError(
                    f"confirm takes RowUpdate, Sent or Missed records, not {type(r).__name__}"
                )
        self.confirm_rows(sync, rows)
        self.forget_rows(sync, gone)
        self.record_conflicts(sync, held)
        if sent:
            self.record_sent(sync, sent, "sent", kind, ext)
        self.record_missed(sync, missed)
        self.outbox_done(sync, done)

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
        values = (
            run_id,
            sync,
            started_at,
            finished_at or now(),
            who(),
            json.dumps(dict(counts), sort_keys=True),
            outcome,
        )
        with self._transaction():
            self._insert_run(values)
        return run_id

    def _insert_run(self, values: tuple[str, ...]) -> None:
        self._db.execute(
            "INSERT INTO onesync_runs (id, sync, started_at, finished_at, who, counts, "
            "outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
            values,
        )


class StateStore(StateWriter):
    """An open state store: a backend connection, the migrated schema, and (usually) the lock."""

    def migrate(self) -> None:
        """Create or upgrade the schema; refuse a store written by a newer onesync."""
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS onesync_schema_version "
            "(version INTEGER PRIMARY KEY, applied_at TEXT)"
        )
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise StateError(
                f"state {self.where} has schema version {current}, newer than this onesync "
                f"({SCHEMA_VERSION}); upgrade onesync"
            )
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            # Snowflake commits before and after every DDL statement: there each statement is
            # re-runnable instead, and the version row comes last
            block: AbstractContextManager[None] = (
                nullcontext() if self._sf else self._transaction(bump=False)
            )
            with block:
                for sql in statements:
                    self._db.execute(self._db.migration(sql))
                if version == 1 and self._sf:
                    for key, value in (("serial", "0"), ("lineage", str(uuid.uuid4()))):
                        self._db.execute(
                            "INSERT INTO onesync_meta (key, value) SELECT ?, ? WHERE NOT EXISTS "
                            "(SELECT 1 FROM onesync_meta WHERE key = ?)",
                            (key, value, key),
                        )
                elif version == 1:
                    self._db.execute(
                        "INSERT INTO onesync_meta (key, value) VALUES ('serial', '0'), "
                        "('lineage', ?)",
                        (str(uuid.uuid4()),),
                    )
                self._db.execute(
                    "INSERT INTO onesync_schema_version (version, applied_at) VALUES (?, ?)",
                    (version, now()),
                )

    def close(self) -> None:
        """Close the connection and release the lock."""
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
    backend: Backend
    if config.backend == "postgres":
        backend = postgres.open_backend(config, root, lock=lock, lock_timeout=lock_timeout)
    elif config.backend == "snowflake":
        backend = snowflake.open_backend(config, root, lock=lock, lock_timeout=lock_timeout)
    elif config.backend == "spark":
        from onesync.state import spark
        from onesync.state.sparkstore import SparkStore  # its writes append to logs

        backend = spark.open_backend(config, root, lock=lock, lock_timeout=lock_timeout)
    else:
        backend = duckdb.open_backend(config, root, lock=lock, lock_timeout=lock_timeout)
    store = SparkStore(backend) if config.backend == "spark" else StateStore(backend)
    try:
        store.migrate()
        backend.ready()
    except BaseException:
        backend.abort()
        raise
    return store


def unlock_state(config: StateConfig, root: Path, *, force: bool = False) -> LockInfo | None:
    """Clear the state lock (a stale one; a live one only with ``force``); returns its holder."""
    if config.backend == "duckdb":
        return duckdb.unlock(config, root, force=force)
    store = open_state(config, root, lock=False)
    try:
        if isinstance(store._db, snowflake.SnowflakeBackend):
            return snowflake.unlock(store._db, force=force)
        if config.backend == "spark":
            from onesync.state import spark

            assert isinstance(store._db, spark.SparkBackend)
            return spark.unlock(store._db, force=force)
        assert isinstance(store._db, postgres.PostgresBackend)
        return postgres.unlock(store._db, force=force)
    finally:
        store.close()
