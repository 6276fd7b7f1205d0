"""Per-sync diff: identity checks, then profile / event / message changes, all set-based.

The SQL runs in the state's engine over ``onesync_incoming`` (see ``engine``); Python only sees
invalid rows, changed or new rows, and (mirror mode) rows that left the model.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from onesync.model import Column, CompiledSync, Destination, Sync
from onesync.plan.changes import (
    EventChange,
    InvalidRow,
    MessageChange,
    ProfileChange,
    SyncPlan,
)
from onesync.plan.engine import INCOMING, INVALID, Engine

EVENTS_PER_CALL = 500  # 1 MB per request / 2,024 bytes per event, rounded down
ROWS = "onesync_rows"
SENT = "onesync_sent"


def invalid_rows(eng: Engine, compiled: CompiledSync, cols: list[str]) -> list[InvalidRow]:
    """Fill ``onesync_invalid`` (key, reason) and return the invalid rows, NULL keys first."""
    q, k = eng.q, eng.q("__key")
    sync = compiled.sync
    parts = [
        f"SELECT {k} AS k, 'duplicate key: ' || CAST(count(*) AS TEXT) || ' rows have "
        f"{_sq(sync.key_column)} = ' || {k} AS reason FROM {INCOMING} WHERE {k} IS NOT NULL "
        f"GROUP BY {k} HAVING count(*) > 1"
    ]
    for c in compiled.columns:
        if c.role != "alias":
            continue
        a = q(c.name)
        parts.append(
            f"SELECT i.{k}, 'alias {_sq(c.label)} = ' || i.{a} || ' is claimed by ' || "
            f"CAST(d.n AS TEXT) || ' users' FROM {INCOMING} i JOIN (SELECT {a} AS v, "
            f"count(DISTINCT {k}) AS n FROM {INCOMING} WHERE {a} IS NOT NULL GROUP BY {a} "
            f"HAVING count(DISTINCT {k}) > 1) d ON i.{a} = d.v WHERE i.{k} IS NOT NULL"
        )
    if sync.kind != "profile" and "__external_id" in cols:
        parts.append(
            f"SELECT {k}, 'external_id ({_sq(sync.identity.external_id)}) is NULL' "
            f"FROM {INCOMING} WHERE {q('__external_id')} IS NULL AND {k} IS NOT NULL"
        )
    if "__invalid" in cols:
        parts.append(
            f"SELECT {k}, 'value does not fit its declared type: ' || {q('__invalid')} "
            f"FROM {INCOMING} WHERE {q('__invalid')} IS NOT NULL AND {k} IS NOT NULL"
        )
    eng.run(f"CREATE TEMP TABLE {INVALID} AS " + " UNION ALL ".join(parts))
    out: list[InvalidRow] = []
    nulls = int(eng.scalar(f"SELECT count(*) FROM {INCOMING} WHERE {k} IS NULL"))
    if nulls:
        what = "row has" if nulls == 1 else "rows have"
        out.append(InvalidRow(None, f"{nulls} {what} a NULL {sync.key_column}"))
    rows = eng.rows(
        f"SELECT k, string_agg(DISTINCT reason, '; ') FROM {INVALID} GROUP BY k ORDER BY k"
    )
    out.extend(InvalidRow(str(key), str(reason)) for key, reason in rows)
    return out


def _sq(text: str) -> str:
    """Text inside a SQL string literal we build (labels and column names from the IR)."""
    return text.replace("'", "''")


def _valid(eng: Engine, alias: str = "i") -> str:
    k = eng.q("__key")
    return (
        f"{alias}.{k} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {INVALID} v "
        f"WHERE v.k = {alias}.{k})"
    )


def _count_valid(eng: Engine, invalid: int) -> int:
    """Rows with a key and no problem (cheap when there are no invalid keys)."""
    if not invalid:
        k = eng.q("__key")
        return int(eng.scalar(f"SELECT count({k}) FROM {INCOMING}"))
    return int(eng.scalar(f"SELECT count(*) FROM {INCOMING} i WHERE {_valid(eng)}"))


def source_fingerprint(eng: Engine) -> str:
    """An order-independent checksum of the incoming rows' fingerprints (and their count).

    Engine-specific (DuckDB sums ``hash()``, PostgreSQL sums md5 prefixes), which is enough:
    a plan is checked against the same state engine it was made with.
    """
    fp = eng.q("__fingerprint")
    if eng.dialect == "duckdb":
        agg = f"sum(hash(COALESCE({fp}, '')))::HUGEINT"
    else:
        agg = f"sum(('x' || substr(md5(COALESCE({fp}, '')), 1, 15))::bit(60)::bigint::numeric)"
    row = eng.rows(f"SELECT count(*), {agg} FROM {INCOMING}")[0]
    return f"{row[0]}:{row[1] or 0}"


def profile_changes(
    eng: Engine, compiled: CompiledSync, cols: list[str], invalid: int
) -> tuple[list[ProfileChange], int, int]:
    """(changes, rows left the model, valid rows unchanged) for a profile sync.

    Old values come out of the state's JSON in SQL, so Python only compares pairs of strings.
    """
    sync = compiled.sync
    k, s = eng.q("__key"), eng.lit(sync.name)
    names = [c.name for c in compiled.columns if c.name != "__fingerprint"]
    tracked = [c for c in compiled.columns if c.role in ("tag", "alias", "subscription")]
    olds = [f"CAST(st.data AS JSON) ->> {eng.lit(state_key(c))}" for c in tracked]
    mirror = sync.mode == "mirror"
    if mirror:  # tags dropped from the spec are values that disappeared: find them in the JSON
        olds.append("st.data")
    changed = eng.batches(
        f"SELECT {', '.join(f'i.{eng.q(n)}' for n in names)}, i.{eng.q('__fingerprint')}, "
        f"st.key{''.join(', ' + o for o in olds)} FROM {INCOMING} i LEFT JOIN {ROWS} st "
        f"ON st.sync = {s} AND st.key = i.{k} WHERE {_valid(eng)} AND "
        f"(st.key IS NULL OR st.fingerprint IS DISTINCT FROM i.{eng.q('__fingerprint')})"
    )
    n = len(names)
    pos = {name: i for i, name in enumerate(names)}
    at = [(pos[c.name], n + 2 + j, c.role, c.label) for j, c in enumerate(tracked)]
    ext_at = pos.get("__external_id", 0)
    labels = {f"tag:{c.label}" for c in tracked if c.role == "tag"}
    out: list[ProfileChange] = []
    noop = seen = 0
    for row in (r for batch in changed for r in batch):
        seen += 1
        is_new = row[n + 1] is None
        set_tags: dict[str, str] = {}
        unset: list[str] = []
        before: dict[str, str | None] = _NONE if is_new else {}
        aliases: dict[str, str] = {}
        subs: list[dict[str, str]] = []
        for i, j, role, label in at:
            new_v, old_v = row[i], None if is_new else row[j]
            if new_v == old_v:
                continue
            if role == "tag":
                if new_v is not None:
                    set_tags[label] = new_v
                    if not is_new:
                        before[label] = old_v
                else:
                    unset.append(label)
                    before[label] = old_v
            elif new_v is None:
                continue  # an alias or subscription that became NULL: nothing to ask OneSignal
            elif role == "alias":
                aliases[label] = new_v
            else:
                subs.append({"type": label, "token": new_v})
        if mirror and not is_new and row[-1]:
            for key, old_v in sorted(json.loads(row[-1]).items()):
                if key.startswith("tag:") and key not in labels and old_v is not None:
                    unset.append(key[4:])
                    before[key[4:]] = old_v
        if not is_new and not (set_tags or unset or aliases or subs):
            noop += 1
            continue
        out.append(
            ProfileChange(
                key=row[0],
                external_id=row[ext_at] or row[0],
                action="create" if is_new else "update",
                set_tags=set_tags,
                unset_tags=tuple(unset),
                before=before,
                add_aliases=aliases,
                add_subscriptions=tuple(subs),
                fingerprint=row[n],
            )
        )
    gone_where = (
        f"FROM {ROWS} st WHERE st.sync = {s} AND NOT EXISTS "
        f"(SELECT 1 FROM {INCOMING} i WHERE i.{k} = st.key)"
    )
    left = 0
    if sync.mode == "mirror":
        for key, data in eng.rows(f"SELECT st.key, st.data {gone_where} ORDER BY st.key"):
            old = json.loads(data) if data else {}
            before_tags = {
                k[4:]: v for k, v in sorted(old.items()) if k.startswith("tag:") and v is not None
            }
            out.append(
                ProfileChange(
                    key=str(key),
                    external_id=str(old.get("__external_id") or key),
                    action="unset",
                    unset_tags=tuple(before_tags),
                    before=before_tags,
                )
            )
    else:
        left = int(eng.scalar(f"SELECT count(*) {gone_where}"))
    unchanged = _count_valid(eng, invalid) - (seen - noop)
    out.sort(key=lambda c: (_ORDER[c.action], c.key))
    return out, left, unchanged


_ORDER = {"create": 0, "update": 1, "unset": 2}
_NONE: dict[str, str | None] = {}  # shared by every create (never mutated): saves memory
_PREFIX = {"tag": "tag", "alias": "alias", "subscription": "sub"}


def state_key(column: Column) -> str:
    """The key of a value in the state's JSON (see ``onesync.state.schema``)."""
    return f"{_PREFIX[column.role]}:{column.label}"


