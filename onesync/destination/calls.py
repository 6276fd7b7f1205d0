"""The OneSignal endpoints onesync uses, as request values plus how to read their answers.

Each builder returns a ``Call``: method, path (every path value quoted with ``safe=""`` so
``a/b c+d@e`` reaches OneSignal intact), JSON body, a ``finish`` hook that turns a 2xx body into
a ``Result`` and a ``refused`` hook that explains a final 4xx. The payloads onesync sends are all
built here too (``notification_body``, ``custom_event``), so apply never spells a wire field.
Facts come from /work/shared/reference/onesignal-api.md (sections named in the comments); paths
and bodies match the operations of OneSignal's OpenAPI spec (``operation`` is its operationId
where onesync uses the same name).

    users          create_user, update_user, get_user, delete_user
    aliases        add_aliases, delete_alias, get/set_subscription_identity
    subscriptions  create_subscription, update_subscription, update_subscription_by_token,
                   transfer_subscription, delete_subscription
    sends          create_notification (+ notification_body), send_events (+ custom_event)
    legacy         legacy_edit_tags, legacy_edit_device
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from onesync.destination.results import (
    Failure,
    Result,
    Status,
    conflicting_aliases,
    error_reason,
    subscription_refs,
)
from onesync.model import Channel

__all__ = [
    "SUBSCRIPTION_TYPES",
    "Call",
    "Channel",
    "InvalidCall",
    "custom_event",
    "notification_body",
    "resolve_send_after",
]

# onesync's subscription names (the spec's `subscriptions:` keys) -> OneSignal's type names (§2).
SUBSCRIPTION_TYPES = {"email": "Email", "sms": "SMS"}
MAX_SUBSCRIPTIONS = 20  # per user (§2); a 409 on adding one more says so

TagValue = str | int | float | bool | None
Finish = Callable[[Result, Any], Result]
Subscriptions = Mapping[str, str] | Iterable[tuple[str, str]] | None


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
    finish: Finish = _same  # a 2xx answer -> the Result
    headers: tuple[tuple[str, str], ...] = ()
    refused: Finish = _same  # a final 4xx (not 401/403) -> the Result, e.g. to name a conflict


# -- paths -------------------------------------------------------------------------------------


def _q(value: str, what: str, hint: str = "a user needs a non-empty alias value") -> str:
    if value is None or str(value) == "":
        raise InvalidCall(f"{what} is empty; {hint}")
    return quote(str(value), safe="")


def _app_path(app_id: str) -> str:
    return f"/apps/{_q(app_id, 'app_id', 'set destination.app_id')}"


def _user_path(app_id: str, label: str, alias_id: str) -> str:
    return (
        f"{_app_path(app_id)}/users/by/{_q(label, 'alias label')}/{_q(alias_id, f'alias {label}')}"
    )


def _subscription_path(app_id: str, subscription_id: str) -> str:
    sid = _q(subscription_id, "subscription_id", "record the id OneSignal answered with")
    return f"{_app_path(app_id)}/subscriptions/{sid}"


def _api_type(type_: str) -> str:
    return SUBSCRIPTION_TYPES.get(type_.lower(), type_)


# -- answers -----------------------------------------------------------------------------------


def _onesignal_id(result: Result, body: Any) -> Result:
    """A ``User`` / ``UserIdentityBody`` answer: the onesignal_id and any subscriptions."""
    if not isinstance(body, dict):
        return result
    identity = body.get("identity")
    subs = subscription_refs(body.get("subscriptions"))
    if isinstance(identity, dict) and identity.get("onesignal_id"):
        result = dataclasses.replace(result, id=str(identity["onesignal_id"]))
    return dataclasses.replace(result, subscriptions=subs) if subs else result


def _subscription(result: Result, body: Any) -> Result:
    """A ``SubscriptionBody`` answer: the subscription (and its id) OneSignal now holds."""
    subs = subscription_refs(body.get("subscription") if isinstance(body, dict) else None)
    if not subs:
        return result
    return dataclasses.replace(result, id=subs[0].id, subscriptions=subs)


def _on_409(app_id: str, adding: str = "", *, full_unless_claimed: bool = False) -> Finish:
    """Explain a 409: which alias another user holds and how to free it, or a full user.

    Create-user and the identity PATCHes answer 409 when an alias is claimed (§1.1, §8.1);
    create-subscription answers 409 when the user has the maximum number of subscriptions (§2).
    """

    def refused(result: Result, body: Any) -> Result:
        if result.http_status != 409:
            return result
        claimed = conflicting_aliases(body)
        if claimed:
            parts = [
                f"alias {label}={value} is claimed by another OneSignal user; remove it there "
                f"(DELETE {_user_path(app_id, label, value)}/identity/{_q(label, 'label')}) "
                "or change the row"
                for label, value in claimed.items()
            ]
            reason = "HTTP 409: " + "; ".join(parts)
            return dataclasses.replace(result, conflicts=claimed, reason=reason)
        said = error_reason(body).lower()
        if full_unless_claimed or "maximum number of subscriptions" in said:
            reason = (
                f"HTTP 409: the user already has the maximum number of subscriptions "
                f"({MAX_SUBSCRIPTIONS} per user); delete one it no longer needs (DELETE "
                f"{_app_path(app_id)}/subscriptions/{{subscription_id}}) before adding "
                f"{adding or 'another'}"
            )
            return dataclasses.replace(result, reason=reason)
        return result

    return refused


# -- users -------------------------------------------------------------------------------------


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


def subscription_body(type_: str, token: str, enabled: bool | None = None) -> dict[str, Any]:
    """A ``Subscription`` to create: ``enabled`` only when the caller decides it.

    Leaving it out is what keeps a person's unsubscribe: a token that already exists in the app
    is transferred with its state (§2), while ``enabled: true`` would subscribe them again.
    """
    if not token:
        raise InvalidCall(f"{type_} subscription token is empty")
    body: dict[str, Any] = {"type": _api_type(type_), "token": token}
    if enabled is not None:
        body["enabled"] = enabled
    return body


def subscription_pairs(subscriptions: Subscriptions) -> list[tuple[str, str]]:
    """``{"email": "a@b.com"}`` or ``[("email", "a@b.com")]`` as pairs, empty tokens left out."""
    if not subscriptions:
        return []
    pairs = subscriptions.items() if isinstance(subscriptions, Mapping) else subscriptions
    return [(t, tok) for t, tok in pairs if tok]


def _describe_subs(pairs: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{t} {tok}" for t, tok in pairs)


def create_user(
    app_id: str,
    identity: Mapping[str, str],
    tags: Mapping[str, TagValue] | None = None,
    subscriptions: Subscriptions = None,
    enabled: bool | None = None,
) -> Call:
    """POST /apps/{app_id}/users: creates the user, or updates the one its aliases find (§1.1).

    Subscriptions go without ``enabled`` unless it is given, so an existing email or phone keeps
    the state its owner chose (see ``subscription_body``). The answer's subscription ids come
    back as ``Result.subscriptions``; a 409 names the claimed aliases in ``Result.conflicts``.
    """
    ident = {k: str(v) for k, v in identity.items() if v is not None and str(v) != ""}
    if not ident:
        raise InvalidCall("a user needs at least one alias (external_id) to be created")
    body: dict[str, Any] = {"identity": ident}
    if tags:
        body["properties"] = {"tags": tag_values(tags)}
    pairs = subscription_pairs(subscriptions)
    if pairs:
        body["subscriptions"] = [subscription_body(t, tok, enabled) for t, tok in pairs]
    return Call(
        "create_user",
        "POST",
        f"{_app_path(app_id)}/users",
        body,
        False,
        _onesignal_id,
        refused=_on_409(app_id, _describe_subs(pairs)),
    )


def update_user(app_id: str, label: str, alias_id: str, tags: Mapping[str, TagValue]) -> Call:
    """PATCH …/users/by/{label}/{id} with ``properties.tags``; ``""`` unsets a tag (§1.2)."""
    body = {"properties": {"tags": tag_values(tags)}}
    return Call("update_user", "PATCH", _user_path(app_id, label, alias_id), body)


def get_user(app_id: str, label: str, alias_id: str) -> Call:
    """GET …/users/by/{label}/{id}: identity, properties and subscriptions (§1.3)."""
    return Call("get_user", "GET", _user_path(app_id, label, alias_id), None, True, _onesignal_id)


def delete_user(app_id: str, label: str, alias_id: str) -> Call:
    """DELETE …/users/by/{label}/{id}: the user with all its subscriptions and aliases (§1.4).

    A 404 (``Result.not_found``) means the user is already gone.
    """
    return Call("delete_user", "DELETE", _user_path(app_id, label, alias_id))


# -- aliases -----------------------------------------------------------------------------------


def _identity(aliases: Mapping[str, str], what: str) -> dict[str, str]:
    ident = {str(k): str(v) for k, v in aliases.items()}
    if not ident:
        raise InvalidCall(f"{what} needs at least one alias")
    if "onesignal_id" in ident:
        raise InvalidCall("onesignal_id is read-only; OneSignal assigns it")
    for label, value in ident.items():
        _q(label, "alias label")
        _q(value, f"alias {label}")
    return ident


def add_aliases(app_id: str, label: str, alias_id: str, aliases: Mapping[str, str]) -> Call:
    """PATCH …/identity: upserts aliases on an existing user (§1.5); a 409 names the claim."""
    ident = {k: str(v) for k, v in aliases.items()}
    path = _user_path(app_id, label, alias_id) + "/identity"
    return Call("add_aliases", "PATCH", path, {"identity": ident}, refused=_on_409(app_id))


def delete_alias(app_id: str, label: str, alias_id: str, label_to_delete: str) -> Call:
    """DELETE …/users/by/{label}/{id}/identity/{label_to_delete} (§1.5).

    Frees an alias so another user can take it, or removes one cleared in mirror mode. The
    onesignal_id cannot be deleted; a 404 (``Result.not_found``) means the user is gone.
    """
    if label_to_delete == "onesignal_id":
        raise InvalidCall("onesignal_id is read-only; it cannot be deleted")
    path = f"{_user_path(app_id, label, alias_id)}/identity/{_q(label_to_delete, 'alias label')}"
    return Call("delete_alias", "DELETE", path, None, False, _onesignal_id)


def get_subscription_identity(app_id: str, subscription_id: str) -> Call:
    """GET /apps/{app_id}/subscriptions/{id}/user/identity: who owns a subscription now.

    A view endpoint (1 request/s per app, §6); ``Result.id`` is the owner's onesignal_id and
    ``Result.body["identity"]`` all its aliases.
    """
    path = _subscription_path(app_id, subscription_id) + "/user/identity"
    return Call("get_subscription_identity", "GET", path, None, True, _onesignal_id)


def set_subscription_identity(
    app_id: str, subscription_id: str, identity: Mapping[str, str]
) -> Call:
    """PATCH /apps/{app_id}/subscriptions/{id}/user/identity: upsert aliases on its owner."""
    body = {"identity": _identity(identity, "set_subscription_identity")}
    path = _subscription_path(app_id, subscription_id) + "/user/identity"
    return Call(
        "set_subscription_identity",
        "PATCH",
        path,
        body,
        False,
        _onesignal_id,
        refused=_on_409(app_id),
    )


# -- subscriptions -----------------------------------------------------------------------------


def create_subscription(
    app_id: str, label: str, alias_id: str, type_: str, token: str, enabled: bool | None = None
) -> Call:
    """POST …/subscriptions: adds an email / SMS subscription to a user (§2).

    If the token already exists in the app OneSignal transfers it to this user and it keeps
    its state; ``enabled`` is sent only when given, so a person's unsubscribe holds. The id
    OneSignal answers with is ``Result.id`` (and ``Result.subscriptions``).
    """
    body = {"subscription": subscription_body(type_, token, enabled)}
    path = _user_path(app_id, label, alias_id) + "/subscriptions"
    return Call(
        "create_subscription",
        "POST",
        path,
        body,
        False,
        _subscription,
        refused=_on_409(app_id, f"{type_} {token}", full_unless_claimed=True),
    )


def _subscription_fields(fields: Mapping[str, Any], what: str) -> dict[str, Any]:
    out = dict(fields)
    if not out:
        raise InvalidCall(f"{what} needs at least one field (enabled, token...)")
    if isinstance(out.get("type"), str):
        out["type"] = _api_type(out["type"])
    return out


def update_subscription(app_id: str, subscription_id: str, fields: Mapping[str, Any]) -> Call:
    """PATCH /apps/{app_id}/subscriptions/{id} with ``{"subscription": fields}`` (§2).

    E.g. ``{"enabled": False}`` to stop sending to it; a 404 means the subscription is gone.
    """
    body = {"subscription": _subscription_fields(fields, "update_subscription")}
    return Call("update_subscription", "PATCH", _subscription_path(app_id, subscription_id), body)


def update_subscription_by_token(
    app_id: str, token_type: str, token: str, fields: Mapping[str, Any]
) -> Call:
    """PATCH /apps/{app_id}/subscriptions_by_token/{Email|SMS}/{token} (§2, 202).

    For when onesync never learned the subscription's id, e.g. to disable an email by address.
    ``token_type`` is onesync's name (``email`` / ``sms``) or OneSignal's.
    """
    kind = _q(_api_type(token_type), "token_type", "use email or sms")
    tok = _q(token, "token", "give the email address or phone number")
    path = f"{_app_path(app_id)}/subscriptions_by_token/{kind}/{tok}"
    body = {"subscription": _subscription_fields(fields, "update_subscription_by_token")}
    return Call("update_subscription_by_token", "PATCH", path, body)


def transfer_subscription(app_id: str, subscription_id: str, identity: Mapping[str, str]) -> Call:
    """PATCH …/subscriptions/{id}/owner with ``{"identity": {label: value}}`` (§2).

    Moves the subscription, with its state, to the user with that one alias (the spec allows
    exactly one property).
    """
    ident = {str(k): str(v) for k, v in identity.items()}
    if len(ident) != 1:
        raise InvalidCall(f"transfer_subscription needs exactly one alias, got {len(ident)}")
    ((label, value),) = ident.items()
    _q(value, f"alias {label}")
    path = _subscription_path(app_id, subscription_id) + "/owner"
    return Call(
        "transfer_subscription",
        "PATCH",
        path,
        {"identity": ident},
        False,
        _onesignal_id,
        refused=_on_409(app_id),
    )


def delete_subscription(app_id: str, subscription_id: str) -> Call:
    """DELETE /apps/{app_id}/subscriptions/{id} (§2, 202).

    A 404 (``Result.not_found``) means it is already gone, which is what was wanted.
    """
    return Call("delete_subscription", "DELETE", _subscription_path(app_id, subscription_id))


# -- custom events -----------------------------------------------------------------------------


def custom_event(
    *,
    name: str,
    external_id: str,
    idempotency_key: str,
    timestamp: str | None = None,
    properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``CustomEvent`` for ``send_events`` (§4).

    ``idempotency_key`` (see ``results.idempotency_key``) lets OneSignal drop a resent event;
    the event data goes in ``properties`` as the current docs name it.
    """
    body: dict[str, Any] = {
        "name": name,
        "external_id": external_id,
        "idempotency_key": idempotency_key,
    }
    if timestamp:
        body["timestamp"] = timestamp
    if properties:
        body["properties"] = dict(properties)
    return body


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
        status: Status = "partial"
        if None not in failed and len(failed) >= len(batch):
            status = "rejected"
        return dataclasses.replace(
            result, status=status, failures=failures, reason=error_reason(body)
        )

    return Call(
        "send_events",
        "POST",
        f"{_app_path(app_id)}/custom_events",
        {"events": batch},
        False,
        finish,
    )


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
            i
            for i, e in enumerate(batch)
            if event_id and event_id in (e.get("idempotency_key"), e.get("id"))
        ]
        if not matches and user:
            matches = [
                i
                for i, e in enumerate(batch)
                if user in (e.get("external_id"), e.get("onesignal_id"))
            ]
        if isinstance(err.get("index"), int):
            matches = [err["index"]]
        positions: list[int | None] = list(matches) or [None]
        for i in positions:
            yield Failure(i, str(event_id or user) if (event_id or user) else None, reason)


