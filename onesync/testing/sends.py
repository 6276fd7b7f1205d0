"""What onesync would send for a test's rows: the real planner's plan, read in ``expect``'s shape.

The test's tables are in a DuckDB file (``given``); a copy of the project points its sync's
source at that file and its state at an empty store next to it, and ``onesync.plan.make_plan``
plans the sync. Every row is new: the state is empty, and an event or message sync runs with
``backfill: true`` (a first run without it only records a baseline). The refusals, their reasons
and the rendered messages are therefore the planner's own; nothing here re-implements them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlglot import exp

from onesync.model import CompiledSync, Project, Source, StateConfig, Sync
from onesync.plan import InvalidRow, SyncPlan, make_plan
from onesync.state import open_state

__all__ = ["Sent", "plan_rows"]

STATE_FILE = "state.duckdb"


@dataclass(frozen=True, slots=True)
class Sent:
    """What the rows send: ``items`` by id (external_id for users, key for events and
    messages), each a dict shaped like the test's ``expect`` entries, and the refusals."""

    kind: str  # users | events | messages
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    refused: tuple[InvalidRow, ...] = ()


def _as_test(sync: Sync) -> Sync:
    """The sync as a test plans it: every row new, and no cap on the messages it may send."""
    if sync.event is not None:
        return dataclasses.replace(sync, event=dataclasses.replace(sync.event, backfill=True))
    if sync.message is not None:
        message = dataclasses.replace(sync.message, backfill=True, max_sends=None)
        return dataclasses.replace(sync, message=message)
    return sync


def plan_rows(project: Project, compiled: CompiledSync, source: Source, folder: Path) -> Sent:
    """Plan ``compiled`` (compiled for DuckDB over the tables in ``source``, a DuckDB file)
    against an empty state in ``folder``, and read what it sends.

    Every row may be invalid (``state.max_invalid_share`` is 1), so a test can list them.
    Raises SourceError when the compiled SQL fails on the rows, PlanError when a guard refuses.
    """
    sync = _as_test(compiled.sync)
    compiled = dataclasses.replace(compiled, sync=sync)
    state = StateConfig(url=str(folder / STATE_FILE), max_invalid_share=1.0)
    copy = dataclasses.replace(project, sources=(source,), state=state, syncs=(sync,))
    with open_state(copy.state, copy.root) as store:
        # the model runs in the state's connection (the source file is attached): give it the
        # session a source connection has, so naive and zoned times read as they would there
        tz = source.timezone or "UTC"  # as onesync.sources.duckdb sets it: ICU has no offsets
        zone = f"UTC{tz}" if tz[0] in "+-" else tz
        store.diff_engine().run(f"SET TimeZone = {_literal(zone)}")
        with make_plan(
            copy,
            syncs=[sync.name],
            compiled={sync.name: compiled},
            allow_destructive=True,
            state=store,
        ) as plan:
            return _read(plan.sync(sync.name))


def _literal(text: str) -> str:
    return exp.Literal.string(text).sql("duckdb")


def _read(sp: SyncPlan) -> Sent:
    refused = tuple(sp.invalid)
    if sp.kind == "event":
        events = {
            e.key: {
                "key": e.key,
                "external_id": e.external_id,
                "name": e.name,
                "timestamp": e.timestamp,
                "properties": dict(e.properties),
            }
            for e in sp.events
        }
        return Sent("events", events, refused)
    if sp.kind == "message":
        messages: dict[str, dict[str, Any]] = {}
        for m in sp.messages:  # a batch (one content for many rows) is listed once per key
            for key, external_id in zip(m.keys, m.external_ids, strict=True):
                messages[key] = {
                    "key": key,
                    "external_id": external_id,
                    "channel": m.channel,
                    "headings": dict(m.headings),
                    "contents": dict(m.contents),
                    "subject": dict(m.subject),
                    "template_id": m.template_id,
                    "custom_data": dict(m.custom_data),
                    "send_after": m.send_after,
                }
        return Sent("messages", messages, refused)
    users = {
        p.external_id: {
            "external_id": p.external_id,
            "tags": dict(p.set_tags),
            "aliases": dict(p.add_aliases),
            "subscriptions": {s["type"]: s["token"] for s in p.add_subscriptions},
        }
        for p in sp.profiles
    }
    return Sent("users", users, refused)
