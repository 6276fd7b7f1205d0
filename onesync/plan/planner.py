"""``make_plan``: compile, read, diff against state, guard, and return a ``Plan`` value.

Steps per sync: load the compiled model's rows next to the state (``engine``), find invalid rows,
diff (``diff``), refuse destructive plans unless allowed, estimate API calls. Nothing is written
to the state and nothing is sent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from onesync.errors import PlanError, redact
from onesync.model import CompiledSync, Project, Sync, redact_url
from onesync.plan import diff
from onesync.plan.changes import Plan, SyncPlan
from onesync.plan.engine import INCOMING, INVALID, Engine
from onesync.state import StateStore, open_state
from onesync.state.lock import who


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
    if not syncs:
        return list(project.syncs)
    out = []
    for name in syncs:
        try:
            out.append(project.sync(name))
        except KeyError:
            known = ", ".join(s.name for s in project.syncs) or "none"
            raise PlanError(f"unknown sync {name!r} (known: {known})") from None
    return out


def _compile_all(
    project: Project, selected: list[Sync], compiled: Mapping[str, CompiledSync] | None
) -> dict[str, CompiledSync]:
    """The given compiled syncs plus the rest, compiled here (all spec errors raised at once)."""
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


def plan_sync(state: StateStore, project: Project, compiled: CompiledSync) -> SyncPlan:
    """Diff one compiled sync against the state (no guard; see ``make_plan``)."""
    sync = compiled.sync
    eng = Engine(state)
    read_by = eng.load(compiled, project.source(sync.source), project.root)
    try:
        cols = eng.columns(INCOMING)
        invalid = diff.invalid_rows(eng, compiled, cols)
        rows = int(eng.scalar(f"SELECT count(*) FROM {INCOMING}"))
        base = dict(
            name=sync.name,
            kind=sync.kind,
            mode=sync.mode,
            source=sync.source,
            spec_fingerprint=spec_fingerprint(sync),
            source_fingerprint=diff.source_fingerprint(eng),
            rows=rows,
            read_by=read_by,
        )
        dest = project.destination
        if sync.kind == "profile":
            profiles, left, unchanged, refused, held = diff.profile_changes(
                eng, compiled, cols, len(invalid), dest
            )
            calls = diff.api_cost("profile", profiles, 0, 0)
            return SyncPlan(
                **base,
                state_rows=state.row_count(sync.name),
                unchanged=unchanged,
                profiles=tuple(profiles),
                invalid=tuple(invalid) + tuple(refused),
                conflicts=tuple(held),
                left_alone=left,
                api_calls=calls,
                api_seconds=calls / dest.rate_limit,
            )
        spec = sync.event or sync.message
        assert spec is not None
        sent = state.sent_count(sync.name)
        if not state.is_started(sync.name) and not spec.backfill:
            keys = diff.all_keys(eng)
            return SyncPlan(
                **base,
                state_rows=sent,
                invalid=tuple(invalid),
                baseline=True,
                baseline_keys=tuple(keys),
            )
        fixed = []  # message batches an earlier apply fixed: resent as they are
        if sync.message is not None:
            fixed = diff.fixed_batches(state.outbox(sync.name), sync.message.channel)
        new = diff.new_rows(eng, compiled, {k for m in fixed for k in m.keys})
        unchanged = diff._count_valid(eng, len(invalid)) - len(new)
        if sync.kind == "event":
            events, bad = diff.event_changes(compiled, new)
            calls = diff.api_cost("event", [], len(events), 0)
            return SyncPlan(
                **base,
                state_rows=sent,
                unchanged=unchanged,
                events=tuple(events),
                invalid=tuple(invalid) + tuple(bad),
                api_calls=calls,
                api_seconds=calls / dest.rate_limit,
            )
        messages, bad = diff.message_changes(compiled, new, dest)
        messages = fixed + messages
        return SyncPlan(
            **base,
            state_rows=sent,
            unchanged=unchanged,
            messages=tuple(messages),
            invalid=tuple(invalid) + tuple(bad),
            api_calls=len(messages),
            api_seconds=len(messages) / dest.rate_limit,
        )
    finally:
        eng.drop(INCOMING, INVALID)


def invalid_problem(sp: SyncPlan, limit: float) -> str | None:
    """Why a plan is refused by ``state.max_invalid_share``, or None.

    A model that suddenly returns mostly invalid rows (a renamed column, a broken join) would
    otherwise plan as "nothing to send" and exit 0, and CI would never notice.
    """
    from onesync.render.escape import escaped, shown  # render imports this module

    bad = sp.invalid_count
    if not sp.rows or not bad or bad / sp.rows <= limit:
        return None
    first = next((r for r in sp.invalid if r.field is None), None)
    example = ""
    if first is not None:
        where = "a row" if first.key is None else f"key {shown(first.key)}"
        example = f" (e.g. {where}: {escaped(first.reason)})"
    return (
        f"sync {sp.name}: {bad:,} of {sp.rows:,} rows ({_pct(bad / sp.rows)}) are invalid"
        f"{example}, more than state.max_invalid_share ({_pct(limit)}); fix the rows in the "
        "source (the model or its data), or raise state.max_invalid_share in onesync.yaml"
    )


def _pct(share: float) -> str:
    return f"{share:.1%}".replace(".0%", "%")


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
        A ``Plan`` (``plan.has_changes`` says whether apply has anything to do).
    """
    selected = _select(project, syncs)
    store = state or open_state(project.state, project.root, lock_timeout=lock_timeout)
    try:
        serial, lineage = store.serial, store.lineage
        every = _compile_all(project, selected, compiled)
        plans = [plan_sync(store, project, every[s.name]) for s in selected]
    finally:
        if state is None:
            store.close()
    share = project.state.max_destructive_share
    problems = [
        p for sp, s in zip(plans, selected, strict=True)
        if (p := diff.send_problem(sp, s))
        or (not allow_destructive and (p := diff.destructive_problem(sp, share, s)))
        or (p := invalid_problem(sp, project.state.max_invalid_share))
    ]  # fmt: skip
    if problems:
        raise PlanError("plan refused: " + "\n".join(problems))
    return Plan(
        syncs=tuple(plans),
        app_id=project.destination.app_id,
        state_url=redact(redact_url(project.state.url) or ""),
        state_serial=serial,
        state_lineage=lineage,
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        created_by=who(),
    )


