"""The OneSignal endpoints onesync uses, as request values plus how to read their answers.

Each builder returns a ``Call``: method, path (every alias value quoted with ``safe=""`` so
``a/b c+d@e`` reaches OneSignal intact), JSON body, and a ``finish`` hook that turns a 2xx body into
a ``Result``. The sync and async clients share all of this and differ only in how they wait.
Facts come from /work/shared/reference/onesignal-api.md (sections named in the comments).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from onesync.destination.results import Failure, Result, error_reason

__all__ = ["Call", "InvalidCall", "SUBSCRIPTION_TYPES"]

# onesync's subscription names (the spec's `subscriptions:` keys) -> OneSignal's type names (§2).
SUBSCRIPTION_TYPES = {"email": "Email", "sms": "SMS"}

TagValue = str | int | float | bool | None
Finish = Callable[[Result, Any], Result]


class InvalidCall(ValueError):
    """The call cannot be made as asked (empty alias value...): rejected without a request."""


def _same(result: Result, body: Any) -> Result:
    return result


@dataclass(frozen=True, slots=True)
class Call:
    """One request to make: ``path`` is relative to the destination's ``api_url``."""

    operation: str
    method: str
    path: str
    body: Any = None
    view: bool = False  # view endpoints have their own, much lower rate limit (§6)
    finish: Finish = _same
    headers: tuple[tuple[str, str], ...] = ()


def _q(value: str, what: str) -> str:
    if value is None or str(value) == "":
        raise InvalidCall(f"{what} is empty; a user needs a non-empty alias value")
    return quote(str(value), safe="")


def _user_path(app_id: str, label: str, alias_id: str) -> str:
    return (
        f"/apps/{_q(app_id, 'app_id')}/users/by/{_q(label, 'alias label')}/"
        f"{_q(alias_id, f'alias {label}')}"
    )


def tag_values(tags: Mapping[str, TagValue]) -> dict[str, str]:
    """Tags as OneSignal takes them: all strings, ``""`` (or None) to unset a key (§1.2)."""
    out: dict[str, str] = {}
    for key, value in tags.items():
        if value is None:
            out[key] = ""
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def subscription_body(type_: str, token: str, enabled: bool = True) -> dict[str, Any]:
    if not token:
        raise InvalidCall(f"{type_} subscription token is empty")
    api_type = SUBSCRIPTION_TYPES.get(type_.lower(), type_)
    return {"type": api_type, "token": token, "enabled": enabled}


def _onesignal_id(result: Result, body: Any) -> Result:
    identity = body.get("identity") if isinstance(body, dict) else None
    if isinstance(identity, dict) and identity.get("onesignal_id"):
        return dataclasses.replace(result, id=str(identity["onesignal_id"]))
    return result


def create_user(
    app_id: str,
    identity: Mapping[str, str],
    tags: Mapping[str, TagValue] | None = None,
    subscriptions: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
) -> Call:
    """POST /apps/{app_id}/users: creates the user, or updates the one its aliases find (§1.1)."""
    ident = {k: str(v) for k, v in identity.items() if v is not None and str(v) != ""}
    if not ident:
        raise InvalidCall("a user needs at least one alias (external_id) to be created")
    body: dict[str, Any] = {"identity": ident}
    if tags:
        body["properties"] = {"tags": tag_values(tags)}
    if subscriptions:
        pairs = subscriptions.items() if isinstance(subscriptions, Mapping) else subscriptions
        subs = [subscription_body(t, tok) for t, tok in pairs if tok]
        if subs:
            body["subscriptions"] = subs
    return Call("create_user", "POST", f"/apps/{_q(app_id, 'app_id')}/users", body, False,
                _onesignal_id)  # fmt: skip


def update_user(app_id: str, label: str, alias_id: str, tags: Mapping[str, TagValue]) -> Call:
    """PATCH …/users/by/{label}/{id} with ``properties.tags``; ``""`` unsets a tag (§1.2)."""
    body = {"properties": {"tags": tag_values(tags)}}
    return Call("update_user", "PATCH", _user_path(app_id, label, alias_id), body)


def add_aliases(app_id: str, label: str, alias_id: str, aliases: Mapping[str, str]) -> Call:
    """PATCH …/identity: upserts aliases on an existing user (§1.5)."""
    ident = {k: str(v) for k, v in aliases.items()}
    path = _user_path(app_id, label, alias_id) + "/identity"
    return Call("add_aliases", "PATCH", path, {"identity": ident})


def create_subscription(
    app_id: str, label: str, alias_id: str, type_: str, token: str, enabled: bool = True
) -> Call:
    """POST …/subscriptions: adds (or transfers) an email / SMS subscription (§2)."""
    body = {"subscription": subscription_body(type_, token, enabled)}
    path = _user_path(app_id, label, alias_id) + "/subscriptions"
    return Call("create_subscription", "POST", path, body)


