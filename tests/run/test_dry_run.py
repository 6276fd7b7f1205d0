"""`onesync run --dry-run`: last and next run per sync, what is due; nothing sent or written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from onesync import api
from onesync.cli import main
from onesync.run import run_once, run_status
from onesync.state import open_state

ORDER = ("customer_profile", "orders_placed", "order_receipt")


def _history(proj) -> tuple[int, list[tuple[str, str]]]:
    with open_state(proj.state, proj.root, lock=False) as state:
        return state.serial, [(r["sync"], r["started_at"]) for r in state.runs()]


def test_dry_run_before_any_run_shows_everything_due_and_creates_no_state(project) -> None:
    root, sandbox = project
    out = CliRunner().invoke(main, ["run", "--dry-run", "-p", str(root)])
    assert out.exit_code == 0, out.output
    next_year = datetime.now(UTC).year + 1
    lines = out.output.splitlines()
    assert lines[0].endswith(": dry run: nothing is planned, applied or recorded")
    assert lines[1:] == [
        "  customer_profile: schedule '0 0 1 1 *'; last run: never; due now (never ran); "
        f"next run {next_year}-01-01 00:00Z",
        "  orders_placed: after customer_profile; last run: never; due now (after "
        "customer_profile)",
        "  order_receipt: after orders_placed; last run: never; due now (after orders_placed)",
        "would run now: customer_profile, orders_placed, order_receipt",
    ]
    assert not (root / ".onesync").exists()  # reading the history did not create the store
    assert sandbox.snapshot()["requests"] == 0


def test_dry_run_after_a_real_run_reads_the_history_and_changes_nothing(project) -> None:
    root, sandbox = project
    proj = api.load_project(root)
    assert run_once(proj).due == ORDER  # a real apply to the sandbox records the runs
    serial, runs = _history(proj)
    requests = sandbox.snapshot()["requests"]

    status = run_status(proj)
    assert status.due == ()
    assert [s.name for s in status.syncs] == list(ORDER)
    profile, placed, receipt = status.syncs
    last = profile.last_run
    assert last is not None and datetime.now(UTC) - last < timedelta(minutes=5)
    assert profile.last_outcome == "ok" and not profile.due
    assert profile.next_run == datetime(last.year + 1, 1, 1, tzinfo=UTC)
    assert (placed.after, placed.schedule, placed.next_run) == (("customer_profile",), None, None)
    assert receipt.after == ("orders_placed",) and not receipt.due

    new_year = datetime(last.year + 1, 1, 1, 0, 0, 30, tzinfo=UTC)
    later = run_status(proj, now=new_year)
    assert later.due == ORDER
    assert later.syncs[0].fired_at == new_year.replace(second=0)
    assert later.syncs[0].next_run == datetime(last.year + 2, 1, 1, tzinfo=UTC)

    out = CliRunner().invoke(main, ["run", "--dry-run", "-p", str(root)])
    assert out.exit_code == 0, out.output
    stamp = last.strftime("%Y-%m-%d %H:%MZ")
    assert f"  customer_profile: schedule '0 0 1 1 *'; last run {stamp} (ok); not due; " in (
        out.output
    )
    assert "  orders_placed: after customer_profile; last run " in out.output
    assert "; not due (none of those is due)\n" in out.output
    assert out.output.endswith("would run now: nothing\n")
    assert _history(proj) == (serial, runs)  # no run recorded, no serial bumped
    assert sandbox.snapshot()["requests"] == requests  # nothing sent


def test_dry_run_is_one_pass(project) -> None:
    root, _ = project
    out = CliRunner().invoke(main, ["run", "--dry-run", "--watch", "-p", str(root)])
    assert out.exit_code == 1
    assert "--dry-run shows one pass; drop --watch" in out.output
