"""What a call to OneSignal came to, as a value the apply stage can record and report.

Retries happen inside the client; a ``Result`` is final: ``ok``, ``partial`` (a batch where some
items failed, listed in ``failures``), ``rejected`` (a permanent 4xx, with OneSignal's reason) or
``exhausted`` (still failing with 429/5xx/network errors after every attempt the policy allows).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from onesync.errors import DestinationError

__all__ = ["Failure", "Result", "Status", "error_reason", "idempotency_key"]

Status = Literal["ok", "partial", "rejected", "exhausted"]

# Fixed namespace so the same (app, sync, row key) maps to the same key on every machine, forever.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/onesync/onesync#idempotency")


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
class Result:
    """The final outcome of one call, after any retries.

    ``attempts`` counts HTTP attempts (1 means no retry), so apply can report "retried".
    ``id`` is the notification id or the user's ``onesignal_id`` when OneSignal returned one.
    ``conflict`` marks a 409 (an alias is claimed by another user); ``replayed`` marks a
    notification OneSignal had already accepted under the same idempotency key.
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
    body: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def retried(self) -> bool:
        return self.attempts > 1

    def raise_for_exhausted(self) -> Result:
        """Return self, or raise ``DestinationError`` when retries ran out (OneSignal is down)."""
        if self.status == "exhausted":
            raise DestinationError(f"OneSignal {self.operation} failed: {self.reason}")
        return self


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
