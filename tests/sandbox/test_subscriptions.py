"""Subscriptions by id and by token: update, delete, transfer, aliases, and enabled that holds."""

from __future__ import annotations

import httpx
import pytest

from onesync.sandbox import RateLimits, Sandbox

from .helpers import APP_ID, AUTH, user_path, users_path

SUBS = f"/apps/{APP_ID}/subscriptions"


def make_user(api: httpx.Client, external_id: str, *subs: dict) -> dict:
    body = {"identity": {"external_id": external_id}, "subscriptions": list(subs)}
    reply = api.post(users_path(), json=body)
    assert reply.is_success, reply.text
    return reply.json()


def email(token: str, **extra: object) -> dict:
    return {"type": "Email", "token": token, **extra}


def notify(api: httpx.Client, *external_ids: str) -> dict:
    body = {
        "app_id": APP_ID,
        "include_aliases": {"external_id": list(external_ids)},
        "target_channel": "email",
        "email_subject": "s",
        "email_body": "b",
    }
    return api.post("/notifications", json=body).json()


def test_answers_carry_subscription_ids(api: httpx.Client, sb: Sandbox) -> None:
    # §2 / spec SubscriptionBody: a subscription has an id; the spec's create answers return it
    user = make_user(api, "u-1", email("a@x.com"))
    [sub] = user["subscriptions"]
    assert sub["id"] and (sub["type"], sub["token"], sub["enabled"]) == ("Email", "a@x.com", True)
    made = api.post(
        user_path("u-1", "/subscriptions"),
        json={"subscription": {"type": "SMS", "token": "+15555550001"}},
    )
    assert made.status_code == 201
    assert made.json()["subscription"]["id"] not in ("", sub["id"])
    assert [s["id"] for s in sb.user("external_id", "u-1")["subscriptions"]] == [
        sub["id"],
        made.json()["subscription"]["id"],
    ]


def test_transfer_on_create_keeps_id_and_opt_out(api: httpx.Client, sb: Sandbox) -> None:
    # §2: "If the specified type and token already exist in the app, the subscription will be
    # transferred to the user identified in the path parameters."
    first = make_user(api, "u-1", email("shared@x.com", enabled=False))
    make_user(api, "u-2")
    reply = api.post(
        user_path("u-2", "/subscriptions"), json={"subscription": email("shared@x.com")}
    )
    assert reply.status_code == 201
    moved = reply.json()["subscription"]
    assert moved["id"] == first["subscriptions"][0]["id"]
    assert moved["enabled"] is False  # the person's unsubscribe holds: the request omitted enabled
    assert sb.user("external_id", "u-1")["subscriptions"] == []
    # §3: an opted-out user is an invalid alias, so nobody is reached
    assert notify(api, "u-2")["id"] == ""


def test_create_user_with_an_existing_token_keeps_its_state(api: httpx.Client, sb: Sandbox) -> None:
    # §1.1 (create-user doc): it can "create new subscriptions, update, or transfer existing"
    make_user(api, "u-1", email("a@x.com", enabled=False))
    again = make_user(api, "u-1", email("a@x.com"))
    assert again["subscriptions"][0]["enabled"] is False
    moved = make_user(api, "u-2", email("a@x.com"))
    assert moved["subscriptions"][0]["enabled"] is False
    enabled = make_user(api, "u-2", email("a@x.com", enabled=True))
    assert enabled["subscriptions"][0]["enabled"] is True
    assert sb.user("external_id", "u-1")["subscriptions"] == []


def test_create_for_a_token_the_user_has_is_202(api: httpx.Client) -> None:
    # spec create_subscription: 201 CREATED, 202 ACCEPTED
    make_user(api, "u-1", email("a@x.com"))
    again = api.post(user_path("u-1", "/subscriptions"), json={"subscription": email("a@x.com")})
    assert again.status_code == 202
    assert again.json()["subscription"]["enabled"] is True


