"""``onesync run``: the syncs due now, by ``schedule:`` and ``after:``, planned and applied.

A sync with a ``schedule:`` is due when its cron fired at any minute since its last recorded run
(or it never ran). A sync with neither ``schedule:`` nor ``after:`` runs on every ``onesync run``.
A sync with ``after:`` runs in the same pass as the syncs it follows, after them. Due syncs are
planned and applied under one state lock; every due sync gets a run recorded, changes or not, so
it is not due again until its cron fires again. Schedules are read in UTC
(``onesync.validate.cron``).

``run_status`` answers ``onesync run --dry-run``: each sync's last run, next run and whether it is
due, from the state's run history, opened read-only and never created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from onesync.apply import plan_and_apply
from onesync.apply.report import ApplyReport, ProgressUpdate
from onesync.model import Project
from onesync.plan.changes import Plan
from onesync.state import open_state
from onesync.validate.cron import parse_cron

__all__ = [
    "RunResult",
    "RunStatus",
    "SyncStatus",
    "due_syncs",
    "last_runs",
    "run_once",
    "run_status",
]


@dataclass(frozen=True, slots=True)
class RunResult:
    """One pass of ``onesync run``: what was due, the plan made for it, and what was applied."""

    due: tuple[str, ...]
    plan: Plan | None
    report: ApplyReport | None

    @property
    def exit_code(self) -> int:
        return self.report.exit_code if self.report is not None else 0


def _fired(schedule: str, since: datetime, now: datetime) -> bool:
    """Did the cron fire at a minute after ``since``, up to and including ``now``?"""
    return parse_cron(schedule).fired(since, now) is not None


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
    return [name for name in project.run_order() if name in due]


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _no_state(project: Project) -> bool:
    """True when the DuckDB state file does not exist yet: reading must not create it."""
    if project.state.backend != "duckdb":
        return False
    path = Path(project.state.url)
    return not (path if path.is_absolute() else project.root / path).exists()


def _last(project: Project, names: Iterable[str], *, create: bool) -> dict[str, dict[str, Any]]:
    """Each sync's last recorded run (a ``StateReader.runs()`` row); syncs that never ran are
    left out. Without ``create`` a missing DuckDB state is read as an empty history."""
    if not create and _no_state(project):
        return {}
    out: dict[str, dict[str, Any]] = {}
    with open_state(project.state, project.root, lock=False) as state:
        for name in names:
            runs = state.runs(name)
            if runs:
                out[name] = runs[-1]
    return out


def last_runs(
    project: Project, names: Iterable[str], *, create: bool = True
) -> dict[str, datetime | None]:
    """When each sync last ran, from the state's run history (None: never).

    Args:
        project: the loaded project.
        names: the syncs to look up.
        create: open (and so create) the state store when it does not exist yet; with False
            a missing DuckDB state file reads as "never ran" and is not created.
    """
    names = list(names)
    last = _last(project, names, create=create)
    return {n: _parse_time(last[n]["started_at"]) if n in last else None for n in names}


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """One sync in ``onesync run --dry-run``.

    Fields:
        name: the sync.
        schedule: its cron expression, or None.
        after: the syncs it runs after.
        last_run: when its last recorded run started (UTC), or None when it never ran.
        last_outcome: that run's outcome ("applied", "no changes", ...), or None.
        due: whether ``onesync run`` at ``now`` runs it.
        fired_at: for a due scheduled sync that ran before, the first firing since that run.
        next_run: for a scheduled sync, the first firing after ``now`` (the one after this
            pass when it is due now); None without a schedule or when it never fires again.
    """

    name: str
    schedule: str | None
    after: tuple[str, ...]
    last_run: datetime | None
    last_outcome: str | None
    due: bool
    fired_at: datetime | None
    next_run: datetime | None


@dataclass(frozen=True, slots=True)
class RunStatus:
    """What ``onesync run`` would do at ``now``: every sync's status, and the due ones in the
    order they would run."""

    now: datetime
    syncs: tuple[SyncStatus, ...]
    due: tuple[str, ...]


def run_status(project: Project, *, now: datetime | None = None) -> RunStatus:
    """What ``onesync run`` would run at ``now`` (default: now, UTC); nothing is planned,
    applied or written, and a state store that does not exist yet is not created.

    Args:
        project: the loaded project.
        now: the moment to judge; a naive value is taken as UTC.

    Returns:
        The RunStatus, its syncs in run order.
    """
    now = now or datetime.now(UTC)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    order = project.run_order()
    last = _last(project, order, create=False)
    started = {n: _parse_time(r["started_at"]) for n, r in last.items()}
    due = due_syncs(project, now, started)
    out = []
    for name in order:
        s = project.sync(name)
        cron = parse_cron(s.schedule) if s.schedule else None
        since = started.get(name)
        fired = cron.fired(since, now) if cron and since and name in due else None
        out.append(
            SyncStatus(
                name=name,
                schedule=s.schedule,
                after=tuple(s.after),
                last_run=since,
                last_outcome=last[name]["outcome"] if name in last else None,
                due=name in due,
                fired_at=fired,
                next_run=cron.next_after(now) if cron else None,
            )
        )
    return RunStatus(now, tuple(out), tuple(due))


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
