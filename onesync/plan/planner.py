"""``make_plan``: compile, read, diff against state, guard, and return a ``Plan`` value.

Steps per sync, in the order apply will run them: load the compiled model's rows next to the
state (the store's ``diff_engine()``, see ``onesync.state.engine``), find invalid rows, diff
(``diff`` for users, ``sends`` for events and messages) into one workspace of change rows
(``store``), then tally and guard by SQL. Nothing is written to the state and nothing is sent;
no change becomes a Python object.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from onesync.errors import PlanError, redact
from onesync.model import CompiledSync, Project, Sync, redact_url
from onesync.plan import diff, guards, sends
from onesync.plan.changes import Plan, SyncPlan
from onesync.plan.store import Workspace
from onesync.state import StateReader, StateStore, open_state
from onesync.state.engine import INCOMING, INVALID, Engine
from onesync.state.lock import who

EVENTS_PER_CALL = 500  # 1 MB per request / 2,024 bytes per event, rounded down


def spec_fingerprint(sync: Sync) -> str:
    """sha256 of the sync's IR without positions: moving a spec around does not change it."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("pos", "sql_pos", "file")}
        if isinstance(value, list | tuple):
            return [strip(v) for v in value]
        return value

    text = json.dumps(strip(dataclasses.asdict(sync)), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _select(project: Project, syncs: Iterable[str] | None) -> list[Sync]:
    """The syncs to plan, in the order apply runs them."""
    names = list(dict.fromkeys(syncs or ()))
    for name in names:
        try:
            project.sync(name)
        except KeyError:
            known = ", ".join(s.name for s in project.syncs) or "none"
            raise PlanError(f"unknown sync {name!r} (known: {known})") from None
    return [project.sync(n) for n in project.run_order(names or None)]


def destination_fingerprint(app_id: str, api: str, api_url: str) -> str:
    """What a plan was made for: the app, API mode and URL (never the key)."""
    text = json.dumps([app_id, api, api_url.rstrip("/")])
    return hashlib.sha256(text.encode()).hexdigest()


def specs_fingerprint(fingerprints: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(fingerprints)).encode()).hexdigest()


def compile_all(
    project: Project, selected: list[Sync], compiled: Mapping[str, CompiledSync] | None
) -> dict[str, CompiledSync]:
    """The given compiled syncs plus the rest, compiled here (all spec errors raised at once),
    with the sources' column types, as every stage that reads a model must compile it."""
    have = dict(compiled or {})
    missing = [s.name for s in selected if s.name not in have]
    if missing:
        from onesync.compile import compile_project
        from onesync.sources import catalog

        # the sources' column types make string tags of typed columns canonical on every engine
        with catalog(project.root) as cat:
            compiled_now = compile_project(project, missing, describe=cat.describe)
        have.update((cs.sync.name, cs) for cs in compiled_now)
    return have


def plan_sync(
    state: StateReader, eng: Engine, ws: Workspace, project: Project, compiled: CompiledSync
) -> SyncPlan:
    """Diff one compiled sync against the state (in its engine ``eng``) into ``ws``; the summary
    without tallies (``make_plan`` adds them, and the guards)."""
    sync = compiled.sync
    read_by = eng.load(compiled, project.source(sync.source), project.root)
    try:
        cols = eng.columns(INCOMING)
        invalid = diff.invalid_rows(eng, ws, compiled, cols)
        base = SyncPlan(
            name=sync.name,
            kind=sync.kind,
            mode=sync.mode,
            source=sync.source,
            spec_fingerprint=spec_fingerprint(sync),
            source_fingerprint=diff.source_fingerprint(eng),
            rows=int(eng.scalar(f"SELECT count(*) FROM {INCOMING}")),
            read_by=read_by,
        )
        dest = project.destination
        spec = sync.event or sync.message
        if spec is not None and not state.is_started(sync.name) and not spec.backfill:
            sends.baseline(eng, ws, sync.name)  # invalid rows too: they were there already
            return dataclasses.replace(base, state_rows=state.sent_count(sync.name), baseline=True)
        diff.drop_invalid(eng, invalid)
        if sync.kind == "profile":
            valid_rows, state_rows = diff.count_valid(eng), state.row_count(sync.name)
            t = diff.profile_changes(eng, ws, compiled, dest, valid_rows, state_rows)
            return dataclasses.replace(
                base,
                state_rows=state_rows,
                unchanged=valid_rows - t.changed - t.held,
                left_alone=t.left_alone,
                imported=state.imported_at(sync.name) or "",
            )
        sent = state.sent_count(sync.name)
        skip: set[str] = set()
        if sync.message is not None:  # message batches an earlier apply fixed: resent as is
            fixed = sends.fixed_batches(state.outbox(sync.name), sync.message.channel)
            skip = {k for m in fixed for k in m.keys}
            ws.append(sync.name, fixed)
        seen = 0

        def counted() -> Iterator[dict[str, Any]]:
            nonlocal seen
            for row in sends.new_rows(eng, compiled, skip):
                seen += 1
                yield row

        if sync.kind == "event":
            ws.append(sync.name, sends.event_changes(compiled, counted()))
        else:
            ws.append(sync.name, sends.message_changes(compiled, counted(), dest))
        unchanged = diff.count_valid(eng) - seen
        return dataclasses.replace(base, state_rows=sent, unchanged=unchanged)
    finally:
        eng.drop(INCOMING, INVALID)