def test_update_by_id_turns_a_subscription_off(api: httpx.Client, sb: Sandbox) -> None:
    # §2: "Update: PATCH /apps/{app_id}/subscriptions/{subscription_id} (200)"
    sub_id = make_user(api, "u-1", email("a@x.com"))["subscriptions"][0]["id"]
    make_user(api, "u-2", email("b@x.com"))
    reply = api.patch(f"{SUBS}/{sub_id}", json={"subscription": {"enabled": False}})
    assert (reply.status_code, reply.content) == (200, b"")
    # §3: "invalid_aliases lists opted-out subscriptions per alias"
    sent = notify(api, "u-1", "u-2")
    assert sent["id"] and sent["errors"] == {"invalid_aliases": {"external_id": ["u-1"]}}
    renamed = api.patch(f"{SUBS}/{sub_id}", json={"subscription": {"token": "new@x.com"}})
    assert renamed.status_code == 200
    [sub] = sb.user("external_id", "u-1")["subscriptions"]
    assert (sub["id"], sub["token"], sub["enabled"]) == (sub_id, "new@x.com", False)


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"type": "SMS"}, 400, "type cannot change"),
        ({"token": "not-an-address"}, 400, "not a valid email address"),
        ({"enabled": "no"}, 400, "true or false"),
        ({"token": "b@x.com"}, 409, "already has the token"),
    ],
)
def test_bad_updates_change_nothing(
    api: httpx.Client, sb: Sandbox, change: dict, status: int, message: str
) -> None:
    # §2: Email tokens are addresses; a token exists once per app (spec update_subscription 409)
    sub_id = make_user(api, "u-1", email("a@x.com"))["subscriptions"][0]["id"]
    make_user(api, "u-2", email("b@x.com"))
    reply = api.patch(f"{SUBS}/{sub_id}", json={"subscription": change})
    assert reply.status_code == status
    assert message in reply.json()["errors"][0]
    assert sb.user("external_id", "u-1")["subscriptions"][0]["token"] == "a@x.com"


def test_update_by_token(api: httpx.Client, sb: Sandbox) -> None:
    # §2: "by token: PATCH /apps/{app_id}/subscriptions_by_token/{token_type}/{token} (202,
    # token_type e.g. Email)"
    make_user(api, "u-1", {"type": "SMS", "token": "+15555550001"})
    path = f"/apps/{APP_ID}/subscriptions_by_token/SMS/%2B15555550001"
    reply = api.patch(path, json={"subscription": {"enabled": False}})
    assert (reply.status_code, reply.json()) == (202, {})
    assert sb.user("external_id", "u-1")["subscriptions"][0]["enabled"] is False
    unknown = api.patch(
        f"/apps/{APP_ID}/subscriptions_by_token/Email/nobody@x.com",
        json={"subscription": {"enabled": False}},
    )
    assert unknown.status_code == 404
    kind = api.patch(f"/apps/{APP_ID}/subscriptions_by_token/Fax/123", json={"subscription": {}})
    assert kind.status_code == 400 and "token_type must be one of" in kind.json()["errors"][0]


def test_delete_subscription(api: httpx.Client, sb: Sandbox) -> None:
    # §2: "Delete: DELETE /apps/{app_id}/subscriptions/{subscription_id} (202)"
    sub_id = make_user(api, "u-1", email("a@x.com"))["subscriptions"][0]["id"]
    reply = api.delete(f"{SUBS}/{sub_id}")
    assert (reply.status_code, reply.content) == (202, b"")
    assert sb.user("external_id", "u-1")["subscriptions"] == []
    again = api.delete(f"{SUBS}/{sub_id}")
    assert again.status_code == 404
    assert again.json()["errors"][0]["meta"] == {"subscription_id": sub_id}
    assert api.patch(f"{SUBS}/{sub_id}", json={"subscription": {}}).status_code == 404
    # the token is free: a new subscription with it gets a new id
    fresh = make_user(api, "u-2", email("a@x.com"))["subscriptions"][0]
    assert fresh["id"] != sub_id and fresh["enabled"] is True


