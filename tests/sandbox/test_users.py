"""Users, tags, aliases and subscriptions, sent over loopback as the reference documents them."""

from __future__ import annotations

import httpx
import pytest

from onesync.sandbox import Sandbox

from .helpers import user_path, users_path


def create(api: httpx.Client, external_id: str, **body: object) -> httpx.Response:
    return api.post(users_path(), json={"identity": {"external_id": external_id}, **body})


def test_create_user_with_identity_tags_and_subscriptions(api: httpx.Client, sb: Sandbox) -> None:
    # §1.1: body {identity, properties, subscriptions}; 201 CREATED with the User
    reply = api.post(
        users_path(),
        json={
            "identity": {"external_id": "u-123", "crm_id": "abc"},
            "properties": {"tags": {"plan": "pro", "level": 3}, "language": "en"},
            "subscriptions": [{"type": "Email", "token": "a@b.com", "enabled": True}],
        },
    )
    assert reply.status_code == 201
    user = reply.json()
    assert user["identity"]["external_id"] == "u-123"
    assert user["identity"]["crm_id"] == "abc"
    assert user["identity"]["onesignal_id"]
    assert user["properties"]["tags"] == {"plan": "pro", "level": "3"}
    assert user["subscriptions"][0]["token"] == "a@b.com"
    assert user["subscriptions"][0]["id"]
    assert sb.user("crm_id", "abc") == user


def test_create_with_existing_alias_updates_that_user(api: httpx.Client, sb: Sandbox) -> None:
    # §1.1: "Aliases provided in the payload will be used to look up an existing User."
    first = create(api, "u-1", properties={"tags": {"a": "1"}}).json()
    again = create(api, "u-1", properties={"tags": {"b": "2"}})
    assert again.status_code == 200
    assert again.json()["identity"]["onesignal_id"] == first["identity"]["onesignal_id"]
    assert sb.user("external_id", "u-1")["properties"]["tags"] == {"a": "1", "b": "2"}
    assert len(sb.snapshot()["users"]) == 1


def test_create_user_needs_an_identifier(api: httpx.Client) -> None:
    # §1.1: "must provide at least one identifier (alias or subscription)"
    reply = api.post(users_path(), json={"properties": {"tags": {"a": "1"}}})
    assert reply.status_code == 400
    assert "at least one alias" in reply.json()["errors"][0]


def test_create_with_aliases_of_two_users_is_a_409_conflict(api: httpx.Client) -> None:
    # §1.1: 409 body {"errors":[{"code", "title", "meta": {"conflicting_aliases": {...}}}]}
    create(api, "u-1")
    api.post(users_path(), json={"identity": {"crm_id": "c-2"}})
    reply = api.post(users_path(), json={"identity": {"external_id": "u-1", "crm_id": "c-2"}})
    assert reply.status_code == 409
    err = reply.json()["errors"][0]
    assert err["code"] == "user-2"
    assert err["title"] == "One or more Aliases claimed by another User"
    assert err["meta"]["conflicting_aliases"] == {"crm_id": "c-2"}


def test_update_merges_tags_and_empty_string_deletes(api: httpx.Client, sb: Sandbox) -> None:
    # §1.2: "Removing a tag: send the key with value \"\""; 202 with PropertiesBody
    create(api, "u-1", properties={"tags": {"keep": "1", "drop": "2"}})
    reply = api.patch(
        user_path("u-1"), json={"properties": {"tags": {"drop": "", "new": "x"}, "country": "US"}}
    )
    assert reply.status_code == 202
    assert reply.json() == {"properties": {"tags": {"drop": "", "new": "x"}, "country": "US"}}
    props = sb.user("external_id", "u-1")["properties"]
    assert props["tags"] == {"keep": "1", "new": "x"}
    assert props["country"] == "US"


def test_update_deltas_increment(api: httpx.Client, sb: Sandbox) -> None:
    create(api, "u-1")
    # the update-user doc's example deltas
    purchase = {"amount": "33.33", "iso": "USD", "count": 3, "sku": "item"}
    deltas = {"session_time": 0, "session_count": 1, "purchases": [purchase]}
    for _ in range(2):
        assert api.patch(user_path("u-1"), json={"deltas": deltas}).status_code == 202
    props = sb.user("external_id", "u-1")["properties"]
    assert (props["session_count"], props["session_time"]) == (2, 0)
    assert props["purchases"] == [purchase, purchase]


