"""Messages (§3): create, view, list and cancel notifications.

Nothing is delivered. A notification "reaches" the enabled subscriptions of its channel; the
answer says who was missed the way OneSignal does (``errors.invalid_aliases`` and friends), and
``id`` is empty when nobody was reached. Views answer the spec's ``NotificationWithMeta`` shape,
whose times are Unix seconds.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from onesync.sandbox import rules
from onesync.sandbox.core import APP_NOT_FOUND, Context, Request, Response, error

__all__ = [
    "cancel_notification",
    "create_notification",
    "list_notifications",
    "view_notification",
]

NO_TARGET = (
    "You must include which players, segments, or tags you wish to send this notification to."
)
NOBODY = "All included players are not subscribed"
TARGETING = (
    "include_aliases",
    "include_subscription_ids",
    "include_player_ids",
    "include_external_user_ids",
    "email_to",
    "include_phone_numbers",
    "included_segments",
    "filters",
)
_LISTS = frozenset(TARGETING) - {"include_aliases", "included_segments", "filters"}
CUSTOM_DATA_LIMITS = {"push": 2048, "sms": 2048, "email": 10000}
"""§3 and the spec's ``custom_data``: "Push, SMS: … 2048 bytes … Email: … 10000 bytes"."""


def create_notification(ctx: Context, request: Request) -> Response:
    """POST /notifications: 200 ``{"id", "external_id", "errors"?}``, or 400."""
    payload = request.payload
    if not isinstance(payload, dict) or payload.get("app_id") != ctx.config.app_id:
        return error(400, APP_NOT_FOUND)
    store = ctx.store
    key = payload.get("idempotency_key", payload.get("external_id"))
    if key is not None and not rules.is_uuid(key):
        return error(400, "idempotency_key must be a valid RFC 9562 UUID")
    if key is not None and key in store.idempotency:
        first = store.idempotency[key]
        return Response(200, first["response"], (("Idempotent-Replayed", "true"),))
    methods = [m for m in TARGETING if payload.get(m) not in (None, [], {})]
    if not methods:
        return error(400, NO_TARGET)
    if len(methods) > 1:
        return error(400, f"Use only one targeting method per request; got {methods}")
    method = methods[0]
    channel, msg = _channel(payload, method)
    if msg:
        return error(400, msg)
    if msg := _content_problem(payload, channel):
        return error(400, msg)
    send_after = None
    if payload.get("send_after") is not None:
        parsed = rules.parse_time(payload["send_after"])
        if parsed is None:
            return error(
                400,
                f"send_after '{payload['send_after']}' is not a date; use ISO 8601 or "
                "'2015-09-24 14:00:00 GMT-0700'",
            )
        send_after = rules.iso(parsed)
    reached = _recipients(ctx, payload, method, channel)
    if isinstance(reached, str):
        return error(400, reached)
    subs, users, invalid, new_emails = reached
    for address in new_emails:  # the spec's email_to: "a new user will be created"
        user = store.new_user()
        sub: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "type": "Email",
            "token": address,
            "enabled": True,
        }
        store.add_subscription(user, sub)
        subs.append(sub["id"])
        users.append(user["identity"]["onesignal_id"])
    note_id = str(uuid.uuid4()) if subs else ""
    body: dict[str, Any] = {"id": note_id, "external_id": None}
    if not subs:
        body["errors"] = [NOBODY]
    elif invalid:
        body["errors"] = invalid
    if subs or key:
        store.add_notification(
            {
                "id": note_id,
                "channel": channel,
                "targeting": {method: payload[method]},
                "recipients": len(subs),
                "users": users,
                "contents": payload.get("contents"),
                "headings": payload.get("headings"),
                "email_subject": payload.get("email_subject"),
                "template_id": payload.get("template_id"),
                "custom_data": payload.get("custom_data"),
                "send_after": send_after,
                "name": payload.get("name"),
                "idempotency_key": key,
                "created_at": rules.iso(datetime.now(UTC)),
                "response": body,
            }
        )
    return Response(200, body)


