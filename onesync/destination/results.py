"""What a call to OneSignal came to, as a value the apply stage can record and report.

Retries happen inside the client; a ``Result`` is final: ``ok``, ``partial`` (a batch where some
items failed, listed in ``failures``), ``rejected`` (a permanent 4xx, with OneSignal's reason) or
``exhausted`` (still failing with 429/5xx/network errors after every attempt the policy allows).
A rejection a caller must act on is told apart by ``not_found`` (404: the user or subscription is
gone from OneSignal) and ``conflict`` (409, with the claimed aliases in ``conflicts``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from onesync.errors import DestinationError

__all__ = [
    "Failure",
    "Result",
    "Status",
    "SubscriptionRef",
    "conflicting_aliases",
    "error_reason",
    "idempotency_key",
    "subscription_refs",
]

Status = Literal["ok", "partial", "rejected", "exhausted"]

# Fixed namespace so the same (app, sync, row key) maps to the same key on every machine, forever.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/onesync/onesync#idempotency")

# OneSignal's subscription type names -> onesync's (the spec's `subscriptions:` keys).
_ONESYNC_TYPES = {"Email": "email", "SMS": "sms"}


def idempotency_key(app_id: str, sync: str, row_key: str) -> str:
    """A stable UUID (v5) for one send, so a retried or re-run send is never delivered twice.

    OneSignal keeps notification idempotency keys for 30 days and custom-event keys for about
    4 hours; onesync's state is what stops a resend after that.
    """
    return str(uuid.uuid5(_NAMESPACE, f"{app_id}\x00{sync}\x00{row_key}"))


@dataclass(frozen=True, slots=True)
class Failure:
    """One item of a batch OneSignal did not take: an event, or an alias a message missed."""

    index: int | None  # position in the request's batch, when it could be matched
    key: str | None  # what OneSignal named: event id, user id, or alias value
    reason: str


@dataclass(frozen=True, slots=True)
class SubscriptionRef:
    """A subscription as OneSignal answered it, so onesync can record the id it owns.

    ``type`` is onesync's name (``email`` / ``sms``) or OneSignal's for any other kind
    (``iOSPush``...). ``enabled`` is None when the answer did not say.
    """

    type: str
    token: str
    id: str
    enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """The final outcome of one call, after any retries.

    ``attempts`` counts HTTP attempts (1 means no retry; 0: refused before any request), so apply
    can report "retried". ``id`` is what the call made or found: the notification id, the user's
    ``onesignal_id``, or (create_subscription) the subscription id. ``subscriptions`` are the
    subscriptions the answer named, with their ids. ``conflict`` marks a 409 and ``conflicts``
    names the aliases another user holds (label -> value). ``unreached`` lists the recipients a
    notification did not reach (alias values, emails, phone numbers or subscription ids).
    ``replayed`` marks a notification OneSignal had already accepted under the same key.
    ``missing`` marks a non-404 refusal that still means the record is gone (see ``not_found``).
    """

    operation: str
    status: Status
    http_status: int | None = None
    reason: str | None = None
    attempts: int = 1
    id: str | None = None
    conflict: bool = False
    replayed: bool = False
    failures: tuple[Failure, ...] = ()
    subscriptions: tuple[SubscriptionRef, ...] = ()
    conflicts: dict[str, str] = field(default_factory=dict, hash=False)
    unreached: tuple[str, ...] = ()
    body: Any = field(default=None, repr=False, compare=False)
    missing: bool = False  # gone without a 404: a legacy 400 "No user with this id found"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def retried(self) -> bool:
        return self.attempts > 1

    @property
    def not_found(self) -> bool:
        """A 404: the user or subscription is gone from OneSignal (a delete is then done).

        Also a refusal the call itself read as "no such record" (``missing``), which the
        legacy player endpoints can answer with a 400.
        """
        return self.http_status == 404 or self.missing

    def raise_for_exhausted(self) -> Result:
        """Return self, or raise ``DestinationError`` when retries ran out (OneSignal is down)."""
        if self.status == "exhausted":
            raise DestinationError(f"OneSignal {self.operation} failed: {self.reason}")
        return self


def subscription_refs(items: Any) -> tuple[SubscriptionRef, ...]:
    """The ``Subscription`` objects of an answer that carry an id (others cannot be recorded)."""
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        return ()
    out = []
    for sub in items:
        if not isinstance(sub, dict) or not sub.get("id"):
            continue
        kind = str(sub.get("type") or "")
        enabled = sub.get("enabled")
        out.append(
            SubscriptionRef(
                type=_ONESYNC_TYPES.get(kind, kind),
                token=str(sub.get("token") or ""),
                id=str(sub["id"]),
                enabled=enabled if isinstance(enabled, bool) else None,
            )
        )
    return tuple(out)


def conflicting_aliases(body: Any) -> dict[str, str]:
    """The aliases a 409 says another user holds: ``errors[].meta.conflicting_aliases``, or the
    ``label: value`` pairs of ``meta`` itself (the identity PATCH answers that way, §1.1)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    out: dict[str, str] = {}
    for err in errors if isinstance(errors, list) else []:
        meta = err.get("meta") if isinstance(err, dict) else None
        if not isinstance(meta, dict):
            continue
        named = meta.get("conflicting_aliases")
        pairs: Iterable[tuple[Any, Any]] = (named if isinstance(named, dict) else meta).items()
        for label, value in pairs:
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                out[str(label)] = str(value)
    return out


def _describe(item: Any) -> str:
    if isinstance(item, dict):
        title = item.get("title") or item.get("message") or item.get("detail")
        if isinstance(item.get("error"), dict):  # custom-event failure: {"error": {code, title}}
            return _describe(item["error"])
        code = item.get("code")
        if title and code:
            text = f"{title} ({code})"
        else:
            text = str(title or code or json.dumps(item, sort_keys=True))
        meta = item.get("meta")
        if isinstance(meta, dict) and meta:
            text += f": {json.dumps(meta, sort_keys=True)}"
        return text
    return str(item)


def error_reason(body: Any, http_status: int | None = None, text: str = "") -> str:
    """OneSignal's reason from any of its error body shapes, as one line.

    Shapes seen: ``{"errors": ["..."]}``, ``{"errors": [{"code", "title", "meta"}]}``,
    ``{"errors": "..."}``, ``{"success": false}``; anything else falls back to the raw text.
    """
    prefix = f"HTTP {http_status}" if http_status is not None else ""
    reason = ""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            reason = "; ".join(_describe(e) for e in errors)
        elif isinstance(errors, str) and errors:
            reason = errors
        elif isinstance(errors, dict) and errors:
            reason = json.dumps(errors, sort_keys=True)
        elif body.get("success") is False:
            reason = "OneSignal answered success: false"
        if reason and body.get("limit"):
            reason += f" (limit: {body['limit']})"
    elif isinstance(body, list) and body:
        reason = "; ".join(_describe(e) for e in body)
    if not reason and body is None:
        reason = " ".join(text.split())[:200]
    if not reason:
        return prefix or "no reason given"
    return f"{prefix}: {reason}" if prefix else reason
