"""The OneSignal API as the sandbox answers it: routing, auth, rate limits, and each endpoint.

``SandboxApp.handle`` is synchronous and does no I/O besides the store's write-through, so the
asyncio server can call it inline. Endpoints check everything before changing anything: a request
answered with an error leaves the state as it was.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from onesync.sandbox import rules
from onesync.sandbox.config import SandboxConfig
from onesync.sandbox.store import Store, public_user

__all__ = ["Response", "SandboxApp", "error"]

ACCESS_DENIED = (
    "Access denied.  Please include an 'Authorization: ...' header with a valid API key "
    "(https://documentation.onesignal.com/docs/accounts-and-keys#api-keys)."
)
APP_NOT_FOUND = "app_id not found. You may be missing a Content-Type: application/json header."
NO_TARGET = (
    "You must include which players, segments, or tags you wish to send this notification to."
)
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
PUSH_LIMITS = {"push": 2048, "sms": 2048, "email": 10000}
USER_LIMIT = "Subscription/User Update Per Device"


@dataclass(frozen=True, slots=True)
class Response:
    """What one request gets back; ``body`` None means an empty body."""

    status: int
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class _Windows:
    """Sliding one-second windows: key -> times of the requests let through in the last second.

    Sliding rather than fixed, so two writes 10 ms apart never pass a limit of 1/s just because a
    second boundary fell between them.
    """

    seen: dict[Any, deque[float]] = field(default_factory=dict)

    def allow(self, key: Any, limit: int | None, now: float) -> bool:
        if limit is None:
            return True
        times = self.seen.get(key)
        if times is None:
            times = self.seen[key] = deque()
        while times and now - times[0] >= 1.0:
            times.popleft()
        if len(times) >= limit:
            return False
        times.append(now)
        return True


def error(status: int, *messages: Any, **extra: Any) -> Response:
    return Response(status, {"errors": list(messages), **extra})


def rate_limited(limit: str) -> Response:
    return Response(
        429, {"errors": ["API rate limit exceeded."], "limit": limit}, (("Retry-After", "1"),)
    )


class SandboxApp:
    """One sandboxed app: answers API requests against a :class:`Store`."""

    def __init__(self, config: SandboxConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.windows = _Windows()

    # -- entry point ---------------------------------------------------------------------------

    def route(self, method: str, target: str) -> tuple[str, list[str]]:
        """The endpoint name used for counting and the decoded path segments."""
        path = target.split("?", 1)[0]
        if path.startswith("/api/v1/"):
            path = path[len("/api/v1") :]
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        return f"{method} {_template(parts)}", parts

    def handle(
        self,
        method: str,
        parts: list[str],
        headers: dict[str, str],
        body: bytes,
        query: dict[str, str] | None = None,
    ) -> Response:
        """Answer one API request (the path already split by :meth:`route`)."""
        query = query or {}
        if not self._authorized(headers.get("authorization", "")):
            return error(403, ACCESS_DENIED)
        payload: Any = None
        if body:
            try:
                payload = json.loads(body)
            except ValueError as exc:
                return error(400, f"Request body is not valid JSON: {exc}")
        if parts == ["notifications"] and method == "POST":
            return self.create_notification(payload)
        if parts and parts[0] == "notifications":
            return self._view_notifications(method, parts[1:], query)
        if len(parts) < 3 or parts[0] != "apps":
            return error(404, f"No such endpoint: /{'/'.join(parts)}")
        if parts[1] != self.config.app_id:
            return error(400, APP_NOT_FOUND)
        return self._app_route(method, parts[2:], payload)

    def _authorized(self, header: str) -> bool:
        scheme, _, key = header.partition(" ")
        return scheme.lower() in ("key", "basic", "bearer") and key.strip() == self.config.api_key

    def _app_route(self, method: str, rest: list[str], payload: Any) -> Response:
        now = time.monotonic()
        limits = self.config.rate_limits
        if rest == ["custom_events"] and method == "POST":
            if not self.windows.allow("events", limits.custom_events, now):
                return rate_limited("Custom Events Per App")
            return self.custom_events(payload)
        if rest[0] != "users":
            return error(404, f"No such endpoint: /apps/{{app_id}}/{'/'.join(rest)}")
        family = "views" if method == "GET" else "users"
        limit = limits.views if method == "GET" else limits.users
        if not self.windows.allow(family, limit, now):
            return rate_limited("View Per App" if method == "GET" else "User/Subscription Per App")
        if rest == ["users"] and method == "POST":
            return self.create_user(payload)
        if len(rest) == 2 and method == "PUT":
            return self.legacy_tags(rest[1], payload)
        if len(rest) < 4 or rest[1] != "by":
            return error(404, f"No such endpoint: /apps/{{app_id}}/{'/'.join(rest)}")
        label, value, tail = rest[2], rest[3], rest[4:]
        user = self.store.find(label, value)
        if user is None:
            return _user_not_found(label, value)
        handler = {
            ("GET", ()): self.view_user,
            ("PATCH", ()): self.update_user,
            ("DELETE", ()): self.delete_user,
            ("GET", ("identity",)): self.view_identity,
            ("PATCH", ("identity",)): self.upsert_identity,
            ("POST", ("subscriptions",)): self.create_subscription,
        }.get((method, tuple(tail)))
        if handler is None and method == "DELETE" and len(tail) == 2 and tail[0] == "identity":
            return self.delete_alias(user, tail[1])
        if handler is None:
            return error(404, f"No such endpoint: {method} /apps/{{app_id}}/{'/'.join(rest)}")
        return handler(user, payload)

    def _user_write(self, user: dict[str, Any]) -> Response | None:
        """The per-user write limit: a 429 to return, or None to go ahead."""
        oid = user["identity"]["onesignal_id"]
        if self.windows.allow(("user", oid), self.config.rate_limits.per_user, time.monotonic()):
            return None
        return rate_limited(USER_LIMIT)

    # -- users ---------------------------------------------------------------------------------

    def create_user(self, payload: Any) -> Response:
        if not isinstance(payload, dict):
            return error(400, "Body must be a User object with identity, properties, subscriptions")
        identity = payload.get("identity") or {}
        props = payload.get("properties") or {}
        subs_in = payload.get("subscriptions") or []
        if not isinstance(identity, dict) or not isinstance(subs_in, list):
            return error(400, "identity must be an object and subscriptions an array")
        if not identity and not subs_in:
            return error(400, "Include at least one alias in identity or one subscription")
        for label, value in identity.items():
            if label != "onesignal_id" and (msg := rules.check_alias(label, value)):
                return error(400, msg)
        problem, tag_changes = self._check_props(props)
        if problem:
            return problem
        subs = []
        for sub in subs_in:
            msg, clean = rules.check_subscription(sub)
            if msg:
                return error(400, msg)
            subs.append(clean)
        owners = {
            label: u["identity"]["onesignal_id"]
            for label, value in identity.items()
            if (u := self.store.find(label, value)) is not None
        }
        if "onesignal_id" in identity and "onesignal_id" not in owners:
            return error(404, f"No user with onesignal_id {identity['onesignal_id']}")
        if owners:
            target_id = owners.get("external_id") or next(iter(owners.values()))
            clash = {k: identity[k] for k, oid in owners.items() if oid != target_id}
            if clash:
                return _alias_conflict(clash)
            user: dict[str, Any] | None = self.store.users[target_id]
            assert user is not None
            if (limited := self._user_write(user)) is not None:
                return limited
        else:
            user = None
        current = user["identity"] if user else {}
        merged = {**current, **{k: v for k, v in identity.items() if k != "onesignal_id"}}
        if rules.custom_alias_count(merged) > self.config.max_aliases:
            return error(400, f"A user can have at most {self.config.max_aliases} custom aliases")
        if user and (msg := self._label_change(user, identity)):
            return error(409, msg)
        old_tags = user["properties"]["tags"] if user else {}
        if (too_many := self._tag_limit(old_tags, tag_changes)) is not None:
            return too_many
        if (full := self._subscription_room(user, subs)) is not None:
            return full
        status = 200
        if user is None:
            user, status = self.store.new_user(), 201
            self._user_write(user)  # counts as this user's first write
        for label, value in identity.items():
            if label != "onesignal_id":
                self.store.set_alias(user, label, value)
        self._apply_props(user, props, tag_changes)
        for sub in subs:
            self._attach(user, sub)
        return Response(status, public_user(user))

    def _label_change(self, user: dict[str, Any], identity: dict[str, Any]) -> str | None:
        """Create-user looks users up by alias; it never renames an alias the user has."""
        for label, value in identity.items():
            have = user["identity"].get(label)
            if label != "onesignal_id" and have is not None and have != value:
                return (
                    f"User already has {label}={have}; change aliases with "
                    "PATCH /apps/{app_id}/users/by/{label}/{id}/identity"
                )
        return None

    def view_user(self, user: dict[str, Any], payload: Any) -> Response:
        return Response(200, public_user(user))

    def update_user(self, user: dict[str, Any], payload: Any) -> Response:
        if not isinstance(payload, dict):
            return error(400, 'Body must be an object such as {"properties": {"tags": {...}}}')
        props = payload.get("properties") or {}
        deltas = payload.get("deltas") or {}
        problem, tag_changes = self._check_props(props)
        if problem:
            return problem
        if not isinstance(deltas, dict) or any(
            k not in ("session_time", "session_count", "purchases") for k in deltas
        ):
            return error(400, "deltas may only hold session_time, session_count and purchases")
        if (too_many := self._tag_limit(user["properties"]["tags"], tag_changes)) is not None:
            return too_many
        if (limited := self._user_write(user)) is not None:
            return limited
        self._apply_props(user, props, tag_changes)
        for key in ("session_time", "session_count"):
            if isinstance(deltas.get(key), int):
                user["properties"][key] = user["properties"].get(key, 0) + deltas[key]
        if isinstance(deltas.get("purchases"), list):
            user["properties"].setdefault("purchases", []).extend(deltas["purchases"])
        echoed = dict(props)
        if "tags" in props:
            echoed["tags"] = {k: ("" if v is None else v) for k, v in tag_changes.items()}
        return Response(202, {"properties": echoed})

    def delete_user(self, user: dict[str, Any], payload: Any) -> Response:
        if (limited := self._user_write(user)) is not None:
            return limited
        self.store.delete_user(user)
        return Response(200)

    def view_identity(self, user: dict[str, Any], payload: Any) -> Response:
        return Response(200, {"identity": dict(user["identity"])})

    def upsert_identity(self, user: dict[str, Any], payload: Any) -> Response:
        identity = payload.get("identity") if isinstance(payload, dict) else None
        if not isinstance(identity, dict) or not identity:
            return error(400, 'Body must be {"identity": {"label": "value", ...}}')
        for label, value in identity.items():
            if label == "onesignal_id":
                return error(400, "onesignal_id is read-only; it cannot be set or changed")
            if msg := rules.check_alias(label, value):
                return error(400, msg)
        me = user["identity"]["onesignal_id"]
        clash = {
            k: v
            for k, v in identity.items()
            if (owner := self.store.find(k, v)) is not None
            and owner["identity"]["onesignal_id"] != me
        }
        if clash:
            return _alias_conflict(clash)
        if rules.custom_alias_count({**user["identity"], **identity}) > self.config.max_aliases:
            return error(400, f"A user can have at most {self.config.max_aliases} custom aliases")
        if (limited := self._user_write(user)) is not None:
            return limited
        for label, value in identity.items():
            self.store.set_alias(user, label, value)
        return Response(200, {"identity": dict(user["identity"])})

    def delete_alias(self, user: dict[str, Any], label: str) -> Response:
        if label == "onesignal_id":
            return error(400, "onesignal_id is read-only; it cannot be deleted")
        if (limited := self._user_write(user)) is not None:
            return limited
        self.store.remove_alias(user, label)
        return Response(200, {"identity": dict(user["identity"])})

    def create_subscription(self, user: dict[str, Any], payload: Any) -> Response:
        sub_in = payload.get("subscription") if isinstance(payload, dict) else None
        msg, sub = rules.check_subscription(sub_in)
        if msg:
            return error(400, msg)
        if (full := self._subscription_room(user, [sub])) is not None:
            return full
        if (limited := self._user_write(user)) is not None:
            return limited
        owner = self.store.subscription_owner(sub["type"], sub["token"])
        attached = self._attach(user, sub)
        return Response(200 if owner is user else 201, {"subscription": attached})

    def legacy_tags(self, external_id: str, payload: Any) -> Response:
        user = self.store.find("external_id", external_id)
        if user is None:
            return error(404, "No players found for given external_user_id", success=False)
        tags = payload.get("tags") if isinstance(payload, dict) else None
        msg, changes = rules.tag_updates(tags)
        if msg:
            return error(400, msg, success=False)
        if len(changes) > rules.MAX_PROPERTY_UPDATES:
            return error(400, "Please limit your tag updates to 100 per request", success=False)
        if (too_many := self._tag_limit(user["properties"]["tags"], changes)) is not None:
            return too_many
        if (limited := self._user_write(user)) is not None:
            return limited
        user["properties"]["tags"] = rules.merged_tags(user["properties"]["tags"], changes)
        self.store.touch(user)
        return Response(200, {"success": True})

    # -- user helpers --------------------------------------------------------------------------

    def _check_props(self, props: Any) -> tuple[Response | None, dict[str, str | None]]:
        if msg := rules.check_properties(props):
            return error(400, msg), {}
        if "tags" not in props:
            return None, {}
        msg, changes = rules.tag_updates(props["tags"])
        return (error(400, msg) if msg else None), changes

    def _tag_limit(
        self, current: dict[str, str], changes: dict[str, str | None]
    ) -> Response | None:
        if len(rules.merged_tags(current, changes)) > self.config.max_tags:
            limit = self.config.max_tags
            return error(
                400, f"App is limited to a maximum of {limit} tags on a given player", success=False
            )
        return None

    def _apply_props(
        self, user: dict[str, Any], props: dict[str, Any], changes: dict[str, str | None]
    ) -> None:
        stored = user["properties"]
        for key, value in props.items():
            if key == "tags":
                stored["tags"] = rules.merged_tags(stored["tags"], changes)
            elif key == "purchases":
                stored.setdefault("purchases", []).extend(value)
            else:
                stored[key] = value
        self.store.touch(user)

    def _subscription_room(
        self, user: dict[str, Any] | None, subs: list[dict[str, Any]]
    ) -> Response | None:
        have = {(s["type"], s["token"]) for s in user["subscriptions"]} if user else set()
        new = {(s["type"], s["token"]) for s in subs} - have
        if len(have) + len(new) > self.config.max_subscriptions:
            return Response(
                409,
                {
                    "errors": [
                        {
                            "code": "subscription-0",
                            "title": "Operation is not permitted due to user having the maximum "
                            "number of subscriptions assigned",
                        }
                    ]
                },
            )
        return None

    def _attach(self, user: dict[str, Any], sub: dict[str, Any]) -> dict[str, Any]:
        """Add a subscription, or move it here if another user owns that token."""
        owner = self.store.subscription_owner(sub["type"], sub["token"])
        if owner is user:
            for mine in user["subscriptions"]:
                if (mine["type"], mine["token"]) == (sub["type"], sub["token"]):
                    mine["enabled"] = sub["enabled"]
                    self.store.touch(user)
                    return mine
        if owner is not None:
            moved = self.store.remove_subscription(owner, sub["type"], sub["token"])
            sub = {**sub, "id": moved["id"]}
        self.store.add_subscription(user, sub)
        return sub

    # -- custom events -------------------------------------------------------------------------

    def custom_events(self, payload: Any) -> Response:
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list) or not events:
            return error(400, 'Body must be {"events": [{"name": ..., "external_id": ...}, ...]}')
        now = rules.iso(datetime.now(UTC))
        accepted, failed = [], []
        for i, event in enumerate(events):
            if msg := _event_problem(event):
                return error(400, f"events[{i}]: {msg}")
            ext, oid = event.get("external_id"), event.get("onesignal_id")
            user = self.store.find("onesignal_id", oid) if oid else None
            if user is None and ext:
                user = self.store.find("external_id", ext)
            key = event.get("idempotency_key")
            if user is None:
                failed.append(
                    {
                        "event_user_id": ext or oid,
                        "event_id": key or str(i),
                        "error": {
                            "code": "not found",
                            "title": f"failed to find a onesignal_id for user_id {ext or oid}",
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
            if key and key in self.store.event_keys:
                continue
            self.store.add_event(event)
        if failed:
            return Response(202, {"errors": failed})
        return Response(200, {})

    # -- notifications -------------------------------------------------------------------------

    def create_notification(self, payload: Any) -> Response:
        if not isinstance(payload, dict) or payload.get("app_id") != self.config.app_id:
            return error(400, APP_NOT_FOUND)
        key = payload.get("idempotency_key", payload.get("external_id"))
        if key is not None and not rules.is_uuid(key):
            return error(400, "idempotency_key must be a valid RFC 9562 UUID")
        if key is not None and key in self.store.idempotency:
            first = self.store.idempotency[key]
            return Response(200, first["response"], (("Idempotent-Replayed", "true"),))
        if not self.windows.allow(
            "notifications", self.config.rate_limits.notifications, time.monotonic()
        ):
            return rate_limited("Create Notification Per App")
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
        recipients, users, invalid, msg = self._recipients(payload, method, channel)
        if msg:
            return error(400, msg)
        note_id = str(uuid.uuid4()) if recipients else ""
        body: dict[str, Any] = {"id": note_id, "external_id": None}
        if not recipients:
            body["errors"] = ["All included players are not subscribed"]
        elif invalid:
            body["errors"] = invalid
        if recipients or key:
            self.store.add_notification(
                {
                    "id": note_id,
                    "channel": channel,
                    "targeting": {method: payload[method]},
                    "recipients": len(recipients),
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

    def _view_notifications(self, method: str, rest: list[str], query: dict[str, str]) -> Response:
        """View, list and cancel notifications (``?app_id=`` as OneSignal wants it)."""
        if query.get("app_id") != self.config.app_id:
            return error(400, APP_NOT_FOUND)
        limits = self.config.rate_limits
        family, limit = ("views", limits.views)
        if method == "DELETE":
            family, limit = ("notifications", limits.notifications)
        if not self.windows.allow(family, limit, time.monotonic()):
            return rate_limited(
                "View Per App" if family == "views" else "Create Notification Per App"
            )
        sent = [n for n in self.store.notifications if n["id"]]
        if method == "GET" and not rest:
            try:
                size = min(int(query.get("limit", 50)), 50)
                offset = int(query.get("offset", 0))
            except ValueError:
                return error(400, "limit and offset must be integers")
            page = [_notification_view(n) for n in sent[offset : offset + size]]
            return Response(
                200,
                {"total_count": len(sent), "offset": offset, "limit": size, "notifications": page},
            )
        note = next((n for n in sent if rest and n["id"] == rest[0]), None)
        if len(rest) != 1 or method not in ("GET", "DELETE"):
            return error(404, f"No such endpoint: {method} /notifications/{'/'.join(rest)}")
        if note is None:
            return error(404, "Notification not found")
        if method == "DELETE":
            note["canceled"] = True
            self.store.touch_notification(note)
            return Response(200, {"success": True})
        return Response(200, _notification_view(note))

    def _recipients(
        self, payload: dict[str, Any], method: str, channel: str
    ) -> tuple[list[str], list[str], dict[str, Any], str | None]:
        """Subscription ids reached, their users, the ``errors`` object, or a 400 message."""
        target = payload[method]
        limit = self.config.max_recipients
        subs: list[str] = []
        users: list[str] = []
        invalid: dict[str, Any] = {}

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
                return [], [], {}, 'include_aliases must look like {"external_id": ["id1", ...]}'
            if sum(len(v) for v in target.values()) > limit:
                return [], [], {}, f"include_aliases: Limit of {limit} entries per REST API call"
            for label, values in target.items():
                for value in values:
                    if not reach(self.store.find(label, value)):
                        invalid.setdefault("invalid_aliases", {}).setdefault(label, []).append(
                            value
                        )
        elif method in (
            "include_external_user_ids",
            "include_subscription_ids",
            "include_player_ids",
        ):
            if not isinstance(target, list) or not all(isinstance(x, str) for x in target):
                return [], [], {}, f"{method} must be an array of strings"
            if len(target) > limit:
                return [], [], {}, f"{method}: Limit of {limit} entries per REST API call"
            by_id = {s["id"]: s for u in self.store.users.values() for s in u["subscriptions"]}
            for value in target:
                if method == "include_external_user_ids":
                    ok = reach(self.store.find("external_id", value))
                    field_name = "invalid_external_user_ids"
                else:  # subscription ids (player ids in the legacy model)
                    sub = by_id.get(value)
                    ok = bool(sub and sub["enabled"])
                    if ok:
                        subs.append(value)
                    field_name = "invalid_player_ids"
                if not ok:
                    invalid.setdefault(field_name, []).append(value)
        elif method in ("email_to", "include_phone_numbers"):
            if not isinstance(target, list) or len(target) > limit:
                return [], [], {}, f"{method} must be an array of at most {limit} entries"
            subs.extend(str(x) for x in target)
        else:
            for user in self.store.users.values():
                reach(user)
        return subs, users, invalid, None


# -- helpers -----------------------------------------------------------------------------------


def _template(parts: list[str]) -> str:
    """Turn a concrete path into the endpoint it hits, for request counts."""
    if len(parts) >= 2 and parts[0] == "apps":
        out = ["apps", "{app_id}", *parts[2:]]
        if len(out) >= 5 and out[3] == "by":
            out[4:6] = ["{alias_label}", "{alias_id}"][: len(out[4:6])]
            if len(out) == 8 and out[6] == "identity":
                out[7] = "{alias_label_to_delete}"
        elif len(out) == 4 and out[2] == "users":
            out[3] = "{external_user_id}"
        return "/" + "/".join(out)
    if len(parts) == 2 and parts[0] == "notifications":
        return "/notifications/{notification_id}"
    return "/" + "/".join(parts)


def _notification_view(note: dict[str, Any]) -> dict[str, Any]:
    """The fields of OneSignal's view-notification answer that the sandbox can fill in."""
    return {
        "id": note["id"],
        "name": note.get("name"),
        "contents": note.get("contents"),
        "headings": note.get("headings"),
        "template_id": note.get("template_id"),
        "send_after": note.get("send_after"),
        "queued_at": note["created_at"],
        "successful": note["recipients"],
        "failed": 0,
        "errored": 0,
        "remaining": 0,
        "converted": 0,
        "canceled": note.get("canceled", False),
    }


