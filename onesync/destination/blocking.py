"""``OneSignalClient``: the async client for blocking code (scripts, tests, a thread pool).

It owns a private event loop in a daemon thread and runs each call of an
``AsyncOneSignalClient`` there, so there is one implementation of every endpoint, retry and
rate limit. Many threads may share one instance: their calls run concurrently on that loop
and share the app's token bucket, like tasks gathered on the async client. It takes either kind
of httpx transport; a blocking one runs in the loop's worker threads.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

import httpx

from onesync.destination.calls import Call
from onesync.destination.client import VIEW_RATE_LIMIT, AsyncOneSignalClient
from onesync.destination.limits import RateLimit, RetryPolicy, TokenBucket
from onesync.destination.results import Result
from onesync.model import Destination

__all__ = ["OneSignalClient"]

P = ParamSpec("P")
T = TypeVar("T")


def _blocking(
    method: Callable[Concatenate[AsyncOneSignalClient, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[OneSignalClient, P], T]:
    """The blocking twin of one async method: same signature and docstring, no new logic."""

    def run(self: OneSignalClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._run(method(self.client, *args, **kwargs))

    functools.update_wrapper(run, method)  # name, docstring and signature for help()
    return run


class _ThreadedTransport(httpx.AsyncBaseTransport):
    """A blocking ``httpx.BaseTransport`` (a recorder, a proxy) under the async client."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        def send() -> httpx.Response:
            response = self.inner.handle_request(request)
            try:
                raw = b"".join(response.iter_raw())  # still encoded, as its headers say
            finally:
                response.close()
            return httpx.Response(
                response.status_code,
                headers=response.headers,
                content=raw,
                extensions=response.extensions,
            )

        return await asyncio.to_thread(send)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.inner.close)


class OneSignalClient:
    """A blocking ``AsyncOneSignalClient``; safe to share between threads.

    ``with OneSignalClient(destination) as c: c.create_user({"external_id": "u1"})``. The
    arguments are the async client's; ``transport`` may also be a blocking
    ``httpx.BaseTransport``.
    """

    def __init__(
        self,
        destination: Destination,
        *,
        transport: httpx.AsyncBaseTransport | httpx.BaseTransport | None = None,
        rate_limit: RateLimit | None = None,
        retry: RetryPolicy | None = None,
        view_rate_limit: RateLimit = VIEW_RATE_LIMIT,
        timeout: float = 30.0,
        verify: bool = True,
        seed: int | None = None,
    ) -> None:
        if isinstance(transport, httpx.BaseTransport) and not isinstance(
            transport, httpx.AsyncBaseTransport
        ):
            transport = _ThreadedTransport(transport)
        self.client = AsyncOneSignalClient(
            destination,
            transport=transport,
            rate_limit=rate_limit,
            retry=retry,
            view_rate_limit=view_rate_limit,
            timeout=timeout,
            verify=verify,
            seed=seed,
        )
        self._closed = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="onesync-destination", daemon=True
        )
        self._thread.start()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coro.close()
            raise RuntimeError("this OneSignalClient is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    @property
    def destination(self) -> Destination:
        return self.client.destination

    @property
    def rate_limit(self) -> RateLimit:
        return self.client.rate_limit

    @property
    def retry(self) -> RetryPolicy:
        return self.client.retry

    @property
    def bucket(self) -> TokenBucket:
        return self.client.bucket

    @property
    def view_bucket(self) -> TokenBucket:
        return self.client.view_bucket

    def __repr__(self) -> str:
        return repr(self.client).replace("AsyncOneSignalClient", "OneSignalClient", 1)

    def __enter__(self) -> OneSignalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the private loop; safe to call twice."""
        if self._closed:
            return
        try:
            self._run(self.client.aclose())
        finally:
            self._closed = True
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def send(self, call: Call) -> Result:
        """Make one prepared ``Call`` with rate limiting and retries."""
        return self._run(self.client.send(call))

    create_user = _blocking(AsyncOneSignalClient.create_user)
    update_user = _blocking(AsyncOneSignalClient.update_user)
    get_user = _blocking(AsyncOneSignalClient.get_user)
    delete_user = _blocking(AsyncOneSignalClient.delete_user)
    add_aliases = _blocking(AsyncOneSignalClient.add_aliases)
    delete_alias = _blocking(AsyncOneSignalClient.delete_alias)
    get_subscription_identity = _blocking(AsyncOneSignalClient.get_subscription_identity)
    set_subscription_identity = _blocking(AsyncOneSignalClient.set_subscription_identity)
    create_subscription = _blocking(AsyncOneSignalClient.create_subscription)
    update_subscription = _blocking(AsyncOneSignalClient.update_subscription)
    update_subscription_by_token = _blocking(AsyncOneSignalClient.update_subscription_by_token)
    transfer_subscription = _blocking(AsyncOneSignalClient.transfer_subscription)
    delete_subscription = _blocking(AsyncOneSignalClient.delete_subscription)
    send_events = _blocking(AsyncOneSignalClient.send_events)
    create_notification = _blocking(AsyncOneSignalClient.create_notification)
    legacy_edit_tags = _blocking(AsyncOneSignalClient.legacy_edit_tags)
    legacy_edit_device = _blocking(AsyncOneSignalClient.legacy_edit_device)
