"""The legacy "Edit device" PUT /players/{player_id} (§5) over subscriptions of the user model."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from onesync.sandbox import RateLimits, Sandbox, SandboxConfig
from onesync.sandbox.config import DEFAULT_API_KEY
from onesync.sandbox.core import Context
from onesync.sandbox.store import Store

from .helpers import API_KEY, APP_ID, AUTH, users_path

ROUTE = "PUT /players/{player_id}"
UNKNOWN = {"errors": ["No user with this id found"], "success": False}


@pytest.fixture
def legacy(sb: Sandbox) -> Iterator[httpx.Client]:
    """A client as the legacy docs show it: ``Authorization: Basic <legacy REST API key>``."""
    headers = {"Authorization": f"Basic {API_KEY}"}
    with httpx.Client(base_url=sb.url, headers=headers, timeout=10) as client:
        yield client


def make_user(api: httpx.Client, external_id: str | None, *emails: str, **props: Any) -> list[str]:
    """A user with these email subscriptions (anonymous without external_id); their ids."""
    body: dict[str, Any] = {"subscriptions": [{"type": "Email", "token": e} for e in emails]}
    if external_id:
        body["identity"] = {"external_id": external_id}
    if props:
        body["properties"] = props
    reply = api.post(users_path(), json=body)
    assert reply.status_code in (200, 201), reply.text
    return [s["id"] for s in reply.json()["subscriptions"]]


def edit(client: httpx.Client, player_id: str, **fields: Any) -> httpx.Response:
    return client.put(f"/players/{player_id}", json={"app_id": APP_ID, **fields})


def user_by(box: Sandbox, label: str, value: str) -> dict[str, Any]:
    user = box.user(label, value)
    assert user is not None, (label, value)
    return user


def owner_of(sb: Sandbox, sub_id: str) -> dict[str, Any]:
    users = sb.snapshot()["users"]
    found = [u for u in users if any(s["id"] == sub_id for s in u["subscriptions"])]
    assert len(found) == 1, found
    user: dict[str, Any] = found[0]
    return user


def test_tags_are_set_and_deleted_on_the_subscriptions_user(
    api: httpx.Client, legacy: httpx.Client, sb: Sandbox
) -> None:
    # §5 / reference edit-device: 200 {"success": true}; v1.4 spec Player.tags: "Setting a tag
    # value to null or an empty string will remove the tag"; integers are allowed values
    [sub] = make_user(api, "u-1", "a@x.com", tags={"old": "1", "gone": "2", "keep": "k"})
    reply = edit(legacy, sub, tags={"old": "", "gone": None, "new": "2", "level": 3})
    assert (reply.status_code, reply.json()) == (200, {"success": True})
    assert user_by(sb, "external_id", "u-1")["properties"]["tags"] == {
        "keep": "k",
        "new": "2",
        "level": "3",
    }
    # the legacy base URL and the current key scheme reach the same route
    again = api.put(f"/api/v1/players/{sub}", json={"app_id": APP_ID, "tags": {"keep": ""}})
    assert again.status_code == 200
    assert user_by(sb, "external_id", "u-1")["properties"]["tags"] == {"new": "2", "level": "3"}
    # null tags change nothing
    assert edit(legacy, sub, tags=None).status_code == 200
    assert user_by(sb, "external_id", "u-1")["properties"]["tags"] == {"new": "2", "level": "3"}


def test_external_user_id_identifies_an_anonymous_user(
    api: httpx.Client, legacy: httpx.Client, sb: Sandbox
) -> None:
    # docs/users: a login turns the anonymous user into an identified one; tags stay with it
    first, second = make_user(api, None, "a@x.com", "b@x.com", tags={"t": "1"})
    anonymous = owner_of(sb, first)["identity"]["onesignal_id"]
    assert edit(legacy, first, external_user_id="u-9").status_code == 200
    user = user_by(sb, "external_id", "u-9")
    assert user["identity"] == {"onesignal_id": anonymous, "external_id": "u-9"}
    assert [s["id"] for s in user["subscriptions"]] == [first, second]
    assert user["properties"]["tags"] == {"t": "1"}
    identity = api.get(f"/apps/{APP_ID}/subscriptions/{second}/user/identity")
    assert identity.json() == {"identity": {"onesignal_id": anonymous, "external_id": "u-9"}}


def test_external_user_id_of_an_existing_user_moves_the_subscription(
    api: httpx.Client, legacy: httpx.Client, sb: Sandbox
) -> None:
    # docs/users: the subscription "is reassigned from the old User to the new one" and "will
    # now inherit the properties of the new User"; tags in the same request go to that user
    [sub] = make_user(api, None, "a@x.com", tags={"from": "anonymous"})
    api.patch(f"/apps/{APP_ID}/subscriptions/{sub}", json={"subscription": {"enabled": False}})
    anonymous = owner_of(sb, sub)["identity"]["onesignal_id"]
    make_user(api, "u-2", "b@x.com", tags={"plan": "pro"})
    reply = edit(legacy, sub, external_user_id="u-2", tags={"seen": "1"})
    assert reply.status_code == 200
    target = user_by(sb, "external_id", "u-2")
    assert target["properties"]["tags"] == {"plan": "pro", "seen": "1"}
    moved = [s for s in target["subscriptions"] if s["id"] == sub]
    assert moved == [{"id": sub, "type": "Email", "token": "a@x.com", "enabled": False}]
    left = user_by(sb, "onesignal_id", anonymous)
    assert left["subscriptions"] == [] and left["properties"]["tags"] == {"from": "anonymous"}


def test_another_external_user_id_moves_the_subscription_to_a_new_user(
    api: httpx.Client, legacy: httpx.Client, sb: Sandbox
) -> None:
    # docs/users, "switching accounts (UserA -> UserB)": UserA's tags no longer apply to it
    phone, laptop = make_user(api, "u-1", "a@x.com", "b@x.com", tags={"a": "1"})
    assert edit(legacy, phone, external_user_id="u-3").status_code == 200
    new = user_by(sb, "external_id", "u-3")
    assert [s["id"] for s in new["subscriptions"]] == [phone]
    assert new["properties"]["tags"] == {}
    old = user_by(sb, "external_id", "u-1")
    assert [s["id"] for s in old["subscriptions"]] == [laptop]
    assert old["properties"]["tags"] == {"a": "1"}
    # the user's own external_id again changes nothing
    before = sb.snapshot()["users"]
    assert edit(legacy, laptop, external_user_id="u-1").status_code == 200
    assert sb.snapshot()["users"] == before


@pytest.mark.parametrize("removal", ["", None])
def test_removing_the_external_user_id_moves_the_subscription_to_an_anonymous_user(
    api: httpx.Client, legacy: httpx.Client, sb: Sandbox, removal: str | None
) -> None:
    # the sandbox's reading (players.py): as a logout, the device gets a new anonymous user
    phone, laptop = make_user(api, "u-1", "a@x.com", "b@x.com", tags={"a": "1"})
    assert edit(legacy, phone, external_user_id=removal).status_code == 200
    anonymous = owner_of(sb, phone)
    assert list(anonymous["identity"]) == ["onesignal_id"]
    assert anonymous["properties"]["tags"] == {}
    old = user_by(sb, "external_id", "u-1")
    assert [s["id"] for s in old["subscriptions"]] == [laptop]
    # removing it again from a subscription whose user is anonymous changes nothing
    before = sb.snapshot()["users"]
    assert edit(legacy, phone, external_user_id=removal).status_code == 200
    assert sb.snapshot()["users"] == before


def test_unknown_player_id(legacy: httpx.Client, make_sandbox: Any) -> None:
    # reference edit-device: "404 Not Found - Device with player_id not found"; v1's body text
    # "No user with this id found" (OneSignal's Android SDK matches it on a 400)
    reply = edit(legacy, str(uuid.uuid4()), tags={"a": "1"})
    assert (reply.status_code, reply.json()) == (404, UNKNOWN)
    box = make_sandbox(unknown_player_status=400)
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        reply = edit(client, "not-a-player", tags={"a": "1"})
        assert (reply.status_code, reply.json()) == (400, UNKNOWN)
        assert box.snapshot()["requests_by_endpoint"] == {ROUTE: 1}
    with pytest.raises(ValueError, match="unknown_player_status"):
        SandboxConfig(unknown_player_status=500)


@pytest.mark.parametrize(
    "body",
    [
        {"tags": {"a": "1"}},
        {"app_id": "5eb5a37e-0000-4000-8000-000000000001", "tags": {"a": "1"}},
        {"app_id": None, "tags": {"a": "1"}},
        ["not", "an", "object"],
    ],
)
def test_missing_or_wrong_app_id(
    api: httpx.Client, legacy: httpx.Client, sb: Sandbox, body: Any
) -> None:
    # reference edit-device: app_id is required; v1 answers 400 "app_id not found. ..."
    [sub] = make_user(api, "u-1", "a@x.com")
    reply = legacy.put(f"/players/{sub}", json=body)
    assert reply.status_code == 400
    assert reply.json()["errors"][0].startswith("app_id not found")
    assert user_by(sb, "external_id", "u-1")["properties"]["tags"] == {}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tags": ["a"]}, "tags must be an object"),
        ({"tags": {"user": "1"}}, "reserved by OneSignal"),
        ({"tags": {"a": ["x"]}}, "all tag values must be strings"),
        ({"tags": {"a": {"b": "c"}}}, "all tag values must be strings"),
        ({"tags": {f"k{i}": "v" for i in range(101)}}, "limit your tag updates to 100"),
        ({"tags": {f"k{i}": "v" for i in range(6)}}, "maximum of 5 tags on a given player"),
        ({"external_user_id": 42}, "external_user_id must be a string"),
        ({"external_user_id": "NA"}, "placeholder value"),
        ({"external_user_id_auth_hash": 1}, "external_user_id_auth_hash must be a string"),
        ({"language": "fr"}, "does not model language"),
    ],
)
def test_bad_fields_change_nothing(make_sandbox: Any, fields: dict[str, Any], message: str) -> None:
    # rules.py's tag rules (§1.2, §8.2, §8.3), as on the other routes; every check comes first
    box = make_sandbox(max_tags=5)
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        [sub] = make_user(client, "u-1", "a@x.com", tags={"t": "1"})
        before = box.snapshot()["users"]
        reply = edit(client, sub, **{"external_user_id": "u-2", **fields})
        assert reply.status_code == 400
        assert message in reply.json()["errors"][0]
        assert box.snapshot()["users"] == before


def test_moving_to_a_full_user_is_refused(make_sandbox: Any) -> None:
    # §2: 409 "Operation is not permitted due to user having the maximum number of
    # subscriptions assigned", as a transfer answers
    box = make_sandbox(max_subscriptions=1)
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        [sub] = make_user(client, None, "a@x.com")
        make_user(client, "u-2", "b@x.com")
        before = box.snapshot()["users"]
        reply = edit(client, sub, external_user_id="u-2")
        assert reply.status_code == 409
        assert reply.json()["errors"][0]["code"] == "subscription-0"
        assert box.snapshot()["users"] == before


def test_the_route_is_counted_and_rate_limited_as_a_user_write(make_sandbox: Any) -> None:
    # §6: "Create/update/delete users or subscriptions: 1,000 req/s/app; 1 req/s per user"
    box = make_sandbox(rate_limits=RateLimits(users=2, per_user=None, views=None))
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        [sub] = make_user(client, "u-1", "a@x.com")  # the first of 2 "users" requests
        replies = [edit(client, sub, tags={"n": str(i)}) for i in range(6)]
        assert replies[0].status_code == 200  # the second; then 429s unless the machine stalls
        limited = [r.json()["limit"] for r in replies if r.status_code == 429]
        assert limited and set(limited) == {"User/Subscription Per App"}
    counted = box.snapshot()["requests_by_endpoint"]
    assert counted == {"POST /apps/{app_id}/users": 1, ROUTE: 6}
    box = make_sandbox(rate_limits=RateLimits(users=None, per_user=1))
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        [sub] = make_user(client, "u-1", "a@x.com")  # the user's write of this second
        reply = edit(client, sub, tags={"a": "1"})
        assert reply.status_code == 429
        assert reply.json()["limit"] == "Subscription/User Update Per Device"
    assert user_by(box, "external_id", "u-1")["properties"]["tags"] == {}


def test_a_write_to_two_users_counts_for_both_or_neither() -> None:
    # a move writes the old and the new user; a refusal must not use up either one's second
    ctx = Context(
        SandboxConfig(api_key=DEFAULT_API_KEY, rate_limits=RateLimits(per_user=1)), Store()
    )
    busy, idle = ctx.store.new_user(), ctx.store.new_user()
    assert ctx.user_writes(busy) is None
    refused = ctx.user_writes(busy, idle)
    assert refused is not None and refused.status == 429
    assert ctx.user_writes(idle) is None
    assert ctx.user_writes(idle, idle) is not None  # counted once, so now it is used up


def test_identity_by_unknown_subscription_is_404(
    api: httpx.Client, legacy: httpx.Client, sb: Sandbox
) -> None:
    # spec get_aliases_by_subscription: 404 GenericError ({"errors": ...}); the reference page
    # shows no body, so the sandbox's subscription-not-found shape is kept
    ghost = str(uuid.uuid4())
    reply = api.get(f"/apps/{APP_ID}/subscriptions/{ghost}/user/identity")
    assert reply.status_code == 404
    [error] = reply.json()["errors"]
    assert error["code"] == "subscription-1" and error["meta"] == {"subscription_id": ghost}
    # a subscription that left with its deleted user is unknown too
    [sub] = make_user(api, "u-1", "a@x.com")
    api.delete(f"/apps/{APP_ID}/users/by/external_id/u-1")
    assert api.get(f"/apps/{APP_ID}/subscriptions/{sub}/user/identity").status_code == 404
    assert edit(legacy, sub, tags={"a": "1"}).json() == UNKNOWN
