"""SIGKILL in the middle of ``onesync apply --yes``, then run again: same state, nothing twice."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from onesync.destination import idempotency_key
from onesync.sandbox import Faults, RateLimits, Sandbox

from .world import APP_ID, World, actual_users, expected_users

USERS, ORDERS = 300, 300
NOTES = "POST /notifications"


@pytest.mark.parametrize("kill_after", [120, 480], ids=["during-users", "during-messages"])
def test_sigkill_mid_apply_then_rerun_converges(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, kill_after: int
) -> None:
    sb = make_sandbox(
        rate_limits=RateLimits(per_user=None, notifications=None),
        faults=Faults(latency_ms=15, rate_5xx=0.02, seed=kill_after, apply_then_fail=True),
    )
    world = World(tmp_path, sb.url, rate_limit="250/s")
    world.customers(USERS)
    world.orders(ORDERS, USERS)

    proc = world.popen("apply", "--yes")
    deadline = time.monotonic() + 60
    while sb.snapshot()["requests"] < kill_after:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    killed_at = sb.snapshot()
    assert killed_at["requests"] < USERS + 1 + ORDERS  # it really died mid-apply

    sb.set_faults(Faults(latency_ms=15))
    r = world.cli("apply", "--yes")  # the lock died with the process; no unlock needed
    assert r.returncode == 0, r.stdout + r.stderr
    r = world.cli("apply", "--yes")
    assert r.returncode == 0 and "No changes" in r.stdout

    snap = sb.snapshot()
    assert actual_users(snap) == expected_users(world)
    keys = sorted(e["idempotency_key"] for e in snap["events"])
    assert keys == sorted(idempotency_key(APP_ID, "orders", f"o{i:05d}") for i in range(ORDERS))
    notes = snap["notifications"]
    assert len(notes) == ORDERS and len({n["idempotency_key"] for n in notes}) == ORDERS
    assert sum(n["recipients"] for n in notes) == ORDERS
    # Only what was in flight or unconfirmed at the kill was sent again, not everything.
    sent_notes = snap["requests_by_endpoint"][NOTES]
    assert sent_notes < 2 * ORDERS
