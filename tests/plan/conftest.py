from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from plan_world import KINDS, World


@pytest.fixture(params=KINDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The same scenarios on DuckDB state (ATTACH), PostgreSQL pushdown, PostgreSQL + stream."""
    if request.param == "duckdb":
        yield World("duckdb", tmp_path)
        return
    pg_url = request.getfixturevalue("pg_url")
    schema = request.getfixturevalue("pg_schema")
    yield World(request.param, tmp_path, pg_url, schema)


@pytest.fixture
def duck(tmp_path: Path) -> World:
    return World("duckdb", tmp_path)
