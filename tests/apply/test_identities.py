"""Every way a sync can name a user (issue 18), end to end against the sandbox over loopback:
``identity: {alias: {LABEL: COL}}`` and ``{subscription_id: COL}`` (current and legacy), a link
sync (linked, moved, a conflict, unlinked by a mirror), and a message to each kind of target.
After every apply the next plan is empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from onesync.api import load_project
from onesync.apply import plan_and_apply
from onesync.plan import make_plan
from onesync.sandbox import RateLimits, Sandbox, SandboxConfig

APP_ID = "5eb5a37e-0000-4000-8000-000000000001"
API_KEY = "os_v2_app_sandbox-identities-99"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    config = SandboxConfig(
        app_id=APP_ID, api_key=API_KEY, rate_limits=RateLimits(per_user=None, views=None)
    )
    with Sandbox(config) as box:
        yield box


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ONESIGNAL_KEY", API_KEY)


class Project:
    """A project on disk: one DuckDB table ``t`` the test rewrites, one spec."""

    def __init__(self, root: Path, sb: Sandbox, spec: str, api: str = "current") -> None:
        self.root = root
        (root / "specs").mkdir(parents=True)
        (root / "onesync.yaml").write_text(
            "version: 1\nsources:\n  db:\n    dialect: duckdb\n    path: src.duckdb\n"
            f"destination:\n  app_id: {APP_ID}\n  api_key: ${{env:TEST_ONESIGNAL_KEY}}\n"
            f"  api_url: {sb.url}\n  api: {api}\n  rate_limit: 100000/s\n"
            "state:\n  url: .onesync/state.duckdb\n  max_destructive_share: 1\nspecs: specs/\n"
        )
        (root / "specs" / "s.yaml").write_text(spec)

    def table(self, columns: str, rows: list[tuple[Any, ...]]) -> None:
        conn = duckdb.connect(str(self.root / "src.duckdb"))
        try:
            conn.execute(f"CREATE OR REPLACE TABLE t ({columns})")
            if rows:
                marks = ", ".join("?" for _ in rows[0])
                conn.executemany(f"INSERT INTO t VALUES ({marks})", rows)
        finally:
            conn.close()

    def apply(self) -> Any:
        """Plan and apply; returns the plan's sync (its changes stay readable)."""
        plan, report = plan_and_apply(load_project(self.root))
        assert report is None or not report.rejected, report.rejected if report else None
        return plan

    def plan(self) -> Any:
        return make_plan(load_project(self.root))

    def assert_in_step(self) -> None:
        again = self.plan()
        try:
            assert not again.has_changes, [c for s in again.syncs for c in s.profiles]
        finally:
            again.close()


def api(sb: Sandbox, method: str, path: str, body: Any = None) -> Any:
    r = httpx.request(
        method,
        f"{sb.url}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Key {API_KEY}"},
    )
    assert r.status_code < 300, r.text
    return r.json()


def device(sb: Sandbox, token: str, external_id: str | None = None) -> str:
    """A user made by an SDK: one push subscription (and maybe an external id); its id."""
    body: dict[str, Any] = {"subscriptions": [{"type": "AndroidPush", "token": token}]}
    if external_id:
        body["identity"] = {"external_id": external_id}
    made = api(sb, "POST", f"/apps/{APP_ID}/users", body)
    return str(made["subscriptions"][0]["id"])


def owner(sb: Sandbox, subscription_id: str) -> dict[str, Any]:
    return dict(api(sb, "GET", f"/apps/{APP_ID}/subscriptions/{subscription_id}/user/identity"))[
        "identity"
    ]


def tags_of(sb: Sandbox, label: str, value: str) -> dict[str, str]:
    user = sb.user(label, value)
    assert user is not None, (label, value)
    return dict(user["properties"].get("tags", {}))


# -- identity: alias ---------------------------------------------------------------------------
ALIAS = """\
sync: crm
source: db
model: {table: t}
identity: {alias: {crm_id: crm}}
subscriptions: {email: email}
tags: {plan: plan}
mode: mirror
"""


def test_users_named_by_an_alias(tmp_path: Path, sb: Sandbox) -> None:
    p = Project(tmp_path, sb, ALIAS)
    p.table("crm TEXT, email TEXT, plan TEXT", [("c1", "a@x.test", "free"), ("c2", None, "pro")])
    p.apply().close()
    assert tags_of(sb, "crm_id", "c1") == {"plan": "free"}
    assert tags_of(sb, "crm_id", "c2") == {"plan": "pro"}
    user = sb.user("crm_id", "c1")
    assert user is not None and "external_id" not in user["identity"]
    assert [s["token"] for s in user["subscriptions"]] == ["a@x.test"]
    p.assert_in_step()

    p.table("crm TEXT, email TEXT, plan TEXT", [("c1", "a@x.test", "team")])  # c2 leaves
    plan = p.apply()
    try:
        actions = {c.key: c.action for c in plan.sync("crm").profiles}
        assert actions == {"c1": "update", "c2": "unset"}
    finally:
        plan.close()
    assert tags_of(sb, "crm_id", "c1") == {"plan": "team"}
    assert tags_of(sb, "crm_id", "c2") == {}  # the mirror cleared what it had put there
    p.assert_in_step()