def test_transfer_to_another_user(api: httpx.Client, sb: Sandbox) -> None:
    # §2: "Transfer: PATCH /apps/{app_id}/subscriptions/{subscription_id}/owner body
    # {"identity": {"external_id": "…"}} (exactly 1 property)"
    sub = make_user(api, "u-1", email("a@x.com", enabled=False))["subscriptions"][0]
    make_user(api, "u-2")
    path = f"{SUBS}/{sub['id']}/owner"
    two = api.patch(path, json={"identity": {"external_id": "u-2", "crm_id": "x"}})
    assert two.status_code == 400 and "exactly one alias" in two.json()["errors"][0]
    nobody = api.patch(path, json={"identity": {"external_id": "ghost"}})
    assert nobody.status_code == 404 and nobody.json()["errors"][0]["code"] == "user-0"
    reply = api.patch(path, json={"identity": {"external_id": "u-2"}})
    assert reply.status_code == 200
    assert reply.json()["identity"]["external_id"] == "u-2"
    assert sb.user("external_id", "u-2")["subscriptions"] == [sub]  # same id, still disabled
    assert sb.user("external_id", "u-1")["subscriptions"] == []


def test_twenty_subscriptions_per_user_on_every_route(api: httpx.Client, sb: Sandbox) -> None:
    # §2: "Max 20 subscriptions per user"; spec 409 "Operation is not permitted due to user
    # having the maximum number of subscriptions assigned"
    make_user(api, "full", *(email(f"a{i}@x.com") for i in range(20)))
    other = make_user(api, "other", email("extra@x.com"))["subscriptions"][0]["id"]
    replies = [
        api.post(
            users_path(),
            json={"identity": {"external_id": "full"}, "subscriptions": [email("b@x.com")]},
        ),
        api.post(user_path("full", "/subscriptions"), json={"subscription": email("extra@x.com")}),
        api.patch(f"{SUBS}/{other}/owner", json={"identity": {"external_id": "full"}}),
    ]
    for reply in replies:
        assert reply.status_code == 409
        assert reply.json()["errors"][0]["title"].startswith("Operation is not permitted")
    assert len(sb.user("external_id", "full")["subscriptions"]) == 20
    too_many = [email(f"n{i}@x.com") for i in range(21)]
    fresh = api.post(
        users_path(), json={"identity": {"external_id": "new"}, "subscriptions": too_many}
    )
    assert fresh.status_code == 409 and sb.user("external_id", "new") is None


def test_aliases_by_subscription(api: httpx.Client, sb: Sandbox) -> None:
    # §1.5: "By subscription: GET|PATCH
    # /apps/{app_id}/subscriptions/{subscription_id}/user/identity"
    sub_id = make_user(api, "u-1", email("a@x.com"))["subscriptions"][0]["id"]
    make_user(api, "u-2")
    path = f"{SUBS}/{sub_id}/user/identity"
    assert api.get(path).json()["identity"]["external_id"] == "u-1"
    added = api.patch(path, json={"identity": {"crm_id": "c-1"}})
    assert added.status_code == 200 and added.json()["identity"]["crm_id"] == "c-1"
    assert sb.user("crm_id", "c-1")["identity"]["external_id"] == "u-1"
    taken = api.patch(path, json={"identity": {"external_id": "u-2"}})
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["meta"]["conflicting_aliases"] == {"external_id": "u-2"}
    assert api.get(f"{SUBS}/no-such-id/user/identity").status_code == 404


def test_subscription_views_and_writes_are_rate_limited(make_sandbox) -> None:
    # §6: view endpoints 1 req/s/app; writes "1 req/s per user or subscription"
    box = make_sandbox(rate_limits=RateLimits(per_user=1, views=1))
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        sub_id = make_user(client, "u-1", email("a@x.com"))["subscriptions"][0]["id"]
        views = [client.get(f"{SUBS}/{sub_id}/user/identity") for _ in range(2)]
        assert [v.status_code for v in views] == [200, 429]
        assert views[1].json()["limit"] == "View Per App"
        patch = {"subscription": {"enabled": False}}
        writes = [client.patch(f"{SUBS}/{sub_id}", json=patch) for _ in range(2)]
        assert [w.status_code for w in writes] == [200, 429]
        assert writes[1].json()["limit"] == "Subscription/User Update Per Device"