def _user_not_found(label: str, value: str) -> Response:
    return Response(
        404,
        {
            "errors": [
                {
                    "code": "user-0",
                    "title": f"User with {label} '{value}' not found",
                    "meta": {label: value},
                }
            ]
        },
    )


def _alias_conflict(clash: dict[str, str]) -> Response:
    return Response(
        409,
        {
            "errors": [
                {
                    "code": "user-2",
                    "title": "One or more Aliases claimed by another User",
                    "meta": {"conflicting_aliases": clash},
                }
            ]
        },
    )


def _event_problem(event: Any) -> str | None:
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
    data = event.get("properties", event.get("payload"))
    if data is not None and not isinstance(data, dict):
        return "properties must be an object"
    if event.get("timestamp") is not None and rules.parse_time(event["timestamp"]) is None:
        return f"timestamp '{event['timestamp']}' is not ISO 8601"
    if rules.json_size(event) > rules.MAX_EVENT_BYTES:
        return f"event is larger than {rules.MAX_EVENT_BYTES} bytes"
    return None


def _channel(payload: dict[str, Any], method: str) -> tuple[str, str | None]:
    channel = payload.get("target_channel")
    if method == "include_aliases" and channel is None:
        return "", "target_channel (push, email or sms) is required with include_aliases"
    if channel is None:
        channel = {"email_to": "email", "include_phone_numbers": "sms"}.get(method)
        if method == "include_external_user_ids":
            channel = payload.get("channel_for_external_user_ids")
    channel = channel or "push"
    if channel not in PUSH_LIMITS:
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
    for name, limit in (("custom_data", PUSH_LIMITS[channel]), ("data", 2048)):
        value = payload.get(name)
        if value is None:
            continue
        if not isinstance(value, dict):
            return f"{name} must be a JSON object"
        if rules.json_size(value) > limit:
            return f"{name} is {rules.json_size(value)} bytes; the limit is {limit} bytes"
    return None


def _channel_subs(user: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    kinds = {"email": ("Email",), "sms": ("SMS",)}.get(channel)
    return [
        s
        for s in user["subscriptions"]
        if s["enabled"] and (s["type"] in kinds if kinds else s["type"] not in ("Email", "SMS"))
    ]
