"""`onesync run`: due syncs by schedule and `after:` order, applied to the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime

from click.testing import CliRunner

from onesync import api
from onesync.cli import main
from onesync.run import due_syncs, run_once


def test_due_follows_schedule_and_after_order(project) -> None:
    root, _ = project
    proj = api.load_project(root)
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    never = {s.name: None for s in proj.syncs}
    assert due_syncs(proj, now, never) == ["customer_profile", "orders_placed", "order_receipt"]
    ran = {s.name: datetime(2026, 5, 28, tzinfo=UTC) for s in proj.syncs}
    assert due_syncs(proj, now, ran) == []  # the yearly cron has not fired since
    assert due_syncs(proj, datetime(2027, 1, 1, 0, 0, tzinfo=UTC), ran) == [
        "customer_profile", "orders_placed", "order_receipt",
    ]  # fmt: skip


def test_run_applies_due_syncs_then_nothing_is_due(project) -> None:
    root, sandbox = project
    result = run_once(api.load_project(root))
    assert result.due == ("customer_profile", "orders_placed", "order_receipt")
    assert result.exit_code == 0
    snap = sandbox.snapshot()
    assert len(snap["users"]) == 5 and len(snap["events"]) == 3

    out = CliRunner().invoke(main, ["run", "-p", str(root)])
    assert out.exit_code == 0, out.output
    assert "nothing due" in out.output
    assert sandbox.snapshot()["requests"] == snap["requests"]