def list_notifications(ctx: Context, request: Request) -> Response:
    """GET /notifications?app_id=&limit=&offset=: newest first, at most 50 (spec)."""
    if request.query.get("app_id") != ctx.config.app_id:
        return error(400, APP_NOT_FOUND)
    try:
        size = min(int(request.query.get("limit", 50)), 50)
        offset = int(request.query.get("offset", 0))
    except ValueError:
        return error(400, "limit and offset must be integers")
    if size < 0 or offset < 0:
        return error(400, "limit and offset must not be negative")
    sent = [n for n in reversed(ctx.store.notifications) if n["id"]]
    page = [_view(ctx, n) for n in sent[offset : offset + size]]
    return Response(
        200, {"total_count": len(sent), "offset": offset, "limit": size, "notifications": page}
    )


def view_notification(ctx: Context, request: Request) -> Response:
    """GET /notifications/{notification_id}?app_id=: one ``NotificationWithMeta``."""
    note = _find(ctx, request)
    return note if isinstance(note, Response) else Response(200, _view(ctx, note))


def cancel_notification(ctx: Context, request: Request) -> Response:
    """DELETE /notifications/{notification_id}?app_id=: 200 ``{"success": true}``."""
    note = _find(ctx, request)
    if isinstance(note, Response):
        return note
    if not note.get("canceled"):
        note["canceled"] = True
        note["canceled_at"] = rules.iso(datetime.now(UTC))
        ctx.store.touch_notification(note)
    return Response(200, {"success": True})


def _find(ctx: Context, request: Request) -> dict[str, Any] | Response:
    if request.query.get("app_id") != ctx.config.app_id:
        return error(400, APP_NOT_FOUND)
    note = ctx.store.notes_by_id.get(request.params["notification_id"])
    return note if note is not None else error(404, "Notification not found")


def _view(ctx: Context, note: dict[str, Any]) -> dict[str, Any]:
    """The spec's ``NotificationWithMeta``: what was sent, delivery counts, Unix-second times.

    A notification is delivered to all its recipients when it is due (``send_after``, or at once);
    until then they are ``remaining``, and a cancel before then means it is never sent.
    ``send_after`` is the time the request asked for (the time it was queued if none).
    """
    queued = rules.unix_seconds(note["created_at"])
    asked = rules.unix(note.get("send_after"))
    asked = queued if asked is None else asked
    due = max(queued, asked)
    canceled_at = rules.unix(note.get("canceled_at"))
    stopped = canceled_at is not None and canceled_at < due
    sent = not stopped and due <= datetime.now(UTC).timestamp()
    count = note["recipients"]
    view: dict[str, Any] = {
        "id": note["id"],
        "app_id": ctx.config.app_id,
        "name": note.get("name"),
        "target_channel": note["channel"],
        "contents": note.get("contents"),
        "headings": note.get("headings"),
        "email_subject": note.get("email_subject"),
        "template_id": note.get("template_id"),
        "custom_data": note.get("custom_data"),
        "queued_at": queued,
        "send_after": asked,
        "successful": count if sent else 0,
        "failed": 0,
        "errored": 0,
        "converted": 0,
        "received": count if sent else 0,
        "remaining": 0 if sent or stopped else count,
        "canceled": bool(note.get("canceled")),
    }
    view = {k: v for k, v in view.items() if v is not None}
    view["completed_at"] = due if sent else None
    return view


