"""The life of a user, end to end over loopback: after one apply the sandbox holds exactly the
model, and the next plan is empty (docs/spec-reference.md, "The life of a user").

Every request the client sends is also checked against OneSignal's own OpenAPI spec
(``tests/contract``), so the sandbox is not the only judge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from onesync.apply import plan_and_apply
from onesync.plan import make_plan
from onesync.sandbox import RateLimits, Sandbox
from tests.contract.openapi import make_contract

from .world import API_KEY, APP_ID, World

AUTH = {"Authorization": f"Key {API_KEY}"}


@pytest.fixture
def contract() -> Iterator[Any]:
    c = make_contract()
    yield c
    c.assert_clean()


@pytest.fixture
def checked_sb(make_sandbox: Callable[..., Sandbox], contract: Any) -> Sandbox:
    """A sandbox with OneSignal's per-user write limit on, every request contract-checked."""
    box = make_sandbox(rate_limits=RateLimits())
    box.observer = contract.observe
    return box


def _user(sb: Sandbox, eid: str) -> dict[str, Any] | None:
    for u in sb.snapshot()["users"]:
        if u["identity"].get("external_id") == eid:
            return u
    return None


def _subs(user: dict[str, Any] | None) -> set[tuple[str, str, bool]]:
    return {(s["type"], s["token"], s["enabled"]) for s in (user or {}).get("subscriptions", [])}


def _api(sb: Sandbox, method: str, path: str, body: Any = None) -> httpx.Response:
    """A request as the app's own SDK or the dashboard would make it (not through onesync)."""
    for _ in range(5):  # one write per user per second, as OneSignal allows
        r = httpx.request(method, f"{sb.url}/apps/{APP_ID}{path}", json=body, headers=AUTH)
        if r.status_code != 429:
            break
        time.sleep(1.0)
    assert r.status_code < 300, r.text
    return r


def _world(tmp_path: Path, sb: Sandbox, mode: str) -> World:
    world = World(tmp_path / "p", sb.url, events=False, messages=False, mode=mode)
    world.customers(6)  # emails on u0000 u0002 u0004, phones on u0000 u0003
    return world


@pytest.mark.parametrize("mode", ["mirror", "upsert"])
def test_one_apply_makes_onesignal_hold_exactly_the_model(
    tmp_path: Path, checked_sb: Sandbox, mode: str
) -> None:
    sb = checked_sb
    world = _world(tmp_path, sb, mode)
    _, report = plan_and_apply(world.project())
    assert report is not None and report.exit_code == 0
    first_email = next(s for s in _user(sb, "u0000")["subscriptions"] if s["type"] == "Email")

    # The app's SDK registers a push device for u0005; onesync must never touch it.
    _api(sb, "POST", "/users/by/external_id/u0005/subscriptions",
         {"subscription": {"type": "AndroidPush", "token": "fcm-token-5"}})  # fmt: skip
    # Someone deletes u0004 in the dashboard (a GDPR request); then its row changes, so the
    # update onesync sends answers 404.
    _api(sb, "DELETE", "/users/by/external_id/u0004")
    world.sql(
        "UPDATE customers SET plan = 'gold' WHERE id = 'u0004'",
        "UPDATE customers SET email = 'new0@example.com' WHERE id = 'u0000'",
        "UPDATE customers SET phone = NULL WHERE id = 'u0003'",
        "UPDATE customers SET sf_id = 'sf-new-1' WHERE id = 'u0001'",
        "DELETE FROM customers WHERE id = 'u0002'",
    )
    plan, report = plan_and_apply(world.project(), allow_destructive=True)  # 3 of 6 users
    assert report is not None and report.exit_code == 0, report

    u0 = _user(sb, "u0000")
    assert _subs(u0) == {("Email", "new0@example.com", True), ("SMS", "+14155550000", True)}
    assert all(s["id"] != first_email["id"] for s in u0["subscriptions"] if s["type"] == "Email")
    assert _user(sb, "u0001")["identity"]["crm_id"] == "sf-new-1"
    u3 = _user(sb, "u0003")
    if mode == "mirror":
        assert _subs(u3) == set()  # the cleared phone's subscription was deleted
    else:
        assert _subs(u3) == {("SMS", "+14155550003", True)}  # upsert leaves it
    u2 = _user(sb, "u0002")
    assert u2 is not None  # the user and its external id stay in both modes
    if mode == "mirror":  # on_leave: clear removes what the sync put there
        assert u2["identity"].keys() == {"external_id", "onesignal_id"}
        assert u2["properties"].get("tags", {}) == {} and _subs(u2) == set()
    else:  # on_leave: keep
        assert u2["identity"]["crm_id"] == "sf0002" and _subs(u2) == {
            ("Email", "user2@example.com", True)
        }
    u4 = _user(sb, "u0004")  # deleted in OneSignal: created again, whole
    assert u4 is not None and u4["identity"]["crm_id"] == "sf0004"
    assert u4["properties"]["tags"] == {"plan": "gold", "ltv": "4.5"}
    assert _subs(u4) == {("Email", "user4@example.com", True)}
    assert _subs(_user(sb, "u0005")) == {("AndroidPush", "fcm-token-5", True)}

    assert not make_plan(world.project()).has_changes


