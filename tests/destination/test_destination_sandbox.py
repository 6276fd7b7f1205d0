"""The client against the real sandbox over loopback: what ends up in the "OneSignal" app."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from onesync.destination import (
    AsyncOneSignalClient,
    OneSignalClient,
    RetryPolicy,
    idempotency_key,
    notification_body,
)
from onesync.errors import DestinationError
from onesync.model import Destination
from onesync.sandbox import Faults, RateLimits, Sandbox, SandboxConfig

APP = "5eb5a37e-0000-4000-8000-00000000d001"
KEY = "os_v2_app_destination_tests_key"
ODD = "a/b c+d@e"  # an alias value that needs URL encoding
FAST = RetryPolicy(max_attempts=10, base=0.01, cap=2.0)


def config(**kw: Any) -> SandboxConfig:
    kw.setdefault("rate_limits", RateLimits(per_user=None))
    return SandboxConfig(app_id=APP, api_key=KEY, **kw)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(config(), host="127.0.0.1", port=0) as sb:
        yield sb


def dest(sb: Sandbox, **kw: Any) -> Destination:
    kw.setdefault("api_key", KEY)
    return Destination(app_id=APP, api_url=sb.url, **kw)


def test_profiles_tags_aliases_subscriptions(sandbox: Sandbox) -> None:
    with OneSignalClient(dest(sandbox), retry=FAST) as c:
        created = c.create_user(
            {"external_id": ODD, "crm_id": "c-1"},
            {"plan": "pro", "ltv": 12.5, "first_name": "Ada"},
            {"email": "ada@example.com"},
        )
        assert created.ok and created.id
        assert c.update_user("external_id", ODD, {"plan": "team", "first_name": ""}).ok
        assert c.add_aliases("external_id", ODD, {"shop_id": "s/1?x"}).ok
        assert c.create_subscription("crm_id", "c-1", "sms", "+15555551234").ok
        fetched = c.get_user("shop_id", "s/1?x")
    user = sandbox.user("external_id", ODD)
    assert user is not None
    assert user["identity"]["crm_id"] == "c-1" and user["identity"]["shop_id"] == "s/1?x"
    assert user["properties"]["tags"] == {"plan": "team", "ltv": "12.5"}  # first_name unset
    assert sorted((s["type"], s["token"]) for s in user["subscriptions"]) == [
        ("Email", "ada@example.com"),
        ("SMS", "+15555551234"),
    ]
    assert fetched.ok and fetched.id == created.id
    assert fetched.body["properties"]["tags"] == {"plan": "team", "ltv": "12.5"}


def test_legacy_tags_by_external_user_id(sandbox: Sandbox) -> None:
    with OneSignalClient(dest(sandbox), retry=FAST) as c:
        assert c.create_user({"external_id": ODD}, {"a": "1", "b": "2"}).ok
    with OneSignalClient(dest(sandbox, api="legacy"), retry=FAST) as c:
        assert c.legacy_edit_tags(ODD, {"a": None, "c": "3"}).ok
    user = sandbox.user("external_id", ODD)
    assert user is not None and user["properties"]["tags"] == {"b": "2", "c": "3"}


def test_every_call_ends_ok_exactly_once_despite_faults() -> None:
    """20% 429s, 5% 500s, 2% drops; 5xx and drops even happen after the change was applied."""
    faults = Faults(rate_429=0.2, rate_5xx=0.05, drop_rate=0.02, seed=1, apply_then_fail=True)
    n = 60
    with Sandbox(config(faults=faults)) as sb:

        async def run() -> tuple[list[Any], list[Any], list[Any]]:
            async with AsyncOneSignalClient(dest(sb), retry=FAST, seed=3) as c:
                users = await asyncio.gather(
                    *(c.create_user({"external_id": f"u{i}/x"}, {"i": str(i)}) for i in range(n))
                )
                events = await asyncio.gather(
                    *(
                        c.send_events(
                            [
                                {
                                    "name": "purchase",
                                    "external_id": f"u{i}/x",
                                    "idempotency_key": idempotency_key(APP, "orders", f"o{i}"),
                                    "properties": {"total": str(i)},
                                }
                            ]
                        )  # fmt: skip
                        for i in range(n)
                    )
                )
                notes = await asyncio.gather(
                    *(
                        c.create_notification(
                            {
                                "contents": {"en": "hi"},
                                "include_aliases": {"external_id": [f"u{i}/x"]},
                                "target_channel": "push",
                            },  # fmt: skip
                            idempotency_key=idempotency_key(APP, "receipt", f"o{i}"),
                        )
                        for i in range(n)
                    )
                )
                return users, events, notes

        users, events, notes = asyncio.run(run())
        snap = sb.snapshot()

    assert [r.status for r in users + events] == ["ok"] * (2 * n)
    # the sandbox users have no push subscription: "sent nothing" is a clear, final rejection
    assert {(r.status, r.reason) for r in notes} == {
        ("rejected", "All included players are not subscribed")
    }
    assert sum(r.retried for r in users + events + notes) >= n // 4  # faults really happened
    assert sorted(u["identity"]["external_id"] for u in snap["users"]) == sorted(
        f"u{i}/x" for i in range(n)
    )
    assert all(u["properties"]["tags"] == {"i": u["identity"]["external_id"][1:-2]}
               for u in snap["users"])  # fmt: skip
    assert Counter(e["idempotency_key"] for e in snap["events"]).most_common(1)[0][1] == 1
    assert len(snap["events"]) == n


def test_notification_idempotency_same_key_same_id_sent_once(sandbox: Sandbox) -> None:
    key = idempotency_key(APP, "order_receipt", "o-1")
    payload = {
        "include_aliases": {"external_id": [ODD]},
        "target_channel": "email",
        "email_subject": "Your order",
        "email_body": "<p>Thanks</p>",
    }
    with OneSignalClient(dest(sandbox), retry=FAST) as c:
        assert c.create_user({"external_id": ODD}, subscriptions={"email": "ada@example.com"}).ok
        first = c.create_notification(payload, idempotency_key=key)
        again = c.create_notification(payload, idempotency_key=key)
        other = c.create_notification(payload, idempotency_key=idempotency_key(APP, "r", "o-2"))
    assert first.ok and first.id and not first.replayed
    assert again.ok and again.id == first.id and again.replayed
    assert other.ok and other.id != first.id
    notes = sandbox.snapshot()["notifications"]
    assert [n["id"] for n in notes] == [first.id, other.id]
    assert notes[0]["recipients"] == 1


def test_rejected_rows_come_back_with_reasons(sandbox: Sandbox) -> None:
    with OneSignalClient(dest(sandbox), retry=FAST) as c:
        assert c.create_user({"external_id": "u1", "crm_id": "c1"}).ok
        assert c.create_user({"external_id": "u2"}).ok
        clash = c.create_user({"external_id": "u2", "crm_id": "c1"}, {"plan": "pro"})
        fallback = c.create_user(
            {"external_id": "u2", "crm_id": "c1"}, {"plan": "pro"}, on_conflict="update"
        )
        missing = c.update_user("external_id", "nobody", {"a": "1"})
        events = c.send_events([
            {"name": "purchase", "external_id": "u1", "idempotency_key": "e1"},
            {"name": "purchase", "external_id": "ghost", "idempotency_key": "e2"},
        ])  # fmt: skip
        empty = c.update_user("external_id", "", {"a": "1"})
    assert clash.status == "rejected" and clash.conflict and clash.http_status == 409
    assert clash.reason and clash.reason.startswith("HTTP 409: ")
    assert fallback.ok and fallback.conflict
    u2 = sandbox.user("external_id", "u2")
    assert u2 is not None and u2["properties"]["tags"] == {"plan": "pro"}
    assert "crm_id" not in u2["identity"]  # the claimed alias stayed with u1
    assert missing.status == "rejected" and missing.http_status == 404 and missing.reason
    assert events.status == "partial" and [f.index for f in events.failures] == [1]
    assert "ghost" in events.failures[0].reason
    assert empty.status == "rejected" and empty.attempts == 0


def test_wrong_key_is_one_clear_error_without_the_key(sandbox: Sandbox) -> None:
    wrong = "os_v2_app_WRONG_secret_value"
    with (
        OneSignalClient(dest(sandbox, api_key=wrong), retry=FAST) as c,
        pytest.raises(DestinationError) as caught,
    ):
        c.update_user("external_id", "u1", {"a": "1"})
    message = str(caught.value)
    assert wrong not in message and "WRONG" not in message
    assert f"OneSignal refused the API key for app {APP}" in message
    assert "\n" not in message


def test_async_client_cpu_per_request() -> None:
    """A rough guard on the client's own CPU cost (the sandbox runs in another thread)."""
    n = 600
    with Sandbox(config(rate_limits=RateLimits.unlimited())) as sb:

        async def run() -> list[Any]:
            fast = dest(sb, rate_limit=100_000.0, concurrency=8)
            async with AsyncOneSignalClient(fast) as c:
                await c.create_user({"external_id": "warm"})
                started = time.thread_time()
                results = await asyncio.gather(
                    *(c.create_user({"external_id": f"u{i}"}, {"i": str(i)}) for i in range(n))
                )
                run.cpu = (time.thread_time() - started) / n  # type: ignore[attr-defined]
                return results

        results = asyncio.run(run())
    assert all(r.ok for r in results)
    cpu_ms = run.cpu * 1000  # type: ignore[attr-defined]
    print(f"async client CPU per request: {cpu_ms:.2f} ms")
    assert cpu_ms < 8.0  # measured about 1-2.5 ms; this only catches a blow-up


