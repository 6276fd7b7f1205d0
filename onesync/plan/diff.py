"""Per-sync diff: identity checks, then profile / event / message changes, all set-based.

The SQL runs in the state's engine over ``onesync_incoming`` (see ``engine``); Python only sees
invalid rows, changed or new rows, and (mirror mode) rows that left the model.
"""

from __future__ import annotations

import json
import math
import re
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
CONFLICTS = "onesync_conflicts"


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
    if "__external_id" in cols:
        ids = ", ".join(eng.lit(v) for v in PLACEHOLDER_IDS)
        ext = q("__external_id")
        parts.append(
            f"SELECT {k}, 'external_id ' || {ext} || ' is a placeholder OneSignal refuses "
            f"(NA, NULL, 0, -1, all, the zero UUID); use a real id' FROM {INCOMING} "
            f"WHERE lower({ext}) IN ({ids}) AND {k} IS NOT NULL"
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
        out.append(InvalidRow(None, f"{nulls} {what} a NULL {sync.key_column}", rows=nulls))
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
    eng: Engine, compiled: CompiledSync, cols: list[str], invalid: int, dest: Destination
) -> tuple[list[ProfileChange], int, int, list[InvalidRow], list[InvalidRow]]:
    """(changes, rows left alone, valid rows unchanged, refused fields, held conflicts).

    Old values come out of the state's JSON in SQL, so Python only compares pairs of strings.
    See docs/spec-reference.md, "The life of a user", for what each change in the model does.
    """
    sync = compiled.sync
    k, s = eng.q("__key"), eng.lit(sync.name)
    fp = eng.q("__fingerprint")
    names = [c.name for c in compiled.columns if c.name != "__fingerprint"]
    tracked = [c for c in compiled.columns if c.role in ("tag", "alias", "subscription")]
    subs_cols = [c for c in tracked if c.role == "subscription"]
    olds = [f"CAST(st.data AS JSON) ->> {eng.lit(state_key(c))}" for c in tracked]
    for prefix in ("subid:", "oldsub:", "oldsubid:"):  # oldsub: a removal that failed before
        olds += [f"CAST(st.data AS JSON) ->> {eng.lit(prefix + c.label)}" for c in subs_cols]
    mirror = sync.mode == "mirror"
    olds.append("st.data")  # tags dropped from the spec, in mirror mode
    held = _conflicts(eng, sync.name)
    changed = eng.batches(
        f"SELECT {', '.join(f'i.{eng.q(n)}' for n in names)}, i.{fp}, "
        f"st.key{''.join(', ' + o for o in olds)} FROM {INCOMING} i LEFT JOIN {ROWS} st "
        f"ON st.sync = {s} AND st.key = i.{k} WHERE {_valid(eng)} AND "
        f"(st.key IS NULL OR st.fingerprint IS DISTINCT FROM i.{fp}) AND NOT EXISTS "
        f"(SELECT 1 FROM {CONFLICTS} c WHERE c.sync = {s} AND c.key = i.{k} AND "
        f"c.fingerprint = i.{fp})"
    )
    n = len(names)
    pos = {name: i for i, name in enumerate(names)}
    at = [(pos[c.name], n + 2 + j, c.role, c.label) for j, c in enumerate(tracked)]
    base = n + 2 + len(tracked)
    sub_id_at = {c.label: base + j for j, c in enumerate(subs_cols)}
    pending_at = [
        (c.label, base + len(subs_cols) + j, base + 2 * len(subs_cols) + j)
        for j, c in enumerate(subs_cols)
    ]
    tag_at = [(pos[c.name], c.label) for c in tracked if c.role == "tag"]
    ext_at = pos.get("__external_id", 0)
    labels = {f"tag:{c.label}" for c in tracked if c.role == "tag"}
    claimed = _shared_values(eng, subs_cols)
    out: list[ProfileChange] = []
    refused: list[InvalidRow] = []
    noop = seen = 0
    for row in (r for batch in changed for r in batch):
        seen += 1
        key = row[0]
        is_new = row[n + 1] is None
        set_tags: dict[str, str] = {}
        unset: list[str] = []
        before: dict[str, str | None] = _NONE if is_new else {}
        aliases: dict[str, str] = {}
        drop_aliases: list[str] = []
        subs: list[dict[str, str]] = []
        drop_subs: list[dict[str, str | None]] = []
        bad: list[InvalidRow] = []
        over = _over_cap(row, tag_at, dest.max_tags)
        if over:
            bad.append(
                InvalidRow(
                    key,
                    f"{len(over)} tags over destination.max_tags ({dest.max_tags}) not sent: "
                    + ", ".join(sorted(over)[:5])
                    + (" ..." if len(over) > 5 else ""),
                    "tags",
                )
            )
        for i, j, role, label in at:
            new_v, old_v = row[i], None if is_new else row[j]
            if new_v == old_v:
                continue
            if role == "tag":
                if new_v is not None:
                    if label in over:
                        continue
                    set_tags[label] = new_v
                    if not is_new:
                        before[label] = old_v
                else:
                    unset.append(label)
                    before[label] = old_v
                continue
            if new_v is not None and (why := field_problem(role, label, new_v, key, claimed)):
                bad.append(InvalidRow(key, why, label))
                continue
            if role == "alias":
                if new_v is not None:
                    aliases[label] = new_v
                elif mirror:
                    drop_aliases.append(label)
                continue
            old_id = None if is_new else row[sub_id_at[label]]
            if new_v is not None:
                subs.append({"type": label, "token": new_v})
            if old_v is not None and (new_v is not None or mirror):
                drop_subs.append({"type": label, "token": old_v, "id": old_id})
        for label, tok_at, id_at in pending_at:
            if not is_new and row[tok_at] is not None:
                drop_subs.append(
                    {"type": label, "token": row[tok_at], "id": row[id_at], "pending": "1"}
                )
        if not is_new and row[-1]:
            for skey, old_v in sorted(json.loads(row[-1]).items()):
                if mirror and skey.startswith("tag:") and skey not in labels and old_v is not None:
                    unset.append(skey[4:])
                    before[skey[4:]] = old_v
        refused.extend(bad)
        if not is_new and not (set_tags or unset or aliases or drop_aliases or subs or drop_subs):
            noop += 1
            continue
        out.append(
            ProfileChange(
                key=key,
                external_id=row[ext_at] or key,
                action="create" if is_new else "update",
                set_tags=set_tags,
                unset_tags=tuple(unset),
                before=before,
                add_aliases=aliases,
                add_subscriptions=tuple(subs),
                fingerprint=None if bad else row[n],
                remove_aliases=tuple(drop_aliases),
                remove_subscriptions=tuple(drop_subs),
            )
        )
    gone_where = (
        f"FROM {ROWS} st WHERE st.sync = {s} AND NOT EXISTS "
        f"(SELECT 1 FROM {INCOMING} i WHERE i.{k} = st.key)"
    )
    left = 0
    if sync.on_leave == "keep":
        left = int(eng.scalar(f"SELECT count(*) {gone_where}"))
    else:
        for key, data in eng.rows(f"SELECT st.key, st.data {gone_where} ORDER BY st.key"):
            out.append(leave_change(str(key), json.loads(data) if data else {}, sync.on_leave))
    unchanged = _count_valid(eng, invalid) - (seen - noop) - len(held)
    out.sort(key=lambda c: (_ORDER[c.action], c.key))
    return out, left, unchanged, refused, held


