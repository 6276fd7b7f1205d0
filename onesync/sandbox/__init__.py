"""A local OneSignal-compatible API server for trials, rehearsals and tests.

    from onesync.sandbox import Faults, Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(app_id="...", api_key="..."), observer=None) as sb:
        sb.url          # give this to onesync as api_url
        sb.snapshot()   # users, deleted users, events, notifications, request counts

The API is one route table (``routes.ROUTES``) over one module per resource: ``users``,
``identity``, ``subscriptions``, ``events``, ``notifications``.

It imports nothing from the onesync pipeline: it stands in for OneSignal, not for onesync.
"""

from __future__ import annotations

from onesync.sandbox.config import (
    DEFAULT_API_KEY,
    DEFAULT_APP_ID,
    Faults,
    RateLimits,
    SandboxConfig,
)
from onesync.sandbox.server import Observer, Sandbox
from onesync.sandbox.show import load_state

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_APP_ID",
    "Faults",
    "Observer",
    "RateLimits",
    "Sandbox",
    "SandboxConfig",
    "load_state",
]
