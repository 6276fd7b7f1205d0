"""State records only what OneSignal confirmed, and a message batch is sent exactly once.

* SIGKILL right after a batched message was accepted, add rows, rerun: the rerun resends
  exactly the fixed batch with its key, and every recipient got the message once.
* For each API mode and each kind of change, with calls failing at random (no retries), every
  value state records is what OneSignal holds; later applies converge on the model.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from onesync.apply import apply_plan
from onesync.destination import RetryPolicy
from onesync.plan import make_plan
from onesync.sandbox import Faults, RateLimits, Sandbox
from tests.contract.openapi import make_contract

from .world import API_KEY, APP_ID, World, actual_users, expected_users

BATCH = """
sync: welcome
source: db
model: {table: orders}
identity: {external_id: customer_id}
message:
  key: order_id
  channel: email
  subject: {en: "Welcome"}
  contents: {en: "Same words for everyone [unsubscribe_url]"}
  backfill: true
after: customers
"""


def test_sigkill_after_a_batch_was_accepted_sends_it_once(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = make_sandbox(rate_limits=RateLimits.unlimited())
    contract = make_contract()  # OneSignal's OpenAPI spec judges every request too
    sb.observer = contract.observe
    world = World(tmp_path / "p", sb.url, events=False, messages=False)
    (world.root / "specs" / "welcome.yaml").write_text(BATCH)
    world.customers(20)
    world.orders(6, 20)
    r = world.cli("apply", "--yes", "--sync", "customers")
    assert r.returncode == 0, r.stdout + r.stderr

    # OneSignal takes the batch but the answer never arrives: the client keeps retrying.
    sb.set_faults(Faults(rate_5xx=1.0, apply_then_fail=True))
    proc = world.popen("apply", "--yes", "--sync", "welcome")
    deadline = time.monotonic() + 60
    while not sb.snapshot()["notifications"]:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    sb.set_faults(Faults())

    world.orders(10, 20)  # o00000..o00009: four new orders, and six the batch already has
    world.sql("DELETE FROM orders WHERE rowid IN (SELECT rowid FROM orders LIMIT 6 OFFSET 6)")
    r = world.cli("apply", "--yes", "--sync", "welcome")
    assert r.returncode == 0, r.stdout + r.stderr
    r = world.cli("apply", "--yes", "--sync", "welcome")
    assert r.returncode == 0 and "No changes" in r.stdout, r.stdout + r.stderr

    got: Counter[str] = Counter()
    for note in sb.snapshot()["notifications"]:
        got.update(note["users"])
    want = Counter(f"u{(i * 2) % 20:04d}" for i in range(10))
    assert got == want  # each order's customer got exactly one message per order
    contract.assert_clean()


def _claims(world: World) -> dict[str, dict[str, Any]]:
    """What state says OneSignal holds, per key."""
    conn = duckdb.connect(str(world.root / ".onesync" / "state.duckdb"), read_only=True)
    try:
        rows = conn.execute("SELECT key, data FROM onesync_rows").fetchall()
    finally:
        conn.close()
    return {k: json.loads(d or "{}") for k, d in rows}


def _holds(snapshot: dict[str, Any], claims: dict[str, dict[str, Any]]) -> list[str]:
    """Every value state claims, missing from (or different in) the sandbox."""
    users = {u["identity"].get("external_id"): u for u in snapshot["users"]}
    wrong = []
    for key, data in claims.items():
        user = users.get(data.get("external_id") or key)
        if user is None:
            if any(v is not None for k, v in data.items() if k != "external_id"):
                wrong.append(f"{key}: state has values, OneSignal has no such user")
            continue
        subs = {(s["type"].lower(), s["token"]): s["id"] for s in user["subscriptions"]}
        for name, value in data.items():
            kind, _, label = name.partition(":")
            if value is None or kind == "external_id":
                continue
            have = {
                "tag": user["properties"].get("tags", {}).get(label),
                "alias": user["identity"].get(label),
                "sub": value if (label, value) in subs else None,
                "subid": value if value in subs.values() else None,
                "oldsub": value if (label, value) in subs else None,  # still to be removed
                "oldsubid": value if value in subs.values() else None,
            }[kind]
            if have != value:
                wrong.append(f"{key}: state {name}={value!r}, OneSignal {have!r}")
    return wrong


def _changes(world: World, step: int, legacy: bool) -> None:
    """Each kind of change a model makes, one step at a time."""
    if step == 1:
        world.sql("UPDATE customers SET plan = 'gold' WHERE id < 'u0010'")  # update tags
    elif step == 2 and not legacy:
        world.sql(
            "UPDATE customers SET sf_id = sf_id || '-b' WHERE id < 'u0020'",  # change aliases
            "UPDATE customers SET email = 'b' || email WHERE email IS NOT NULL",  # change email
            "UPDATE customers SET phone = NULL WHERE id > 'u0020'",  # clear phones (mirror)
        )
    elif step == 3:
        world.sql("UPDATE customers SET plan = NULL WHERE id > 'u0030'")  # unset a tag
    elif step == 4:
        world.sql("DELETE FROM customers WHERE id > 'u0034'")  # rows leave (on_leave: clear)


LEGACY = """
sync: customers
source: db
model: {table: customers}
identity: {external_id: id}
tags:
  plan: plan
  ltv: {column: ltv, type: number}
mode: mirror
"""


@pytest.mark.parametrize("api", ["current", "legacy"])
def test_state_never_records_an_unsent_change(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, api: str
) -> None:
    sb = make_sandbox(rate_limits=RateLimits.unlimited())
    contract = make_contract()
    if api == "current":  # the legacy tag PUT is not in OneSignal's current spec (reference §5)
        sb.observer = contract.observe
    world = World(tmp_path / "p", sb.url, events=False, messages=False, mode="mirror", api=api)
    world.customers(40)
    if api == "legacy":  # the player model: devices made by the app's SDK, tags set by onesync
        (world.root / "specs" / "customers.yaml").write_text(LEGACY)
        for i in range(40):
            httpx.post(
                f"{sb.url}/apps/{APP_ID}/users",
                json={"identity": {"external_id": f"u{i:04d}"}},
                headers={"Authorization": f"Key {API_KEY}"},
            ).raise_for_status()
    project = world.project()
    once = RetryPolicy(max_attempts=1)
    for step in range(5):
        _changes(world, step, api == "legacy")
        sb.set_faults(Faults(rate_5xx=0.3, seed=step))
        plan = make_plan(project, allow_destructive=True)
        report = apply_plan(plan, project, retry=once)
        assert report.exit_code in (0, 3)
        assert _holds(sb.snapshot(), _claims(world)) == [], f"step {step}"
        sb.set_faults(Faults())
        for _ in range(3):  # without faults the next applies converge
            plan = make_plan(project, allow_destructive=True)
            apply_plan(plan, project)
        assert not make_plan(project, allow_destructive=True).has_changes, f"step {step}"
        assert _holds(sb.snapshot(), _claims(world)) == []
    if api == "current":
        snap = actual_users(sb.snapshot())
        want = expected_users(world)
        for eid, user in want.items():
            assert snap[eid] == user
        contract.assert_clean()