def check_fresh(
    plan: Plan,
    project: Project,
    state: StateStore,
    *,
    compiled: Mapping[str, CompiledSync] | None = None,
    check_source: bool = True,
) -> list[str]:
    """Reasons a saved plan may no longer be applied (empty when it is fresh).

    Compares the state (lineage and serial), each sync's spec fingerprint and, with
    ``check_source``, the source fingerprint of the rows the model returns now.
    """
    reasons: list[str] = []
    every: dict[str, CompiledSync] = dict(compiled or {})
    if plan.state_lineage != state.lineage:
        reasons.append("the plan was made against another state store")
    elif plan.state_serial != state.serial:
        reasons.append(
            f"the state changed since the plan was made (serial {plan.state_serial} -> "
            f"{state.serial}): another apply ran"
        )
    if plan.app_id != project.destination.app_id:
        reasons.append(f"the plan is for app {plan.app_id}, the project now targets another app")
    for sp in plan.syncs:
        try:
            sync = project.sync(sp.name)
        except KeyError:
            reasons.append(f"sync {sp.name} no longer exists in the project")
            continue
        if spec_fingerprint(sync) != sp.spec_fingerprint:
            reasons.append(f"the spec of sync {sp.name} changed since the plan was made")
            continue
        if not check_source:
            continue
        eng = Engine(state)
        if sync.name not in every:
            every.update(_compile_all(project, [sync], None))
        eng.load(every[sync.name], project.source(sync.source), project.root)
        try:
            if diff.source_fingerprint(eng) != sp.source_fingerprint:
                reasons.append(f"the rows of sync {sp.name} changed in its source")
        finally:
            eng.drop(INCOMING, INVALID)
    return reasons
