"""OneSignal over httpx: ``OneSignalClient`` (blocking) and ``AsyncOneSignalClient`` (asyncio).

Both have the same methods and the same behaviour; only the waiting differs. Every call:

1. reserves a slot in the app's shared ``TokenBucket`` (view endpoints have their own bucket),
2. sends one request with ``Authorization: Key <api_key>`` (``Basic`` for a legacy REST key),
3. retries 429, 5xx, timeouts and dropped connections per the ``RetryPolicy`` (waiting at least
   ``Retry-After``, which also pauses every other call to the app),
4. returns a ``Result``; only a refused API key (401/403) raises ``DestinationError``, because
   no other call can succeed either.

The API key is never part of a repr, a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import logging
import random
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import httpx

from onesync.destination import calls
from onesync.destination.calls import Call, InvalidCall, TagValue
from onesync.destination.limits import RateLimit, RetryPolicy, TokenBucket, parse_retry_after
from onesync.destination.results import Result, error_reason
from onesync.errors import DestinationError
from onesync.model import Destination

__all__ = ["AsyncOneSignalClient", "OneSignalClient", "VIEW_RATE_LIMIT"]

log = logging.getLogger("onesync.destination")

# "View endpoints (messages, templates, user): 1 req/s/app, 10 requests/sec look-back" (§6).
VIEW_RATE_LIMIT = RateLimit(per_second=1.0, burst=10, adaptive=False)
OnConflict = Literal["report", "update"]
Subscriptions = Mapping[str, str] | Iterable[tuple[str, str]] | None

_buckets: weakref.WeakValueDictionary[tuple[str, str, str, RateLimit], TokenBucket] = (
    weakref.WeakValueDictionary()
)
_buckets_lock = threading.Lock()


def shared_bucket(api_url: str, app_id: str, kind: str, limit: RateLimit) -> TokenBucket:
    """The one bucket for an app (and endpoint kind), shared by every client in the process."""
    with _buckets_lock:
        key = (api_url, app_id, kind, limit)
        bucket = _buckets.get(key)
        if bucket is None:
            bucket = _buckets[key] = TokenBucket(limit)
        return bucket


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _per_user_limit(body: Any) -> bool:
    """A 429 for one user ("Subscription/User Update Per Device") must not slow the whole app."""
    limit = body.get("limit") if isinstance(body, dict) else None
    return isinstance(limit, str) and any(w in limit.lower() for w in ("per device", "per user"))


class _Base:
    """Configuration, request building and answer classification shared by both clients."""

    def __init__(
        self,
        destination: Destination,
        *,
        rate_limit: RateLimit | None,
        retry: RetryPolicy | None,
        view_rate_limit: RateLimit,
        verify: bool,
        seed: int | None,
    ) -> None:
        if not destination.api_key:
            raise DestinationError(
                "destination.api_key is empty (set it, e.g. api_key: ${env:ONESIGNAL_API_KEY})"
            )
        url = httpx.URL(destination.api_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise DestinationError(
                f"destination.api_url {destination.api_url!r} is not an http(s) URL"
            )
        local = _is_loopback(url.host)
        if url.scheme == "http" and not local:
            raise DestinationError(
                f"destination.api_url {destination.api_url!r} must use https:// (the API key "
                "would travel in clear); plain http is only allowed for a sandbox on this machine"
            )
        if not verify and not local:
            raise DestinationError(
                "TLS verification can only be turned off for a sandbox on this machine "
                "(127.0.0.1, localhost, ::1)"
            )
        self.destination = destination
        self.rate_limit = rate_limit or RateLimit(per_second=destination.rate_limit)
        self.retry = retry or RetryPolicy()
        self._verify = verify
        self._base = str(url).rstrip("/")
        self._app = destination.app_id
        legacy_key = destination.api == "legacy" and not destination.api_key.startswith("os_v2_")
        self._headers = {
            "Authorization": f"{'Basic' if legacy_key else 'Key'} {destination.api_key}",
            "Accept": "application/json",
            "User-Agent": "onesync",
        }
        self.bucket = shared_bucket(self._base, self._app, "write", self.rate_limit)
        self.view_bucket = shared_bucket(self._base, self._app, "view", view_rate_limit)
        self._rng = random.Random(seed)

    def __repr__(self) -> str:
        d = self.destination
        return f"<{type(self).__name__} app_id={d.app_id!r} api_url={self._base!r} api={d.api!r}>"

    def _scrub(self, text: str) -> str:
        key = self.destination.api_key
        return text.replace(key, "***") if len(key) >= 4 else text

    def _request(self, call: Call) -> dict[str, Any]:
        headers = dict(self._headers)
        headers.update(call.headers)
        kwargs: dict[str, Any] = {"headers": headers}
        if call.body is not None:
            headers["Content-Type"] = "application/json"
            kwargs["content"] = json.dumps(call.body, separators=(",", ":")).encode()
        return {"method": call.method, "url": self._base + call.path, **kwargs}

    def _bucket_for(self, call: Call) -> TokenBucket:
        return self.view_bucket if call.view else self.bucket

    def _again(
        self, call: Call, attempt: int, reason: str, status: int | None, after: float | None
    ) -> Result | float:
        """Seconds to wait before retrying, or an ``exhausted`` result when the policy is spent."""
        if attempt >= self.retry.max_attempts:
            reason = f"gave up after {attempt} attempts: {self._scrub(reason)}"
            log.warning("%s %s", call.operation, reason)
            return Result(call.operation, "exhausted", status, reason, attempt)
        wait = self.retry.wait(attempt, after, self._rng)
        log.debug(
            "retrying %s in %.2fs (attempt %d): %s", call.operation, wait, attempt,
            self._scrub(reason),
        )  # fmt: skip
        return wait

    def _on_error(self, call: Call, exc: httpx.TransportError, attempt: int) -> Result | float:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
        return self._again(call, attempt, f"{kind} ({type(exc).__name__}: {exc})", None, None)

    def _on_response(self, call: Call, response: httpx.Response, attempt: int) -> Result | float:
        status = response.status_code
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        bucket = self._bucket_for(call)
        if status == 429 or status >= 500:
            after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429 and not _per_user_limit(body):
                bucket.on_throttle(after)
            reason = error_reason(body, status, response.text)
            return self._again(call, attempt, reason, status, after)
        bucket.on_success()
        if status in (401, 403):
            reason = self._scrub(error_reason(body, status, response.text))
            raise DestinationError(
                f"OneSignal refused the API key for app {self._app} ({reason}); check "
                "destination.api_key (an App API key for this app, sent as 'Authorization: Key')"
            )
        if 200 <= status < 300:
            replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
            result = Result(
                call.operation, "ok", status, None, attempt, replayed=replayed, body=body
            )
            result = call.finish(result, body)
            if result.reason:
                result = dataclasses.replace(result, reason=self._scrub(result.reason))
            return result
        reason = self._scrub(error_reason(body, status, response.text))
        return Result(
            call.operation, "rejected", status, reason, attempt, conflict=status == 409, body=body
        )

    @staticmethod
    def _invalid(operation: str, exc: InvalidCall) -> Result:
        return Result(operation, "rejected", None, str(exc), attempts=0)

    @staticmethod
    def _fallback(conflict: Result, followups: list[Result]) -> Result:
        """Fold the by-external_id follow-ups of a 409 create into one result (see create_user)."""
        if not followups:  # nothing to apply by external_id: the conflict stands
            return conflict
        attempts = conflict.attempts + sum(r.attempts for r in followups)
        bad = next((r for r in followups if not r.ok), None)
        if bad is not None:
            reason = f"{conflict.reason}; then {bad.operation} by external_id: {bad.reason}"
            return dataclasses.replace(bad, reason=reason, attempts=attempts, conflict=True)
        reason = f"{conflict.reason}; tags and subscriptions were applied by external_id instead"
        return Result("create_user", "ok", conflict.http_status, reason, attempts, conflict=True)


def _timeout(timeout: float) -> httpx.Timeout:
    # pool=None: calls waiting for a free connection are throttled by us, not failed by httpx.
    return httpx.Timeout(timeout, connect=min(timeout, 10.0), pool=None)


class OneSignalClient(_Base):
    """A blocking client; safe to share between threads (one connection pool, one bucket)."""

    def __init__(
        self,
        destination: Destination,
        *,
        transport: httpx.BaseTransport | None = None,
        rate_limit: RateLimit | None = None,
        retry: RetryPolicy | None = None,
        view_rate_limit: RateLimit = VIEW_RATE_LIMIT,
        timeout: float = 30.0,
        verify: bool = True,
        seed: int | None = None,
    ) -> None:
        """Args:
        destination: the app, key and URL (``Destination.rate_limit`` is the default rate).
        transport: an httpx transport to use instead of the network (tests, proxies).
        rate_limit / retry: override the defaults (``RateLimit(per_second=destination.rate_limit)``
            and ``RetryPolicy()``).
        verify: TLS verification; may be False only for a loopback ``api_url``.
        seed: seeds the retry jitter, for reproducible tests.
        """
        super().__init__(
            destination, rate_limit=rate_limit, retry=retry, view_rate_limit=view_rate_limit,
            verify=verify, seed=seed,
        )  # fmt: skip
        limits = httpx.Limits(max_connections=destination.concurrency)
        self._http = httpx.Client(
            transport=transport, timeout=_timeout(timeout), verify=verify, limits=limits
        )

    def __enter__(self) -> OneSignalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def send(self, call: Call) -> Result:
        """Make one prepared ``Call`` with rate limiting and retries."""
        attempt = 0
        while True:
            attempt += 1
            delay = self._bucket_for(call).reserve()
            if delay > 0:
                time.sleep(delay)
            try:
                response = self._http.request(**self._request(call))
            except httpx.TransportError as exc:
                outcome = self._on_error(call, exc, attempt)
            else:
                outcome = self._on_response(call, response, attempt)
            if isinstance(outcome, Result):
                return outcome
            time.sleep(outcome)

    def _do(self, operation: str, build: Any, *args: Any) -> Result:
        try:
            call = build(self._app, *args)
        except InvalidCall as exc:
            return self._invalid(operation, exc)
        return self.send(call)

    def create_user(
        self,
        identity: Mapping[str, str],
        tags: Mapping[str, TagValue] | None = None,
        subscriptions: Subscriptions = None,
        *,
        on_conflict: OnConflict = "report",
    ) -> Result:
        """Create (or, when an alias already matches, update) a user with tags and subscriptions.

        ``identity`` maps alias labels to values and should contain ``external_id``;
        ``subscriptions`` maps ``email`` / ``sms`` to a token. A 409 (an alias is claimed by
        another user) is a ``rejected`` result with ``conflict=True`` and OneSignal's reason.
        With ``on_conflict="update"`` the client then falls back to PATCHing the tags and
        creating the subscriptions on the user found by ``external_id`` (the aliases are left
        alone) and returns ``ok`` with ``conflict=True`` and the 409 reason.
        """
        result = self._do("create_user", calls.create_user, identity, tags, subscriptions)
        eid = identity.get("external_id")
        if not (result.conflict and on_conflict == "update" and eid):
            return result
        followups = []
        if tags:
            followups.append(self.update_user("external_id", eid, tags))
        for type_, token in _pairs(subscriptions):
            followups.append(self.create_subscription("external_id", eid, type_, token))
        return self._fallback(result, followups)

    def update_user(self, label: str, id: str, tags: Mapping[str, TagValue]) -> Result:
        """Set tags on the user ``label``/``id``; a value of ``""`` (or None) unsets the tag."""
        return self._do("update_user", calls.update_user, label, id, tags)

    def add_aliases(self, label: str, id: str, aliases: Mapping[str, str]) -> Result:
        """Add or change aliases (label -> value) on the user ``label``/``id``."""
        return self._do("add_aliases", calls.add_aliases, label, id, aliases)

    def create_subscription(
        self, label: str, id: str, type: str, token: str, *, enabled: bool = True
    ) -> Result:
        """Add an ``email`` / ``sms`` subscription (OneSignal moves it if another user has it)."""
        return self._do(
            "create_subscription", calls.create_subscription, label, id, type, token, enabled
        )

    def send_events(self, events: Sequence[Mapping[str, Any]]) -> Result:
        """Send custom events; events OneSignal refused are ``Result.failures`` (by index)."""
        return self._do("send_events", calls.send_events, events)

    def create_notification(
        self, payload: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> Result:
        """Send a message once; ``idempotency_key`` (a UUID, see ``idempotency_key()``) makes
        retries and re-runs safe. ``Result.id`` is the notification id."""
        return self._do("create_notification", calls.create_notification, payload, idempotency_key)

    def get_user(self, label: str, id: str) -> Result:
        """Fetch a user (``Result.body``); 1 request/s per app, so not for bulk use."""
        return self._do("get_user", calls.get_user, label, id)

    def legacy_edit_tags(self, external_user_id: str, tags: Mapping[str, TagValue]) -> Result:
        """Legacy player model: set tags on every device of ``external_user_id``."""
        return self._do("legacy_edit_tags", calls.legacy_edit_tags, external_user_id, tags)


def _pairs(subscriptions: Subscriptions) -> list[tuple[str, str]]:
    if not subscriptions:
        return []
    pairs = subscriptions.items() if isinstance(subscriptions, Mapping) else subscriptions
    return [(t, tok) for t, tok in pairs if tok]


class AsyncOneSignalClient(_Base):
    """The asyncio client: run many calls with ``asyncio.gather``; they share one bucket."""

    def __init__(
        self,
        destination: Destination,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limit: RateLimit | None = None,
        retry: RetryPolicy | None = None,
        view_rate_limit: RateLimit = VIEW_RATE_LIMIT,
        timeout: float = 30.0,
        verify: bool = True,
        seed: int | None = None,
    ) -> None:
        """Same arguments as ``OneSignalClient``; ``destination.concurrency`` caps connections."""
        super().__init__(
            destination, rate_limit=rate_limit, retry=retry, view_rate_limit=view_rate_limit,
            verify=verify, seed=seed,
        )  # fmt: skip
        n = destination.concurrency
        # Our own gate: httpcore's pool rescans every queued request on each change, which
        # costs O(queue) per request once thousands of calls are gathered at once.
        self._gate = asyncio.Semaphore(n)
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        self._http = httpx.AsyncClient(
            transport=transport, timeout=_timeout(timeout), verify=verify, limits=limits
        )

    async def __aenter__(self) -> AsyncOneSignalClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, call: Call) -> Result:
        """Make one prepared ``Call`` with rate limiting and retries."""
        attempt = 0
        while True:
            attempt += 1
            delay = self._bucket_for(call).reserve()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                async with self._gate:
                    response = await self._http.request(**self._request(call))
            except httpx.TransportError as exc:
                outcome = self._on_error(call, exc, attempt)
            else:
                outcome = self._on_response(call, response, attempt)
            if isinstance(outcome, Result):
                return outcome
            await asyncio.sleep(outcome)

    async def _do(self, operation: str, build: Any, *args: Any) -> Result:
        try:
            call = build(self._app, *args)
        except InvalidCall as exc:
            return self._invalid(operation, exc)
        return await self.send(call)

    async def create_user(
        self,
        identity: Mapping[str, str],
        tags: Mapping[str, TagValue] | None = None,
        subscriptions: Subscriptions = None,
        *,
        on_conflict: OnConflict = "report",
    ) -> Result:
        """See ``OneSignalClient.create_user``."""
        result = await self._do("create_user", calls.create_user, identity, tags, subscriptions)
        eid = identity.get("external_id")
        if not (result.conflict and on_conflict == "update" and eid):
            return result
        followups = []
        if tags:
            followups.append(await self.update_user("external_id", eid, tags))
        for type_, token in _pairs(subscriptions):
            followups.append(await self.create_subscription("external_id", eid, type_, token))
        return self._fallback(result, followups)

    async def update_user(self, label: str, id: str, tags: Mapping[str, TagValue]) -> Result:
        """See ``OneSignalClient.update_user``."""
        return await self._do("update_user", calls.update_user, label, id, tags)

    async def add_aliases(self, label: str, id: str, aliases: Mapping[str, str]) -> Result:
        """See ``OneSignalClient.add_aliases``."""
        return await self._do("add_aliases", calls.add_aliases, label, id, aliases)

    async def create_subscription(
        self, label: str, id: str, type: str, token: str, *, enabled: bool = True
    ) -> Result:
        """See ``OneSignalClient.create_subscription``."""
        return await self._do(
            "create_subscription", calls.create_subscription, label, id, type, token, enabled
        )

    async def send_events(self, events: Sequence[Mapping[str, Any]]) -> Result:
        """See ``OneSignalClient.send_events``."""
        return await self._do("send_events", calls.send_events, events)

    async def create_notification(
        self, payload: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> Result:
        """See ``OneSignalClient.create_notification``."""
        return await self._do(
            "create_notification", calls.create_notification, payload, idempotency_key
        )

    async def get_user(self, label: str, id: str) -> Result:
        """See ``OneSignalClient.get_user``."""
        return await self._do("get_user", calls.get_user, label, id)

    async def legacy_edit_tags(self, external_user_id: str, tags: Mapping[str, TagValue]) -> Result:
        """See ``OneSignalClient.legacy_edit_tags``."""
        return await self._do("legacy_edit_tags", calls.legacy_edit_tags, external_user_id, tags)
