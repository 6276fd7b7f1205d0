"""A real sandbox on a loopback port per test, and a project on disk pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from onesync.sandbox import RateLimits, Sandbox, SandboxConfig

from .world import API_KEY, APP_ID, World


@pytest.fixture(autouse=True)
def api_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The projects read their API key from the environment, as real ones should."""
    monkeypatch.setenv("TEST_ONESIGNAL_KEY", API_KEY)


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    started: list[Sandbox] = []

    def make(**fields: Any) -> Sandbox:
        fields.setdefault("app_id", APP_ID)
        fields.setdefault("api_key", API_KEY)
        fields.setdefault("rate_limits", RateLimits(per_user=None))
        box = Sandbox(SandboxConfig(**fields)).start()
        started.append(box)
        return box

    yield make
    for box in started:
        box.stop()


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox()


@pytest.fixture
def world(tmp_path: Path, sb: Sandbox) -> World:
    return World(tmp_path / "project", sb.url)
