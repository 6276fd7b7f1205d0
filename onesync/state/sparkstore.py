"""The state store's writes for Spark state, where a table takes INSERT only (``spark.py``).

Each write appends the rows it changes (the newest committed row of a key is its value) and
tombstones for the keys it removes, inside one transaction of ``SparkBackend``; reads are the
inherited ``StateReader`` queries, over the session's views of the logs. Lists and rows are
bound as one JSON text (``from_json``), as Spark binds no arrays.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from onesync.errors import StateError
from onesync.state.lock import now
from onesync.state.schema import SCHEMA_VERSION
from onesync.state.spark import SparkBackend
from onesync.state.store import StateStore, precise_now

__all__ = ["SparkStore"]


def _rows(*fields: str) -> str:
    """The rows of one JSON-array parameter of objects (a missing field is NULL)."""
    struct = ", ".join(f"{f}: STRING" for f in fields)
    return f"SELECT inline(from_json(?, 'array<struct<{struct}>>'))"


def _objects(rows: Iterable[Mapping[str, str | None]]) -> str:
    return json.dumps([{k: v for k, v in r.items() if v is not None} for r in rows])


class SparkStore(StateStore):
    """``StateStore`` whose writes append to the logs of ``SparkBackend``."""

    _db: SparkBackend

    _next_serial: int | None = None  # while this run holds the lock, nobody else writes

    def _bump(self) -> None:
        if self._next_serial is None or self._db.lock is None:
            self._next_serial = self.serial + 1
        self._db.append("onesync_meta", "SELECT 'serial', ?", (str(self._next_serial),))
        self._next_serial += 1

    def _keys(self, values: Sequence[str]) -> str:
        return self._db.list_param(values)  # type: ignore[no-any-return]

    def confirm_rows(
        self, sync: str, rows: Iterable[tuple[str, str | None, Mapping[str, str | None]]]
    ) -> None:
        rows = list(rows)
        if not rows:
            return
        with self._transaction():
            old = self.values_of(sync, list(dict.fromkeys(r[0] for r in rows)))
            new: dict[str, tuple[str | None, dict[str, str | None]]] = {}
            for key, fp, patch in rows:
                base = new[key][1] if key in new else old.get(key, {})
                merged = {**base, **patch}
                new[key] = (fp, {k: v for k, v in merged.items() if v is not None})
            self._db.append(
                "onesync_rows",
                f"SELECT ?, u.k, u.f, u.d, ? FROM ({_rows('k', 'f', 'd')}) AS u",
                (
                    sync,
                    precise_now(),
                    _objects(
                        {"k": k, "f": fp, "d": json.dumps(d, sort_keys=True)}
                        for k, (fp, d) in new.items()
                    ),
                ),
            )
            self._db.gone(
                "onesync_conflicts",
                f"sync = ? AND key IN ({self._db.keys_in()})",
                (sync, self._keys(list(new))),
            )

    def record_conflicts(self, sync: str, rows: Iterable[tuple[str, str | None, str]]) -> None:
        last = {key: (fp, reason) for key, fp, reason in rows}
        if not last:
            return
        with self._transaction():
            self._db.append(
                "onesync_conflicts",
                f"SELECT ?, u.k, u.f, u.r, ? FROM ({_rows('k', 'f', 'r')}) AS u",
                (sync, now(), _objects({"k": k, "f": f, "r": r} for k, (f, r) in last.items())),
            )

    def forget_rows(self, sync: str, keys: Iterable[str]) -> None:
        keys = list(keys)
        if not keys:
            return
        with self._transaction():
            where = f"sync = ? AND key IN ({self._db.keys_in()})"
            self._db.gone("onesync_rows", where, (sync, self._keys(keys)))

    def _started(self, sync: str, kind: str, at: str) -> None:
        self._db.append(
            "onesync_syncs",
            "SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM onesync_syncs WHERE sync = ?)",
            (sync, kind, at, sync),
        )

    def _sent(
        self,
        sync: str,
        pairs: Sequence[tuple[str, str | None]],
        values: str,
        params: tuple[Any, ...],
    ) -> None:
        """Append ``onesync_sent`` rows for keys not sent yet or ``missed`` (``values``: status,
        sent_at, external_id, attempts over ``u`` (new) and ``s`` (the row in state))."""
        self._db.append(
            "onesync_sent",
            f"SELECT ?, u.k, {values} FROM ({_rows('k', 'e')}) AS u LEFT JOIN onesync_sent s "
            "ON s.sync = ? AND s.key = u.k WHERE s.key IS NULL OR s.status = 'missed'",
            (sync, *params, _objects({"k": k, "e": e} for k, e in pairs), sync),
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
        keys = list(keys)
        ids = list(external_ids) if external_ids is not None else [None] * len(keys)
        first = dict(zip(reversed(keys), reversed(ids), strict=True))
        at = precise_now()
        with self._transaction():
            self._started(sync, kind, at)
            if outbox is not None:
                self._db.gone("onesync_outbox", "sync = ? AND id = ?", (sync, outbox))
            if first:
                self._sent(
                    sync,
                    list(first.items()),
                    "?, ?, CASE WHEN s.key IS NULL THEN u.e ELSE s.external_id END, "
                    "CAST(COALESCE(s.attempts, 0) AS INT)",
                    (status, at),
                )

    def record_missed(
        self, sync: str, rows: Iterable[tuple[str, str]], kind: str = "message"
    ) -> None:
        pairs = list(dict(rows).items())
        if not pairs:
            return
        at = precise_now()
        with self._transaction():
            self._started(sync, kind, at)
            self._sent(
                sync,
                pairs,
                "'missed', ?, CASE WHEN s.key IS NULL THEN u.e ELSE s.external_id END, "
                "CAST(COALESCE(s.attempts, 0) + 1 AS INT)",
                (at,),
            )

    def outbox_put(
        self, sync: str, id: str, keys: Sequence[str], external_ids: Sequence[str], body: Any
    ) -> None:
        with self._transaction():
            self._db.append(
                "onesync_outbox",
                "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM onesync_outbox "
                "WHERE sync = ? AND id = ?)",
                (
                    sync,
                    id,
                    json.dumps(list(keys)),
                    json.dumps(list(external_ids)),
                    json.dumps(body, sort_keys=True),
                    now(),
                    sync,
                    id,
                ),
            )

    def outbox_done(self, sync: str, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        with self._transaction():
            where = f"sync = ? AND id IN ({self._db.keys_in()})"
            self._db.gone("onesync_outbox", where, (sync, self._keys(ids)))

    def _insert_run(self, values: tuple[str, ...]) -> None:
        self._db.append("onesync_runs", "SELECT ?, ?, ?, ?, ?, ?, ?", values)

    def migrate(self) -> None:
        """The log tables exist once the backend opened; record the version (and, the first
        time, the serial and the lineage)."""
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise StateError(
                f"state {self.where} has schema version {current}, newer than this onesync "
                f"({SCHEMA_VERSION}); upgrade onesync"
            )
        if current == SCHEMA_VERSION:
            return
        with self._transaction(bump=False):
            if current == 0:
                self._db.append(
                    "onesync_meta",
                    "SELECT 'serial', '0' UNION ALL SELECT 'lineage', ?",
                    (str(uuid.uuid4()),),
                )
            self._db.append(
                "onesync_schema_version", "SELECT CAST(? AS INT), ?", (SCHEMA_VERSION, now())
            )
