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
    "conflicts": InvalidRow,
}


def _obj(value: Any) -> dict[str, Any]:
    """A change as a JSON-ready dict (json writes tuples as lists)."""
    return {name: getattr(value, name) for name in _names(type(value))}


_FIELDS: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    if cls not in _FIELDS:
        _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return _FIELDS[cls]


def _sync_head(s: SyncPlan) -> dict[str, Any]:
    d = {name: getattr(s, name) for name in _names(SyncPlan) if name not in _BIG}
    d["has_changes"] = s.has_changes
    d["counts"] = s.counts
    return d


_BIG = (*_LISTS, "baseline_keys")


def _head(plan: Plan) -> dict[str, Any]:
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
    }


def plan_to_json(plan: Plan) -> dict[str, Any]:
    syncs = []
    for s in plan.syncs:
        d = _sync_head(s)
        for name in _LISTS:
            d[name] = [_obj(c) for c in getattr(s, name)]
        d["baseline_keys"] = list(s.baseline_keys)
        syncs.append(d)
    return {**_head(plan), "syncs": syncs}


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
    """Write the plan file atomically (a half-written plan is never applied).

    Changes are encoded in chunks, so memory stays near the size of the plan value itself.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    with open(tmp, "w", encoding="utf-8") as f:
        f.write(dumps(_head(plan))[:-1] + ',"syncs":[')
        for i, s in enumerate(plan.syncs):
            f.write(("," if i else "") + dumps(_sync_head(s))[:-1])
            for name in _BIG:
                items = getattr(s, name)
                f.write(f',"{name}":[')
                for j in range(0, len(items), _CHUNK):
                    chunk = items[j : j + _CHUNK]
                    objs = chunk if name == "baseline_keys" else [_obj(c) for c in chunk]
                    f.write(("," if j else "") + dumps(objs)[1:-1])
                f.write("]")
            f.write("}")
        f.write("]}\n")
    os.replace(tmp, path)


_CHUNK = 5_000


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