def leave_change(key: str, old: dict[str, Any], on_leave: str) -> ProfileChange:
    """What a row that left the model becomes: clear what the sync put there, or delete."""
    before = {k[4:]: v for k, v in sorted(old.items()) if k.startswith("tag:") and v is not None}
    external_id = str(old.get("external_id") or key)
    if on_leave == "delete_user":
        return ProfileChange(key=key, external_id=external_id, action="delete", before=before)
    aliases = tuple(
        k[6:] for k, v in sorted(old.items()) if k.startswith("alias:") and v is not None
    )
    subs = tuple(
        {"type": k[4:], "token": v, "id": old.get(f"subid:{k[4:]}")}
        for k, v in sorted(old.items())
        if k.startswith("sub:") and v is not None
    ) + tuple(
        {"type": k[7:], "token": v, "id": old.get(f"oldsubid:{k[7:]}"), "pending": "1"}
        for k, v in sorted(old.items())
        if k.startswith("oldsub:") and v is not None
    )
    return ProfileChange(
        key=key,
        external_id=external_id,
        action="unset",
        unset_tags=tuple(before),
        before=before,
        remove_aliases=aliases,
        remove_subscriptions=subs,
    )


# OneSignal's users page lists these placeholders as refused external ids (reference §1.5). A
# support comment adds "1" (§8.6); the docs page wins, so user id 1 still syncs.
PLACEHOLDER_IDS = ("na", "null", "0", "-1", "all", "00000000-0000-0000-0000-000000000000")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
E164 = re.compile(r"\+[1-9]\d{1,14}")
MAX_ALIAS = 128  # characters of an alias value (reference §1.5, the safe side)


