"""apply against a real sandbox over loopback, with a real DuckDB source and state."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from onesync.apply import ProgressUpdate, apply_plan, plan_and_apply, runner
from onesync.destination import idempotency_key
from onesync.plan import make_plan
from onesync.sandbox import Faults, RateLimits, Sandbox
from onesync.state import open_state
from tests.plantext import plan_text

from .world import APP_ID, World, actual_users, expected_users

USERS = "POST /apps/{app_id}/users"
PATCH = "PATCH /apps/{app_id}/users/by/{alias_label}/{alias_id}"
IDENTITY = "PATCH /apps/{app_id}/users/by/{alias_label}/{alias_id}/identity"
SUBS = "POST /apps/{app_id}/users/by/{alias_label}/{alias_id}/subscriptions"
EVENTS = "POST /apps/{app_id}/custom_events"
NOTES = "POST /notifications"


def _delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    a, b = Counter(after["requests_by_endpoint"]), Counter(before["requests_by_endpoint"])
    return dict(a - b)


def test_first_sync_creates_everything_second_sends_only_changes(world: World, sb: Sandbox) -> None:
    world.customers(20)
    world.orders(10, 20)
    updates: list[ProgressUpdate] = []
    plan, report = plan_and_apply(world.project(), progress=updates.append)
    assert report is not None and report.exit_code == 0
    snap = sb.snapshot()
    assert actual_users(snap) == expected_users(world)
    assert snap["requests_by_endpoint"] == {USERS: 20, EVENTS: 1, NOTES: 10}
    assert report.totals == {"sent": 40, "unchanged": 0, "invalid": 0, "rejected": 0, "retried": 0}
    assert {e["idempotency_key"] for e in snap["events"]} == {
        idempotency_key(APP_ID, "orders", f"o{i:05d}") for i in range(10)
    }
    assert sorted(e["properties"]["total"] for e in snap["events"])[:2] == ["0.25", "1.25"]
    assert len(snap["notifications"]) == 10
    assert all(n["email_subject"] == "Your order" for n in snap["notifications"])
    assert [u.sync for u in updates if u.final] == ["customers", "orders", "receipts"]
    final = [u for u in updates if u.final][0]
    assert final.done == final.total == 20 and final.report is not None

    world.sql(
        "UPDATE customers SET plan = 'team' WHERE id = 'u0001'",  # tag change: PATCH
        "UPDATE customers SET ltv = NULL WHERE id = 'u0002'",  # tag unset: PATCH with ""
        "UPDATE customers SET email = 'u3@example.com' WHERE id = 'u0003'",  # new subscription
        "UPDATE customers SET sf_id = 'sf-new' WHERE id = 'u0005'",  # alias upsert
    )
    world.customers(2, start=20)
    world.sql(
        "INSERT INTO orders VALUES ('o90001', 'u0020', 5, '2026-02-01 00:00:00'), "
        "('o90002', 'u0020', 6, '2026-02-01 00:00:00')"
    )
    before = sb.snapshot()
    _, report = plan_and_apply(world.project())
    assert report is not None and report.exit_code == 0
    after = sb.snapshot()
    assert _delta(before, after) == {USERS: 2, PATCH: 2, SUBS: 1, IDENTITY: 1, EVENTS: 1, NOTES: 2}
    assert actual_users(after) == expected_users(world)
    assert "ltv" not in actual_users(after)["u0002"]["tags"]
    assert report.sync("customers").sent == 6 and report.sync("customers").unchanged == 16
    assert report.sync("orders").unchanged == 10

    plan, report = plan_and_apply(world.project())
    assert report is None and not plan.has_changes
    assert sb.snapshot()["requests"] == after["requests"]


def test_one_write_per_user_per_second(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Tags, an alias and a subscription for one user: three writes spaced, never a 429."""
    sb = make_sandbox(rate_limits=RateLimits())  # OneSignal's limits, 1 write/s per user
    world = World(tmp_path, sb.url, events=False, messages=False)
    world.customers(3)
    plan_and_apply(world.project())
    time.sleep(1.1)
    world.sql(
        "UPDATE customers SET plan = 'x', sf_id = 'sf-x', email = 'x@x.io' WHERE id = 'u0001'"
    )
    _, report = plan_and_apply(world.project())
    assert report is not None and report.exit_code == 0 and report.totals["retried"] == 0
    snap = sb.snapshot()
    assert "429" not in snap["requests_by_status"]
    assert actual_users(snap) == expected_users(world)