def test_blocking_client_shared_by_threads() -> None:
    faults = Faults(rate_5xx=0.1, drop_rate=0.05, seed=5)
    with Sandbox(config(faults=faults)) as sb:
        with OneSignalClient(dest(sb), retry=FAST) as c, ThreadPoolExecutor(8) as pool:
            results = list(
                pool.map(
                    lambda i: c.create_user({"external_id": f"t{i}"}, {"n": str(i)}), range(80)
                )
            )
        snap = sb.snapshot()
    assert all(r.ok for r in results) and any(r.retried for r in results)
    assert sorted(u["properties"]["tags"]["n"] for u in snap["users"]) == sorted(
        str(i) for i in range(80)
    )


def test_a_users_life_subscription_ids_aliases_removal_and_return(sandbox: Sandbox) -> None:
    with OneSignalClient(dest(sandbox), retry=FAST) as c:
        created = c.create_user(
            {"external_id": ODD, "crm_id": "c-1"}, None,
            {"email": "ada@example.com", "sms": "+15555551234"},
        )  # fmt: skip
        added = c.create_subscription("external_id", ODD, "email", "ada@work.example.com")
        stored = sandbox.user("external_id", ODD)
        assert stored is not None
        ids = {(s["type"], s["token"]): s["id"] for s in stored["subscriptions"]}
        assert {(s.type, s.token): s.id for s in created.subscriptions} == {
            ("email", "ada@example.com"): ids[("Email", "ada@example.com")],
            ("sms", "+15555551234"): ids[("SMS", "+15555551234")],
        }
        assert added.id == ids[("Email", "ada@work.example.com")]
        assert [s.id for s in added.subscriptions] == [added.id]

        assert c.delete_alias("external_id", ODD, "crm_id").ok
        stored = sandbox.user("external_id", ODD)
        assert stored is not None and "crm_id" not in stored["identity"]

        assert c.delete_user("external_id", ODD).ok
        assert sandbox.user("external_id", ODD) is None
        gone = c.update_user("external_id", ODD, {"plan": "pro"})
        assert gone.status == "rejected" and gone.not_found
        assert c.delete_user("external_id", ODD).not_found  # already gone
        again = c.create_user({"external_id": ODD}, {"plan": "pro"})
    assert again.ok and again.id and again.id != created.id