def _recipients(
    ctx: Context, payload: dict[str, Any], method: str, channel: str
) -> tuple[list[str], list[str], dict[str, Any], list[str]] | str:
    """(subscription ids reached, their users, the ``errors`` object, emails to create as new
    users), or a 400 message. An alias whose user is unknown or has no *enabled* subscription on
    the channel (opted out) is an invalid alias (§3, spec ``create_notification`` 200)."""
    store = ctx.store
    target = payload[method]
    limit = ctx.config.max_recipients
    subs: list[str] = []
    users: list[str] = []
    invalid: dict[str, Any] = {}
    new_emails: list[str] = []

    def reach(user: dict[str, Any] | None) -> bool:
        found = [s["id"] for s in _channel_subs(user, channel)] if user else []
        if user and found:
            subs.extend(found)
            ident = user["identity"]
            users.append(ident.get("external_id") or ident["onesignal_id"])
        return bool(found)

    if method == "include_aliases":
        if not isinstance(target, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in target.values()
        ):
            return 'include_aliases must look like {"external_id": ["id1", ...]}'
        if sum(len(v) for v in target.values()) > limit:
            return f"include_aliases: Limit of {limit} entries per REST API call"
        for label, values in target.items():
            for value in values:
                if not reach(store.find(label, value)):
                    invalid.setdefault("invalid_aliases", {}).setdefault(label, []).append(value)
        return subs, users, invalid, new_emails
    if method in _LISTS:
        if not isinstance(target, list) or not all(isinstance(x, str) for x in target):
            return f"{method} must be an array of strings"
        if len(target) > limit:
            return f"{method}: Limit of {limit} entries per REST API call"
    if method == "include_external_user_ids":
        for value in target:
            if not reach(store.find("external_id", value)):
                invalid.setdefault("invalid_external_user_ids", []).append(value)
    elif method in ("include_subscription_ids", "include_player_ids"):
        for value in target:
            found = store.find_subscription(value)
            if found and found[1]["enabled"]:
                subs.append(value)
                ident = found[0]["identity"]
                users.append(ident.get("external_id") or ident["onesignal_id"])
            else:
                invalid.setdefault("invalid_player_ids", []).append(value)
    elif method in ("email_to", "include_phone_numbers"):
        kind = "Email" if method == "email_to" else "SMS"
        for token in dict.fromkeys(target):
            if msg := rules.check_token(kind, token):
                return f"{method}: {msg}"
            owner = store.subscription_owner(kind, token)
            if owner is None:
                if kind == "Email":
                    new_emails.append(token)
                continue
            sub = next(
                s for s in owner["subscriptions"] if (s["type"], s["token"]) == (kind, token)
            )
            if sub["enabled"]:
                subs.append(sub["id"])
                ident = owner["identity"]
                users.append(ident.get("external_id") or ident["onesignal_id"])
    else:  # segments and filters are not evaluated: they reach everyone on the channel
        for user in store.users.values():
            reach(user)
    return subs, users, invalid, new_emails


def _channel(payload: dict[str, Any], method: str) -> tuple[str, str | None]:
    channel = payload.get("target_channel")
    if method == "include_aliases" and channel is None:
        return "", "target_channel (push, email or sms) is required with include_aliases"
    if channel is None:
        channel = {"email_to": "email", "include_phone_numbers": "sms"}.get(method)
        if method == "include_external_user_ids":
            channel = payload.get("channel_for_external_user_ids")
    channel = channel or "push"
    if channel not in CUSTOM_DATA_LIMITS:
        return "", f"target_channel must be push, email or sms, not '{channel}'"
    return channel, None


def _content_problem(payload: dict[str, Any], channel: str) -> str | None:
    template = payload.get("template_id")
    if template is not None and not rules.is_uuid(template):
        return "template_id must be the UUID of a template"
    for name in ("contents", "headings"):
        value = payload.get(name)
        if value is not None and (not isinstance(value, dict) or "en" not in value):
            return f'{name} must be an object that includes English, e.g. {{"en": "Hello"}}'
    if template is None:
        if channel == "email" and not (payload.get("email_subject") and payload.get("email_body")):
            return "Email messages need email_subject and email_body (or a template_id)"
        silent_push = channel == "push" and payload.get("content_available")
        if channel != "email" and payload.get("contents") is None and not silent_push:
            return "contents is required unless template_id or content_available is set"
    for name, limit in (("custom_data", CUSTOM_DATA_LIMITS[channel]), ("data", 2048)):
        value = payload.get(name)
        if value is None:
            continue
        if not isinstance(value, dict):
            return f"{name} must be a JSON object"
        if (size := rules.json_size(value)) > limit:
            return f"{name} is {size} bytes; the limit is {limit} bytes for {channel}"
    return None


def _channel_subs(user: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    kinds = {"email": ("Email",), "sms": ("SMS",)}.get(channel)
    return [
        s
        for s in user["subscriptions"]
        if s["enabled"] and (s["type"] in kinds if kinds else s["type"] not in ("Email", "SMS"))
    ]