# -- notifications -----------------------------------------------------------------------------

_DELAY = re.compile(r"\+\s*(\d+(?:\.\d+)?)\s*([smhd]?)")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}
# Targeting keys whose values are recipients onesync can name (segments and filters are not).
_RECIPIENT_KEYS = (
    "include_aliases",
    "include_subscription_ids",
    "email_to",
    "include_email_tokens",
    "include_phone_numbers",
    "include_external_user_ids",
    "include_player_ids",
)


def resolve_send_after(value: str | None, now: datetime | None = None) -> str | None:
    """``+30m`` / ``+1h`` / ``+2d`` (and ``+90s``, ``+15``: seconds) become an RFC 3339 UTC time
    counted from ``now`` (the moment of sending); anything else passes through for OneSignal
    to read (§3 ``send_after``)."""
    if not value:
        return None
    m = _DELAY.fullmatch(value.strip())
    if not m:
        return value
    start = now or datetime.now(UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    at = start.astimezone(UTC) + timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


def _first(text: Mapping[str, str] | str) -> str:
    if isinstance(text, str):
        return text
    return text.get("en") or next(iter(text.values()))


def _by_language(text: Mapping[str, str] | str) -> dict[str, str]:
    return {"en": text} if isinstance(text, str) else dict(text)


def notification_body(
    *,
    channel: Channel,
    aliases: Mapping[str, Sequence[str]] | None = None,
    email_tokens: Sequence[str] | None = None,
    phone_numbers: Sequence[str] | None = None,
    subscription_ids: Sequence[str] | None = None,
    headings: Mapping[str, str] | str | None = None,
    contents: Mapping[str, str] | str | None = None,
    subject: Mapping[str, str] | str | None = None,
    template_id: str | None = None,
    custom_data: Mapping[str, Any] | None = None,
    send_after: str | None = None,
) -> dict[str, Any]:
    """The create-notification body for one message, without ``app_id`` and key (§3).

    Exactly one way to target (OneSignal refuses a mix): ``aliases`` (label -> values, sent
    as ``include_aliases`` with ``target_channel``), ``email_tokens`` (``email_to``),
    ``phone_numbers`` (``include_phone_numbers``, E.164) or ``subscription_ids``. Email takes
    ``subject`` / ``contents`` as ``email_subject`` / ``email_body`` (English, else the first
    language); push and SMS take ``contents`` / ``headings`` per language. ``send_after`` may be
    a delay (``+30m``) resolved now, at send time.
    """
    if channel not in ("push", "email", "sms"):
        raise InvalidCall(f"channel must be push, email or sms, not {channel!r}")
    targets: dict[str, Any] = {}
    if aliases:
        include = {str(k): [str(v) for v in vs] for k, vs in aliases.items() if vs}
        if include:
            targets["include_aliases"] = include
    for key, values, only in (
        ("email_to", email_tokens, "email"),
        ("include_phone_numbers", phone_numbers, "sms"),
        ("include_subscription_ids", subscription_ids, None),
    ):
        if values:
            if only and channel != only:
                raise InvalidCall(f"{key} sends {only} only, not {channel}")
            targets[key] = [str(v) for v in values]
    if not targets:
        raise InvalidCall("a message needs recipients (aliases, emails, phones or subscriptions)")
    if len(targets) > 1:
        raise InvalidCall(f"use one way to target a message, not {' and '.join(targets)}")
    body: dict[str, Any] = dict(targets)
    if "include_aliases" in body or "include_subscription_ids" in body:
        body["target_channel"] = channel
    if channel == "email":
        if subject:
            body["email_subject"] = _first(subject)
        if contents:
            body["email_body"] = _first(contents)
    else:
        if contents:
            body["contents"] = _by_language(contents)
        if headings:
            body["headings"] = _by_language(headings)
    if template_id:
        body["template_id"] = template_id
    if custom_data:
        body["custom_data"] = dict(custom_data)
    when = resolve_send_after(send_after)
    if when:
        body["send_after"] = when
    return body


def recipients(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """Every recipient a create-notification payload names, in order, once each."""
    out: list[str] = []
    for key in _RECIPIENT_KEYS:
        value = payload.get(key)
        groups = value.values() if isinstance(value, Mapping) else [value]
        for group in groups:
            if isinstance(group, list | tuple):
                out.extend(str(v) for v in group)
    return tuple(dict.fromkeys(out))


def _missed(errors: dict[str, Any]) -> tuple[list[Failure], list[str]]:
    """``errors.invalid_aliases.{label}``, ``invalid_external_user_ids``... as failures."""
    failures: list[Failure] = []
    for kind, value in errors.items():
        items = value.items() if isinstance(value, dict) else [("", value)]
        for label, ids in items:
            for v in ids if isinstance(ids, list) else [ids]:
                name = f"{kind} {label}".strip()
                failures.append(Failure(None, str(v), f"{name}: not subscribed or unknown"))
    return failures, list(dict.fromkeys(f.key for f in failures if f.key))


def create_notification(
    app_id: str, payload: Mapping[str, Any], idempotency_key: str | None = None
) -> Call:
    """POST /notifications with an ``idempotency_key`` (a UUID) so retries never double-send (§3).

    A 200 whose ``id`` is empty sent nothing: that is ``rejected`` with OneSignal's ``errors``,
    and ``unreached`` is every recipient of the payload (to retry once they can be reached).
    With an id, ``errors.invalid_aliases`` etc. come back as ``failures`` and ``unreached``.
    """
    body = dict(payload)
    body.setdefault("app_id", app_id)
    key = idempotency_key or body.get("idempotency_key") or str(uuid.uuid4())
    try:
        key = str(uuid.UUID(str(key)))
    except ValueError:
        raise InvalidCall(f"idempotency_key {key!r} is not a UUID; use idempotency_key()") from None
    body["idempotency_key"] = key
    everyone = recipients(body)

    def finish(result: Result, answer: Any) -> Result:
        answer = answer if isinstance(answer, dict) else {}
        nid = answer.get("id") or None
        if not nid:
            reason = error_reason(answer) if answer.get("errors") else "no recipients; nothing sent"
            return dataclasses.replace(result, status="rejected", reason=reason, unreached=everyone)
        errors = answer.get("errors")
        failures: list[Failure] = []
        missed: list[str] = []
        if isinstance(errors, dict):
            failures, missed = _missed(errors)
        elif isinstance(errors, list):
            failures = [Failure(None, None, str(e)) for e in errors]
        return dataclasses.replace(
            result, id=str(nid), failures=tuple(failures), unreached=tuple(missed)
        )

    return Call("create_notification", "POST", "/notifications", body, False, finish)


# -- legacy player model -----------------------------------------------------------------------


def legacy_edit_tags(app_id: str, external_user_id: str, tags: Mapping[str, TagValue]) -> Call:
    """PUT /apps/{app_id}/users/{external_user_id} (legacy player model, §5)."""
    path = f"{_app_path(app_id)}/users/{_q(external_user_id, 'external_user_id')}"

    def finish(result: Result, body: Any) -> Result:
        if isinstance(body, dict) and body.get("success") is False:
            return dataclasses.replace(result, status="rejected", reason=error_reason(body))
        return result

    return Call("legacy_edit_tags", "PUT", path, {"tags": tag_values(tags)}, False, finish)


# "100 tags per call" (legacy edit-device docs, v7.0: documentation.onesignal.com/v7.0/reference/
# edit-device); OneSignal answers "Please limit your tag updates to 100 per request" (§8.3).
MAX_TAGS_PER_CALL = 100
# What the player endpoints say for an id they do not know when they answer 400 rather than the
# documented 404: OneSignal's Android SDK (UserStateSynchronizer, PR OneSignal-Android-SDK#892)
# treats a 400 on PUT players/{id} whose errors contain it as "player deleted from server".
_NO_SUCH_PLAYER = "no user with this id found"


def _legacy_success(result: Result, body: Any) -> Result:
    """A legacy 200 answers ``{"success": true}``; ``{"success": false}`` is a refusal."""
    if isinstance(body, dict) and body.get("success") is False:
        return dataclasses.replace(result, status="rejected", reason=error_reason(body))
    return result


def _player_gone(player_id: str) -> Finish:
    """An unknown player id is ``not_found``: the documented 404 ("Device with player_id not
    found", docs reference/edit-device) or the 400 "No user with this id found" seen in practice.
    A 409 (v1.4 spec op ``update_player``) is already ``conflict``; it keeps OneSignal's reason."""

    def refused(result: Result, body: Any) -> Result:
        status = result.http_status
        unknown = status == 400 and _NO_SUCH_PLAYER in error_reason(body).lower()
        if status != 404 and not unknown:
            return result
        reason = f"{result.reason} (player {player_id}: deleted, or an id of another app)"
        return dataclasses.replace(result, missing=True, reason=reason)

    return refused


def legacy_edit_device(
    app_id: str,
    player_id: str,
    *,
    tags: Mapping[str, TagValue] | None = None,
    external_user_id: str | None = None,
) -> Call:
    """PUT /players/{player_id} (legacy "Edit device", v1.4 spec op ``update_player``, §5).

    Only the fields given are sent, with ``app_id`` (required): the docs say "Only include
    fields you want to change. Fields left out will not be modified" (reference/edit-device).
    A tag value of ``""`` (or None) removes the tag ("Setting a tag value to null or an empty
    string will remove the tag", v7.0 edit-device); ``external_user_id=""`` unlinks the device
    from its external user id (the v9.0 Identity Verification docs: to remove the
    external_user_id from a device record "you can set it to an empty string"), while None
    leaves it as it is. At most ``MAX_TAGS_PER_CALL`` tags per call. The answer is
    ``{"success": true}``; an unknown player id is ``Result.not_found``.
    """
    _q(app_id, "app_id", "set destination.app_id")
    pid = _q(player_id, "player_id", "record the subscription (player) id OneSignal answered with")
    body: dict[str, Any] = {"app_id": str(app_id)}
    if tags:
        if len(tags) > MAX_TAGS_PER_CALL:
            raise InvalidCall(
                f"legacy_edit_device takes at most {MAX_TAGS_PER_CALL} tags per call, got "
                f"{len(tags)}; send the rest in another call"
            )
        body["tags"] = tag_values(tags)
    if external_user_id is not None:
        body["external_user_id"] = str(external_user_id)
    if len(body) == 1:
        raise InvalidCall("legacy_edit_device needs tags or an external_user_id to change")
    return Call(
        "legacy_edit_device",
        "PUT",
        f"/players/{pid}",
        body,
        False,  # a write: the create/update users or subscriptions limit (§6), not a view
        _legacy_success,
        refused=_player_gone(str(player_id)),
    )