def new_rows(eng: Engine, compiled: CompiledSync) -> list[dict[str, Any]]:
    """Valid incoming rows whose key was never sent (nor seen at baseline)."""
    k, s = eng.q("__key"), eng.lit(compiled.sync.name)
    names = [c.name for c in compiled.columns]
    select = ", ".join(f"i.{eng.q(n)}" for n in names)
    rows = eng.rows(
        f"SELECT {select} FROM {INCOMING} i WHERE {_valid(eng)} AND NOT EXISTS "
        f"(SELECT 1 FROM {SENT} st WHERE st.sync = {s} AND st.key = i.{k}) ORDER BY i.{k}"
    )
    return [dict(zip(names, r, strict=True)) for r in rows]


def all_keys(eng: Engine) -> list[str]:
    k = eng.q("__key")
    rows = eng.rows(f"SELECT DISTINCT {k} FROM {INCOMING} WHERE {k} IS NOT NULL ORDER BY {k}")
    return [str(r[0]) for r in rows]


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


def event_changes(compiled: CompiledSync, rows: list[dict[str, Any]]) -> list[EventChange]:
    sync = compiled.sync
    assert sync.event is not None
    props = [(c.name, c.label, c.type) for c in compiled.columns if c.role == "property"]
    return [
        EventChange(
            key=str(r["__key"]),
            external_id=str(r["__external_id"]),
            name=sync.event.name,
            timestamp=r.get("__timestamp"),
            properties={label: typed(r[col], t) for col, label, t in props},
        )
        for r in rows
    ]


