"""OneSignal's refusal rules, applied to a test's rows the way ``onesync plan`` applies them.

The planner runs these as SQL next to the state (``onesync/plan/``); a test has a handful of rows
and no state, so here they are plain Python over the compiled canonical rows. The constants and
the reasons' wording are the planner's, so a test expects the text ``plan`` prints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onesync.model import CompiledSync

__all__ = [
    "CUSTOM_DATA_BYTES",
    "MAX_ALIAS",
    "MAX_EVENT_BYTES",
    "PLACEHOLDER_IDS",
    "Refusal",
    "event_problem",
    "field_problem",
    "invalid_rows",
    "json_size",
    "typed",
]

# reference §1.5: external ids OneSignal refuses as placeholders; alias values up to 128 chars
PLACEHOLDER_IDS = ("na", "null", "0", "-1", "all", "00000000-0000-0000-0000-000000000000")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
E164 = re.compile(r"\+[1-9]\d{1,14}")
MAX_ALIAS = 128
MAX_EVENT_BYTES = 2024  # reference §4, per event
EVENT_KEY_BYTES = len(',"idempotency_key":""') + 36  # the UUID apply adds to each event
CUSTOM_DATA_BYTES = {"push": 2048, "sms": 2048, "email": 10000}  # reference §3

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A row kept out (``field`` None) or one field of it refused, with onesync's reason."""

    key: str | None
    reason: str
    field: str | None = None


def _groups(rows: Sequence[Row], column: str) -> dict[str, set[str]]:
    """value -> the distinct non-NULL keys of the rows holding it."""
    out: dict[str, set[str]] = {}
    for r in rows:
        if r[column] is not None and r["__key"] is not None:
            out.setdefault(r[column], set()).add(r["__key"])
    return out


def invalid_rows(compiled: CompiledSync, rows: Sequence[Row]) -> list[Refusal]:
    """Rows kept out whole: NULL and duplicate keys, an alias two users claim, a NULL or
    placeholder external id, a value that does not fit its type. NULL keys first, then by key."""
    sync = compiled.sync
    names = {c.name for c in compiled.columns}
    reasons: dict[str, set[str]] = {}

    def bad(key: str, reason: str) -> None:
        reasons.setdefault(key, set()).add(reason)

    counts: dict[str, int] = {}
    for r in rows:
        if r["__key"] is not None:
            counts[r["__key"]] = counts.get(r["__key"], 0) + 1
    for key, n in counts.items():
        if n > 1:
            bad(key, f"duplicate key: {n} rows have {sync.key_column} = {key}")
    for c in compiled.columns:
        if c.role != "alias":
            continue
        for value, keys in _groups(rows, c.name).items():
            if len(keys) > 1:
                for key in keys:
                    bad(key, f"alias {c.label} = {value} is claimed by {len(keys)} users")
    for r in rows:
        key = r["__key"]
        if key is None:
            continue
        ext = r.get("__external_id")
        if sync.kind != "profile" and "__external_id" in names and ext is None:
            bad(key, f"external_id ({sync.identity.external_id}) is NULL")
        if ext is not None and ext.lower() in PLACEHOLDER_IDS:
            bad(
                key,
                f"external_id {ext} is a placeholder OneSignal refuses (NA, NULL, 0, -1, all, "
                "the zero UUID); use a real id",
            )
        if r.get("__invalid") is not None:
            bad(key, f"value does not fit its declared type: {r['__invalid']}")
    out: list[Refusal] = []
    nulls = sum(1 for r in rows if r["__key"] is None)
    if nulls:
        what = "row has" if nulls == 1 else "rows have"
        out.append(Refusal(None, f"{nulls} {what} a NULL {sync.key_column}"))
    out += [Refusal(k, "; ".join(sorted(reasons[k]))) for k in sorted(reasons)]
    return out


def claimed(compiled: CompiledSync, rows: Sequence[Row]) -> dict[tuple[str, str], list[str]]:
    """(type, address) -> keys, for an email or phone more than one row claims."""
    out: dict[tuple[str, str], list[str]] = {}
    for c in compiled.columns:
        if c.role == "subscription":
            for value, keys in _groups(rows, c.name).items():
                if len(keys) > 1:
                    out[(c.label, value)] = sorted(keys)
    return out


def field_problem(
    role: str, label: str, value: str, key: str, shared: Mapping[tuple[str, str], list[str]]
) -> str | None:
    """Why one alias or subscription value cannot be sent (the rest of the user still goes)."""
    if role == "alias":
        if len(value) > MAX_ALIAS:
            return f"alias {label} is {len(value)} characters; OneSignal takes at most {MAX_ALIAS}"
        return None
    if label == "email" and not EMAIL.fullmatch(value):
        return f"email {value!r} is not an email address; the rest of the user is synced"
    if label == "sms" and not E164.fullmatch(value):
        return (
            f"sms {value!r} is not an E.164 phone number (e.g. +15555551234); the rest of the "
            "user is synced"
        )
    others = [o for o in shared.get((label, value), ()) if o != key]
    if others:
        more = f" and {len(others) - 3} more" if len(others) > 3 else ""
        return (
            f"{label} {value!r} is claimed by {len(others) + 1} rows (also key "
            f"{', '.join(others[:3])}{more}); OneSignal keeps one owner per address, so none "
            "gets it until one row holds it"
        )
    return None


def typed(value: str | None, type_: str) -> Any:
    """An event property or custom_data value as JSON: numbers and booleans unquoted."""
    if value is None:
        return None
    if type_ == "number":
        try:
            f = float(value)
        except ValueError:
            return value
        return int(f) if f.is_integer() and "." not in value and "e" not in value.lower() else f
    if type_ == "boolean":
        return value.lower() in ("true", "t", "1", "yes")
    return value


def json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def event_problem(event: Mapping[str, Any]) -> str | None:
    """Why an event (name, external_id, timestamp, properties) is over OneSignal's size."""
    size = EVENT_KEY_BYTES + json_size(
        {k: event[k] for k in ("name", "external_id", "timestamp", "properties")}
    )
    if size > MAX_EVENT_BYTES:
        return (
            f"event is {size} bytes; OneSignal takes at most {MAX_EVENT_BYTES} per event "
            "(shorten its properties)"
        )
    return None
