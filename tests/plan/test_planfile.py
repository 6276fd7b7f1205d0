"""The plan file: round trip, no secrets, version check, stale detection."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from plan_world import CUSTOMERS, ORDERS, World, hand_compile, message_sync, profile_sync

from onesync.errors import PlanError
from onesync.model import Field
from onesync.plan import Plan, check_fresh, read_plan, write_plan
from onesync.state import open_state


@pytest.mark.parametrize("chunk", [1, 5000])
def test_round_trip_keeps_every_change(
    duck: World, tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("onesync.plan.planfile._CHUNK", chunk)
    duck.sql(*CUSTOMERS, *ORDERS)
    project = duck.project(profile_sync(), message_sync())
    duck.apply(project, duck.plan(project))
    duck.sql("INSERT INTO orders VALUES (102, 1, 'Ann', 5, NULL)", "UPDATE customers SET plan='x'")
    plan = duck.plan(project, allow_destructive=True)
    write_plan(plan, tmp_path / "plan.json")
    again = read_plan(tmp_path / "plan.json")
    assert again == plan
    assert Plan.from_json(plan.to_json()) == plan
    data = json.loads((tmp_path / "plan.json").read_text())
    assert data["format_version"] == 2 and data["has_changes"] is True


def test_no_secret_is_written(world: World, tmp_path: Path) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync())
    project = replace(project, state=replace(project.state, url=project.state.url.replace(
        "postgres@", "postgres:hunter2@")))  # fmt: skip
    if world.kind != "duckdb":  # the trust-auth server ignores the password
        world.state = project.state
    plan = world.plan(project)
    write_plan(plan, tmp_path / "plan.json")
    text = (tmp_path / "plan.json").read_text()
    assert "secret-key-123" not in text and "hunter2" not in text
    assert '"app_id":"app-1"' in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not JSON"),
        ('{"format": "other"}', "not an onesync plan file"),
        ('{"format": "onesync-plan", "format_version": 99}', "format version 99 is not supported"),
        ('{"format": "onesync-plan", "format_version": 2}', "plan file is damaged"),
    ],
)
def test_bad_plan_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "p.json").write_text(content)
    with pytest.raises(PlanError, match=message):
        read_plan(tmp_path / "p.json")


def test_stale_plan_reasons(world: World) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync())
    compiled = {"customers": hand_compile(profile_sync(), "customers")}
    plan = world.plan(project)
    with open_state(project.state, project.root) as st:
        assert check_fresh(plan, project, st, compiled=compiled) == []
    world.sql("UPDATE customers SET plan = 'pro' WHERE id = 1")
    with open_state(project.state, project.root) as st:
        assert check_fresh(plan, project, st, compiled=compiled) == [
            "the rows of sync customers changed in its source"
        ]
    changed = replace(profile_sync(), tags=(Field("plan", "plan"),))
    world.apply(project, plan)  # someone applied: the serial moved
    with open_state(project.state, project.root) as st:
        reasons = check_fresh(plan, world.project(changed), st, check_source=False)
    assert reasons[0].startswith("the state changed since the plan was made (serial 0 -> 1)")
    assert reasons[1] == "the spec of sync customers changed since the plan was made"
