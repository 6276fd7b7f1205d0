"""State in Snowflake (fakesnow's server, the real connector over loopback): the story with the
diff pushed down, a source in another engine streamed in, the lease lock, and how many rows a
plan of a 1% change pulls out of Snowflake into Python."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from onesync.api import load_project
from onesync.compile import compile_project
from onesync.errors import StateError
from onesync.model import StateConfig
from onesync.plan import make_plan
from onesync.sandbox import Sandbox
from onesync.state import open_state, unlock_state

from .fakesnow_server import FAKESNOW_PYTHON, FakeSnow, serve
from .story import (
    CUSTOMERS,
    ORDERS,
    assert_plan_pulls_only_the_changes,
    customer_rows,
    order_rows,
    tell_story,
    write_project,
)
from .test_story_duckdb import DuckDBWarehouse

sf = pytest.importorskip("snowflake.connector")

TYPES = {"text": "VARCHAR", "decimal": "NUMBER(10, 2)", "timestamp": "TIMESTAMP_NTZ"}
BIG = 200_000


@pytest.fixture(scope="module")
def snow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSnow]:
    if not FAKESNOW_PYTHON.exists():
        message = f"{FAKESNOW_PYTHON} is missing (made by `make install`)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    with serve(tmp_path_factory.mktemp("fakesnow")) as fs:
        yield fs


def _endpoint(fs: FakeSnow) -> str:
    return f"host={fs.host}&port={fs.port}&protocol=http"


def state_url(fs: FakeSnow, database: str, password: str | None = None) -> str:
    pw = password or fs.password
    return f"snowflake://{fs.user}:{pw}@acct/{database}/ONESYNC?warehouse=WH&{_endpoint(fs)}"


def _connect(fs: FakeSnow, database: str) -> Any:
    conn = sf.connect(
        user=fs.user,
        password=fs.password,
        account="acct",
        host=fs.host,
        port=fs.port,
        protocol="http",
        paramstyle="qmark",
        enable_server_session_keep_alive_auto_detection=False,
    )
    conn.cursor().execute(f"CREATE DATABASE IF NOT EXISTS {database}")
    conn.cursor().execute(f"CREATE SCHEMA IF NOT EXISTS {database}.PUBLIC")
    conn.cursor().execute(f"USE SCHEMA {database}.PUBLIC")
    return conn


class SnowWarehouse:
    """Tables in ``<database>.PUBLIC``; models name them unqualified (the source's schema)."""

    def __init__(self, fs: FakeSnow, database: str) -> None:
        self.fs, self.database = fs, database

    def source_yaml(self) -> str:
        fs = self.fs
        return (
            "    dialect: snowflake\n"
            f"    url: snowflake://{fs.user}:{fs.password}@acct/{self.database}/PUBLIC"
            "?warehouse=WH\n"
            f"    options: {{host: {fs.host}, port: '{fs.port}', protocol: http}}\n"
        )

    def table(self, name: str) -> str:
        return name

    def replace(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        conn = _connect(self.fs, self.database)
        try:
            cols = ", ".join(f"{n} {TYPES[k]}" for n, k in columns)
            conn.cursor().execute(f"CREATE OR REPLACE TABLE {table} ({cols})")
            if rows:  # literals: fakesnow's array binding takes no Decimal or datetime
                values = ", ".join("(" + ", ".join(map(_literal, r)) + ")" for r in rows)
                conn.cursor().execute(f"INSERT INTO {table} VALUES {values}")
        finally:
            conn.close()


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat(sep=' ')}'::TIMESTAMP_NTZ"
    return "'" + str(value).replace("'", "''") + "'"


def test_the_story_with_state_in_snowflake(tmp_path: Path, sb: Sandbox, snow: FakeSnow) -> None:
    wh = SnowWarehouse(snow, "STORY")
    read_by = tell_story(tmp_path / "project", sb, wh, state_url=state_url(snow, "STORY"))
    assert read_by == ["pushdown", "pushdown", "pushdown"]


def test_a_duckdb_source_is_streamed_into_snowflake_state(tmp_path: Path, snow: FakeSnow) -> None:
    root = tmp_path / "project"
    wh = DuckDBWarehouse(tmp_path / "dw.duckdb")  # streamed into Snowflake state
    write_project(root, wh, "http://127.0.0.1:9", state_url(snow, "STREAMED"))
    wh.replace("customers", CUSTOMERS, customer_rows(20))
    wh.replace("orders", ORDERS, order_rows(10, 20))
    plan = make_plan(load_project(root))
    try:
        assert [sp.read_by for sp in plan.syncs] == ["stream", "stream"]
        profiles = plan.sync("customers").profiles
        assert len(profiles) == 20 and {c.action for c in profiles} == {"create"}
        assert profiles[0].set_tags == {"plan": "free", "ltv": "0.5"}
        assert len(plan.sync("orders").events) == 10
    finally:
        plan.close()


def test_the_lease_lock(snow: FakeSnow, tmp_path: Path) -> None:
    config = StateConfig(state_url(snow, "LOCKS"))
    with open_state(config, tmp_path) as first:
        with pytest.raises(StateError, match=r"is locked by .+ pid \d+") as err:
            open_state(config, tmp_path, lock_timeout=0.5)
        assert snow.password not in str(err.value)
        with pytest.raises(StateError, match="lease is still running"):
            unlock_state(config, tmp_path)
        assert unlock_state(config, tmp_path, force=True) is not None
        # the broken holder stops before its next write
        with pytest.raises(StateError, match="lost the state lock"):
            first.record_run("s", started_at="2026-01-01T00:00:00Z", counts={}, outcome="ok")
        assert first.runs() == []
    with open_state(config, tmp_path, lock_timeout=0.5) as again:  # free once broken
        serial = again.serial
        again.record_run("s", started_at="2026-01-01T00:00:00Z", counts={}, outcome="ok")
        assert again.serial == serial + 1 and len(again.runs()) == 1


def test_a_wrong_password_is_one_line_without_it(snow: FakeSnow, tmp_path: Path) -> None:
    canary = "canary-pw-4711"
    with pytest.raises(StateError) as err:
        open_state(StateConfig(state_url(snow, "LOCKS", password=canary)), tmp_path)
    text = str(err.value)
    assert "cannot connect" in text and "Incorrect username or password" in text
    assert canary not in text and "\n" not in text


def test_confirmed_values_are_merged_per_batch(snow: FakeSnow, tmp_path: Path) -> None:
    with open_state(StateConfig(state_url(snow, "MERGES")), tmp_path) as state:
        state.confirm_rows("s", [("a", "f1", {"tag:plan": "pro", "tag:x": "1"}), ("b", "f1", {})])
        state.confirm_rows("s", [("a", "f2", {"tag:x": None, "tag:new": "y"})])
        assert state.values("s", "a") == {"tag:plan": "pro", "tag:new": "y"}
        assert state.fingerprint("s", "a") == "f2" and state.row_count("s") == 2
        state.record_missed("m", [("k1", "e1")])
        state.record_missed("m", [("k1", "e1")])
        state.record_sent("m", ["k1", "k2"], kind="message", external_ids=["e1", "e2"])
        assert state.sent_keys("m") == {"k1": "sent", "k2": "sent"}
        state.forget_rows("s", ["b"])
        assert state.row_count("s") == 1 and state.summary() == [("m", 0, 2), ("s", 1, 0)]


PROFILE = """\
sync: users
source: dw
model: {table: users}
identity: {external_id: id}
tags: {plan: plan}
"""


def test_a_plan_of_a_one_percent_change_pulls_only_the_changed_rows(
    tmp_path: Path, snow: FakeSnow, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    wh = SnowWarehouse(snow, "BIG")
    (root / "onesync.yaml").write_text(
        f"version: 1\nsources:\n  dw:\n{wh.source_yaml()}"
        "destination: {app_id: 00000000-0000-0000-0000-000000000001, api_key: k}\n"
        f"state:\n  url: {state_url(snow, 'BIG')}\nspecs: specs/\n"
    )
    (root / "specs" / "users.yaml").write_text(PROFILE)
    conn = _connect(snow, "BIG")
    try:
        cur = conn.cursor()
        cur.execute(
            "CREATE OR REPLACE TABLE users AS SELECT 'u' || seq4() AS id, seq4() AS n, "
            f"'free' AS plan FROM TABLE(GENERATOR(ROWCOUNT => {BIG}))"
        )
        project = load_project(root)
        (compiled,) = compile_project(project)
        with open_state(project.state, root):  # creates the schema
            pass
        # the state as a first apply would leave it (every row confirmed), written in SQL
        cur.execute(
            'INSERT INTO ONESYNC.onesync_rows SELECT \'users\', "__key", "__fingerprint", '
            f"'{{\"tag:plan\":\"free\"}}', '2026-01-01T00:00:00Z' FROM ({compiled.sql})"
        )
        cur.execute("UPDATE users SET plan = 'pro' WHERE MOD(n, 100) = 0")  # 1%: 2,000 rows
    finally:
        conn.close()

    seconds = assert_plan_pulls_only_the_changes(
        project, compiled, monkeypatch, sf.cursor.SnowflakeCursor, BIG
    )
    assert Decimal(seconds) < 60