def idempotency_key(app_id: str, sync: str, keys: tuple[str, ...]) -> str:
    """UUIDv5 of app, sync and row keys: a retried send is recognised by OneSignal."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"onesync:{app_id}:{sync}:" + "\n".join(keys)))


def message_changes(
    compiled: CompiledSync, rows: list[dict[str, Any]], dest: Destination
) -> tuple[list[MessageChange], list[InvalidRow]]:
    """Render each new row's message (or batch recipients when content is the same for all)."""
    from jinja2 import StrictUndefined, TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    sync = compiled.sync
    msg = sync.message
    assert msg is not None
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    parts = {
        "headings": [(lang, env.from_string(t)) for lang, t in msg.headings],
        "contents": [(lang, env.from_string(t)) for lang, t in msg.contents],
        "subject": [(lang, env.from_string(t)) for lang, t in msg.subject],
    }
    variables = [(c.name, c.label) for c in compiled.columns if c.role == "variable"]
    custom = [(c.name, c.label, c.type) for c in compiled.columns if c.role == "property"]
    has_send_after = any(c.role == "send_after" for c in compiled.columns)

    def render(context: dict[str, Any]) -> dict[str, dict[str, str]]:
        return {name: {lang: t.render(context) for lang, t in ts} for name, ts in parts.items()}

    out: list[MessageChange] = []
    invalid: list[InvalidRow] = []
    per_row = msg.per_row or has_send_after or bool(variables) or bool(custom)
    if not per_row:
        try:
            texts = render({})
        except TemplateError as exc:
            return [], [InvalidRow(None, f"message template: {exc}")]
        size = max(1, dest.max_recipients)
        for i in range(0, len(rows), size):
            chunk = rows[i : i + size]
            keys = tuple(str(r["__key"]) for r in chunk)
            out.append(
                MessageChange(
                    keys=keys,
                    external_ids=tuple(str(r["__external_id"]) for r in chunk),
                    channel=msg.channel,
                    idempotency_key=idempotency_key(dest.app_id, sync.name, keys),
                    template_id=msg.template_id,
                    send_after=msg.send_after,
                    **texts,
                )
            )
        return out, invalid
    for r in rows:
        key = str(r["__key"])
        try:
            texts = render({label: r[col] for col, label in variables})
        except TemplateError as exc:
            invalid.append(InvalidRow(key, f"message template: {exc}"))
            continue
        out.append(
            MessageChange(
                keys=(key,),
                external_ids=(str(r["__external_id"]),),
                channel=msg.channel,
                idempotency_key=idempotency_key(dest.app_id, sync.name, (key,)),
                template_id=msg.template_id,
                custom_data={label: typed(r[col], t) for col, label, t in custom},
                send_after=r.get("__send_after") if has_send_after else msg.send_after,
                **texts,
            )
        )
    return out, invalid


def api_cost(plan_kind: str, profiles: list[ProfileChange], events: int, messages: int) -> int:
    if plan_kind == "profile":
        return sum(p.api_calls for p in profiles)
    if plan_kind == "event":
        return math.ceil(events / EVENTS_PER_CALL)
    return messages


def destructive_problem(sp: SyncPlan, share: float, sync: Sync) -> str | None:
    """Why a profile plan is refused without --allow-destructive, or None."""
    if sync.kind != "profile" or sp.state_rows == 0:
        return None
    if sp.rows == 0:
        return (
            f"sync {sync.name}: the model returned no rows but state knows {sp.state_rows} users"
            f"{' (mirror mode would clear all their tags)' if sync.mode == 'mirror' else ''}; "
            "check the model and its source, or run with --allow-destructive"
        )
    hit = sum(1 for p in sp.profiles if p.destructive)
    if hit / sp.state_rows > share:
        return (
            f"sync {sync.name}: the plan would unset or remove tags of {hit} of {sp.state_rows} "
            f"users ({hit / sp.state_rows:.0%}), more than state.max_destructive_share "
            f"({share:.0%}); check the model, or run with --allow-destructive"
        )
    return None
