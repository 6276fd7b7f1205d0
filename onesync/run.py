"""``onesync run``: the syncs due now, by ``schedule:`` and ``after:``, planned and applied.

A sync with a ``schedule:`` is due when its cron fired at any minute since its last recorded run
(or it never ran). A sync with neither ``schedule:`` nor ``after:`` runs on every ``onesync run``.
A sync with ``after:`` runs in the same pass as the syncs it follows, after them. Due syncs are
planned and applied under one state lock; every due sync gets a run recorded, changes or not, so
it is not due again until its cron fires again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from onesync.apply import plan_and_apply
from onesync.apply.report import ApplyReport, ProgressUpdate
from onesync.model import Project
from onesync.plan.changes import Plan
from onesync.state import open_state
from onesync.validate.cron import parse_cron

__all__ = ["RunResult", "due_syncs", "run_once"]

# A cron fires at least once a year (Feb 29 aside); a longer gap is due without looking.
_LOOKBACK = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class RunResult:
    """One pass of ``onesync run``: what was due, the plan made for it, and what was applied."""

    due: tuple[str, ...]
    plan: Plan | None
    report: ApplyReport | None

    @property
    def exit_code(self) -> int:
        return self.report.exit_code if self.report is not None else 0


def _minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def _fired(schedule: str, since: datetime, now: datetime) -> bool:
    """Did the cron fire at a minute in (since, now]?"""
    cron = parse_cron(schedule)
    t, end = _minute(since) + timedelta(minutes=1), _minute(now)
    if end - t > _LOOKBACK:
        return True
    while t <= end:
        if cron.matches(t):
            return True
        t += timedelta(minutes=1)
    return False


def _order(project: Project) -> list[str]:
    """Sync names with every sync after the ones it follows (validation refused cycles)."""
    done: list[str] = []
    pending = {s.name: set(s.after) for s in project.syncs}
    while pending:
        ready = sorted(n for n, deps in pending.items() if deps <= set(done))
        if not ready:  # a cycle; validation reports it, so just keep the rest in name order
            ready = sorted(pending)
        for name in ready:
            done.append(name)
            del pending[name]
    return done


def due_syncs(
    project: Project, now: datetime, last_runs: Mapping[str, datetime | None]
) -> list[str]:
    """The names of the syncs due at ``now``, in the order they must run."""
    due: set[str] = set()
    for s in project.syncs:
        last = last_runs.get(s.name)
        if s.schedule:
            if last is None or _fired(s.schedule, last, now):
                due.add(s.name)
        elif not s.after:
            due.add(s.name)
    grew = True
    while grew:
        grew = False
        for s in project.syncs:
            if s.name not in due and not s.schedule and any(a in due for a in s.after):
                due.add(s.name)
                grew = True
    return [name for name in _order(project) if name in due]


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def last_runs(project: Project, names: Iterable[str]) -> dict[str, datetime | None]:
    """When each sync last ran, from the state's run history."""
    with open_state(project.state, project.root, lock=False) as state:
        out: dict[str, datetime | None] = {}
        for name in names:
            runs = state.runs(name)
            out[name] = _parse_time(runs[-1]["started_at"]) if runs else None
    return out


def run_once(
    project: Project,
    *,
    now: datetime | None = None,
    progress: Callable[[ProgressUpdate], None] | None = None,
    confirm: Callable[[Plan], bool] | None = None,
) -> RunResult:
    """Plan and apply the syncs due at ``now`` (default: the current minute, UTC)."""
    now = now or datetime.now(UTC)
    due = due_syncs(project, now, last_runs(project, (s.name for s in project.syncs)))
    if not due:
        return RunResult((), None, None)
    plan, report = plan_and_apply(project, syncs=due, progress=progress, confirm=confirm)
    applied = {s.name for s in report.syncs} if report is not None else set()
    started = now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    with open_state(project.state, project.root) as state:
        for name in due:
            if name not in applied:  # apply records its own runs; record the quiet ones here
                state.record_run(name, started_at=started, counts={}, outcome="no changes")
    return RunResult(tuple(due), plan, report)
