"""Create message and custom events: targeting, content rules, idempotency, per-event errors."""

from __future__ import annotations

import uuid

import httpx
import pytest

from onesync.sandbox import Sandbox

from .helpers import API_KEY, APP_ID, users_path

NO_TARGET = (
    "You must include which players, segments, or tags you wish to send this notification to."
)


@pytest.fixture
def people(api: httpx.Client) -> None:
    """u-1 has an email, u-2 an SMS subscription, u-3 none."""
    subs = {"u-1": [{"type": "Email", "token": "one@x.com"}], "u-2": [], "u-3": []}
    subs["u-2"] = [{"type": "SMS", "token": "+15555550002"}]
    for external_id, sub in subs.items():
        body = {"identity": {"external_id": external_id}, "subscriptions": sub}
        assert api.post(users_path(), json=body).is_success


def email(**extra: object) -> dict:
    return {
        "app_id": APP_ID,
        "target_channel": "email",
        "email_subject": "Hi",
        "email_body": "<p>Hello</p>",
        **extra,
    }


@pytest.mark.usefixtures("people")
def test_include_aliases_reaches_subscribed_users(api: httpx.Client, sb: Sandbox) -> None:
    reply = api.post(
        "/notifications", json=email(include_aliases={"external_id": ["u-1", "u-3", "nobody"]})
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["id"] and body["external_id"] is None
    assert body["errors"] == {"invalid_aliases": {"external_id": ["u-3", "nobody"]}}
    [note] = sb.snapshot()["notifications"]
    assert (note["id"], note["channel"], note["users"]) == (body["id"], "email", ["u-1"])


@pytest.mark.usefixtures("people")
def test_nobody_subscribed_gives_an_empty_id(api: httpx.Client, sb: Sandbox) -> None:
    reply = api.post("/notifications", json=email(include_aliases={"external_id": ["u-3"]}))
    assert reply.status_code == 200
    assert reply.json()["id"] == ""
    assert reply.json()["errors"] == ["All included players are not subscribed"]
    assert sb.snapshot()["notifications"] == []


@pytest.mark.usefixtures("people")
def test_sms_and_legacy_external_user_ids(api: httpx.Client, sb: Sandbox) -> None:
    sms = {"app_id": APP_ID, "contents": {"en": "Hi"}, "target_channel": "sms"}
    reply = api.post("/notifications", json={**sms, "include_aliases": {"external_id": ["u-2"]}})
    assert reply.json()["id"]
    legacy = api.post(
        "/api/v1/notifications",
        json={
            "app_id": APP_ID,
            "contents": {"en": "Hi"},
            "include_external_user_ids": ["u-1", "ghost"],
            "channel_for_external_user_ids": "email",
            "email_subject": "s",
            "email_body": "b",
        },
    )
    assert legacy.json()["errors"] == {"invalid_external_user_ids": ["ghost"]}


@pytest.mark.usefixtures("people")
def test_idempotency_key_replays_the_first_notification(api: httpx.Client, sb: Sandbox) -> None:
    key = str(uuid.uuid4())
    body = email(include_aliases={"external_id": ["u-1"]}, idempotency_key=key)
    first = api.post("/notifications", json=body)
    again = api.post("/notifications", json=body)
    assert first.headers.get("Idempotent-Replayed") is None
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(sb.snapshot()["notifications"]) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"include_aliases": {"external_id": ["u-1"]}}, "target_channel"),
        ({}, NO_TARGET),
        (
            {
                "include_aliases": {"external_id": ["u-1"]},
                "target_channel": "push",
                "included_segments": ["All"],
                "contents": {"en": "x"},
            },
            "only one targeting method",
        ),
        (
            {"included_segments": ["All"], "contents": {"fr": "Bonjour"}},
            "includes English",
        ),
        ({"included_segments": ["All"]}, "contents is required"),
        (
            {"included_segments": ["All"], "target_channel": "email", "email_subject": "s"},
            "email_subject and email_body",
        ),
        ({"included_segments": ["All"], "template_id": "welcome"}, "template_id must be"),
        (
            {"included_segments": ["All"], "contents": {"en": "x"}, "idempotency_key": "abc"},
            "RFC 9562 UUID",
        ),
        (
            {"included_segments": ["All"], "contents": {"en": "x"}, "send_after": "tomorrow"},
            "send_after 'tomorrow' is not a date",
        ),
        (
            {
                "included_segments": ["All"],
                "contents": {"en": "x"},
                "custom_data": {"blob": "x" * 2100},
            },
            "the limit is 2048 bytes",
        ),
    ],
)
def test_bad_notifications_are_400(api: httpx.Client, body: dict, message: str) -> None:
    reply = api.post("/notifications", json={"app_id": APP_ID, **body})
    assert reply.status_code == 400
    assert message.lower() in reply.json()["errors"][0].lower()


def test_send_after_and_template_are_accepted(api: httpx.Client, sb: Sandbox) -> None:
    api.post(users_path(), json={"identity": {"external_id": "p"}, "subscriptions": []})
    api.post(
        f"/apps/{APP_ID}/users/by/external_id/p/subscriptions",
        json={"subscription": {"type": "ChromePush", "token": "tok"}},
    )
    reply = api.post(
        "/notifications",
        json={
            "app_id": APP_ID,
            "include_aliases": {"external_id": ["p"]},
            "target_channel": "push",
            "template_id": str(uuid.uuid4()),
            "send_after": "2015-09-24 14:00:00 GMT-0700",
        },
    )
    assert reply.json()["id"]
    assert sb.snapshot()["notifications"][0]["send_after"] == "2015-09-24T21:00:00Z"


