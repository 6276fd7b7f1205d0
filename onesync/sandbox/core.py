"""What every resource module shares: the request and response values, error bodies, limits.

Handlers are plain functions ``(ctx, request) -> Response``; ``ctx`` is the :class:`Context` (the
app's config, its store and its rate-limit windows), so a resource module needs nothing but this
module, ``rules`` and ``store``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from onesync.sandbox.config import SandboxConfig
from onesync.sandbox.store import Store

__all__ = [
    "ACCESS_DENIED",
    "APP_NOT_FOUND",
    "USER_LIMIT",
    "Context",
    "Handler",
    "Request",
    "Response",
    "alias_conflict",
    "error",
    "rate_limited",
    "subscription_not_found",
    "user_not_found",
]

ACCESS_DENIED = (
    "Access denied.  Please include an 'Authorization: ...' header with a valid API key "
    "(https://documentation.onesignal.com/docs/accounts-and-keys#api-keys)."
)
APP_NOT_FOUND = "app_id not found. You may be missing a Content-Type: application/json header."
USER_LIMIT = "Subscription/User Update Per Device"


@dataclass(frozen=True, slots=True)
class Response:
    """What one request gets back; ``body`` None means an empty body."""

    status: int
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Request:
    """One API request after routing: path parameters decoded, body parsed as JSON."""

    method: str
    params: dict[str, str]
    payload: Any = None
    query: dict[str, str] = field(default_factory=dict)


Handler = Callable[["Context", Request], Response]


def error(status: int, *messages: Any, **extra: Any) -> Response:
    """OneSignal's most common error body: ``{"errors": [...]}`` (§6)."""
    return Response(status, {"errors": list(messages), **extra})


def rate_limited(limit: str) -> Response:
    """A 429 as OneSignal sends it: ``errors``, the ``limit`` name and ``Retry-After`` (§6)."""
    return Response(
        429, {"errors": ["API rate limit exceeded."], "limit": limit}, (("Retry-After", "1"),)
    )


def user_not_found(label: str, value: str) -> Response:
    """404 for an unknown (or deleted) user, in the ``{code, title, meta}`` shape of §1.1."""
    title = f"User with {label} '{value}' not found"
    return Response(404, {"errors": [{"code": "user-0", "title": title, "meta": {label: value}}]})


def subscription_not_found(subscription: str) -> Response:
    title = f"Subscription '{subscription}' not found"
    meta = {"subscription_id": subscription}
    return Response(404, {"errors": [{"code": "subscription-1", "title": title, "meta": meta}]})


def alias_conflict(clash: dict[str, str]) -> Response:
    """409 ``user-2`` with ``meta.conflicting_aliases`` (spec ``CreateUserConflictResponse``)."""
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


@dataclass(slots=True)
class Windows:
    """Sliding one-second windows: key -> times of the requests let through in the last second.

    Sliding rather than fixed, so two writes 10 ms apart never pass a limit of 1/s just because a
    second boundary fell between them.
    """

    seen: dict[Any, deque[float]] = field(default_factory=dict)

    def allow(self, key: Any, limit: int | None, now: float) -> bool:
        if not self.room(key, limit, now):
            return False
        if limit is not None:
            self.seen[key].append(now)
        return True

    def room(self, key: Any, limit: int | None, now: float) -> bool:
        """Whether one more request under ``key`` would pass, without counting it."""
        if limit is None:
            return True
        times = self.seen.get(key)
        if times is None:
            times = self.seen[key] = deque()
        while times and now - times[0] >= 1.0:
            times.popleft()
        return len(times) < limit


class Context:
    """One sandboxed app as the handlers see it: config, store and rate-limit windows."""

    def __init__(self, config: SandboxConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.windows = Windows()

    def user_write(self, user: dict[str, Any]) -> Response | None:
        """The per-user write limit (§6, 1 req/s per user): a 429 to return, or None."""
        return self._per_key(("user", user["identity"]["onesignal_id"]))

    def user_writes(self, *users: dict[str, Any]) -> Response | None:
        """The per-user write limit for a request that writes several users at once.

        Either every user has room and each write is counted, or none is: a request refused
        for one user does not use up another's second.
        """
        limit, now = self.config.rate_limits.per_user, time.monotonic()
        keys = list(dict.fromkeys(("user", u["identity"]["onesignal_id"]) for u in users))
        if not all(self.windows.room(key, limit, now) for key in keys):
            return rate_limited(USER_LIMIT)
        for key in keys:
            self.windows.allow(key, limit, now)
        return None

    def subscription_write(self, subscription_id: str) -> Response | None:
        """The per-subscription write limit (§6, 1 req/s per subscription)."""
        return self._per_key(("subscription", subscription_id))

    def _per_key(self, key: tuple[str, str]) -> Response | None:
        if self.windows.allow(key, self.config.rate_limits.per_user, time.monotonic()):
            return None
        return rate_limited(USER_LIMIT)

    def find_user(self, request: Request) -> dict[str, Any] | Response:
        """The user named by the path's ``{alias_label}/{alias_id}``, or the 404 to answer."""
        label, value = request.params["alias_label"], request.params["alias_id"]
        user = self.store.find(label, value)
        return user if user is not None else user_not_found(label, value)

    def find_subscription(
        self, request: Request
    ) -> tuple[dict[str, Any], dict[str, Any]] | Response:
        """(owner, subscription) named by the path's ``{subscription_id}``, or the 404."""
        sub_id = request.params["subscription_id"]
        found = self.store.find_subscription(sub_id)
        return found if found is not None else subscription_not_found(sub_id)