def field_problem(
    role: str, label: str, value: str, key: str, claimed: dict[tuple[str, str], list[str]]
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
    others = [o for o in claimed.get((label, value), ()) if o != key]
    if others:
        more = f" and {len(others) - 3} more" if len(others) > 3 else ""
        return (
            f"{label} {value!r} is claimed by {len(others) + 1} rows (also key "
            f"{', '.join(others[:3])}{more}); OneSignal keeps one owner per address, so none "
            "gets it until one row holds it"
        )
    return None


def _shared_values(eng: Engine, subs_cols: list[Column]) -> dict[tuple[str, str], list[str]]:
    """(type, token) -> keys, for email / phone values more than one row claims."""
    k = eng.q("__key")
    out: dict[tuple[str, str], list[str]] = {}
    for c in subs_cols:
        col = eng.q(c.name)
        rows = eng.rows(
            f"SELECT i.{col}, i.{k} FROM {INCOMING} i JOIN (SELECT {col} AS v FROM {INCOMING} "
            f"WHERE {col} IS NOT NULL AND {k} IS NOT NULL GROUP BY {col} "
            f"HAVING count(DISTINCT {k}) > 1) d ON i.{col} = d.v ORDER BY i.{k}"
        )
        for value, key in rows:
            out.setdefault((c.label, str(value)), []).append(str(key))
    return out


def _over_cap(row: tuple[Any, ...], tag_at: list[tuple[int, str]], cap: int) -> set[str]:
    """Tag labels past the per-user cap, in spec order (none when the row is within it)."""
    present = [label for i, label in tag_at if row[i] is not None]
    return set(present[cap:]) if len(present) > cap else set()


def _conflicts(eng: Engine, sync: str) -> list[InvalidRow]:
    """Rows OneSignal answered 409 for, unchanged since: listed, not sent again."""
    k, fp = eng.q("__key"), eng.q("__fingerprint")
    rows = eng.rows(
        f"SELECT c.key, c.reason FROM {CONFLICTS} c JOIN {INCOMING} i ON i.{k} = c.key AND "
        f"i.{fp} = c.fingerprint WHERE c.sync = {eng.lit(sync)} ORDER BY c.key"
    )
    return [
        InvalidRow(str(key), f"{reason} (not retried until the row or the spec changes)")
        for key, reason in rows
    ]


_ORDER = {"create": 0, "update": 1, "unset": 2, "delete": 3}
_NONE: dict[str, str | None] = {}  # shared by every create (never mutated): saves memory
_PREFIX = {"tag": "tag", "alias": "alias", "subscription": "sub"}


def state_key(column: Column) -> str:
    """The key of a value in the state's JSON (see ``onesync.state.schema``)."""
    return f"{_PREFIX[column.role]}:{column.label}"


def new_rows(eng: Engine, compiled: CompiledSync, skip: set[str]) -> list[dict[str, Any]]:
    """Valid incoming rows never sent (nor seen at baseline), plus rows whose message reached
    nobody before and whose user a profile sync has confirmed since (``__attempts`` > 0).

    ``skip``: keys already in a fixed message batch (the outbox), resent as that batch.
    """
    k, s = eng.q("__key"), eng.lit(compiled.sync.name)
    names = [c.name for c in compiled.columns]
    select = ", ".join(f"i.{eng.q(n)}" for n in names)
    rows = eng.rows(
        f"SELECT {select}, COALESCE(st.attempts, 0) FROM {INCOMING} i LEFT JOIN {SENT} st "
        f"ON st.sync = {s} AND st.key = i.{k} WHERE {_valid(eng)} AND (st.key IS NULL OR "
        f"(st.status = 'missed' AND EXISTS (SELECT 1 FROM {ROWS} r WHERE r.updated_at > "
        f"st.sent_at AND CAST(r.data AS JSON) ->> 'external_id' = st.external_id))) "
        f"ORDER BY i.{k}"
    )
    out = []
    for r in rows:
        d = dict(zip(names, r, strict=False))
        d["__attempts"] = int(r[-1] or 0)
        if str(d["__key"]) not in skip:
            out.append(d)
    return out


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


MAX_EVENT_BYTES = 2024  # "Maximum size for each event is 2024 bytes" (reference §4)
EVENT_KEY_BYTES = len(',"idempotency_key":""') + 36  # the UUID apply adds to each event
CUSTOM_DATA_BYTES = {"push": 2048, "sms": 2048, "email": 10000}  # reference §3


def json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def event_changes(
    compiled: CompiledSync, rows: list[dict[str, Any]]
) -> tuple[list[EventChange], list[InvalidRow]]:
    """Events for new rows; an event over OneSignal's size limit is an invalid row."""
    sync = compiled.sync
    assert sync.event is not None
    props = [(c.name, c.label, c.type) for c in compiled.columns if c.role == "property"]
    out: list[EventChange] = []
    bad: list[InvalidRow] = []
    for r in rows:
        e = EventChange(
            key=str(r["__key"]),
            external_id=str(r["__external_id"]),
            name=sync.event.name,
            timestamp=r.get("__timestamp"),
            properties={label: typed(r[col], t) for col, label, t in props},
        )
        size = EVENT_KEY_BYTES + json_size(
            {"name": e.name, "external_id": e.external_id, "timestamp": e.timestamp,
             "properties": e.properties}
        )  # fmt: skip
        if size > MAX_EVENT_BYTES:
            bad.append(
                InvalidRow(e.key, f"event is {size} bytes; OneSignal takes at most "
                           f"{MAX_EVENT_BYTES} per event (shorten its properties)")
            )  # fmt: skip
            continue
        out.append(e)
    return out, bad


def idempotency_key(
    app_id: str, sync: str, keys: tuple[str, ...], attempts: tuple[int, ...] = ()
) -> str:
    """UUIDv5 of app, sync, row keys and attempt: a retried send is recognised by OneSignal,
    and a new attempt (its recipient reached nobody before) is a new message."""
    tries = attempts or (0,) * len(keys)
    parts = [f"{k}#{a}" if a else k for k, a in zip(keys, tries, strict=True)]
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"onesync:{app_id}:{sync}:" + "\n".join(parts)))


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
            tries = tuple(int(r.get("__attempts", 0)) for r in chunk)
            out.append(
                MessageChange(
                    keys=keys,
                    external_ids=tuple(str(r["__external_id"]) for r in chunk),
                    channel=msg.channel,
                    idempotency_key=idempotency_key(dest.app_id, sync.name, keys, tries),
                    template_id=msg.template_id,
                    send_after=msg.send_after,
                    batched=True,
                    retry=any(tries),
                    **texts,
                )
            )
        return out, invalid
    limit = CUSTOM_DATA_BYTES.get(msg.channel, 2048)
    for r in rows:
        key = str(r["__key"])
        try:
            texts = render({label: r[col] for col, label in variables})
        except TemplateError as exc:
            invalid.append(InvalidRow(key, f"message template: {exc}"))
            continue
        data = {label: typed(r[col], t) for col, label, t in custom}
        if data and (n := json_size(data)) > limit:
            invalid.append(
                InvalidRow(key, f"custom_data is {n} bytes; OneSignal takes at most {limit} "
                           f"for {msg.channel}")
            )  # fmt: skip
            continue
        tries = int(r.get("__attempts", 0))
        out.append(
            MessageChange(
                keys=(key,),
                external_ids=(str(r["__external_id"]),),
                channel=msg.channel,
                idempotency_key=idempotency_key(dest.app_id, sync.name, (key,), (tries,)),
                template_id=msg.template_id,
                custom_data=data,
                send_after=r.get("__send_after") if has_send_after else msg.send_after,
                retry=tries > 0,
                **texts,
            )
        )
    return out, invalid


