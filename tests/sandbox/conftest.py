"""A real sandbox on a loopback port per test, and an httpx client that talks to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from onesync.sandbox import RateLimits, Sandbox, SandboxConfig

from .helpers import API_KEY, APP_ID, AUTH


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with the given SandboxConfig fields; all are stopped afterwards."""
    started: list[Sandbox] = []

    def make(**fields: Any) -> Sandbox:
        fields.setdefault("app_id", APP_ID)
        fields.setdefault("api_key", API_KEY)
        fields.setdefault("rate_limits", RateLimits.unlimited())
        box = Sandbox(SandboxConfig(**fields)).start()
        started.append(box)
        return box

    yield make
    for box in started:
        box.stop()


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A sandbox without rate limits (tests of limits make their own)."""
    return make_sandbox()


@pytest.fixture
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sb.url}", headers=AUTH, timeout=10) as client:
        yield client