def test_path_alias_values_are_url_decoded(api: httpx.Client, sb: Sandbox) -> None:
    # §1.5: "URL-encode alias values in the path (legacy doc: / must be sent as %2F)"
    create(api, "team/a+b@x")
    reply = api.patch(user_path("team/a+b@x"), json={"properties": {"tags": {"k": "v"}}})
    assert reply.status_code == 202
    assert sb.user("external_id", "team/a+b@x")["properties"]["tags"] == {"k": "v"}
    assert "%2F" in user_path("team/a+b@x")


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"list": ["a"]}, "all tag values must be strings"),
        ({"obj": {"a": 1}}, "all tag values must be strings"),
        ({"flag": True}, 'send booleans as "true"/"false"'),
        ({"user": "x"}, "reserved"),
    ],
)
def test_bad_tag_values_are_refused(api: httpx.Client, tags: dict, message: str) -> None:
    # §1.2: "All Tag values must be strings"; restricted keys include user
    create(api, "u-1")
    reply = api.patch(user_path("u-1"), json={"properties": {"tags": tags}})
    assert reply.status_code == 400
    assert message in reply.json()["errors"][0]


def test_tag_limit_per_user(make_sandbox, sb: Sandbox) -> None:
    # §1.2 / §8.2: 400 "App is limited to a maximum of N tags on a given player"
    box = make_sandbox(max_tags=3)
    with httpx.Client(base_url=box.url, headers={"Authorization": "Key os_v2_app_testkey"}) as c:
        create(c, "u-1", properties={"tags": {"a": "1", "b": "2", "c": "3"}})
        reply = c.patch(user_path("u-1"), json={"properties": {"tags": {"d": "4"}}})
        assert reply.status_code == 400
        assert reply.json() == {
            "errors": ["App is limited to a maximum of 3 tags on a given player"],
            "success": False,
        }
        # replacing one tag by another stays within the limit
        ok = c.patch(user_path("u-1"), json={"properties": {"tags": {"a": "", "d": "4"}}})
        assert ok.status_code == 202
    assert box.user("external_id", "u-1")["properties"]["tags"] == {"b": "2", "c": "3", "d": "4"}


def test_more_than_100_property_updates_per_request(api: httpx.Client, sb: Sandbox) -> None:
    # §1.2 / §8.3: "Please limit your tag updates to 100 per request"
    create(api, "u-1")
    tags = {f"t{i}": str(i) for i in range(101)}
    reply = api.patch(user_path("u-1"), json={"properties": {"tags": tags}})
    assert reply.status_code == 400
    assert "limit your tag updates to 100 per request" in reply.json()["errors"][0]
    assert sb.user("external_id", "u-1")["properties"]["tags"] == {}


def test_unknown_user(api: httpx.Client) -> None:
    # §1.3: get_user 404 Not Found
    for method in ("GET", "PATCH", "DELETE"):
        reply = api.request(method, user_path("ghost"), json={"properties": {}})
        assert reply.status_code == 404
        assert reply.json()["errors"][0]["meta"] == {"external_id": "ghost"}


def test_view_and_delete_user(api: httpx.Client, sb: Sandbox) -> None:
    created = create(api, "u-1", subscriptions=[{"type": "SMS", "token": "+15555551234"}]).json()
    assert api.get(user_path("u-1")).json() == created
    oid = created["identity"]["onesignal_id"]
    by_id = api.get(f"{users_path()}/by/onesignal_id/{oid}")
    assert by_id.json()["identity"]["external_id"] == "u-1"
    deleted = api.delete(user_path("u-1"))
    assert deleted.status_code == 200
    assert api.get(user_path("u-1")).status_code == 404
    assert sb.snapshot()["users"] == []
    # its subscription token is free again
    assert create(api, "u-2", subscriptions=[{"type": "SMS", "token": "+15555551234"}]).is_success


def test_identity_upsert_list_and_delete(api: httpx.Client, sb: Sandbox) -> None:
    # §1.5: upsert PATCH …/identity 200; list GET …/identity; DELETE …/identity/{label} 200
    create(api, "u-1")
    reply = api.patch(user_path("u-1", "/identity"), json={"identity": {"crm_id": "c-9"}})
    assert reply.status_code == 200
    assert reply.json()["identity"]["crm_id"] == "c-9"
    assert api.get(user_path("u-1", "/identity")).json()["identity"]["crm_id"] == "c-9"
    assert api.get(f"{users_path()}/by/crm_id/c-9").json()["identity"]["external_id"] == "u-1"
    removed = api.delete(user_path("u-1", "/identity/crm_id"))
    assert removed.status_code == 200
    assert "crm_id" not in removed.json()["identity"]
    assert api.get(f"{users_path()}/by/crm_id/c-9").status_code == 404