def test_a_claimed_alias_is_named_with_the_call_that_frees_it(sandbox: Sandbox) -> None:
    with OneSignalClient(dest(sandbox), retry=FAST) as c:
        assert c.create_user({"external_id": "u1", "crm_id": "a/b"}).ok
        assert c.create_user({"external_id": "u2"}).ok
        clash = c.create_user({"external_id": "u2", "crm_id": "a/b"})
        assert clash.conflict and clash.conflicts == {"crm_id": "a/b"}
        assert clash.reason == (
            "HTTP 409: alias crm_id=a/b is claimed by another OneSignal user; remove it there "
            f"(DELETE /apps/{APP}/users/by/crm_id/a%2Fb/identity/crm_id) or change the row"
        )
        assert c.delete_alias("crm_id", "a/b", "crm_id").ok  # the fix the reason names
        assert c.create_user({"external_id": "u2", "crm_id": "a/b"}).ok
    u2 = sandbox.user("crm_id", "a/b")
    assert u2 is not None and u2["identity"]["external_id"] == "u2"


def test_notifications_name_the_recipients_they_missed(sandbox: Sandbox) -> None:
    with OneSignalClient(dest(sandbox), retry=FAST) as c:
        assert c.create_user({"external_id": "u1"}, subscriptions={"email": "u1@example.com"}).ok
        assert c.create_user({"external_id": "u2"}).ok
        email = notification_body(
            channel="email", aliases={"external_id": ["u1", "u2", "ghost"]},
            subject={"en": "Your order"}, contents={"en": "<p>Thanks</p>"},
        )  # fmt: skip
        push = notification_body(channel="push", aliases={"external_id": ["u1", "u2"]},
                                 contents={"en": "Hi"}, headings={"en": "News"})  # fmt: skip
        some = c.create_notification(email)
        none = c.create_notification(push)
        direct = c.create_notification(
            notification_body(channel="email", email_tokens=["x@example.com"], subject="S",
                              contents="<p>B</p>", send_after="+1h")
        )  # fmt: skip
    assert some.ok and some.id and some.unreached == ("u2", "ghost")
    assert none.status == "rejected" and none.unreached == ("u1", "u2")
    assert none.reason == "All included players are not subscribed"
    assert direct.ok and direct.id
    sent = {n["id"]: n for n in sandbox.snapshot()["notifications"]}
    assert sent[some.id]["recipients"] == 1 and sent[some.id]["email_subject"] == "Your order"
    assert sent[direct.id]["send_after"] and sent[direct.id]["targeting"] == {
        "email_to": ["x@example.com"]
    }