def test_faults_every_row_arrives_exactly_once(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20% 429s, 5% 500s, 2% dropped connections, and 5xx/drops applied before failing."""
    faults = Faults(rate_429=0.2, rate_5xx=0.05, drop_rate=0.02, seed=11, apply_then_fail=True)
    sb = make_sandbox(faults=faults)
    monkeypatch.setattr(runner, "EVENTS_PER_CALL", 4)  # several event batches to fail
    world = World(tmp_path, sb.url)
    world.customers(60)
    world.orders(30, 60)
    _, report = plan_and_apply(world.project())
    assert report is not None and report.exit_code == 0, report.rejected
    assert report.totals["sent"] == 60 + 30 + 30
    assert report.totals["retried"] > 0
    snap = sb.snapshot()
    statuses = snap["requests_by_status"]
    assert (
        statuses.get("429") and statuses.get("0") and (statuses.get("500") or statuses.get("503"))
    )
    assert actual_users(snap) == expected_users(world)
    keys = [e["idempotency_key"] for e in snap["events"]]
    assert sorted(keys) == sorted(idempotency_key(APP_ID, "orders", f"o{i:05d}") for i in range(30))
    notes = snap["notifications"]
    assert len(notes) == 30 and len({n["idempotency_key"] for n in notes}) == 30
    assert sorted(u for n in notes for u in n["users"]) == sorted(
        f"u{(i * 2) % 60:04d}" for i in range(30)
    )
    sb.set_faults(Faults())
    plan = make_plan(world.project())
    assert not plan.has_changes


def test_values_onesignal_refuses_are_listed_at_plan_time_and_the_rest_lands(
    world: World, sb: Sandbox
) -> None:
    world.customers(3)
    world.sql(
        "UPDATE customers SET phone = '555-1234' WHERE id = 'u0000'",  # not E.164
        "INSERT INTO customers VALUES ('NA', 'sf-na', NULL, NULL, 'free', 1)",  # placeholder id
    )
    r = world.cli("apply", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "! invalid key NA: external_id NA is a placeholder" in r.stdout
    assert "! invalid key u0000, field sms refused: sms '555-1234' is not an E.164" in r.stdout
    users = actual_users(sb.snapshot())
    assert set(users) == {"u0000", "u0001", "u0002"}  # the rest of u0000 landed
    assert users["u0000"]["subs"] == {("Email", "user0@example.com")}
    with open_state(world.project().state, world.root, lock=False) as st:
        assert "sub:sms" not in (st.values("customers", "u0000") or {})

    r = world.cli("plan")  # still listed, nothing to send
    assert r.returncode == 0 and "field sms refused" in r.stdout, r.stdout
    world.sql("UPDATE customers SET phone = '+14155550100' WHERE id = 'u0000'")
    world.sql("DELETE FROM customers WHERE id = 'NA'")
    r = world.cli("apply", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "sync=customers sent=1 " in r.stdout
    assert actual_users(sb.snapshot()) == expected_users(world)


def test_rows_onesignal_rejects_are_reported_not_recorded_and_tried_again(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = make_sandbox(max_tags=1)  # a smaller plan's tag cap than onesync assumes
    world = World(tmp_path / "p", sb.url, events=False, messages=False)
    world.customers(3)
    world.sql("UPDATE customers SET ltv = NULL WHERE id <> 'u0000'")
    r = world.cli("apply", "--yes")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "rejected=1" in r.stdout and "OneSignal rejected 1 row" in r.stdout
    lines = [line for line in r.stdout.splitlines() if line.startswith("  ! ")]
    assert len(lines) == 1 and lines[0].startswith("  ! customers u0000: create_user: HTTP 400")
    assert "maximum of 1 tags" in lines[0]
    assert set(actual_users(sb.snapshot())) == {"u0001", "u0002"}
    with open_state(world.project().state, world.root, lock=False) as st:
        assert st.values("customers", "u0000") is None and st.row_count("customers") == 2
    r = world.cli("apply", "--yes")  # tried again (and refused again)
    assert r.returncode == 3 and "sent=0" in r.stdout and "rejected=1" in r.stdout
    world.sql("UPDATE customers SET ltv = NULL WHERE id = 'u0000'")
    r = world.cli("apply", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert actual_users(sb.snapshot()) == expected_users(world)


def test_event_refused_for_unknown_user_is_rejected_alone(world: World, sb: Sandbox) -> None:
    world.customers(2)
    world.sql(
        "INSERT INTO orders VALUES ('o1', 'u0000', 1, '2026-01-01'), "
        "('o2', 'ghost', 2, '2026-01-01'), ('o3', 'u0001', 3, '2026-01-01')"
    )
    (world.root / "specs" / "receipts.yaml").unlink()
    _, report = plan_and_apply(world.project())
    assert report is not None and report.exit_code == 3
    orders = report.sync("orders")
    assert orders.sent == 2
    assert [(r.key, "failed to find a onesignal_id" in r.reason) for r in orders.rejected] == [
        ("o2", True)
    ]
    assert len(sb.snapshot()["events"]) == 2


def test_a_saved_plan_is_applied_from_the_file_and_the_state_alone(
    world: World, sb: Sandbox
) -> None:
    """Terraform's rule: apply is described by the plan. The source can be gone; a changed spec,
    destination or state refuses the plan, with the reason, before anything is sent."""
    from .world import API_KEY, APP_ID

    world.customers(5)
    world.orders(3, 5)
    r = world.cli("plan", "-o", "plan.parquet")
    assert r.returncode == 2, r.stderr
    want = expected_users(world)
    outputs = [r.stdout + r.stderr]

    def refused(why: str) -> None:
        before = sb.snapshot()["requests"]
        r = world.cli("apply", "plan.parquet")
        outputs.append(r.stdout + r.stderr)
        assert r.returncode == 1 and why in r.stderr, r.stderr
        assert "was not applied" in r.stderr and sb.snapshot()["requests"] == before

    spec = world.root / "specs" / "customers.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("  plan: plan", "  plan: plan\n  tier: plan"))
    refused("the spec of sync customers changed since the plan was made")
    spec.write_text(text)
    config = world.root / "onesync.yaml"
    conf = config.read_text()
    config.write_text(conf.replace(APP_ID, "5eb5a37e-0000-4000-8000-0000000000ff"))
    refused("the destination changed since the plan was made (app_id: ")
    config.write_text(conf)

    world.sql("UPDATE customers SET plan = 'changed' WHERE id = 'u0001'")
    r = world.cli("apply", "--verify-source", "plan.parquet")  # opt-in: the rows moved on
    assert r.returncode == 1 and "the rows of sync customers changed in its source" in r.stderr
    assert sb.snapshot()["requests"] == 0

    source = world.root / "data" / "src.duckdb"
    source.rename(world.root / "elsewhere.duckdb")  # apply must not need it
    r = world.cli("apply", "plan.parquet")
    outputs.append(r.stdout + r.stderr)
    assert r.returncode == 0, r.stderr
    assert "Apply complete: 11 sent" in r.stdout
    assert actual_users(sb.snapshot()) == want  # exactly what the plan showed
    assert len(sb.snapshot()["events"]) == 3

    refused("the state changed since the plan was made")  # the same plan again

    # The API key is nowhere: not in output, the plan file, or the state.
    assert not any(API_KEY in o for o in outputs)
    assert API_KEY not in plan_text(world.root / "plan.parquet")
    for f in (world.root / ".onesync").iterdir():
        assert API_KEY.encode() not in f.read_bytes()


def test_apply_without_a_terminal_refuses_unless_yes_or_ci(world: World, sb: Sandbox) -> None:
    world.customers(2)
    r = world.cli("apply")
    assert r.returncode == 1
    assert "stdin is not a terminal; pass --yes" in r.stderr
    assert sb.snapshot()["requests"] == 0
    r = world.cli("apply", env={"CI": "true"})
    assert r.returncode == 0 and "+ user u0000" in r.stdout
    assert "sync=customers sent=2 unchanged=0 invalid=0 rejected=0 retried=0" in r.stdout
    r = world.cli("apply", "--yes")
    assert r.returncode == 0 and "No changes" in r.stdout
    world.sql("UPDATE customers SET plan = 'gold' WHERE id = 'u0001'")
    r = world.cli("apply", "--yes", "--json")
    assert r.returncode == 0 and "~ user u0001" in r.stderr
    data = json.loads(r.stdout)
    assert data["totals"] == {"sent": 1, "unchanged": 1, "invalid": 0, "rejected": 0, "retried": 0}
    assert data["syncs"][0]["name"] == "customers" and data["syncs"][0]["requests"] == 1


def test_the_state_lock_keeps_two_applies_apart(world: World, sb: Sandbox) -> None:
    world.customers(2)
    project = world.project()
    with open_state(project.state, project.root):
        r = world.cli("apply", "--yes", "--lock-timeout", "0.2")
    assert r.returncode == 1 and "is locked by" in r.stderr and "Traceback" not in r.stderr
    assert sb.snapshot()["requests"] == 0


def test_legacy_player_model_edits_tags_by_external_user_id(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = make_sandbox(rate_limits=RateLimits(per_user=None))
    world = World(tmp_path, sb.url, events=False, messages=False)
    world.customers(3)
    plan_and_apply(world.project())  # the users exist (made by the apps' SDKs in real life)
    text = (world.root / "onesync.yaml").read_text().replace("api: current", "api: legacy")
    (world.root / "onesync.yaml").write_text(text)
    spec = world.root / "specs" / "customers.yaml"  # the player model carries tags only
    spec.write_text(
        spec.read_text()
        .replace("  aliases: {crm_id: sf_id}\n", "")
        .replace("subscriptions: {email: email, sms: phone}\n", "")
    )
    world.sql("UPDATE customers SET plan = 'gold', ltv = NULL WHERE id = 'u0002'")
    before = sb.snapshot()
    _, report = plan_and_apply(world.project(), allow_destructive=True)
    assert report is not None and report.exit_code == 0
    after = sb.snapshot()
    assert _delta(before, after) == {"PUT /apps/{app_id}/users/{external_user_id}": 1}
    assert actual_users(after)["u0002"]["tags"] == {"plan": "gold"}


def test_apply_plan_refuses_a_plan_for_another_state(world: World, tmp_path: Path) -> None:
    world.customers(1)
    plan = make_plan(world.project())
    other = World(tmp_path / "other", "http://127.0.0.1:9")
    other.customers(1)
    from onesync.errors import PlanError

    with pytest.raises(PlanError, match="another state store"):
        apply_plan(plan, other.project())


def test_export_writes_onesignal_csv_import_files(world: World, sb: Sandbox) -> None:
    world.customers(4)
    world.orders(2, 4)
    world.sql("UPDATE customers SET plan = NULL WHERE id = 'u0003'")
    r = world.cli("export", "--csv", "out")
    assert r.returncode == 0, r.stderr
    assert "customers: 4 users -> out/customers.csv" in r.stdout
    assert (
        "orders: no CSV import (events, messages and users not named by external_id); use apply"
        in r.stdout
    )
    data = (world.root / "out" / "customers.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.decode() == (
        "external_id,email,phone_number,plan,ltv\n"
        "u0000,user0@example.com,+14155550000,free,0.5\n"
        "u0001,,,pro,1.5\n"
        "u0002,user2@example.com,,team,2.5\n"
        "u0003,,+14155550003,,3.5\n"
    )
    assert sb.snapshot()["requests"] == 0  # nothing sent, and the state did not move
    assert world.cli("plan").returncode == 2

    # After an apply, an update row carries the user's full values (unchanged ones from state).
    assert world.cli("apply", "--yes").returncode == 0
    world.sql("UPDATE customers SET ltv = 9 WHERE id = 'u0002'")
    world.sql("UPDATE customers SET plan = 'a,b' WHERE id = 'u0001'")
    r = world.cli("export", "--csv", "out")
    assert (world.root / "out" / "customers.csv").read_text() == (
        "external_id,email,phone_number,plan,ltv\nu0002,user2@example.com,,team,9\n"
    )
    assert "skipped customers u0001: a value holds a comma" in r.stdout


def test_progress_line_on_a_terminal() -> None:
    from click.testing import CliRunner

    from onesync.apply.report import SyncReport
    from onesync.cli.apply import _Progress

    def show() -> None:
        p = _Progress(tty=True)
        p(ProgressUpdate("customers", 500, 2000, 0.5))
        report = SyncReport("customers", "profile", total=2000, sent=2000)
        p(ProgressUpdate("customers", 2000, 2000, 2.0, True, report))

    out = CliRunner().invoke(__import__("click").command()(show)).output
    first, final = out.split("\r")[1:]
    assert first == "customers: 500/2,000  25%  1,000/s  eta 1s"
    assert final.rstrip() == "customers: 2,000/2,000 100%  1,000/s  done in 2s"
    assert final.endswith("\n") and len(final) - 1 >= len(first)  # overwrites the old line


def test_mirror_mode_clears_the_tags_of_users_who_left(tmp_path: Path, sb: Sandbox) -> None:
    world = World(tmp_path, sb.url, events=False, messages=False, mode="mirror")
    world.customers(4)
    plan_and_apply(world.project())
    world.sql("DELETE FROM customers WHERE id = 'u0003'")
    before = sb.snapshot()
    _, report = plan_and_apply(world.project(), allow_destructive=True)
    assert report is not None and report.exit_code == 0 and report.totals["sent"] == 1
    after = sb.snapshot()
    # u0003 had its tags, an alias and an email onesync set: all removed, the user stays
    assert _delta(before, after) == {
        PATCH: 1,
        "DELETE /apps/{app_id}/users/by/{alias_label}/{alias_id}/identity/"
        "{alias_label_to_delete}": 1,
        "DELETE /apps/{app_id}/subscriptions/{subscription_id}": 1,
    }
    gone = actual_users(after)["u0003"]
    assert gone["tags"] == {} and gone["crm_id"] is None and gone["subs"] == set()
    with open_state(world.project().state, world.root, lock=False) as st:
        assert st.values("customers", "u0003") is None
    assert not make_plan(world.project()).has_changes