def test_more_recipients_than_allowed_is_400(make_sandbox) -> None:
    box = make_sandbox(max_recipients=3)
    body = email(include_aliases={"external_id": ["a", "b", "c", "d"]})
    reply = httpx.post(
        f"{box.url}/notifications", json=body, headers={"Authorization": f"Key {API_KEY}"}
    )
    assert reply.status_code == 400
    assert "Limit of 3 entries per REST API call" in reply.json()["errors"][0]


def test_wrong_app_id_in_body(api: httpx.Client) -> None:
    reply = api.post("/notifications", json={**email(), "app_id": "other"})
    assert reply.status_code == 400
    assert reply.json()["errors"][0].startswith("app_id not found")


# -- custom events ---------------------------------------------------------------------------------


def test_custom_events_accept_properties_and_payload(api: httpx.Client, sb: Sandbox) -> None:
    api.post(users_path(), json={"identity": {"external_id": "u-1"}})
    events = [
        {"name": "purchase", "external_id": "u-1", "properties": {"sku": "A"}},
        {
            "name": "login",
            "external_id": "u-1",
            "payload": {"via": "sso"},
            "timestamp": "2026-01-02T03:04:05Z",
        },
    ]
    reply = api.post(f"/apps/{APP_ID}/custom_events", json={"events": events})
    assert (reply.status_code, reply.json()) == (200, {})
    stored = sb.snapshot()["events"]
    assert [(e["name"], e["properties"]) for e in stored] == [
        ("purchase", {"sku": "A"}),
        ("login", {"via": "sso"}),
    ]
    assert stored[1]["timestamp"] == "2026-01-02T03:04:05Z"


def test_custom_event_for_unknown_user_is_an_error_entry(api: httpx.Client, sb: Sandbox) -> None:
    api.post(users_path(), json={"identity": {"external_id": "u-1"}})
    events = [
        {"name": "a", "external_id": "u-1", "idempotency_key": "k1"},
        {"name": "b", "external_id": "abc123", "idempotency_key": "k2"},
    ]
    reply = api.post(f"/apps/{APP_ID}/custom_events", json={"events": events})
    assert reply.status_code == 202
    assert reply.json() == {
        "errors": [
            {
                "event_user_id": "abc123",
                "event_id": "k2",
                "error": {
                    "code": "not found",
                    "title": "failed to find a onesignal_id for user_id abc123",
                },
            }
        ]
    }
    assert [e["name"] for e in sb.snapshot()["events"]] == ["a"]
    # the same idempotency key again is ignored
    api.post(f"/apps/{APP_ID}/custom_events", json={"events": events[:1]})
    assert len(sb.snapshot()["events"]) == 1


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"external_id": "u-1"}, "name is required"),
        ({"name": "os.login", "external_id": "u-1"}, "reserved prefix"),
        ({"name": "x"}, "external_id or onesignal_id"),
        ({"name": "x", "external_id": "u-1", "properties": {"b": "y" * 2100}}, "2024 bytes"),
    ],
)
def test_malformed_events_are_400(api: httpx.Client, event: dict, message: str) -> None:
    reply = api.post(f"/apps/{APP_ID}/custom_events", json={"events": [event]})
    assert reply.status_code == 400
    assert message in reply.json()["errors"][0]


@pytest.mark.usefixtures("people")
def test_view_list_and_cancel_notifications(api: httpx.Client, sb: Sandbox) -> None:
    sent = api.post("/notifications", json=email(include_aliases={"external_id": ["u-1"]}))
    note_id = sent.json()["id"]
    view = api.get(f"/notifications/{note_id}", params={"app_id": APP_ID})
    assert view.status_code == 200
    assert (view.json()["id"], view.json()["successful"]) == (note_id, 1)
    listed = api.get("/notifications", params={"app_id": APP_ID, "limit": 10})
    assert [n["id"] for n in listed.json()["notifications"]] == [note_id]
    canceled = api.delete(f"/notifications/{note_id}", params={"app_id": APP_ID})
    assert canceled.json() == {"success": True}
    assert sb.snapshot()["notifications"][0]["canceled"] is True
    missing = api.delete(f"/notifications/{uuid.uuid4()}", params={"app_id": APP_ID})
    assert missing.status_code == 404
    assert api.get(f"/notifications/{note_id}").status_code == 400  # app_id is required


def test_include_subscription_ids(api: httpx.Client, sb: Sandbox) -> None:
    body = {
        "identity": {"external_id": "s"},
        "subscriptions": [
            {"type": "Email", "token": "on@x.com"},
            {"type": "Email", "token": "off@x.com", "enabled": False},
        ],
    }
    on, off = (s["id"] for s in api.post(users_path(), json=body).json()["subscriptions"])
    reply = api.post("/notifications", json=email(include_subscription_ids=[on, off, "nope"]))
    assert reply.json()["id"]
    assert reply.json()["errors"] == {"invalid_player_ids": [off, "nope"]}
    assert sb.snapshot()["notifications"][0]["recipients"] == 1
