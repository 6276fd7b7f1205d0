"""The OneSignal API as the sandbox answers it: auth, routing through the table, rate limits.

``SandboxApp.handle`` is synchronous and does no I/O besides the store's write-through, so the
asyncio server can call it inline. The endpoints live in one module per resource (``users``,
``identity``, ``subscriptions``, ``events``, ``notifications``) behind ``routes.ROUTES``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from onesync.sandbox.core import (
    ACCESS_DENIED,
    APP_NOT_FOUND,
    Context,
    Request,
    Response,
    error,
    rate_limited,
)
from onesync.sandbox.routes import FAMILIES, Match, match

__all__ = ["Response", "SandboxApp", "error", "rate_limited"]


class SandboxApp(Context):
    """One sandboxed app: answers API requests against a :class:`Store`."""

    def route(self, method: str, target: str) -> Match:
        """Which route a request goes to, and the name it is counted under."""
        return match(method, target)

    def handle(
        self,
        method: str,
        routed: Match,
        headers: dict[str, str],
        body: bytes,
        query: dict[str, str] | None = None,
    ) -> Response:
        """Answer one API request (its target already matched by :meth:`route`)."""
        if not self._authorized(headers.get("authorization", "")):
            return error(403, ACCESS_DENIED)
        payload: Any = None
        if body:
            try:
                payload = json.loads(body)
            except ValueError as exc:
                return error(400, f"Request body is not valid JSON: {exc}")
        route = routed.route
        if route is None:
            hint = f" (this path takes {', '.join(routed.allowed)})" if routed.allowed else ""
            return error(404, f"No such endpoint: {method} {routed.path}{hint}")
        params = routed.params
        if "app_id" in params and params["app_id"] != self.config.app_id:
            return error(400, APP_NOT_FOUND)
        limit = getattr(self.config.rate_limits, route.family)
        if not self.windows.allow(route.family, limit, time.monotonic()):
            return rate_limited(FAMILIES[route.family])
        return route.handler(self, Request(method, params, payload, query or {}))

    def _authorized(self, header: str) -> bool:
        scheme, _, key = header.partition(" ")
        return scheme.lower() in ("key", "basic", "bearer") and key.strip() == self.config.api_key
