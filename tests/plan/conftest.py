from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from plan_world import API_KEY, APP_ID, KINDS, World

from onesync.sandbox import RateLimits, Sandbox, SandboxConfig


@pytest.fixture(scope="session")
def session_sandbox() -> Iterator[Sandbox]:
    """One OneSignal sandbox on a loopback port for the whole session (the plan projects' app)."""
    box = Sandbox(
        SandboxConfig(app_id=APP_ID, api_key=API_KEY, rate_limits=RateLimits(per_user=None))
    ).start()
    yield box
    box.stop()


@pytest.fixture
def sandbox(session_sandbox: Sandbox) -> Sandbox:
    """The session's sandbox, emptied: each test starts with an app that holds nothing."""
    session_sandbox.reset()
    return session_sandbox


@pytest.fixture(params=KINDS)
def world(request: pytest.FixtureRequest, tmp_path: Path, sandbox: Sandbox) -> Iterator[World]:
    """The same scenarios on DuckDB state (ATTACH), PostgreSQL pushdown, PostgreSQL + stream."""
    if request.param == "duckdb":
        yield World("duckdb", tmp_path, sandbox)
        return
    pg_url = request.getfixturevalue("pg_url")
    schema = request.getfixturevalue("pg_schema")
    yield World(request.param, tmp_path, sandbox, pg_url, schema)


@pytest.fixture
def duck(tmp_path: Path, sandbox: Sandbox) -> World:
    return World("duckdb", tmp_path, sandbox)
