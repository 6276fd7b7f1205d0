"""A user's whole life on the wire: the subscription, alias and user calls of issue 12.

These run the async client against the scripted loopback server (the sandbox does not serve
every route yet), which records each request as OneSignal would receive it.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from scripted_server import Scripted

from onesync.destination import (
    AsyncOneSignalClient,
    OneSignalClient,
    RateLimit,
    Result,
    RetryPolicy,
    SubscriptionRef,
    notification_body,
)

FAST = RetryPolicy(max_attempts=3, base=0.01, cap=0.05)
Use = Callable[[AsyncOneSignalClient], Awaitable[Any]]


def run(s: Scripted, use: Use, **kw: Any) -> Any:
    """Run ``use`` on a fresh async client pointed at the scripted server."""

    async def go() -> Any:
        async with AsyncOneSignalClient(s.destination(), retry=FAST, seed=1, **kw) as c:
            return await use(c)

    return asyncio.run(go())


def wire(s: Scripted) -> list[tuple[str, str, Any]]:
    return [(x.method, x.path, x.body) for x in s.seen]


async def _each(c: AsyncOneSignalClient) -> list[Result]:
    return [
        await c.delete_subscription("sub/1"),
        await c.update_subscription("sub/1", {"enabled": False}),
        await c.update_subscription_by_token("email", "a+b@c.com", {"enabled": False}),
        await c.update_subscription_by_token("sms", "+15555551234", {"enabled": False}),
        await c.transfer_subscription("sub/1", {"external_id": "u 2"}),
        await c.get_subscription_identity("sub/1"),
        await c.set_subscription_identity("sub/1", {"crm_id": "c/1"}),
        await c.delete_alias("external_id", "a/b c", "crm id"),
        await c.delete_user("external_id", "a/b c"),
    ]


def test_each_new_call_on_the_wire(scripted: Scripted) -> None:
    results = run(scripted, _each)
    assert all(r.ok for r in results)
    assert wire(scripted) == [
        ("DELETE", "/apps/app-1/subscriptions/sub%2F1", None),
        ("PATCH", "/apps/app-1/subscriptions/sub%2F1", {"subscription": {"enabled": False}}),
        ("PATCH", "/apps/app-1/subscriptions_by_token/Email/a%2Bb%40c.com",
         {"subscription": {"enabled": False}}),
        ("PATCH", "/apps/app-1/subscriptions_by_token/SMS/%2B15555551234",
         {"subscription": {"enabled": False}}),
        ("PATCH", "/apps/app-1/subscriptions/sub%2F1/owner", {"identity": {"external_id": "u 2"}}),
        ("GET", "/apps/app-1/subscriptions/sub%2F1/user/identity", None),
        ("PATCH", "/apps/app-1/subscriptions/sub%2F1/user/identity",
         {"identity": {"crm_id": "c/1"}}),
        ("DELETE", "/apps/app-1/users/by/external_id/a%2Fb%20c/identity/crm%20id", None),
        ("DELETE", "/apps/app-1/users/by/external_id/a%2Fb%20c", None),
    ]  # fmt: skip
    assert [r.operation for r in results] == [
        "delete_subscription", "update_subscription", "update_subscription_by_token",
        "update_subscription_by_token", "transfer_subscription", "get_subscription_identity",
        "set_subscription_identity", "delete_alias", "delete_user",
    ]  # fmt: skip


def test_the_owner_of_a_subscription_is_read_from_its_identity(scripted: Scripted) -> None:
    identity = {"identity": {"external_id": "u1", "onesignal_id": "os-1", "crm_id": "c1"}}
    scripted.then((200, identity))
    result = run(scripted, lambda c: c.get_subscription_identity("sub-1"))
    assert result.ok and result.id == "os-1" and result.body == identity


def test_subscription_ids_come_from_onesignals_answers(scripted: Scripted) -> None:
    user = {
        "identity": {"external_id": "u1", "onesignal_id": "os-1"},
        "properties": {"tags": {}},
        "subscriptions": [
            {"id": "sub-e", "type": "Email", "token": "a@b.com", "enabled": True},
            {"id": "sub-s", "type": "SMS", "token": "+15555551234", "enabled": False},
            {"id": "sub-p", "type": "iOSPush", "token": "apns-token"},
            {"type": "Email", "token": "no-id@b.com"},  # nothing to record without an id
        ],
    }
    sub = {"subscription": {"id": "sub-2", "type": "Email", "token": "new@b.com", "enabled": True}}
    scripted.then((201, user), (201, sub), (200, user))

    async def use(c: AsyncOneSignalClient) -> list[Result]:
        return [
            await c.create_user({"external_id": "u1"}, None, {"email": "a@b.com",
                                                              "sms": "+15555551234"}),
            await c.create_subscription("external_id", "u1", "email", "new@b.com"),
            await c.get_user("external_id", "u1"),
        ]  # fmt: skip

    created, added, fetched = run(scripted, use)
    assert created.id == "os-1" and created.subscriptions == (
        SubscriptionRef("email", "a@b.com", "sub-e", True),
        SubscriptionRef("sms", "+15555551234", "sub-s", False),
        SubscriptionRef("iOSPush", "apns-token", "sub-p", None),
    )
    assert added.id == "sub-2"
    assert added.subscriptions == (SubscriptionRef("email", "new@b.com", "sub-2", True),)
    assert fetched.subscriptions == created.subscriptions
    # nobody asked for a state, so none was sent: a transferred token keeps its own
    assert scripted.seen[0].body["subscriptions"] == [
        {"type": "Email", "token": "a@b.com"},
        {"type": "SMS", "token": "+15555551234"},
    ]
    assert scripted.seen[1].body == {"subscription": {"type": "Email", "token": "new@b.com"}}


def test_enabled_is_sent_when_the_caller_decides(scripted: Scripted) -> None:
    async def use(c: AsyncOneSignalClient) -> None:
        await c.create_user({"external_id": "u1"}, subscriptions={"email": "a@b.com"},
                            enabled=False)  # fmt: skip
        await c.create_subscription("external_id", "u1", "sms", "+15555551234", enabled=True)

    run(scripted, use)
    assert scripted.seen[0].body["subscriptions"] == [
        {"type": "Email", "token": "a@b.com", "enabled": False}
    ]
    assert scripted.seen[1].body["subscription"]["enabled"] is True


def test_404_means_gone_from_onesignal(scripted: Scripted) -> None:
    gone = {"errors": [{"code": "subscription-0", "title": "Subscription not found"}]}
    no_user = {"errors": [{"code": "user-0", "title": "User with external_id 'u1' not found"}]}
    scripted.then((404, gone), (404, gone), (404, no_user), (404, no_user), (202, None))

    async def use(c: AsyncOneSignalClient) -> list[Result]:
        return [
            await c.delete_subscription("sub-1"),
            await c.update_subscription("sub-1", {"enabled": False}),
            await c.delete_user("external_id", "u1"),
            await c.create_subscription("external_id", "u1", "email", "a@b.com"),
            await c.delete_subscription("sub-2"),
        ]

    *missing, deleted = run(scripted, use)
    assert all(r.status == "rejected" and r.not_found and r.attempts == 1 for r in missing)
    assert missing[0].reason == "HTTP 404: Subscription not found (subscription-0)"
    assert deleted.ok and not deleted.not_found and deleted.http_status == 202


def test_409_names_the_claimed_alias_and_the_fix(scripted: Scripted) -> None:
    # the identity PATCH names the alias in meta itself (OneSignal-Flutter-SDK#714)
    title = "One or more Aliases claimed by another User"
    claimed = {"errors": [{"code": "user-2", "title": title, "meta": {"external_id": "u/9"}}]}
    aliases = {"crm_id": "abc", "shop": "s1"}
    nested = {"errors": [{"code": "user-2", "title": title,
                          "meta": {"conflicting_aliases": aliases}}]}  # fmt: skip
    plain = {"errors": ["No aliases found for oneSignalID os-1"]}
    scripted.then((409, claimed), (409, nested), (409, plain), (409, nested))

    async def use(c: AsyncOneSignalClient) -> list[Result]:
        return [
            await c.add_aliases("onesignal_id", "os-1", {"external_id": "u/9"}),
            await c.set_subscription_identity("sub-1", {"crm_id": "abc", "shop": "s1"}),
            await c.add_aliases("onesignal_id", "os-1", {"crm_id": "x"}),
            await c.transfer_subscription("sub-1", {"crm_id": "abc"}),
        ]

    one, two, none, moved = run(scripted, use)
    assert one.conflict and one.conflicts == {"external_id": "u/9"} and not one.not_found
    assert one.reason == (
        "HTTP 409: alias external_id=u/9 is claimed by another OneSignal user; remove it there "
        "(DELETE /apps/app-1/users/by/external_id/u%2F9/identity/external_id) or change the row"
    )
    assert two.conflicts == {"crm_id": "abc", "shop": "s1"}
    assert two.reason is not None and two.reason.count("is claimed by another OneSignal user") == 2
    assert "(DELETE /apps/app-1/users/by/shop/s1/identity/shop)" in two.reason
    assert none.conflict and none.conflicts == {}
    assert none.reason == "HTTP 409: No aliases found for oneSignalID os-1"
    assert moved.conflicts == {"crm_id": "abc", "shop": "s1"}


def test_409_on_a_new_subscription_means_the_user_is_full(scripted: Scripted) -> None:
    full = {"errors": [{"code": "subscription-0", "title": "Operation is not permitted due to "
                        "user having the maximum number of subscriptions assigned"}]}  # fmt: skip
    scripted.then((409, full), (409, full))

    async def use(c: AsyncOneSignalClient) -> list[Result]:
        return [
            await c.create_subscription("external_id", "u1", "email", "a@b.com"),
            await c.create_user({"external_id": "u1"}, None, {"sms": "+15555551234"}),
        ]

    sub, user = run(scripted, use)
    assert sub.conflict and sub.conflicts == {}
    assert sub.reason == (
        "HTTP 409: the user already has the maximum number of subscriptions (20 per user); "
        "delete one it no longer needs (DELETE /apps/app-1/subscriptions/{subscription_id}) "
        "before adding email a@b.com"
    )
    assert user.reason is not None and user.reason.endswith("before adding sms +15555551234")


def test_the_identity_get_waits_in_the_view_bucket(scripted: Scripted) -> None:
    slow = RateLimit(per_second=4.0, burst=1, adaptive=False)

    async def use(c: AsyncOneSignalClient) -> tuple[float, float]:
        started = time.monotonic()
        await asyncio.gather(*(c.update_subscription(f"s{i}", {"enabled": False})
                               for i in range(4)))  # fmt: skip
        writes = time.monotonic() - started
        started = time.monotonic()
        await asyncio.gather(*(c.get_subscription_identity(f"s{i}") for i in range(4)))
        return writes, time.monotonic() - started

    writes, views = run(
        scripted, use, view_rate_limit=slow,
        rate_limit=RateLimit(per_second=1000.0, burst=10),
    )  # fmt: skip
    assert writes < 0.5
    assert views >= 0.7  # 4 views at 4/s with no burst: at least 3 intervals of 0.25 s


def test_notifications_say_whom_they_did_not_reach(scripted: Scripted) -> None:
    nobody = {"id": "", "errors": ["All included players are not subscribed"]}
    some = {"id": "n-1", "errors": {"invalid_aliases": {"external_id": ["u2"], "crm_id": ["c3"]}}}
    scripted.then((200, some), (200, nobody), (200, nobody), (200, nobody), (200, nobody))
    aliases = notification_body(
        channel="push", aliases={"external_id": ["u1", "u2"], "crm_id": ["c3"]}, contents="Hi"
    )
    sends = [
        aliases,
        aliases,
        notification_body(channel="email", email_tokens=["a@b.com", "c@d.com"], subject="S",
                          contents="<p>B</p>"),
        notification_body(channel="sms", phone_numbers=["+15555551234"], contents="Code"),
        notification_body(channel="push", subscription_ids=["s-1", "s-2", "s-1"], contents="x"),
    ]  # fmt: skip

    async def use(c: AsyncOneSignalClient) -> list[Result]:
        return [await c.create_notification(p) for p in sends]

    partial, *none = run(scripted, use)
    assert partial.ok and partial.id == "n-1" and partial.unreached == ("u2", "c3")
    assert [(f.key, f.reason) for f in partial.failures] == [
        ("u2", "invalid_aliases external_id: not subscribed or unknown"),
        ("c3", "invalid_aliases crm_id: not subscribed or unknown"),
    ]
    assert all(r.status == "rejected" and r.id is None for r in none)
    assert {r.reason for r in none} == {"All included players are not subscribed"}
    assert [r.unreached for r in none] == [
        ("u1", "u2", "c3"),
        ("a@b.com", "c@d.com"),
        ("+15555551234",),
        ("s-1", "s-2"),
    ]
    assert [sorted(k for k in s.body if k.startswith(("include", "email_to")))
            for s in scripted.seen] == [
        ["include_aliases"], ["include_aliases"], ["email_to"], ["include_phone_numbers"],
        ["include_subscription_ids"],
    ]  # fmt: skip


def test_blocking_client_is_a_thin_wrapper_of_every_async_method(scripted: Scripted) -> None:
    public = {
        name
        for name, fn in inspect.getmembers(AsyncOneSignalClient, inspect.iscoroutinefunction)
        if not name.startswith("_") and name not in ("aclose", "__aenter__", "__aexit__")
    }
    assert public <= set(dir(OneSignalClient))
    assert OneSignalClient.delete_subscription.__doc__ == (
        AsyncOneSignalClient.delete_subscription.__doc__
    )
    scripted.then((404, {"errors": ["Not Found"]}))
    with OneSignalClient(scripted.destination(), retry=FAST) as c:
        gone = c.delete_subscription("s1")
        assert "secretkey" not in repr(c) and repr(c).startswith("<OneSignalClient app_id=")
    assert gone.not_found and scripted.seen[0].path == "/apps/app-1/subscriptions/s1"
    with pytest.raises(RuntimeError, match="closed"):
        c.delete_subscription("s1")
    c.close()  # twice is fine


def test_blocking_client_takes_a_blocking_transport_too(scripted: Scripted) -> None:
    seen: list[str] = []

    class Recording(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(f"{request.method} {request.url.raw_path.decode()} {request.read()!r}")
            return self.inner.handle_request(request)

        def close(self) -> None:
            self.inner.close()

    answer = {"subscription": {"id": "sub-9", "type": "SMS", "token": "+15555551234"}}
    scripted.then((201, answer))
    with OneSignalClient(scripted.destination(), transport=Recording(), retry=FAST) as c:
        result = c.create_subscription("external_id", "u1", "sms", "+15555551234")
    assert result.ok and result.id == "sub-9"
    assert result.subscriptions == (SubscriptionRef("sms", "+15555551234", "sub-9", None),)
    assert seen == [
        "POST /apps/app-1/users/by/external_id/u1/subscriptions "
        'b\'{"subscription":{"type":"SMS","token":"+15555551234"}}\''
    ]