def test_an_unsubscribe_made_in_onesignal_holds(tmp_path: Path, checked_sb: Sandbox) -> None:
    sb = checked_sb
    world = _world(tmp_path, sb, "mirror")
    plan_and_apply(world.project())
    email = next(s for s in _user(sb, "u0000")["subscriptions"] if s["type"] == "Email")
    _api(sb, "PATCH", f"/subscriptions/{email['id']}", {"subscription": {"enabled": False}})
    world.sql("UPDATE customers SET plan = 'gold' WHERE id = 'u0000'")
    plan_and_apply(world.project())
    u0 = _user(sb, "u0000")
    assert u0["properties"]["tags"]["plan"] == "gold"
    assert ("Email", "user0@example.com", False) in _subs(u0)


def test_delete_user_on_leave_and_a_shared_email_is_listed(
    tmp_path: Path, checked_sb: Sandbox
) -> None:
    sb = checked_sb
    world = _world(tmp_path, sb, "mirror")
    spec = world.root / "specs" / "customers.yaml"
    spec.write_text(spec.read_text() + "on_leave: delete_user\n")
    plan_and_apply(world.project())
    world.sql(
        "DELETE FROM customers WHERE id = 'u0001'",
        "UPDATE customers SET email = 'user0@example.com' WHERE id = 'u0003'",
    )
    plan, report = plan_and_apply(world.project(), allow_destructive=True)
    assert report is not None and report.exit_code == 0
    assert _user(sb, "u0001") is None
    sp = plan.sync("customers")
    shared = [r for r in sp.invalid if r.field == "email"]
    assert [r.key for r in shared] == ["u0003"] and "also key u0000" in shared[0].reason
    assert ("Email", "user0@example.com", True) in _subs(_user(sb, "u0000"))
    assert sp.count("delete") == 1


def test_an_alias_another_user_holds_is_listed_and_not_retried_until_the_row_changes(
    tmp_path: Path, checked_sb: Sandbox
) -> None:
    sb = checked_sb
    world = _world(tmp_path, sb, "upsert")
    _api(sb, "POST", "/users", {"identity": {"external_id": "someone-else", "crm_id": "sf0001"}})
    _, report = plan_and_apply(world.project())
    assert report is not None and report.exit_code == 3
    (rejected,) = report.rejected
    # OneSignal's 409 names the user that holds the alias; the reason says how to fix it
    assert rejected.key == "u0001" and "HTTP 409" in rejected.reason
    assert "someone-else" in rejected.reason or "crm_id=sf0001" in rejected.reason
    plan = make_plan(world.project())
    assert not plan.has_changes  # remembered: not sent again while the row is the same
    (held,) = plan.sync("customers").conflicts
    assert held.key == "u0001" and "not retried until the row or the spec changes" in held.reason
    world.sql("UPDATE customers SET sf_id = 'sf0001-b' WHERE id = 'u0001'")
    _, report = plan_and_apply(world.project())
    assert report is not None and report.exit_code == 0
    assert _user(sb, "u0001")["identity"]["crm_id"] == "sf0001-b"
    assert not make_plan(world.project()).sync("customers").conflicts


MISSED = """
sync: welcome
source: db
model: {table: customers}
identity: {external_id: id}
message:
  key: id
  channel: email
  subject: {en: "Welcome"}
  contents: {en: "Hello {{ plan }} customer [unsubscribe_url]"}
  backfill: true
after: customers
"""


def test_a_message_that_reached_nobody_is_sent_once_its_user_can_get_it(
    tmp_path: Path, checked_sb: Sandbox
) -> None:
    sb = checked_sb
    world = _world(tmp_path, sb, "upsert")
    (world.root / "specs" / "welcome.yaml").write_text(MISSED)
    world.sql("UPDATE customers SET email = 'not-an-address' WHERE id = 'u0000'")
    _, report = plan_and_apply(world.project())
    assert report is not None
    welcome = report.sync("welcome")
    assert [m.key for m in welcome.missed] == ["u0000", "u0001", "u0003", "u0005"]  # no email
    assert not make_plan(world.project()).sync("welcome").has_changes  # nothing new to try

    world.sql("UPDATE customers SET email = 'fixed0@example.com' WHERE id = 'u0000'")
    plan_and_apply(world.project())  # the profile sync gives u0000 its email subscription
    plan, report = plan_and_apply(world.project())  # then the message goes out again
    (again,) = plan.sync("welcome").messages
    assert again.keys == ("u0000",) and again.retry
    assert report is not None and not report.sync("welcome").missed
    notes = [n for n in sb.snapshot()["notifications"] if "u0000" in n["users"]]
    assert len(notes) == 1 and notes[0]["channel"] == "email"
