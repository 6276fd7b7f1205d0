"""The plan file: versioned JSON with every change apply needs, and nothing secret.

Top level: ``format`` ("onesync-plan"), ``format_version`` (checked on read), ``has_changes``,
``created_at``, ``created_by``, ``app_id``, ``state`` {url (redacted), serial, lineage}, and
``syncs``: one object per sync with the ``SyncPlan`` fields (changes as lists of objects with the
field names of ``onesync.plan.changes``). The in-memory form is ``Plan``; this module is the only
place that knows the on-disk form.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from onesync.errors import PlanError
from onesync.plan.changes import (
    FORMAT_VERSION,
    EventChange,
    InvalidRow,
    MessageChange,
    Plan,
    ProfileChange,
    SyncPlan,
)

FORMAT = "onesync-plan"
_LISTS = {
    "profiles": ProfileChange,
    "events": EventChange,
    "messages": MessageChange,
    "invalid": InvalidRow,
}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _obj(value: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}


def plan_to_json(plan: Plan) -> dict[str, Any]:
    syncs = []
    for s in plan.syncs:
        d = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
        for name in _LISTS:
            d[name] = [_obj(c) for c in d[name]]
        d["baseline_keys"] = list(s.baseline_keys)
        d["has_changes"] = s.has_changes
        d["counts"] = s.counts
        syncs.append(d)
    return {
        "format": FORMAT,
        "format_version": plan.format_version,
        "has_changes": plan.has_changes,
        "created_at": plan.created_at,
        "created_by": plan.created_by,
        "app_id": plan.app_id,
        "state": {
            "url": plan.state_url,
            "serial": plan.state_serial,
            "lineage": plan.state_lineage,
        },
        "syncs": syncs,
    }


def _build(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in names}
    return cls(**kwargs)


def plan_from_json(data: dict[str, Any]) -> Plan:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanError('not an onesync plan file (no "format": "onesync-plan")')
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanError(
            f"plan file format version {version} is not supported (this onesync reads "
            f"{FORMAT_VERSION}); make the plan again with this onesync"
        )
    try:
        syncs = []
        for s in data["syncs"]:
            s = dict(s)
            for name, cls in _LISTS.items():
                s[name] = tuple(_build(cls, c) for c in s.get(name, ()))
            syncs.append(_build(SyncPlan, s))
        state = data["state"]
        return Plan(
            syncs=tuple(syncs),
            app_id=data["app_id"],
            state_url=state["url"],
            state_serial=int(state["serial"]),
            state_lineage=state["lineage"],
            created_at=data["created_at"],
            created_by=data["created_by"],
            format_version=version,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(f"plan file is damaged: {type(exc).__name__}: {exc}") from exc


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write the plan file atomically (a half-written plan is never applied)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(plan_to_json(plan), f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)


def read_plan(path: str | Path) -> Plan:
    """Read a plan file, checking its format version; ``PlanError`` if it cannot be used."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise PlanError(f"cannot read plan file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise PlanError(f"{path}: not JSON: {exc}") from exc
    return plan_from_json(data)
