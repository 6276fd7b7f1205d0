"""Custom events (§4): ``POST /apps/{app_id}/custom_events``.

The event data is ``properties`` with a per-event ``idempotency_key`` in the API reference page,
``payload`` in the generated spec; the reference page wins where they differ, and both are read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from onesync.sandbox import rules
from onesync.sandbox.core import Context, Request, Response, error

__all__ = ["create_custom_events"]


def create_custom_events(ctx: Context, request: Request) -> Response:
    """200 ``{}`` when all are stored; 202 ``{"errors": [...]}`` naming events whose user is
    unknown (the others are stored); 400 for a malformed event (nothing is stored)."""
    payload = request.payload
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not events:
        return error(400, 'Body must be {"events": [{"name": ..., "external_id": ...}, ...]}')
    now = rules.iso(datetime.now(UTC))
    store = ctx.store
    accepted, failed = [], []
    for i, event in enumerate(events):
        if msg := _problem(event):
            return error(400, f"events[{i}]: {msg}")
        ext, oid = event.get("external_id"), event.get("onesignal_id")
        user = store.find("onesignal_id", oid) if oid else None
        if user is None and ext:
            user = store.find("external_id", ext)
        key = event.get("idempotency_key")
        if user is None:
            who = ext or oid
            failed.append(
                {
                    "event_user_id": who,
                    "event_id": key or str(i),
                    "error": {
                        "code": "not found",
                        "title": f"failed to find a onesignal_id for user_id {who}",
                    },
                }
            )
            continue
        stamp = rules.parse_time(event["timestamp"]) if event.get("timestamp") else None
        accepted.append(
            {
                "name": event["name"],
                "external_id": user["identity"].get("external_id"),
                "onesignal_id": user["identity"]["onesignal_id"],
                "timestamp": rules.iso(stamp) if stamp else now,
                "properties": event.get("properties", event.get("payload")) or {},
                "idempotency_key": key,
                "received_at": now,
            }
        )
    for event in accepted:
        key = event["idempotency_key"]
        if key and key in store.event_keys:
            continue  # §4: duplicates with the same idempotency_key are ignored
        store.add_event(event)
    if failed:
        return Response(202, {"errors": failed})
    return Response(200, {})


def _problem(event: Any) -> str | None:
    if not isinstance(event, dict):
        return "each event must be an object"
    name = event.get("name")
    if not isinstance(name, str) or not name:
        return "name is required"
    if len(name) > rules.MAX_EVENT_NAME:
        return f"name is longer than {rules.MAX_EVENT_NAME} characters"
    if name.startswith(("os.", "os__")):
        return f"name '{name}' uses the reserved prefix os. / os__"
    if not event.get("external_id") and not event.get("onesignal_id"):
        return "either external_id or onesignal_id is required"
    for field in ("properties", "payload"):
        if event.get(field) is not None and not isinstance(event[field], dict):
            return f"{field} must be an object"
    key = event.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not key):
        return "idempotency_key must be a non-empty string"
    if event.get("timestamp") is not None and rules.parse_time(event["timestamp"]) is None:
        return f"timestamp '{event['timestamp']}' is not ISO 8601"
    if rules.json_size(event) > rules.MAX_EVENT_BYTES:
        return (
            f"event is {rules.json_size(event)} bytes; the limit is {rules.MAX_EVENT_BYTES} bytes"
        )
    return None
