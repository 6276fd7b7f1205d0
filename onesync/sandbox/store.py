"""The sandbox's state: plain dicts in memory, written through to SQLite when a path is given.

Users are documents (identity, properties, subscriptions) indexed by alias, by subscription token
and by subscription id. Every mutation marks what it touched; ``flush()`` writes the touched
documents in one transaction, so a restart with the same file sees exactly what was answered as
applied. A flush that fails is rolled back and reported on stderr; the sandbox keeps answering.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import traceback
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

__all__ = ["Store"]

_SCHEMA = """
create table if not exists users (onesignal_id text primary key, seq integer, doc text);
create table if not exists events (seq integer primary key, doc text);
create table if not exists notifications (seq integer primary key, id text, doc text);
create table if not exists deleted_users (seq integer primary key, doc text);
create table if not exists meta (key text primary key, value text);
"""
# Files written before notifications were keyed by their position: an unsent notification has the
# id "", so a second one broke the primary key (and, unrolled back, every later transaction).
_MIGRATE_NOTIFICATIONS = """
alter table notifications rename to notifications_by_id;
create table notifications (seq integer primary key, id text, doc text);
insert into notifications (id, doc) select id, doc from notifications_by_id order by seq;
drop table notifications_by_id;
"""


class Store:
    """All users, events and notifications of one app, plus request counters."""

    def __init__(self, db_path: str | None = None) -> None:
        self.db_path = db_path
        self._clear()
        self._db: sqlite3.Connection | None = None
        if db_path:
            self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
            self._db.execute("pragma journal_mode=wal")
            self._db.execute("pragma synchronous=normal")
            self._migrate()
            self._db.executescript(_SCHEMA)
            self._load()

    def _clear(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.aliases: dict[tuple[str, str], str] = {}
        self.tokens: dict[tuple[str, str], str] = {}
        self.subscription_ids: dict[str, str] = {}
        self.deleted_users: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.event_keys: set[str] = set()
        self.notifications: list[dict[str, Any]] = []
        self.notes_by_id: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.requests_by_endpoint: Counter[str] = Counter()
        self.requests_by_status: Counter[str] = Counter()
        self._seq = 0
        self._dirty_users: set[str] = set()
        self._new_events: list[dict[str, Any]] = []
        self._new_notifications: list[tuple[int, dict[str, Any]]] = []
        self._changed_notifications: list[dict[str, Any]] = []
        self._new_tombstones: list[tuple[int, dict[str, Any]]] = []
        self.flush_failures = 0
        """Flushes rolled back since the start (each one also printed on stderr)."""

    # -- users ---------------------------------------------------------------------------------

    def find(self, label: str, value: str) -> dict[str, Any] | None:
        """The user owning alias ``label=value`` (``onesignal_id`` works too), or None."""
        owner = self.aliases.get((label, value))
        return self.users.get(owner) if owner else None

    def new_user(self) -> dict[str, Any]:
        """A fresh user with only its OneSignal id."""
        self._seq += 1
        oid = str(uuid.uuid4())
        user = {
            "seq": self._seq,
            "identity": {"onesignal_id": oid},
            "properties": {"tags": {}},
            "subscriptions": [],
        }
        self.users[oid] = user
        self.aliases[("onesignal_id", oid)] = oid
        self.touch(user)
        return user

    def set_alias(self, user: dict[str, Any], label: str, value: str) -> None:
        oid = user["identity"]["onesignal_id"]
        old = user["identity"].get(label)
        if old is not None:
            self.aliases.pop((label, old), None)
        user["identity"][label] = value
        self.aliases[(label, value)] = oid
        self.touch(user)

    def remove_alias(self, user: dict[str, Any], label: str) -> None:
        value = user["identity"].pop(label, None)
        if value is not None:
            self.aliases.pop((label, value), None)
        self.touch(user)

    def delete_user(self, user: dict[str, Any]) -> None:
        """Forget a user, its aliases and subscriptions; remember only that it existed."""
        oid = user["identity"]["onesignal_id"]
        for label, value in user["identity"].items():
            self.aliases.pop((label, value), None)
        for sub in user["subscriptions"]:
            self.tokens.pop((sub["type"], sub["token"]), None)
            self.subscription_ids.pop(sub["id"], None)
        del self.users[oid]
        self._dirty_users.add(oid)
        tombstone = {
            "onesignal_id": oid,
            "external_id": user["identity"].get("external_id"),
            "deleted_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        self.deleted_users.append(tombstone)
        self._new_tombstones.append((len(self.deleted_users), tombstone))

    def subscription_owner(self, kind: str, token: str) -> dict[str, Any] | None:
        oid = self.tokens.get((kind, token))
        return self.users.get(oid) if oid else None

    def find_subscription(self, sub_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The (owner, subscription) with this id, or None."""
        owner = self.users.get(self.subscription_ids.get(sub_id, ""))
        if owner is None:
            return None
        return owner, next(s for s in owner["subscriptions"] if s["id"] == sub_id)

    def add_subscription(self, user: dict[str, Any], sub: dict[str, Any]) -> None:
        oid = user["identity"]["onesignal_id"]
        user["subscriptions"].append(sub)
        self.tokens[(sub["type"], sub["token"])] = oid
        self.subscription_ids[sub["id"]] = oid
        self.touch(user)

    def remove_subscription(self, user: dict[str, Any], kind: str, token: str) -> dict[str, Any]:
        subs: list[dict[str, Any]] = user["subscriptions"]
        for i, sub in enumerate(subs):
            if sub["type"] == kind and sub["token"] == token:
                del subs[i]
                self.tokens.pop((kind, token), None)
                self.subscription_ids.pop(sub["id"], None)
                self.touch(user)
                return sub
        raise KeyError((kind, token))

    def set_token(self, user: dict[str, Any], sub: dict[str, Any], token: str) -> None:
        """Give a subscription a new token (the caller checked no one else holds it)."""
        self.tokens.pop((sub["type"], sub["token"]), None)
        sub["token"] = token
        self.tokens[(sub["type"], token)] = user["identity"]["onesignal_id"]
        self.touch(user)

    def touch(self, user: dict[str, Any]) -> None:
        self._dirty_users.add(user["identity"]["onesignal_id"])

    # -- events and notifications --------------------------------------------------------------

    def add_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if event.get("idempotency_key"):
            self.event_keys.add(event["idempotency_key"])
        self._new_events.append(event)

    def add_notification(self, notification: dict[str, Any]) -> None:
        self.notifications.append(notification)
        if notification["id"]:
            self.notes_by_id[notification["id"]] = notification
        if notification.get("idempotency_key"):
            self.idempotency[notification["idempotency_key"]] = notification
        self._new_notifications.append((len(self.notifications), notification))

    def touch_notification(self, notification: dict[str, Any]) -> None:
        self._changed_notifications.append(notification)

    def count(self, endpoint: str, status: int) -> None:
        self.requests_by_endpoint[endpoint] += 1
        self.requests_by_status[str(status)] += 1

    # -- views ---------------------------------------------------------------------------------

    def snapshot(self, app_id: str) -> dict[str, Any]:
        """A JSON-ready copy of everything: what /_sandbox/state returns."""
        users = sorted(self.users.values(), key=lambda u: u["seq"])
        snapshot: dict[str, Any] = json.loads(
            json.dumps(
                {
                    "app_id": app_id,
                    "users": [_public_user(u) for u in users],
                    "deleted_users": self.deleted_users,
                    "events": self.events,
                    "notifications": self.notifications,
                    "requests": sum(self.requests_by_endpoint.values()),
                    "requests_by_endpoint": dict(sorted(self.requests_by_endpoint.items())),
                    "requests_by_status": dict(sorted(self.requests_by_status.items())),
                }
            )
        )
        return snapshot

    def reset(self) -> None:
        """Forget everything, in memory and on disk."""
        self._clear()
        if self._db is not None:
            self._db.executescript(
                "begin; delete from users; delete from events; delete from notifications;"
                " delete from deleted_users; delete from meta; commit;"
            )

    # -- persistence ---------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what changed since the last flush (no-op in memory).

        One transaction per flush; if it fails it is rolled back (so the next one can start) and
        the failure printed, and the sandbox goes on answering from memory.
        """
        if self._db is not None:
            try:
                self._write(self._db)
            except Exception:  # a bad write must not wedge the connection for every later one
                self.flush_failures += 1
                if self._db.in_transaction:
                    self._db.execute("rollback")
                print("onesync sandbox: could not save to the SQLite file:", file=sys.stderr)
                traceback.print_exc(file=sys.stderr)
        self._dirty_users.clear()
        self._new_events.clear()
        self._new_notifications.clear()
        self._changed_notifications.clear()
        self._new_tombstones.clear()

    def _write(self, db: sqlite3.Connection) -> None:
        db.execute("begin")
        for oid in self._dirty_users:
            user = self.users.get(oid)
            if user is None:
                db.execute("delete from users where onesignal_id = ?", (oid,))
            else:
                db.execute(
                    "insert or replace into users values (?, ?, ?)",
                    (oid, user["seq"], json.dumps(user)),
                )
        for event in self._new_events:
            db.execute("insert into events (doc) values (?)", (json.dumps(event),))
        for seq, note in self._new_notifications:
            db.execute(
                "insert or replace into notifications (seq, id, doc) values (?, ?, ?)",
                (seq, note["id"], json.dumps(note)),
            )
        for note in self._changed_notifications:
            db.execute(
                "update notifications set doc = ? where id = ?", (json.dumps(note), note["id"])
            )
        for seq, tombstone in self._new_tombstones:
            db.execute(
                "insert or replace into deleted_users values (?, ?)", (seq, json.dumps(tombstone))
            )
        counts = {"endpoint": self.requests_by_endpoint, "status": self.requests_by_status}
        db.execute("insert or replace into meta values ('requests', ?)", (json.dumps(counts),))
        db.execute("commit")

    def close(self) -> None:
        if self._db is not None:
            self.flush()
            self._db.close()
            self._db = None

    def _migrate(self) -> None:
        assert self._db is not None
        columns = self._db.execute("pragma table_info(notifications)").fetchall()
        if any(name == "id" and pk for _, name, _, _, _, pk in columns):
            self._db.executescript(f"begin; {_MIGRATE_NOTIFICATIONS} commit;")

    def _load(self) -> None:
        assert self._db is not None
        for (doc,) in self._db.execute("select doc from users order by seq"):
            user = json.loads(doc)
            oid = user["identity"]["onesignal_id"]
            self.users[oid] = user
            self._seq = max(self._seq, user["seq"])
            for label, value in user["identity"].items():
                self.aliases[(label, value)] = oid
            for sub in user["subscriptions"]:
                self.tokens[(sub["type"], sub["token"])] = oid
                self.subscription_ids[sub["id"]] = oid
        for (doc,) in self._db.execute("select doc from deleted_users order by seq"):
            self.deleted_users.append(json.loads(doc))
        for (doc,) in self._db.execute("select doc from events order by seq"):
            event = json.loads(doc)
            self.events.append(event)
            if event.get("idempotency_key"):
                self.event_keys.add(event["idempotency_key"])
        for (doc,) in self._db.execute("select doc from notifications order by seq"):
            note = json.loads(doc)
            self.notifications.append(note)
            if note["id"]:
                self.notes_by_id[note["id"]] = note
            if note.get("idempotency_key"):
                self.idempotency[note["idempotency_key"]] = note
        row = self._db.execute("select value from meta where key = 'requests'").fetchone()
        if row:
            counts = json.loads(row[0])
            self.requests_by_endpoint.update(counts["endpoint"])
            self.requests_by_status.update(counts["status"])


def _public_user(user: dict[str, Any]) -> dict[str, Any]:
    """The API's User shape (identity, properties, subscriptions), without internal fields."""
    return {
        "identity": user["identity"],
        "properties": user["properties"],
        "subscriptions": user["subscriptions"],
    }


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    """The API's User shape, deep-copied so callers can keep it."""
    copied: dict[str, Any] = json.loads(json.dumps(_public_user(user)))
    return copied
