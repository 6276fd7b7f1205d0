"""The client against a scripted loopback server: retries, error bodies, encoding, auth."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

import pytest
from scripted_server import Scripted

from onesync.destination import (
    AsyncOneSignalClient,
    OneSignalClient,
    RateLimit,
    RetryPolicy,
    idempotency_key,
)
from onesync.errors import DestinationError
from onesync.model import Destination

FAST = RetryPolicy(max_attempts=4, base=0.01, cap=0.05)
KEY = "os_v2_app_secretkey123"


def client(s: Scripted, **kw: Any) -> OneSignalClient:
    kw.setdefault("retry", FAST)
    return OneSignalClient(s.destination(), seed=1, **kw)


def test_429_waits_for_retry_after_then_succeeds(scripted: Scripted) -> None:
    scripted.then((429, {"errors": ["API rate limit exceeded."]}, {"Retry-After": "1"}))
    with client(scripted) as c:
        started = time.monotonic()
        result = c.update_user("external_id", "u1", {"plan": "pro"})
    assert result.ok and result.attempts == 2 and result.retried
    assert time.monotonic() - started >= 0.95
    assert c.bucket.throttled == 1


def test_drops_timeouts_and_5xx_are_retried(scripted: Scripted) -> None:
    scripted.then("drop", ("sleep", 0.6), (503, {"errors": ["Service temporarily unavailable"]}))
    with client(scripted, timeout=0.3) as c:
        result = c.update_user("external_id", "u1", {"plan": "pro"})
    assert (result.status, result.attempts, result.http_status) == ("ok", 4, 200)
    assert [s.body for s in scripted.seen] == [{"properties": {"tags": {"plan": "pro"}}}] * 4


def test_retries_run_out_as_an_exhausted_result(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.then(*[(500, f"<html>Internal Server Error {KEY}</html>")] * 4)
    caplog.set_level(logging.DEBUG)
    with client(scripted) as c:
        result = c.add_aliases("external_id", "u1", {"crm_id": "c1"})
    assert [r.levelname for r in caplog.records if r.name == "onesync.destination"] == [
        "DEBUG", "DEBUG", "DEBUG", "WARNING"
    ]  # fmt: skip
    assert KEY not in caplog.text and "retrying add_aliases in" in caplog.text
    assert result.status == "exhausted" and result.attempts == 4
    assert (
        result.reason
        == "gave up after 4 attempts: HTTP 500: <html>Internal Server Error ***</html>"
    )
    with pytest.raises(DestinationError, match="add_aliases failed: gave up after 4 attempts"):
        result.raise_for_exhausted()


def test_connection_refused_is_exhausted_not_a_traceback() -> None:
    dest = Destination(app_id="a", api_key=KEY, api_url="http://127.0.0.1:9")
    with OneSignalClient(dest, retry=RetryPolicy(max_attempts=2, base=0.01)) as c:
        result = c.update_user("external_id", "u1", {"a": "1"})
    assert result.status == "exhausted" and result.attempts == 2
    assert "connection failed (ConnectError" in (result.reason or "")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"errors": ["Please limit your tag updates to 100 per request"]},
         "HTTP 400: Please limit your tag updates to 100 per request"),
        ({"errors": [{"code": "user-2", "title": "One or more Aliases claimed by another User",
                      "meta": {"external_id": "u9"}}]},
         'HTTP 400: One or more Aliases claimed by another User (user-2): {"external_id": "u9"}'),
        ({"errors": "Invalid app_id"}, "HTTP 400: Invalid app_id"),
        ({"success": False}, "HTTP 400: OneSignal answered success: false"),
        ("not json at all", "HTTP 400: not json at all"),
        ({}, "HTTP 400"),
    ],
)  # fmt: skip
def test_rejections_carry_onesignals_reason_from_every_body_shape(
    scripted: Scripted, body: Any, reason: str
) -> None:
    scripted.then((400, body))
    with client(scripted) as c:
        result = c.update_user("external_id", "u1", {"a": "1"})
    assert (result.status, result.attempts, result.reason) == ("rejected", 1, reason)


def test_alias_values_are_url_encoded_in_paths(scripted: Scripted) -> None:
    with client(scripted) as c:
        c.update_user("external_id", "a/b c+d@e", {"a": "1"})
        c.add_aliases("crm id", "x?y#z", {"k": "v"})
        c.create_subscription("external_id", "é/1", "email", "a@b.com")
        c.legacy_edit_tags("a/b", {"a": None})
    assert [s.path for s in scripted.seen] == [
        "/apps/app-1/users/by/external_id/a%2Fb%20c%2Bd%40e",
        "/apps/app-1/users/by/crm%20id/x%3Fy%23z/identity",
        "/apps/app-1/users/by/external_id/%C3%A9%2F1/subscriptions",
        "/apps/app-1/users/a%2Fb",
    ]
    # no "enabled": a token that exists keeps its state (never re-subscribe a person)
    assert scripted.seen[2].body == {"subscription": {"type": "Email", "token": "a@b.com"}}
    assert scripted.seen[3].body == {"tags": {"a": ""}}  # None unsets, sent as ""


def test_empty_alias_value_is_rejected_without_a_request(scripted: Scripted) -> None:
    with client(scripted) as c:
        result = c.update_user("external_id", "", {"a": "1"})
    assert result.status == "rejected" and result.attempts == 0
    assert result.reason == "alias external_id is empty; a user needs a non-empty alias value"
    assert scripted.seen == []


def test_auth_header_and_key_never_shown(scripted: Scripted) -> None:
    echo = f"Access denied.  Please include an 'Authorization: ...' header (got Key {KEY})"
    scripted.then((200, {}), (403, {"errors": [echo]}))
    with client(scripted) as c:
        assert KEY not in repr(c) and KEY not in repr(c.destination)
        c.update_user("external_id", "u1", {"a": "1"})
        with pytest.raises(DestinationError) as caught:
            c.update_user("external_id", "u1", {"a": "1"})
    assert scripted.seen[0].headers["Authorization"] == f"Key {KEY}"
    message = str(caught.value)
    assert KEY not in message
    assert message.startswith("OneSignal refused the API key for app app-1 (HTTP 403: Access")
    assert "check destination.api_key" in message


def test_legacy_rest_key_uses_basic(scripted: Scripted) -> None:
    dest = Destination(app_id="a", api_key="legacykey", api_url=scripted.url, api="legacy")
    with OneSignalClient(dest) as c:
        assert c.legacy_edit_tags("u1", {"a": "1"}).ok
    assert scripted.seen[0].headers["Authorization"] == "Basic legacykey"
    assert (scripted.seen[0].method, scripted.seen[0].path) == ("PUT", "/apps/a/users/u1")


@pytest.mark.parametrize(
    ("url", "verify", "message"),
    [
        ("http://api.example.com", True, "must use https://"),
        ("https://api.example.com", False, "TLS verification can only be turned off"),
        ("ftp://127.0.0.1", True, "is not an http"),
    ],
)
def test_tls_and_plain_http_only_for_loopback(url: str, verify: bool, message: str) -> None:
    with pytest.raises(DestinationError, match=message):
        OneSignalClient(Destination(app_id="a", api_key=KEY, api_url=url), verify=verify)
    for local in ("http://127.0.0.2:1", "http://localhost:1", "http://[::1]:1"):
        dest = Destination(app_id="a", api_key=KEY, api_url=local)
        OneSignalClient(dest, verify=False).close()


def test_create_user_conflict_reported_then_fallback_by_external_id(scripted: Scripted) -> None:
    title = "One or more Aliases claimed by another User"
    conflict = {"errors": [{"code": "user-2", "title": title,
                            "meta": {"conflicting_aliases": {"crm_id": "c1"}}}]}  # fmt: skip
    scripted.then((409, conflict), (409, conflict), (202, {}), (201, {}))
    identity = {"external_id": "u/1", "crm_id": "c1"}
    with client(scripted) as c:
        plain = c.create_user(identity, {"plan": "pro"}, {"email": "a@b.com"})
        assert plain.status == "rejected" and plain.conflict and plain.http_status == 409
        assert plain.conflicts == {"crm_id": "c1"}
        assert plain.reason == (
            "HTTP 409: alias crm_id=c1 is claimed by another OneSignal user; remove it there "
            "(DELETE /apps/app-1/users/by/crm_id/c1/identity/crm_id) or change the row"
        )
        fallback = c.create_user(
            identity, {"plan": "pro"}, {"email": "a@b.com"}, on_conflict="update"
        )
    assert fallback.ok and fallback.conflict and fallback.attempts == 3
    assert fallback.conflicts == {"crm_id": "c1"}
    assert "applied by external_id instead" in (fallback.reason or "")
    assert scripted.seen[0].body == {
        "identity": {"external_id": "u/1", "crm_id": "c1"},
        "properties": {"tags": {"plan": "pro"}},
        "subscriptions": [{"type": "Email", "token": "a@b.com"}],
    }
    assert [(s.method, s.path) for s in scripted.seen[2:]] == [
        ("PATCH", "/apps/app-1/users/by/external_id/u%2F1"),
        ("POST", "/apps/app-1/users/by/external_id/u%2F1/subscriptions"),
    ]


def test_create_user_returns_onesignal_id(scripted: Scripted) -> None:
    scripted.then((201, {"identity": {"external_id": "u1", "onesignal_id": "os-1"}}))
    with client(scripted) as c:
        result = c.create_user({"external_id": "u1"}, {"n": 3, "vip": True})
    assert (result.status, result.id, result.http_status) == ("ok", "os-1", 201)
    assert scripted.seen[0].body["properties"] == {"tags": {"n": "3", "vip": "true"}}


def test_notification_keeps_its_idempotency_key_across_retries(scripted: Scripted) -> None:
    key = idempotency_key("app-1", "order_receipt", "o-42")
    assert key == idempotency_key("app-1", "order_receipt", "o-42")
    assert uuid.UUID(key).version == 5 and key != idempotency_key("app-1", "order_receipt", "o-43")
    scripted.then("drop", (200, {"id": "n-1"}, {"Idempotent-Replayed": "true"}))
    payload = {"contents": {"en": "hi"}, "include_aliases": {"external_id": ["u1"]},
               "target_channel": "push"}  # fmt: skip
    with client(scripted) as c:
        result = c.create_notification(payload, idempotency_key=key)
        bad = c.create_notification(payload, idempotency_key="order-42")
    assert (result.id, result.attempts, result.replayed) == ("n-1", 2, True)
    sent = [s.body for s in scripted.seen]
    assert sent[0] == sent[1] == {**payload, "app_id": "app-1", "idempotency_key": key}
    assert scripted.seen[0].path == "/notifications"
    assert bad.status == "rejected" and "is not a UUID" in (bad.reason or "")


def test_notification_with_empty_id_sent_nothing(scripted: Scripted) -> None:
    scripted.then(
        (200, {"id": "", "errors": ["All included players are not subscribed"]}),
        (200, {"id": "n-2", "errors": {"invalid_aliases": {"external_id": ["u2"]}}}),
    )
    payload = {"contents": {"en": "hi"}, "include_aliases": {"external_id": ["u1", "u2"]}}
    with client(scripted) as c:
        nothing = c.create_notification(payload)
        some = c.create_notification(payload)
    assert nothing.status == "rejected" and nothing.id is None
    assert nothing.reason == "All included players are not subscribed"
    assert some.ok and some.id == "n-2"
    assert [(f.key, f.reason) for f in some.failures] == [
        ("u2", "invalid_aliases external_id: not subscribed or unknown")
    ]
    # without a key the client made one up, so its own retries stay safe
    assert uuid.UUID(scripted.seen[0].body["idempotency_key"])


def test_custom_events_partial_errors_name_the_failed_events(scripted: Scripted) -> None:
    events: list[dict[str, Any]] = [
        {"name": "purchase", "external_id": "u1", "idempotency_key": "k1", "properties": {"t": 1}},
        {"name": "purchase", "external_id": "ghost", "idempotency_key": "k2"},
        {"name": "purchase", "external_id": "u3", "idempotency_key": "k3"},
    ]
    failed = {
        "errors": [
            {
                "event_user_id": "ghost",
                "event_id": "k2",
                "error": {
                    "code": "not found",
                    "title": "failed to find a onesignal_id for user_id ghost",
                },
            }
        ]
    }
    scripted.then((202, failed))
    with client(scripted) as c:
        result = c.send_events(events)
    assert result.status == "partial" and not result.ok
    assert [(f.index, f.key) for f in result.failures] == [(1, "k2")]
    assert (
        result.failures[0].reason == "failed to find a onesignal_id for user_id ghost (not found)"
    )
    assert scripted.seen[0].path == "/apps/app-1/custom_events"
    assert scripted.seen[0].body == {"events": events}


def test_async_calls_share_one_bucket_and_its_pace(scripted: Scripted) -> None:
    async def run() -> list[Any]:
        limit = RateLimit(per_second=100.0, burst=1, adaptive=False)
        dest = scripted.destination(app_id="app-pace")
        async with AsyncOneSignalClient(dest, rate_limit=limit, retry=FAST) as c:
            return await asyncio.gather(
                *(c.update_user("external_id", f"u{i}", {"i": str(i)}) for i in range(30))
            )

    started = time.monotonic()
    results = asyncio.run(run())
    elapsed = time.monotonic() - started
    assert all(r.ok for r in results)
    assert elapsed >= 0.28  # 30 calls at 100/s with no burst take at least 0.29 s
    assert sorted(s.path for s in scripted.seen) == sorted(
        f"/apps/app-pace/users/by/external_id/u{i}" for i in range(30)
    )


def test_retry_after_pauses_every_concurrent_call(scripted: Scripted) -> None:
    scripted.then((429, {"errors": ["API rate limit exceeded."]}, {"Retry-After": "1"}))

    async def run() -> list[Any]:
        dest = scripted.destination(app_id="app-pause")
        limit = RateLimit(per_second=1000.0, burst=1)
        async with AsyncOneSignalClient(dest, rate_limit=limit, retry=FAST) as c:
            first = await c.update_user("external_id", "u0", {"a": "1"})
            rest = await asyncio.gather(
                *(c.update_user("external_id", f"u{i}", {"a": "1"}) for i in range(1, 5))
            )
            return [first, *rest]

    started = time.monotonic()
    results = asyncio.run(run())
    assert all(r.ok for r in results) and results[0].attempts == 2
    assert all(r.attempts == 1 for r in results[1:])
    assert time.monotonic() - started >= 0.95


def test_per_user_429_does_not_slow_the_app(scripted: Scripted) -> None:
    body = {"errors": ["API rate limit exceeded."], "limit": "Subscription/User Update Per Device"}
    scripted.then((429, body, {"Retry-After": "0"}))
    with client(scripted) as c:
        result = c.update_user("external_id", "u1", {"a": "1"})
    assert result.ok and result.attempts == 2
    assert c.bucket.throttled == 0 and c.bucket.rate == c.rate_limit.per_second


def test_clients_of_one_app_share_one_bucket(scripted: Scripted) -> None:
    with client(scripted) as a, client(scripted) as b:
        other = OneSignalClient(scripted.destination(app_id="app-2"))
        assert a.bucket is b.bucket and a.bucket is not other.bucket
        assert a.view_bucket is not a.bucket and a.view_bucket.limit.per_second == 1.0
        other.close()