def test_identity_claimed_by_another_user_is_409(api: httpx.Client, sb: Sandbox) -> None:
    # §8.1: "setting an external_id/alias that already belongs to another user returns 409"
    create(api, "u-1")
    create(api, "u-2")
    reply = api.patch(user_path("u-2", "/identity"), json={"identity": {"external_id": "u-1"}})
    assert reply.status_code == 409
    assert reply.json()["errors"][0]["code"] == "user-2"
    assert reply.json()["errors"][0]["meta"] == {"conflicting_aliases": {"external_id": "u-1"}}
    assert sb.user("external_id", "u-2") is not None


def test_external_id_can_be_changed_through_identity(api: httpx.Client, sb: Sandbox) -> None:
    # §1.5: "You can use this API to update external_id if needed"
    create(api, "old")
    api.patch(user_path("old", "/identity"), json={"identity": {"external_id": "new"}})
    assert sb.user("external_id", "old") is None
    assert sb.user("external_id", "new") is not None


def test_onesignal_id_is_reserved_and_aliases_are_limited(make_sandbox) -> None:
    # §1.5: "OneSignal ID is read-only"; "up to 20 custom aliases" (max_aliases, here 2)
    box = make_sandbox(max_aliases=2)
    with httpx.Client(base_url=box.url, headers={"Authorization": "Key os_v2_app_testkey"}) as c:
        create(c, "u-1")
        reserved = c.patch(user_path("u-1", "/identity"), json={"identity": {"onesignal_id": "x"}})
        assert reserved.status_code == 400
        assert "read-only" in reserved.json()["errors"][0]
        ok = c.patch(user_path("u-1", "/identity"), json={"identity": {"a": "1", "b": "2"}})
        assert ok.status_code == 200
        many = c.patch(user_path("u-1", "/identity"), json={"identity": {"c": "3"}})
        assert many.status_code == 400
        assert "at most 2 custom aliases" in many.json()["errors"][0]


@pytest.mark.parametrize(
    "placeholder",
    ["NA", "NULL", "null", "0", "-1", "1", "all", "00000000-0000-0000-0000-000000000000"],
)
def test_placeholder_external_ids_are_refused(
    api: httpx.Client, sb: Sandbox, placeholder: str
) -> None:
    # §1.5: "External ID placeholder values to avoid: NA, NULL, 0, -1, all, or
    # 00000000-0000-0000-0000-000000000000"; support comment: not allowed "1" too (§8.6)
    reply = create(api, placeholder)
    assert reply.status_code == 400
    assert "placeholder" in reply.json()["errors"][0]
    create(api, "real")
    renamed = api.patch(
        user_path("real", "/identity"), json={"identity": {"external_id": placeholder}}
    )
    assert renamed.status_code == 400
    assert sb.user("external_id", "real") is not None


@pytest.mark.parametrize("token", ["plainaddress", "a@b", "a b@x.com", "@x.com"])
def test_email_tokens_must_be_addresses(api: httpx.Client, sb: Sandbox, token: str) -> None:
    # §2: Email subscriptions are addresses (spec email_to "Example: nick@catfac.ts")
    reply = create(api, "u-1", subscriptions=[{"type": "Email", "token": token}])
    assert reply.status_code == 400
    assert "not a valid email address" in reply.json()["errors"][0]
    assert sb.user("external_id", "u-1") is None


