"""A real sandbox on a loopback port per test (as in tests/apply)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onesync.sandbox import RateLimits, Sandbox, SandboxConfig
from tests.apply.world import API_KEY, APP_ID


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    box = Sandbox(
        SandboxConfig(app_id=APP_ID, api_key=API_KEY, rate_limits=RateLimits(per_user=None))
    ).start()
    yield box
    box.stop()


@pytest.fixture(autouse=True)
def api_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ONESIGNAL_KEY", API_KEY)
