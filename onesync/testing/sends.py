"""What onesync would send for a test's rows, read from the compiled canonical columns.

Every given row is treated as new (there is no state): a profile row becomes the user a create
makes, an event or message row the event or message a new key sends (``backfill`` does not
matter here). The refusal rules are in ``rules``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlglot import exp

from onesync.model import CompiledSync, Destination
from onesync.sources import Connector
from onesync.testing.rules import (
    CUSTOM_DATA_BYTES,
    Refusal,
    claimed,
    event_problem,
    field_problem,
    invalid_rows,
    json_size,
    typed,
)

__all__ = ["Refusal", "Sent", "collect"]

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sent:
    """What the rows send: ``items`` by id (external_id for users, key for events and
    messages), each a dict shaped like the test's ``expect`` entries, and the refusals."""

    kind: str  # users | events | messages
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    refused: tuple[Refusal, ...] = ()


def collect(conn: Connector, compiled: CompiledSync, dest: Destination) -> Sent:
    """Run the compiled SQL on ``conn`` and map its rows to what onesync would send.

    Raises SourceError when the compiled SQL fails on the given rows.
    """
    names = [c.name for c in compiled.columns]
    key = exp.to_identifier("__key", quoted=True).sql("duckdb")
    sql = f"SELECT * FROM ({compiled.sql}) AS t ORDER BY {key}"
    rows: list[Row] = [dict(zip(names, r)) for batch in conn.stream(sql) for r in batch]
    refused = invalid_rows(compiled, rows)
    out = {r.key for r in refused}
    valid = [r for r in rows if r["__key"] is not None and r["__key"] not in out]
    kind = compiled.sync.kind
    if kind == "event":
        events, bad = _events(compiled, valid)
        return Sent("events", events, tuple(refused + bad))
    if kind == "message":
        messages, bad = _messages(compiled, valid)
        return Sent("messages", messages, tuple(refused + bad))
    users, bad = _users(compiled, rows, valid, dest)
    return Sent("users", users, tuple(refused + bad))


def _users(
    compiled: CompiledSync, rows: list[Row], valid: list[Row], dest: Destination
) -> tuple[dict[str, dict[str, Any]], list[Refusal]]:
    """Each valid row as the user a create makes: its non-NULL tags (up to the cap), and its
    aliases and subscriptions unless a field rule refuses them."""
    tag_cols = [c for c in compiled.columns if c.role == "tag"]
    others = [c for c in compiled.columns if c.role in ("alias", "subscription")]
    shared = claimed(compiled, rows)
    users: dict[str, dict[str, Any]] = {}
    refused: list[Refusal] = []
    for r in valid:
        key = str(r["__key"])
        present = [c.label for c in tag_cols if r[c.name] is not None]
        over = present[dest.max_tags :]
        if over:
            shown = ", ".join(sorted(over)[:5]) + (" ..." if len(over) > 5 else "")
            refused.append(
                Refusal(key, f"{len(over)} tags over destination.max_tags ({dest.max_tags}) "
                        f"not sent: {shown}", "tags")
            )  # fmt: skip
        user: dict[str, Any] = {
            "external_id": r["__external_id"] or key,
            "tags": {c.label: r[c.name] for c in tag_cols
                     if r[c.name] is not None and c.label not in over},
            "aliases": {},
            "subscriptions": {},
        }  # fmt: skip
        for c in others:
            value = r[c.name]
            if value is None:
                continue
            why = field_problem(c.role, c.label, value, key, shared)
            if why:
                refused.append(Refusal(key, why, c.label))
                continue
            user["aliases" if c.role == "alias" else "subscriptions"][c.label] = value
        users[user["external_id"]] = user
    return users, refused


def _events(
    compiled: CompiledSync, valid: list[Row]
) -> tuple[dict[str, dict[str, Any]], list[Refusal]]:
    sync = compiled.sync
    assert sync.event is not None
    props = [(c.name, c.label, c.type) for c in compiled.columns if c.role == "property"]
    events: dict[str, dict[str, Any]] = {}
    refused: list[Refusal] = []
    for r in valid:
        key = str(r["__key"])
        event: dict[str, Any] = {
            "key": key,
            "external_id": str(r["__external_id"]),
            "name": sync.event.name,
            "timestamp": r.get("__timestamp"),
            "properties": {label: typed(r[col], t) for col, label, t in props},
        }
        if why := event_problem(event):
            refused.append(Refusal(key, why))
        else:
            events[key] = event
    return events, refused


def _messages(
    compiled: CompiledSync, valid: list[Row]
) -> tuple[dict[str, dict[str, Any]], list[Refusal]]:
    """Each new row's message, rendered in Jinja's sandbox against the row's columns only."""
    msg = compiled.sync.message
    assert msg is not None
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    parts = {
        "headings": [(lang, env.from_string(t)) for lang, t in msg.headings],
        "contents": [(lang, env.from_string(t)) for lang, t in msg.contents],
        "subject": [(lang, env.from_string(t)) for lang, t in msg.subject],
    }
    variables = [(c.name, c.label) for c in compiled.columns if c.role == "variable"]
    custom = [(c.name, c.label, c.type) for c in compiled.columns if c.role == "property"]
    per_row_time = any(c.role == "send_after" for c in compiled.columns)
    limit = CUSTOM_DATA_BYTES.get(msg.channel, 2048)
    messages: dict[str, dict[str, Any]] = {}
    refused: list[Refusal] = []
    for r in valid:
        key = str(r["__key"])
        try:
            context = {label: r[col] for col, label in variables}
            texts = {n: {lang: t.render(context) for lang, t in ts} for n, ts in parts.items()}
        except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
            # a template is the user's code: any error it raises is that row's problem
            refused.append(Refusal(key, f"message template: {exc}"))
            continue
        data = {label: typed(r[col], t) for col, label, t in custom}
        if data and (n := json_size(data)) > limit:
            refused.append(
                Refusal(key, f"custom_data is {n} bytes; OneSignal takes at most {limit} for "
                        f"{msg.channel}")
            )  # fmt: skip
            continue
        messages[key] = {
            "key": key,
            "external_id": str(r["__external_id"]),
            "channel": msg.channel,
            **texts,
            "template_id": msg.template_id,
            "custom_data": data,
            "send_after": r.get("__send_after") if per_row_time else msg.send_after,
        }
    return messages, refused
