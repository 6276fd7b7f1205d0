"""State in a SQLite file survives a restart; reset empties it."""

from __future__ import annotations

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