def _calls(sp: SyncPlan) -> int:
    if sp.kind == "profile":
        return sp.tally("profile_calls")
    if sp.kind == "event":
        return math.ceil(sp.tally("events") / EVENTS_PER_CALL)
    return sp.tally("messages")


def make_plan(
    project: Project,
    *,
    syncs: Iterable[str] | None = None,
    allow_destructive: bool = False,
    state: StateStore | None = None,
    compiled: Mapping[str, CompiledSync] | None = None,
    lock_timeout: float = 10.0,
) -> Plan:
    """Plan every (or the named) sync of a project against its state.

    Args:
        project: the loaded project.
        syncs: names of the syncs to plan; all when empty.
        allow_destructive: let through plans that empty a sync or unset/remove tags of more
            than ``state.max_destructive_share`` of its users (refused with ``PlanError``).
        state: an open state store; opened (and locked) from ``project.state`` when None.
        compiled: already compiled syncs by name; the rest are compiled here.
        lock_timeout: seconds to wait for the state lock when opening it here.

    Returns:
        A ``Plan`` whose syncs are in the order apply runs them; its changes live in a
        temporary DuckDB file until ``plan.close()`` (``plan.has_changes`` says whether apply
        has anything to do).
    """
    selected = _select(project, syncs)
    store = state or open_state(project.state, project.root, lock_timeout=lock_timeout)
    try:
        serial, lineage = store.serial, store.lineage
        every = compile_all(project, selected, compiled)
        eng = store.diff_engine()
        ws = Workspace(eng.conn if eng.dialect == "duckdb" else None)
        try:
            partial = [plan_sync(store, eng, ws, project, every[s.name]) for s in selected]
            changes = ws.finish()
        except BaseException:
            ws.abandon()
            raise
    finally:
        if state is None:
            store.close()
    dest = project.destination
    plans = []
    for sp in partial:
        sp = dataclasses.replace(sp, tallies=changes.counts(sp.name), store=changes)
        calls = _calls(sp)
        plans.append(dataclasses.replace(sp, api_calls=calls, api_seconds=calls / dest.rate_limit))
    share = project.state.max_destructive_share
    problems = [
        p
        for sp, s in zip(plans, selected, strict=True)
        if (p := guards.send_problem(sp, s))
        or (not allow_destructive and (p := guards.destructive_problem(sp, share, s)))
        or (p := guards.invalid_problem(sp, project.state.max_invalid_share))
    ]
    if problems:
        changes.close()
        raise PlanError("plan refused: " + "\n".join(problems))
    return Plan(
        syncs=tuple(plans),
        app_id=dest.app_id,
        state_url=redact(redact_url(project.state.url) or ""),
        state_serial=serial,
        state_lineage=lineage,
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        created_by=who(),
        api=dest.api,
        api_url=dest.api_url,
        store=changes,
    )


def check_fresh(
    plan: Plan,
    project: Project,
    state: StateReader,
    *,
    verify_source: bool = False,
    compiled: Mapping[str, CompiledSync] | None = None,
) -> list[str]:
    """Reasons a saved plan may no longer be applied (empty when it may).

    Compares the state (lineage and serial), the destination (app, API mode, URL) and each
    sync's spec fingerprint; no source is opened. With ``verify_source`` the models are read
    again and a sync whose rows changed since is refused too (Terraform leaves that to the next
    plan; it is opt-in here for the same reason).
    """
    reasons: list[str] = []
    if plan.state_lineage != state.lineage:
        reasons.append("the plan was made against another state store")
    elif plan.state_serial != state.serial:
        reasons.append(
            f"the state changed since the plan was made (serial {plan.state_serial} -> "
            f"{state.serial}): another apply ran"
        )
    dest = project.destination
    was = (plan.app_id, plan.api, plan.api_url.rstrip("/"))
    now = (dest.app_id, dest.api, dest.api_url.rstrip("/"))
    if was != now:
        what = [n for n, a, b in zip(("app_id", "api", "api_url"), was, now, strict=True) if a != b]
        reasons.append(
            f"the destination changed since the plan was made ({', '.join(what)}: the plan is "
            f"for app {plan.app_id}, api {plan.api} at {plan.api_url})"
        )
    fresh: list[Sync] = []
    for sp in plan.syncs:
        try:
            sync = project.sync(sp.name)
        except KeyError:
            reasons.append(f"sync {sp.name} no longer exists in the project")
            continue
        if spec_fingerprint(sync) != sp.spec_fingerprint:
            reasons.append(f"the spec of sync {sp.name} changed since the plan was made")
            continue
        fresh.append(sync)
    if verify_source and isinstance(state, StateStore):
        every = compile_all(project, fresh, compiled)
        eng = state.diff_engine()
        for sync in fresh:
            sp = plan.sync(sync.name)
            eng.load(every[sync.name], project.source(sync.source), project.root)
            try:
                if diff.source_fingerprint(eng) != sp.source_fingerprint:
                    reasons.append(f"the rows of sync {sync.name} changed in its source")
            finally:
                eng.drop(INCOMING, INVALID)
    return reasons