def test_deleted_user_is_gone_from_every_route(api: httpx.Client, sb: Sandbox) -> None:
    # §1.4: "Removes the User identified by (:alias_label, :alias_id), and all Subscriptions and
    # Aliases"; §1.3: get_user 404 Not Found
    user = create(
        api,
        "u-1",
        identity={"external_id": "u-1", "crm_id": "c-1"},
        subscriptions=[{"type": "Email", "token": "u1@x.com"}],
    ).json()
    oid, sub_id = user["identity"]["onesignal_id"], user["subscriptions"][0]["id"]
    assert (api.delete(user_path("u-1")).status_code, sb.user("external_id", "u-1")) == (200, None)
    requests = [
        ("GET", user_path("u-1"), None),
        ("PATCH", user_path("u-1"), {"properties": {"tags": {"a": "1"}}}),
        ("DELETE", user_path("u-1"), None),
        ("GET", user_path("u-1", "/identity"), None),
        ("PATCH", user_path("u-1", "/identity"), {"identity": {"x": "1"}}),
        ("DELETE", user_path("u-1", "/identity/crm_id"), None),
        (
            "POST",
            user_path("u-1", "/subscriptions"),
            {"subscription": {"type": "SMS", "token": "+15555550001"}},
        ),
        ("GET", f"{users_path()}/by/onesignal_id/{oid}", None),
        ("GET", f"{users_path()}/by/crm_id/c-1", None),
    ]
    for method, path, body in requests:
        reply = api.request(method, path, json=body)
        assert reply.status_code == 404, (method, path)
        assert reply.json()["errors"][0]["code"] == "user-0"
    for method in ("GET", "PATCH", "DELETE"):
        path = f"/apps/{sb.config.app_id}/subscriptions/{sub_id}"
        path += "/user/identity" if method == "GET" else ""
        assert api.request(method, path, json={"subscription": {}}).status_code == 404
    events = {"events": [{"name": "late", "external_id": "u-1"}]}
    assert api.post(f"/apps/{sb.config.app_id}/custom_events", json=events).status_code == 202
    # create-user makes a fresh user: a new onesignal_id, no old aliases or subscriptions
    again = create(api, "u-1").json()
    assert again["identity"]["onesignal_id"] != oid
    assert (again["subscriptions"], "crm_id" in again["identity"]) == ([], False)
    # the deleted user is remembered for display only
    [tomb] = sb.snapshot()["deleted_users"]
    assert (tomb["onesignal_id"], tomb["external_id"]) == (oid, "u-1") and tomb["deleted_at"]


def test_subscriptions_email_sms_and_e164(api: httpx.Client, sb: Sandbox) -> None:
    # §2: SMS "Must be in E.164 format"
    create(api, "u-1")
    path = user_path("u-1", "/subscriptions")
    email = api.post(path, json={"subscription": {"type": "Email", "token": "a@b.com"}})
    assert email.status_code == 201
    assert email.json()["subscription"]["type"] == "Email"
    bad = api.post(path, json={"subscription": {"type": "SMS", "token": "5555551234"}})
    assert bad.status_code == 400
    assert "E.164" in bad.json()["errors"][0]
    sms = api.post(path, json={"subscription": {"type": "SMS", "token": "+15555551234"}})
    assert sms.status_code == 201
    kinds = [s["type"] for s in sb.user("external_id", "u-1")["subscriptions"]]
    assert kinds == ["Email", "SMS"]


def test_existing_token_is_transferred(api: httpx.Client, sb: Sandbox) -> None:
    # §2: "If the specified type and token already exist in the app, the subscription will be
    # transferred to the user identified in the path parameters"
    create(api, "u-1", subscriptions=[{"type": "Email", "token": "shared@x.com"}])
    create(api, "u-2")
    sub = {"subscription": {"type": "Email", "token": "shared@x.com"}}
    assert api.post(user_path("u-2", "/subscriptions"), json=sub).status_code == 201
    assert sb.user("external_id", "u-1")["subscriptions"] == []
    assert sb.user("external_id", "u-2")["subscriptions"][0]["token"] == "shared@x.com"


def test_twenty_subscriptions_at_most(api: httpx.Client) -> None:
    # §2: "Max 20 subscriptions per user"; 409 "Operation is not permitted due to user having
    # the maximum number of subscriptions assigned"
    subs = [{"type": "Email", "token": f"a{i}@x.com"} for i in range(20)]
    assert create(api, "u-1", subscriptions=subs).status_code == 201
    extra = {"subscription": {"type": "Email", "token": "one-more@x.com"}}
    reply = api.post(user_path("u-1", "/subscriptions"), json=extra)
    assert reply.status_code == 409
    assert "maximum number of subscriptions" in reply.json()["errors"][0]["title"]


def test_legacy_put_tags_by_external_user_id(api: httpx.Client, sb: Sandbox) -> None:
    # §5: PUT /apps/{app_id}/users/{external_user_id}, 200 {"success": true}; 404 "No players
    # found for given external_user_id"
    create(api, "u-1", properties={"tags": {"old": "1"}})
    legacy = httpx.Client(
        base_url=sb.url, headers={"Authorization": "Basic os_v2_app_testkey"}, timeout=10
    )
    with legacy:
        reply = legacy.put(users_path("/u-1"), json={"tags": {"old": "", "new": "2"}})
        assert (reply.status_code, reply.json()) == (200, {"success": True})
        missing = legacy.put(users_path("/ghost"), json={"tags": {"a": "1"}})
        assert missing.status_code == 404
        assert missing.json()["errors"] == ["No players found for given external_user_id"]
    assert sb.user("external_id", "u-1")["properties"]["tags"] == {"new": "2"}
