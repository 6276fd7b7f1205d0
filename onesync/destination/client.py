"""OneSignal over httpx: ``AsyncOneSignalClient``, one method per endpoint.

Every call:

1. is built by ``calls`` (path, body, how to read the answer); a call that cannot be made
   (an empty alias value...) is a ``rejected`` result with ``attempts=0`` and no request,
2. reserves a slot in the app's shared ``TokenBucket`` (view endpoints have their own bucket),
3. sends one request with ``Authorization: Key <api_key>`` (``Basic`` for a legacy REST key),
4. retries 429, 5xx, timeouts and dropped connections per the ``RetryPolicy`` (waiting at least
   ``Retry-After``, which also pauses every other call to the app),
5. returns a ``Result``; a refused API key (401/403), a TLS certificate that does not verify and
   an API host that DNS does not know raise ``DestinationError`` at once, without retrying,
   because no other call can succeed either (a temporary DNS failure is retried).

Blocking code uses ``OneSignalClient`` (``blocking.py``), which runs this client on a private
event loop. The API key is never part of a repr, a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import logging
import random
import socket
import ssl
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import httpx

from onesync.destination import calls
from onesync.destination.calls import Call, InvalidCall, Subscriptions, TagValue
from onesync.destination.limits import RateLimit, RetryPolicy, TokenBucket, parse_retry_after
from onesync.destination.results import Result, error_reason
from onesync.errors import DestinationError
from onesync.model import Destination

__all__ = ["VIEW_RATE_LIMIT", "AsyncOneSignalClient", "Halted", "OnConflict", "shared_bucket"]

log = logging.getLogger("onesync.destination")

# "View endpoints (messages, templates, user): 1 req/s/app, 10 requests/sec look-back" (§6).
VIEW_RATE_LIMIT = RateLimit(per_second=1.0, burst=10, adaptive=False)
OnConflict = Literal["report", "update"]


class Halted(BaseException):
    """The client was halted (apply is stopping on a signal): this call was not sent.

    A BaseException, like CancelledError, so no ``except Exception`` takes it for a failed call.
    """


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


# getaddrinfo answers that will not change on a retry; EAI_AGAIN ("temporary failure") will.
_DNS_FINAL = frozenset(
    getattr(socket, name)
    for name in ("EAI_NONAME", "EAI_NODATA", "EAI_FAIL", "EAI_SERVICE", "EAI_ADDRFAMILY")
    if hasattr(socket, name)
)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it was raised from (httpx wraps the ssl or socket error)."""
    out: list[BaseException] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        out.append(e)
        todo += [e.__cause__, e.__context__]
    return out


