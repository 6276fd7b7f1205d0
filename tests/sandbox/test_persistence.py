"""State in a SQLite file survives a restart; reset empties it."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import httpx

from .helpers import APP_ID, AUTH, user_path, users_path


def test_restart_keeps_state(make_sandbox, tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.db")
    key = str(uuid.uuid4())
    note = {
        "app_id": APP_ID,
        "include_aliases": {"external_id": ["u-1"]},
        "target_channel": "email",
        "email_subject": "s",
        "email_body": "b",
        "idempotency_key": key,
    }
    box = make_sandbox(db_path=db)
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        body = {
            "identity": {"external_id": "u-1", "crm_id": "c1"},
            "properties": {"tags": {"a": "1"}},
            "subscriptions": [{"type": "Email", "token": "u1@x.com"}],
        }
        client.post(users_path(), json=body)
        events = {"events": [{"name": "signup", "external_id": "u-1"}]}
        client.post(f"/apps/{APP_ID}/custom_events", json=events)
        first = client.post("/notifications", json=note).json()
    before = box.snapshot()
    box.stop()

    again = make_sandbox(db_path=db)
    after = again.snapshot()
    assert after == before
    assert after["requests"] == 3
    with httpx.Client(base_url=again.url, headers=AUTH) as client:
        assert client.get(user_path("u-1")).json()["properties"]["tags"] == {"a": "1"}
        assert client.get(f"/apps/{APP_ID}/users/by/crm_id/c1").is_success
        replay = client.post("/notifications", json=note)
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json() == first
        dup = {"subscription": {"type": "Email", "token": "u1@x.com"}}
        client.post(users_path(), json={"identity": {"external_id": "u-2"}})
        client.post(f"/apps/{APP_ID}/users/by/external_id/u-2/subscriptions", json=dup)
    assert again.user("external_id", "u-1")["subscriptions"] == []
    again.reset()
    again.stop()
    assert make_sandbox(db_path=db).snapshot()["users"] == []


def test_notifications_that_reach_nobody_do_not_break_the_file(
    make_sandbox, tmp_path: Path
) -> None:
    # §3: "id == "" ⇒ nothing sent" (HTTP 200). Two such answers, each kept for its
    # idempotency_key, used to share the primary key "" and wedge every later write.
    db = str(tmp_path / "sandbox.db")
    box = make_sandbox(db_path=db)
    keys = [str(uuid.uuid4()) for _ in range(2)]
    nobody = {
        "app_id": APP_ID,
        "include_aliases": {"external_id": ["ghost"]},
        "target_channel": "email",
        "email_subject": "s",
        "email_body": "b",
    }
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        for key in [*keys, None, None]:
            body = {**nobody, "idempotency_key": key} if key else nobody
            reply = client.post("/notifications", json=body)
            assert (reply.status_code, reply.json()["id"]) == (200, "")
        made = client.post(users_path(), json={"identity": {"external_id": "after"}})
        assert made.status_code == 201
        assert client.get(user_path("after")).status_code == 200
    assert box.store.flush_failures == 0
    before = box.snapshot()
    box.stop()

    again = make_sandbox(db_path=db)
    assert again.snapshot() == before
    assert [n["idempotency_key"] for n in before["notifications"]] == keys
    with httpx.Client(base_url=again.url, headers=AUTH) as client:
        replay = client.post("/notifications", json={**nobody, "idempotency_key": keys[1]})
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json()["errors"] == ["All included players are not subscribed"]


def test_a_failing_write_is_rolled_back_and_the_sandbox_keeps_answering(
    make_sandbox, tmp_path: Path, capfd
) -> None:
    db = str(tmp_path / "sandbox.db")
    box = make_sandbox(db_path=db)
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        client.post(users_path(), json={"identity": {"external_id": "kept"}})
        # another process locks the file for writing: the sandbox's next flush fails
        other = sqlite3.connect(db, isolation_level=None, timeout=0)
        other.execute("begin immediate")
        box.store._db.execute("pragma busy_timeout = 0")  # fail at once instead of waiting
        lost = client.post(users_path(), json={"identity": {"external_id": "lost"}})
        assert lost.status_code == 201  # answered from memory
        other.execute("rollback")
        other.close()
        later = client.post(users_path(), json={"identity": {"external_id": "later"}})
        assert later.status_code == 201
        assert client.get(user_path("kept")).status_code == 200
    assert box.store.flush_failures == 1
    assert "could not save to the SQLite file" in capfd.readouterr().err
    box.stop()
    names = {u["identity"]["external_id"] for u in make_sandbox(db_path=db).snapshot()["users"]}
    assert names == {"kept", "later"}


def test_a_file_from_before_notifications_were_numbered_still_opens(
    make_sandbox, tmp_path: Path
) -> None:
    db = tmp_path / "old.db"
    old = sqlite3.connect(db)
    old.executescript(
        "create table users (onesignal_id text primary key, seq integer, doc text);"
        "create table events (seq integer primary key, doc text);"
        "create table notifications (id text primary key, seq integer, doc text);"
        "create table meta (key text primary key, value text);"
    )
    note = {"id": "n-1", "channel": "push", "recipients": 1, "users": ["u"], "response": {}}
    note |= {"created_at": "2026-01-01T00:00:00Z", "idempotency_key": None}
    old.execute("insert into notifications values ('n-1', 1, ?)", (json.dumps(note),))
    old.commit()
    old.close()
    box = make_sandbox(db_path=str(db))
    assert [n["id"] for n in box.snapshot()["notifications"]] == ["n-1"]
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        view = client.get("/notifications/n-1", params={"app_id": APP_ID})
        assert (view.status_code, view.json()["queued_at"]) == (200, 1767225600)
