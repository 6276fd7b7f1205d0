"""Create message and custom events: targeting, content rules, idempotency, per-event errors."""

from __future__ import annotations

import time
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
    # §3: with a non-empty id at least one subscription was sent; errors.invalid_aliases
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
    # §3: "id == "" ⇒ nothing sent; read errors (e.g. ["All included players are not subscribed"])"
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
    # §3: retries with the same key; response header "Idempotent-Replayed: true"
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
    # §3: target_channel required with include_aliases; only ONE targeting method; contents
    # must include English; custom_data push ≤2048 bytes; idempotency_key an RFC 9562 UUID
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
    # §3: spec "Limit of 2,000 entries per REST API call" (max_recipients, here 3)
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
    # §4: "Spec calls it payload; current docs example uses properties" (the docs win, both read)
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
    # §4: "Partial failure: HTTP 202 with errors listing failed events"; duplicates with the same
    # idempotency_key ignored
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
        ({"name": "x", "external_id": "u-1", "payload": {"b": "y" * 2100}}, "2024 bytes"),
        ({"name": "n" * 129, "external_id": "u-1"}, "longer than 128 characters"),
    ],
)
def test_malformed_events_are_400(api: httpx.Client, event: dict, message: str) -> None:
    # §4: name "Maximum 128 characters"; "Maximum size for each event is 2024 bytes"; names must
    # not start with os. / os__; "Either external_id or onesignal_id is required"
    reply = api.post(f"/apps/{APP_ID}/custom_events", json={"events": [event]})
    assert reply.status_code == 400
    assert message in reply.json()["errors"][0]


@pytest.mark.usefixtures("people")
def test_view_list_and_cancel_notifications(api: httpx.Client, sb: Sandbox) -> None:
    # §3: "View: GET /notifications/{id}?app_id=; list …; cancel DELETE /notifications/{id}?app_id="
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
    # §3: errors may hold invalid_player_ids (spec CreateNotificationSuccessResponse)
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


SEND_AFTER_FORMS = [
    # the spec's send_after examples, "All examples are the exact same date & time"
    "Thu Sep 24 2015 14:00:00 GMT-0700 (PDT)",
    "September 24th 2015, 2:00:00 pm UTC-07:00",
    "2015-09-24 14:00:00 GMT-0700",
    "Sept 24 2015 14:00:00 GMT-0700",
    "Thu Sep 24 2015 14:00:00 GMT-0700 (Pacific Daylight Time)",
    # ISO 8601 (the spec's format: date-time), and a zone-less time read as UTC
    "2015-09-24T21:00:00Z",
    "2015-09-24T14:00:00-07:00",
    "2015-09-24 21:00:00",
]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize("when", SEND_AFTER_FORMS)
def test_every_documented_send_after_form(api: httpx.Client, sb: Sandbox, when: str) -> None:
    # §3: send_after e.g. "2015-09-24 14:00:00 GMT-0700", "Thu Sep 24 2015 14:00:00 GMT-0700
    # (PDT)"; the spec (Notification_allOf.send_after) lists five forms of one time
    reply = api.post(
        "/notifications", json=email(include_aliases={"external_id": ["u-1"]}, send_after=when)
    )
    assert reply.status_code == 200, reply.text
    view = api.get(f"/notifications/{reply.json()['id']}", params={"app_id": APP_ID}).json()
    assert view["send_after"] == 1443128400  # 2015-09-24 21:00:00 UTC in Unix seconds


@pytest.mark.parametrize(
    ("channel", "size", "ok"),
    [("push", 2048, True), ("push", 2049, False), ("sms", 2049, False), ("email", 10000, True)]
    + [("email", 10001, False)],
)
def test_custom_data_limit_depends_on_the_channel(
    api: httpx.Client, channel: str, size: int, ok: bool
) -> None:
    # §3: "custom_data: push/SMS ≤2048 bytes, email ≤10000 bytes"
    custom = {"k": "x" * (size - len('{"k":""}'))}
    body = {"app_id": APP_ID, "included_segments": ["All"], "target_channel": channel}
    body |= {
        "contents": {"en": "x"},
        "email_subject": "s",
        "email_body": "b",
        "custom_data": custom,
    }
    reply = api.post("/notifications", json=body)
    assert reply.status_code == (200 if ok else 400)
    if not ok:
        assert f"the limit is {size - 1} bytes" in reply.json()["errors"][0]


@pytest.mark.usefixtures("people")
def test_view_answers_unix_seconds_and_lists_newest_first(api: httpx.Client) -> None:
    # spec NotificationWithMeta: queued_at, send_after, completed_at are Unix-second integers;
    # get_notifications: "Results are sorted by queued_at in descending order"
    before = int(time.time())
    ids = [
        api.post("/notifications", json=email(include_aliases={"external_id": ["u-1"]})).json()[
            "id"
        ]
        for _ in range(2)
    ]
    view = api.get(f"/notifications/{ids[0]}", params={"app_id": APP_ID}).json()
    assert all(isinstance(view[k], int) for k in ("queued_at", "send_after", "completed_at"))
    assert before <= view["queued_at"] <= time.time()
    assert (view["successful"], view["remaining"], view["target_channel"]) == (1, 0, "email")
    listed = api.get("/notifications", params={"app_id": APP_ID}).json()
    assert [n["id"] for n in listed["notifications"]] == ids[::-1]
    assert (listed["total_count"], listed["offset"], listed["limit"]) == (2, 0, 50)


@pytest.mark.usefixtures("people")
def test_email_to_and_phone_numbers(api: httpx.Client, sb: Sandbox) -> None:
    # spec email_to: "If an email does not correspond to an existing user, a new user will be
    # created"; include_phone_numbers: "should be in the E.164 format … an existing subscriber"
    mail = email(email_to=["one@x.com", "new@x.com"])
    del mail["target_channel"]
    assert api.post("/notifications", json=mail).json()["id"]
    assert len(sb.snapshot()["users"]) == 4
    assert sb.snapshot()["notifications"][0]["recipients"] == 2
    sms = {"app_id": APP_ID, "contents": {"en": "Hi"}}
    reached = api.post("/notifications", json={**sms, "include_phone_numbers": ["+15555550002"]})
    assert reached.json()["id"]
    unknown = api.post("/notifications", json={**sms, "include_phone_numbers": ["+15555550009"]})
    assert unknown.json() == {"id": "", "external_id": None, "errors": [NOBODY]}
    bad = api.post("/notifications", json={**sms, "include_phone_numbers": ["555-0002"]})
    assert bad.status_code == 400 and "E.164" in bad.json()["errors"][0]


NOBODY = "All included players are not subscribed"