def test_an_alias_identity_in_legacy_mode_is_refused(tmp_path: Path, sb: Sandbox) -> None:
    from onesync.errors import SpecError

    p = Project(tmp_path, sb, ALIAS.replace("subscriptions: {email: email}\n", ""), api="legacy")
    p.table("crm TEXT, email TEXT, plan TEXT", [])
    with pytest.raises(SpecError, match="custom alias need destination.api: current"):
        load_project(p.root, offline=True)


# -- identity: subscription_id --------------------------------------------------------------
BY_SUBSCRIPTION = """\
sync: devices
source: db
model: {table: t}
identity: {subscription_id: sid}
tags: {level: level}
mode: mirror
"""


@pytest.mark.parametrize("mode", ["current", "legacy"])
def test_users_named_by_a_subscription_id(tmp_path: Path, sb: Sandbox, mode: str) -> None:
    s1, s2 = device(sb, "push-1"), device(sb, "push-2", external_id="known")
    p = Project(tmp_path, sb, BY_SUBSCRIPTION, api=mode)
    p.table("sid TEXT, level TEXT", [(s1, "1"), (s2, "7")])
    p.apply().close()
    name = "GET /apps/{app_id}/subscriptions/{subscription_id}/user/identity"
    looked_up = sb.snapshot()["requests_by_endpoint"].get(name, 0)
    o1 = owner(sb, s1)["onesignal_id"]  # (the test asks too: one more)
    assert tags_of(sb, "onesignal_id", o1) == {"level": "1"}
    assert tags_of(sb, "external_id", "known") == {"level": "7"}
    p.assert_in_step()
    p.table("sid TEXT, level TEXT", [(s1, "2")])  # changed; s2 left the mirror
    p.apply().close()
    assert tags_of(sb, "onesignal_id", o1) == {"level": "2"}
    assert tags_of(sb, "external_id", "known") == {}
    counts = sb.snapshot()["requests_by_endpoint"]
    if mode == "current":  # the owner was remembered in state: not asked again
        assert looked_up == 2
        assert counts.get(name, 0) == looked_up + 1
    else:
        assert counts.get("PUT /players/{player_id}", 0) == 4
    p.assert_in_step()


def test_an_unknown_subscription_id_is_rejected_with_the_id(tmp_path: Path, sb: Sandbox) -> None:
    p = Project(tmp_path, sb, BY_SUBSCRIPTION)
    p.table("sid TEXT, level TEXT", [("00000000-0000-4000-8000-00000000dead", "1")])
    _, report = plan_and_apply(load_project(p.root))
    assert report is not None
    (rejected,) = report.rejected
    assert "subscription 00000000-0000-4000-8000-00000000dead is not in OneSignal" in str(
        rejected.reason
    )


# -- a link sync ---------------------------------------------------------------------------------
LINK = """\
sync: links
source: db
model: {table: t}
link: {external_id: user_id, subscription_id: player_id}
mode: mirror
"""


@pytest.mark.parametrize("mode", ["current", "legacy"])
def test_a_link_sync(tmp_path: Path, sb: Sandbox, mode: str) -> None:
    a, a2, b = device(sb, "push-a"), device(sb, "push-a2"), device(sb, "push-b")
    solo = device(sb, "push-solo")
    taken = device(sb, "push-t")
    device(sb, "push-u9", external_id="u9")  # OneSignal already has user u9
    elsewhere = device(sb, "push-e", external_id="someone-else")  # linked by someone else
    p = Project(tmp_path, sb, LINK, api=mode)
    rows = [("u1", a), ("u1", a2), ("u2", b), ("u9", taken), ("u5", solo)]  # a, a2: one user
    if mode == "current":
        rows.append(("u4", elsewhere))
    p.table("user_id TEXT, player_id TEXT", rows)
    plan, report = plan_and_apply(load_project(p.root))
    plan.close()
    assert owner(sb, a)["external_id"] == owner(sb, a2)["external_id"] == "u1"
    assert owner(sb, a)["onesignal_id"] == owner(sb, a2)["onesignal_id"]  # one user, 2 devices
    assert owner(sb, b)["external_id"] == "u2"
    assert owner(sb, taken)["external_id"] == "u9"  # moved to the user OneSignal had
    if mode == "current":  # linked elsewhere: a conflict naming both ids, not retried
        assert report is not None
        (held,) = report.rejected
        assert held.key == elsewhere and "someone-else" in str(held.reason)
        assert "u4" in str(held.reason)
        assert owner(sb, elsewhere)["external_id"] == "someone-else"  # untouched
        again = p.plan()
        try:
            (conflict,) = again.sync("links").conflicts
            assert conflict.key == elsewhere and "someone-else" in conflict.reason
        finally:
            again.close()
        rows.pop()  # the row is fixed by dropping it
    kept = [("u1", a), ("u1", a2), ("u3", b), ("u9", taken), ("u5", solo)]
    p.table("user_id TEXT, player_id TEXT", kept)
    p.apply().close()  # b moves from u2 to u3, a user OneSignal did not have
    assert owner(sb, b)["external_id"] == "u3"
    assert owner(sb, a)["external_id"] == "u1"
    p.assert_in_step()
    p.table("user_id TEXT, player_id TEXT", [("u3", b)])  # the others leave the mirror
    p.apply().close()
    assert "external_id" not in owner(sb, solo)  # unlinked
    assert owner(sb, b)["external_id"] == "u3"
    if mode == "legacy":  # the player model detaches each device
        assert "external_id" not in owner(sb, a) and "external_id" not in owner(sb, taken)
    else:  # a user with several subscriptions keeps its id: unlinking it would unlink them all
        assert owner(sb, a)["external_id"] == "u1" and owner(sb, taken)["external_id"] == "u9"
    p.assert_in_step()