def get_user(app_id: str, label: str, alias_id: str) -> Call:
    """GET …/users/by/{label}/{id}: identity, properties and subscriptions (§1.3)."""
    return Call("get_user", "GET", _user_path(app_id, label, alias_id), None, True, _onesignal_id)


def send_events(app_id: str, events: Sequence[Mapping[str, Any]]) -> Call:
    """POST /apps/{app_id}/custom_events with ``{"events": [...]}`` (§4).

    Each event is ``{name, external_id, timestamp?, properties?, idempotency_key?}``. A 2xx
    may still list failed events; they come back as ``Result.failures`` matched to their index.
    """
    batch = [dict(e) for e in events]
    if not batch:
        raise InvalidCall("send_events needs at least one event")

    def finish(result: Result, body: Any) -> Result:
        errors = body.get("errors") if isinstance(body, dict) else None
        if not errors:
            return result
        failures = tuple(_event_failures(batch, errors))
        failed = {f.index for f in failures}
        status = "rejected" if None not in failed and len(failed) >= len(batch) else "partial"
        return dataclasses.replace(
            result, status=status, failures=failures, reason=error_reason(body)
        )

    return Call("send_events", "POST", f"/apps/{_q(app_id, 'app_id')}/custom_events",
                {"events": batch}, False, finish)  # fmt: skip


def _event_failures(batch: list[dict[str, Any]], errors: Any) -> Iterable[Failure]:
    """Match OneSignal's ``{event_id, event_user_id, error}`` entries to request positions."""
    if not isinstance(errors, list):
        yield Failure(None, None, error_reason({"errors": errors}))
        return
    for err in errors:
        if not isinstance(err, dict):
            yield Failure(None, None, str(err))
            continue
        event_id = err.get("event_id") or err.get("idempotency_key")
        user = err.get("event_user_id") or err.get("external_id")
        reason = error_reason({"errors": [err]})
        matches = [
            i for i, e in enumerate(batch) if event_id and event_id in (
                e.get("idempotency_key"), e.get("id"))
        ]  # fmt: skip
        if not matches and user:
            matches = [
                i
                for i, e in enumerate(batch)
                if user in (e.get("external_id"), e.get("onesignal_id"))
            ]
        if isinstance(err.get("index"), int):
            matches = [err["index"]]
        for i in matches or [None]:
            yield Failure(i, str(event_id or user) if (event_id or user) else None, reason)


def create_notification(
    app_id: str, payload: Mapping[str, Any], idempotency_key: str | None = None
) -> Call:
    """POST /notifications with an ``idempotency_key`` (a UUID) so retries never double-send (§3).

    A 200 whose ``id`` is empty sent nothing: that is ``rejected`` with OneSignal's ``errors``.
    With an id, ``errors.invalid_aliases`` etc. come back as ``failures`` (some recipients missed).
    """
    body = dict(payload)
    body.setdefault("app_id", app_id)
    key = idempotency_key or body.get("idempotency_key") or str(uuid.uuid4())
    try:
        key = str(uuid.UUID(str(key)))
    except ValueError:
        raise InvalidCall(f"idempotency_key {key!r} is not a UUID; use idempotency_key()") from None
    body["idempotency_key"] = key

    def finish(result: Result, body: Any) -> Result:
        body = body if isinstance(body, dict) else {}
        nid = body.get("id") or None
        if not nid:
            reason = error_reason(body) if body.get("errors") else "no recipients; nothing sent"
            return dataclasses.replace(result, status="rejected", reason=reason)
        errors = body.get("errors")
        failures: list[Failure] = []
        if isinstance(errors, dict):
            for kind, value in errors.items():
                items = value.items() if isinstance(value, dict) else [("", value)]
                for label, ids in items:
                    for v in ids if isinstance(ids, list) else [ids]:
                        name = f"{kind} {label}".strip()
                        failures.append(Failure(None, str(v), f"{name}: not subscribed or unknown"))
        elif isinstance(errors, list):
            failures = [Failure(None, None, str(e)) for e in errors]
        return dataclasses.replace(result, id=str(nid), failures=tuple(failures))

    return Call("create_notification", "POST", "/notifications", body, False, finish)


def legacy_edit_tags(app_id: str, external_user_id: str, tags: Mapping[str, TagValue]) -> Call:
    """PUT /apps/{app_id}/users/{external_user_id} (legacy player model, §5)."""
    path = f"/apps/{_q(app_id, 'app_id')}/users/{_q(external_user_id, 'external_user_id')}"

    def finish(result: Result, body: Any) -> Result:
        if isinstance(body, dict) and body.get("success") is False:
            return dataclasses.replace(result, status="rejected", reason=error_reason(body))
        return result

    return Call("legacy_edit_tags", "PUT", path, {"tags": tag_values(tags)}, False, finish)