def permanent_failure(exc: BaseException, host: str) -> str | None:
    """Why a failed connection cannot succeed on a retry (a TLS certificate that does not
    verify, a host DNS does not know), or None when it is worth retrying."""
    for e in _causes(exc):
        if isinstance(e, ssl.SSLCertVerificationError):
            detail = e.verify_message or e.reason or str(e)
            return (
                f"the TLS certificate of {host} is not trusted ({detail}); check "
                "destination.api_url, or point SSL_CERT_FILE at the CA bundle of a TLS proxy"
            )
        if isinstance(e, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(e):
            return f"the TLS certificate of {host} is not trusted ({e}); check destination.api_url"
        if isinstance(e, socket.gaierror) and e.errno in _DNS_FINAL:
            return (
                f"the API host {host} is not known to DNS ({e.strerror or e}); check "
                "destination.api_url"
            )
    return None


def _timeout(timeout: float) -> httpx.Timeout:
    # pool=None: calls waiting for a free connection are throttled by us, not failed by httpx.
    return httpx.Timeout(timeout, connect=min(timeout, 10.0), pool=None)


class AsyncOneSignalClient:
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
        """Args:
        destination: the app, key and URL (``Destination.rate_limit`` is the default rate,
            ``Destination.concurrency`` caps connections).
        transport: an httpx transport to use instead of the network (tests, proxies).
        rate_limit / retry: override the defaults (``RateLimit(per_second=destination.rate_limit)``
            and ``RetryPolicy()``); ``view_rate_limit`` is the view endpoints' bucket.
        verify: TLS verification; may be False only for a loopback ``api_url``.
        seed: seeds the retry jitter, for reproducible tests.
        """
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
        n = destination.concurrency
        # Our own gate: httpcore's pool rescans every queued request on each change, which
        # costs O(queue) per request once thousands of calls are gathered at once.
        self._gate = asyncio.Semaphore(n)
        self.halted = False
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        self._http = httpx.AsyncClient(
            transport=transport, timeout=_timeout(timeout), verify=verify, limits=limits
        )

    def __repr__(self) -> str:
        d = self.destination
        return f"<{type(self).__name__} app_id={d.app_id!r} api_url={self._base!r} api={d.api!r}>"

    async def __aenter__(self) -> AsyncOneSignalClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def halt(self, halted: bool = True) -> None:
        """From now on (until ``halt(False)``) a call raises ``Halted`` instead of sending,
        also one that is waiting for its rate-limit slot or its next retry."""
        self.halted = halted

    # -- the one request loop ------------------------------------------------------------------

    async def send(self, call: Call) -> Result:
        """Make one prepared ``Call`` with rate limiting and retries."""
        attempt = 0
        while True:
            attempt += 1
            delay = self._bucket_for(call).reserve()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.halted:
                raise Halted(call.operation)
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

    async def _do(self, operation: str, build: Callable[..., Call], *args: Any) -> Result:
        try:
            call = build(self._app, *args)
        except InvalidCall as exc:
            return Result(operation, "rejected", None, str(exc), attempts=0)
        return await self.send(call)

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
            "retrying %s in %.2fs (attempt %d): %s",
            call.operation,
            wait,
            attempt,
            self._scrub(reason),
        )
        return wait

    def _on_error(self, call: Call, exc: httpx.TransportError, attempt: int) -> Result | float:
        final = permanent_failure(exc, httpx.URL(self._base).host)
        if final is not None:
            raise DestinationError(f"cannot reach OneSignal: {self._scrub(final)}") from exc
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
        else:
            reason = error_reason(body, status, response.text)
            result = Result(
                call.operation,
                "rejected",
                status,
                reason,
                attempt,
                conflict=status == 409,
                body=body,
            )
            result = call.refused(result, body)
        if result.reason:
            result = dataclasses.replace(result, reason=self._scrub(result.reason))
        return result

    # -- users ---------------------------------------------------------------------------------

    async def create_user(
        self,
        identity: Mapping[str, str],
        tags: Mapping[str, TagValue] | None = None,
        subscriptions: Subscriptions = None,
        *,
        enabled: bool | None = None,
        on_conflict: OnConflict = "report",
    ) -> Result:
        """Create (or, when an alias already matches, update) a user with tags and subscriptions.

        ``identity`` maps alias labels to values and should contain ``external_id``;
        ``subscriptions`` maps ``email`` / ``sms`` to a token. ``enabled`` is sent only when
        given: never re-subscribe a person, because an email or phone that already exists in the
        app is transferred to this user by OneSignal and keeps its state (an unsubscribe holds).
        ``Result.id`` is the onesignal_id, ``Result.subscriptions`` the ids OneSignal gave.

        A 409 (an alias is claimed by another user) is ``rejected`` with ``conflict=True``,
        ``conflicts`` (label -> value) and a reason naming the alias and the fix. With
        ``on_conflict="update"`` the client then PATCHes the tags and creates the subscriptions
        on the user found by ``external_id`` (the aliases are left alone) and returns ``ok``
        with ``conflict=True``, the conflicts and the 409 reason.
        """
        result = await self._do(
            "create_user", calls.create_user, identity, tags, subscriptions, enabled
        )
        eid = identity.get("external_id")
        if not (result.conflict and on_conflict == "update" and eid):
            return result
        followups = []
        if tags:
            followups.append(await self.update_user("external_id", eid, tags))
        for type_, token in calls.subscription_pairs(subscriptions):
            followups.append(
                await self.create_subscription("external_id", eid, type_, token, enabled=enabled)
            )
        return _fallback(result, followups)

    async def update_user(self, label: str, id: str, tags: Mapping[str, TagValue]) -> Result:
        """Set tags on the user ``label``/``id``; a value of ``""`` (or None) unsets the tag."""
        return await self._do("update_user", calls.update_user, label, id, tags)

    async def get_user(self, label: str, id: str) -> Result:
        """Fetch a user (``Result.body``, ``id``, ``subscriptions``); a view call, 1/s per app."""
        return await self._do("get_user", calls.get_user, label, id)

    async def delete_user(self, label: str, id: str) -> Result:
        """Delete the user with all its subscriptions and aliases; ``not_found``: already gone."""
        return await self._do("delete_user", calls.delete_user, label, id)

    # -- aliases -------------------------------------------------------------------------------

    async def add_aliases(self, label: str, id: str, aliases: Mapping[str, str]) -> Result:
        """Add or change aliases (label -> value) on the user ``label``/``id``."""
        return await self._do("add_aliases", calls.add_aliases, label, id, aliases)

    async def delete_alias(self, label: str, id: str, label_to_delete: str) -> Result:
        """Remove alias ``label_to_delete`` from the user ``label``/``id`` (not onesignal_id)."""
        return await self._do("delete_alias", calls.delete_alias, label, id, label_to_delete)

    async def get_subscription_identity(self, subscription_id: str) -> Result:
        """The aliases of the user owning a subscription (``body["identity"]``); a view call."""
        return await self._do(
            "get_subscription_identity", calls.get_subscription_identity, subscription_id
        )

    async def set_subscription_identity(
        self, subscription_id: str, identity: Mapping[str, str]
    ) -> Result:
        """Upsert aliases on the user owning a subscription; a 409 names the claimed alias."""
        return await self._do(
            "set_subscription_identity",
            calls.set_subscription_identity,
            subscription_id,
            identity,
        )

    # -- subscriptions -------------------------------------------------------------------------

    async def create_subscription(
        self, label: str, id: str, type: str, token: str, *, enabled: bool | None = None
    ) -> Result:
        """Add an ``email`` / ``sms`` subscription; ``Result.id`` is its subscription id.

        A token that already exists in the app is moved here by OneSignal with its state, and
        ``enabled`` is sent only when given, so a person who unsubscribed stays unsubscribed.
        A 409 means the user has the maximum number of subscriptions (the reason says so).
        """
        return await self._do(
            "create_subscription", calls.create_subscription, label, id, type, token, enabled
        )

    async def update_subscription(self, subscription_id: str, fields: Mapping[str, Any]) -> Result:
        """Change a subscription's fields, e.g. ``{"enabled": False}``; ``not_found``: gone."""
        return await self._do(
            "update_subscription", calls.update_subscription, subscription_id, fields
        )

    async def update_subscription_by_token(
        self, token_type: str, token: str, fields: Mapping[str, Any]
    ) -> Result:
        """Change a subscription found by ``email`` / ``sms`` token, when its id is unknown."""
        return await self._do(
            "update_subscription_by_token",
            calls.update_subscription_by_token,
            token_type,
            token,
            fields,
        )

    async def transfer_subscription(
        self, subscription_id: str, identity: Mapping[str, str]
    ) -> Result:
        """Move a subscription, with its state, to the user with the one alias in ``identity``.

        ``Result.id`` is the new owner's onesignal_id when OneSignal's answer names it.
        """
        return await self._do(
            "transfer_subscription", calls.transfer_subscription, subscription_id, identity
        )

    async def delete_subscription(self, subscription_id: str) -> Result:
        """Delete a subscription; ``Result.not_found`` (404) means it was already gone."""
        return await self._do("delete_subscription", calls.delete_subscription, subscription_id)

    # -- sends ---------------------------------------------------------------------------------

    async def send_events(self, events: Sequence[Mapping[str, Any]]) -> Result:
        """Send custom events; events OneSignal refused are ``Result.failures`` (by index)."""
        return await self._do("send_events", calls.send_events, events)

    async def create_notification(
        self, payload: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> Result:
        """Send a message once (build ``payload`` with ``calls.notification_body``).

        ``idempotency_key`` (a UUID, see ``idempotency_key()``) makes retries and re-runs safe.
        ``Result.id`` is the notification id; ``Result.unreached`` the recipients it missed
        (all of them when nothing was sent, which is ``rejected``).
        """
        return await self._do(
            "create_notification", calls.create_notification, payload, idempotency_key
        )

    async def legacy_edit_tags(self, external_user_id: str, tags: Mapping[str, TagValue]) -> Result:
        """Legacy player model: set tags on every device of ``external_user_id``."""
        return await self._do("legacy_edit_tags", calls.legacy_edit_tags, external_user_id, tags)

    async def legacy_edit_device(
        self,
        player_id: str,
        tags: Mapping[str, TagValue] | None = None,
        external_user_id: str | None = None,
    ) -> Result:
        """Legacy player model: change one device's tags and/or its external_user_id.

        Only what is given is sent: a tag value of ``""`` (or None) removes the tag and
        ``external_user_id=""`` unlinks the device, while None leaves it unchanged.
        ``Result.not_found`` means OneSignal has no device with that player id.
        """

        def build(app_id: str, pid: str) -> Call:
            return calls.legacy_edit_device(
                app_id, pid, tags=tags, external_user_id=external_user_id
            )

        return await self._do("legacy_edit_device", build, player_id)


def _fallback(conflict: Result, followups: list[Result]) -> Result:
    """Fold the by-external_id follow-ups of a 409 create into one result (see create_user)."""
    if not followups:  # nothing to apply by external_id: the conflict stands
        return conflict
    attempts = conflict.attempts + sum(r.attempts for r in followups)
    subs = tuple(s for r in followups for s in r.subscriptions)
    bad = next((r for r in followups if not r.ok), None)
    if bad is not None:
        reason = f"{conflict.reason}; then {bad.operation} by external_id: {bad.reason}"
        return dataclasses.replace(
            bad,
            reason=reason,
            attempts=attempts,
            conflict=True,
            conflicts=conflict.conflicts,
            subscriptions=subs,
        )
    reason = f"{conflict.reason}; tags and subscriptions were applied by external_id instead"
    return Result(
        "create_user",
        "ok",
        conflict.http_status,
        reason,
        attempts,
        conflict=True,
        conflicts=conflict.conflicts,
        subscriptions=subs,
    )