# -- messages to each kind of target ---------------------------------------------------------------
MESSAGE = """\
sync: notes
source: db
model: {{table: t}}
identity: {identity}
message:
  key: k
  channel: {channel}
{to}  subject: {{en: "Hello"}}
  contents: {{en: "Hi {{{{ k }}}}"}}
  backfill: true
"""


def _targets(sb: Sandbox) -> list[dict[str, Any]]:
    """How each notification the sandbox accepted named its recipients, and its channel."""
    return [{**n["targeting"], "channel": n["channel"]} for n in sb.snapshot()["notifications"]]


TARGETS = [
    ("external_id", "{external_id: who}", "push", "include_aliases"),
    ("alias crm_id", "{alias: {crm_id: who}}", "push", "include_aliases"),
    ("email", "{email: who}", "email", "email_to"),
    ("phone", "{phone: who}", "sms", "include_phone_numbers"),
    ("subscription_id", "{subscription_id: who}", "push", "include_subscription_ids"),
]


# the player model has no aliases (validate refuses identity.alias there: the test above)
@pytest.mark.parametrize(
    ("kind", "identity", "channel", "target", "mode"),
    [
        (*t, mode)
        for mode in ("current", "legacy")
        for t in TARGETS
        if not (mode == "legacy" and t[0].startswith("alias"))
    ],
)
def test_a_message_to_each_kind_of_target(
    tmp_path: Path, sb: Sandbox, kind: str, identity: str, channel: str, target: str, mode: str
) -> None:
    if mode == "legacy" and kind.startswith("alias"):
        pytest.skip("the player model has no aliases: validate refuses identity.alias there")
    if kind == "external_id":
        device(sb, "push-e", external_id="e1")
        who = "e1"
    elif kind.startswith("alias"):
        api(
            sb,
            "POST",
            f"/apps/{APP_ID}/users",
            {
                "identity": {"crm_id": "c9"},
                "subscriptions": [{"type": "AndroidPush", "token": "push-c9"}],
            },
        )
        who = "c9"
    elif kind == "email":
        who = "reader@example.com"
    elif kind == "phone":
        who = "+15555550123"
    else:
        who = device(sb, "push-s")
    spec = MESSAGE.format(
        identity=identity,
        channel=channel,
        to=f"  to: {kind}\n",
    )
    if channel != "email":
        spec = spec.replace('  subject: {en: "Hello"}\n', "")
    p = Project(tmp_path, sb, spec, api=mode)
    bad = {"email": "not-an-email", "phone": "5550123"}.get(kind)
    rows = [("k1", who)] + ([("k2", bad)] if bad else [])
    p.table("k TEXT, who TEXT", rows)
    plan = p.plan()
    try:
        invalid = {r.key: r.reason for r in plan.sync("notes").invalid}
        if bad:  # an address that cannot be one is listed at plan time, per row
            assert list(invalid) == ["k2"] and bad in invalid["k2"], invalid
        else:
            assert invalid == {}
    finally:
        plan.close()
    p.apply().close()
    (sent,) = _targets(sb)
    label = kind.split(" ")[1] if kind.startswith("alias") else "external_id"
    expected: dict[str, Any] = {
        "include_aliases": {label: [who]},
        "email_to": [who],
        "include_phone_numbers": [who],
        "include_subscription_ids": [who],
    }
    assert sent[target] == expected[target], sent
    assert sent["channel"] == channel
    p.assert_in_step()


def test_to_must_agree_with_the_identity(tmp_path: Path, sb: Sandbox) -> None:
    from onesync.errors import SpecError

    spec = MESSAGE.format(identity="{external_id: who}", channel="push", to="  to: email\n")
    spec = spec.replace('  subject: {en: "Hello"}\n', "")
    p = Project(tmp_path, sb, spec)
    p.table("k TEXT, who TEXT", [])
    with pytest.raises(SpecError) as err:
        load_project(p.root, offline=True)
    assert "to: email does not match identity.external_id" in str(err.value)
