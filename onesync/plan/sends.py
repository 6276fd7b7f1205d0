"""Events and messages: which rows are new, and what each one sends, streamed in batches.

Rows never sent (nor seen at a baseline) come out of the state engine in batches; each batch
becomes events, or rendered messages, written straight into the plan's workspace, so memory does
not grow with the number of new rows. A first run without ``backfill`` records the keys present
as a baseline, in SQL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any, TypedDict

from onesync.model import Channel, CompiledSync, Destination
from onesync.plan.changes import EventChange, InvalidRow, MessageChange
from onesync.plan.diff import ROWS, SENT, relation, valid
from onesync.plan.store import Workspace, lit
from onesync.state.engine import INCOMING, Engine

BATCH = 10_000


def new_rows(eng: Engine, compiled: CompiledSync, skip: set[str]) -> Iterator[dict[str, Any]]:
    """Valid incoming rows never sent (nor seen at baseline), plus rows whose message reached
    nobody before and whose user a profile sync has confirmed since (``__attempts`` > 0).

    ``skip``: keys already in a fixed message batch (the outbox), resent as that batch.
    """
    k, s = eng.q("__key"), eng.lit(compiled.sync.name)
    names = [c.name for c in compiled.columns]
    select = ", ".join(f"i.{eng.q(n)}" for n in names)
    ext = {
        "snowflake": "PARSE_JSON(r.data)['external_id']::STRING",
        "spark": "get_json_object(r.data, '$.external_id')",
    }.get(eng.dialect, "CAST(r.data AS JSON) ->> 'external_id'")
    batches = eng.batches(
        f"SELECT {select}, COALESCE(st.attempts, 0) AS {eng.q('__attempts')} FROM {INCOMING} i "
        f"LEFT JOIN {SENT} st ON st.sync = {s} AND st.key = i.{k} WHERE {valid(eng)} AND "
        f"(st.key IS NULL OR (st.status = 'missed' AND EXISTS (SELECT 1 FROM {ROWS} r WHERE "
        f"r.updated_at > st.sent_at AND {ext} = st.external_id))) ORDER BY i.{k}",
        BATCH,
    )
    names.append("__attempts")
    for batch in batches:
        for r in batch:
            d = dict(zip(names, r, strict=True))
            d["__attempts"] = int(d["__attempts"] or 0)
            if str(d["__key"]) not in skip:
                yield d


def baseline(eng: Engine, ws: Workspace, sync: str) -> int:
    """Record every key present as seen (first run without backfill); returns how many."""
    k = eng.q("__key")
    rel = relation(
        eng,
        ws,
        "onesync_keys",
        f"SELECT DISTINCT {k} AS k FROM {INCOMING} WHERE {k} IS NOT NULL",
        ("k",),
    )
    n = ws.insert(
        "sync, kind, rank, seq, key",
        f"SELECT {lit(sync)}, 'baseline', 0, 0, CAST(b.k AS VARCHAR) FROM {rel} AS b",
    )
    ws.drop("onesync_keys")
    return n


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
    compiled: CompiledSync, rows: Iterator[dict[str, Any]]
) -> Iterator[EventChange | InvalidRow]:
    """Events for new rows; an event over OneSignal's size limit is an invalid row."""
    sync = compiled.sync
    assert sync.event is not None
    props = [(c.name, c.label, c.type) for c in compiled.columns if c.role == "property"]
    for r in rows:
        e = EventChange(
            key=str(r["__key"]),
            external_id=str(r["__external_id"]),
            name=sync.event.name,
            timestamp=r.get("__timestamp"),
            properties={label: typed(r[col], t) for col, label, t in props},
        )
        size = EVENT_KEY_BYTES + json_size(
            {
                "name": e.name,
                "external_id": e.external_id,
                "timestamp": e.timestamp,
                "properties": e.properties,
            }
        )
        if size > MAX_EVENT_BYTES:
            yield InvalidRow(
                e.key,
                f"event is {size} bytes; OneSignal takes at most {MAX_EVENT_BYTES} per "
                "event (shorten its properties)",
            )
            continue
        yield e


def idempotency_key(
    app_id: str, sync: str, keys: tuple[str, ...], attempts: tuple[int, ...] = ()
) -> str:
    """UUIDv5 of app, sync, row keys and attempt: a retried send is recognised by OneSignal,
    and a new attempt (its recipient reached nobody before) is a new message."""
    tries = attempts or (0,) * len(keys)
    parts = [f"{k}#{a}" if a else k for k, a in zip(keys, tries, strict=True)]
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"onesync:{app_id}:{sync}:" + "\n".join(parts)))


class _Texts(TypedDict):
    """A message's rendered texts, {language: text} per part."""

    headings: dict[str, str]
    contents: dict[str, str]
    subject: dict[str, str]


def message_changes(
    compiled: CompiledSync, rows: Iterator[dict[str, Any]], dest: Destination
) -> Iterator[MessageChange | InvalidRow]:
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

    def render(context: dict[str, Any]) -> _Texts:
        def part(name: str) -> dict[str, str]:
            return {lang: t.render(context) for lang, t in parts[name]}

        return _Texts(headings=part("headings"), contents=part("contents"), subject=part("subject"))

    per_row = msg.per_row or has_send_after or bool(variables) or bool(custom)
    if not per_row:
        try:
            texts = render({})
        except TemplateError as exc:
            yield InvalidRow(None, f"message template: {exc}")
            return
        size = max(1, dest.max_recipients)
        chunk: list[dict[str, Any]] = []

        def batch() -> MessageChange:
            keys = tuple(str(r["__key"]) for r in chunk)
            tries = tuple(int(r.get("__attempts", 0)) for r in chunk)
            return MessageChange(
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

        for r in rows:
            chunk.append(r)
            if len(chunk) >= size:
                yield batch()
                chunk = []
        if chunk:
            yield batch()
        return
    limit = CUSTOM_DATA_BYTES.get(msg.channel, 2048)
    for r in rows:
        key = str(r["__key"])
        try:
            texts = render({label: r[col] for col, label in variables})
        except TemplateError as exc:
            yield InvalidRow(key, f"message template: {exc}")
            continue
        data = {label: typed(r[col], t) for col, label, t in custom}
        if data and (n := json_size(data)) > limit:
            yield InvalidRow(
                key, f"custom_data is {n} bytes; OneSignal takes at most {limit} for {msg.channel}"
            )
            continue
        tries = int(r.get("__attempts", 0))
        yield MessageChange(
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


def fixed_batches(outbox: list[dict[str, Any]], channel: Channel) -> list[MessageChange]:
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
