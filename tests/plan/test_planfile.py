"""The plan file: one Parquet file with a manifest; round trip, no secrets, version check,
and the reasons a saved plan may not be applied."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from plan_world import APP_ID, CUSTOMERS, ORDERS, World, message_sync, profile_sync

from onesync.errors import PlanError
from onesync.model import Field
from onesync.plan import check_fresh, read_plan, write_plan
from onesync.state import open_state
from tests.plantext import manifest, plan_text, rows


def test_round_trip_keeps_every_change(duck: World, tmp_path: Path) -> None:
    duck.sql(*CUSTOMERS, *ORDERS)
    project = duck.project(profile_sync(), message_sync())
    duck.apply(project, duck.plan(project))
    duck.sql("INSERT INTO orders VALUES (102, 10, 'Ann', 5, NULL)", "UPDATE customers SET plan='x'")
    plan = duck.plan(project, allow_destructive=True)
    write_plan(plan, tmp_path / "plan.parquet")
    with read_plan(tmp_path / "plan.parquet") as again:
        assert again.syncs == plan.syncs  # summaries and tallies
        for a, b in zip(again.syncs, plan.syncs, strict=True):
            assert a.profiles == b.profiles and a.messages == b.messages
            assert a.invalid == b.invalid and a.baseline_keys == b.baseline_keys
        assert (again.app_id, again.api, again.api_url) == (plan.app_id, plan.api, plan.api_url)
        assert again.state_serial == plan.state_serial
    meta = manifest(tmp_path / "plan.parquet")
    assert meta["format"] == "onesync-plan" and meta["format_version"] == 3
    assert meta["order"] == ["customers", "order_receipt"] and meta["has_changes"] is True
    assert meta["changes"] == len(rows(tmp_path / "plan.parquet")) == 4
    assert set(meta["destination"]) == {"app_id", "api", "api_url", "fingerprint"}


def test_a_standard_tool_reads_the_changes(duck: World, tmp_path: Path) -> None:
    duck.sql(*CUSTOMERS)
    write_plan(duck.plan(duck.project(profile_sync())), tmp_path / "plan.parquet")
    conn = duckdb.connect()
    got = conn.execute(
        "SELECT key, action, set_tags::JSON->>'plan' FROM 'plan.parquet' ORDER BY key"
        .replace("plan.parquet", str(tmp_path / "plan.parquet"))
    ).fetchall()  # fmt: skip
    assert got == [("10", "create", "free"), ("2", "create", "pro"), ("3", "create", "free")]


def test_no_secret_is_written(world: World, tmp_path: Path) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync())
    project = replace(project, state=replace(project.state, url=project.state.url.replace(
        "postgres@", "postgres:hunter2@")))  # fmt: skip
    if world.kind != "duckdb":  # the trust-auth server ignores the password
        world.state = project.state
    plan = world.plan(project)
    write_plan(plan, tmp_path / "plan.parquet")
    text = plan_text(tmp_path / "plan.parquet")
    assert "secret-key-123" not in text and "hunter2" not in text
    assert manifest(tmp_path / "plan.parquet")["destination"]["app_id"] == APP_ID


def test_bad_plan_files_are_refused(tmp_path: Path) -> None:
    def refused(name: str, data: bytes, message: str) -> None:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(PlanError, match=message):
            read_plan(tmp_path / name)

    refused("a", b"{", "not an onesync plan file")
    refused("b", b"hello", "not an onesync plan file")
    refused("c", b'{"format": "onesync-plan", "format_version": 2}', "format version 2 is not")
    conn = duckdb.connect()
    conn.execute(f"COPY (SELECT 1 AS x) TO '{tmp_path / 'd'}' (FORMAT parquet)")
    with pytest.raises(PlanError, match='no "onesync.plan" manifest'):
        read_plan(tmp_path / "d")
    good = (tmp_path / "d").read_bytes()
    refused("e", good[:8] + b"\0" * 40 + good[48:-8], "damaged")
    with pytest.raises(PlanError, match="cannot read plan file"):
        read_plan(tmp_path / "missing")


def test_why_a_saved_plan_may_not_be_applied(world: World) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync())
    plan = world.plan(project)
    with open_state(project.state, project.root) as st:
        assert check_fresh(plan, project, st) == []
        assert check_fresh(plan, project, st, verify_source=True) == []  # same rows, same SQL
    world.sql("UPDATE customers SET plan = 'pro' WHERE id = 10")
    with open_state(project.state, project.root) as st:
        assert check_fresh(plan, project, st) == []  # the source is not read by default
        assert check_fresh(plan, project, st, verify_source=True) == [
            "the rows of sync customers changed in its source"
        ]
        other = replace(project, destination=replace(project.destination, app_id="app-2"))
        (reason,) = check_fresh(plan, other, st)
        assert reason.startswith("the destination changed since the plan was made (app_id")
    changed = replace(profile_sync(), tags=(Field("plan", "plan"),))
    world.apply(project, plan)  # someone applied: the serial moved
    with open_state(project.state, project.root) as st:
        reasons = check_fresh(plan, world.project(changed), st)
        serial = st.serial
    assert serial > 0
    moved = f"the state changed since the plan was made (serial 0 -> {serial})"
    assert reasons[0].startswith(moved)
    assert reasons[1] == "the spec of sync customers changed since the plan was made"