def fixed_batches(outbox: list[dict[str, Any]], channel: str) -> list[MessageChange]:
    """Batches an earlier apply fixed before sending: resent exactly, with the same key."""
    return [
        MessageChange(
            keys=tuple(b["keys"]),
            external_ids=tuple(b["external_ids"]),
            channel=channel,
            idempotency_key=b["id"],
            batched=True,
            body=b["body"],
        )
        for b in outbox
    ]


def send_problem(sp: SyncPlan, sync: Sync) -> str | None:
    """Why a message plan is refused by ``message.max_sends``, or None."""
    cap = sync.message.max_sends if sync.message is not None else None
    recipients = sum(len(m.keys) for m in sp.messages)
    if cap is None or recipients <= cap:
        return None
    return (
        f"sync {sync.name}: the plan would send to {recipients:,} recipients, more than "
        f"message.max_sends ({cap:,}); check the model, or raise max_sends in {sync.file}"
    )


def api_cost(plan_kind: str, profiles: list[ProfileChange], events: int, messages: int) -> int:
    if plan_kind == "profile":
        return sum(p.api_calls for p in profiles)
    if plan_kind == "event":
        return math.ceil(events / EVENTS_PER_CALL)
    return messages


_LEAVE_NOTE = {
    "clear": " (on_leave: clear would clear all their tags, aliases and subscriptions)",
    "delete_user": " (on_leave: delete_user would delete them all from OneSignal)",
}


def destructive_problem(sp: SyncPlan, share: float, sync: Sync) -> str | None:
    """Why a profile plan is refused without --allow-destructive, or None."""
    if sync.kind != "profile" or sp.state_rows == 0:
        return None
    if sp.rows == 0:
        return (
            f"sync {sync.name}: the model returned no rows but state knows {sp.state_rows} users"
            f"{_LEAVE_NOTE.get(sync.on_leave, '')}; "
            "check the model and its source, or run with --allow-destructive"
        )
    hit = sum(1 for p in sp.profiles if p.destructive)
    if hit / sp.state_rows > share:
        return (
            f"sync {sync.name}: the plan would remove tags, aliases or subscriptions of (or "
            f"delete) {hit} of {sp.state_rows} "
            f"users ({hit / sp.state_rows:.0%}), more than state.max_destructive_share "
            f"({share:.0%}); check the model, or run with --allow-destructive"
        )
    return None
