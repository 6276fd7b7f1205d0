"""The state store on DuckDB and PostgreSQL: schema, serial, idempotent writes, history."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from onesync.errors import StateError
from onesync.model import StateConfig
from onesync.state import Missed, RowUpdate, Sent, open_state
from onesync.state.schema import SCHEMA_VERSION


@pytest.fixture(params=["duckdb", "postgres"])
def config(request: pytest.FixtureRequest) -> StateConfig:
    if request.param == "duckdb":
        return StateConfig()
    url = request.getfixturevalue("pg_url")
    schema = request.getfixturevalue("pg_schema")
    return StateConfig(url=f"{url}?options=-csearch_path%3D{schema}")


def test_new_store_is_migrated_and_starts_at_serial_zero(config: StateConfig, tmp_path: Path):
    with open_state(config, tmp_path) as st:
        assert st.serial == 0
        assert st.schema_version == SCHEMA_VERSION
        lineage = st.lineage
    with open_state(config, tmp_path) as st:  # reopening migrates nothing, keeps identity
        assert st.lineage == lineage
    if config.backend == "duckdb":
        assert (tmp_path / ".onesync" / "state.duckdb").exists()


def test_writes_bump_the_serial_and_are_idempotent(config: StateConfig, tmp_path: Path):
    with open_state(config, tmp_path) as st:
        batch = [("1", "fp1", {"tag__plan": "free"}), ("2", "fp2", {"tag__plan": None})]
        st.confirm_rows("customers", batch)
        st.confirm_rows("customers", batch)
        assert st.row_count("customers") == 2 and st.serial == 2
        assert st.values("customers", "1") == {"tag__plan": "free"}
        st.record_sent("orders", ["a", "b", "a"], "baseline")
        st.record_sent("orders", ["b", "c"], "sent")
        assert st.sent_keys("orders") == {"a": "baseline", "b": "baseline", "c": "sent"}
        assert st.is_started("orders") and not st.is_started("other")
        st.forget_rows("customers", ["2"])
        assert st.row_count("customers") == 1
        st.record_run("customers", started_at="2026-01-01T00:00:00Z", counts={"create": 2},
                      outcome="applied")  # fmt: skip
        (run,) = st.runs("customers")
        assert run["counts"] == {"create": 2} and run["outcome"] == "applied"
        assert "@" in run["who"]
        assert st.summary() == [("customers", 1, 0), ("orders", 0, 3)]


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    with open_state(StateConfig(), tmp_path):
        pass
    conn = duckdb.connect(str(tmp_path / ".onesync" / "state.duckdb"))
    conn.execute("INSERT INTO onesync_schema_version VALUES (7, 'later')")
    conn.close()
    with pytest.raises(StateError, match="schema version 7, newer than this onesync"):
        open_state(StateConfig(), tmp_path)


def test_unreachable_postgres_is_one_line_without_password(tmp_path: Path) -> None:
    config = StateConfig(url="postgresql://u:pw@127.0.0.1:1/x?connect_timeout=2")
    with pytest.raises(StateError) as err:
        open_state(config, tmp_path)
    assert "cannot connect" in str(err.value) and "pw" not in str(err.value).replace("pwd", "")
    assert str(err.value).startswith("state postgresql://u:***@127.0.0.1:1/x")
    json.dumps(str(err.value))


def test_confirm_takes_state_records_only(config: StateConfig, tmp_path: Path) -> None:
    with open_state(config, tmp_path) as st:
        st.outbox_put("news", "batch-1", ["n1", "n2"], ["u1", "u2"], {"contents": {"en": "hi"}})
        rows = [RowUpdate("1", "fp1", {"tag:plan": "free"}), RowUpdate("2", "fp2", {"a": "b"})]
        st.confirm("customers", rows)
        st.confirm("customers", [RowUpdate("2", None, forget=True)])
        assert st.values("customers", "1") == {"tag:plan": "free"}
        assert st.row_count("customers") == 1
        st.confirm("orders", [Sent(("a",), ("u1",)), Sent(("b",), ("u2",))])
        assert st.sent_keys("orders") == {"a": "sent", "b": "sent"}
        st.confirm("news", [Sent(("n1",), ("u1",), "message", "batch-1"), Missed("n2", "u2")])
        assert st.sent_keys("news") == {"n1": "sent", "n2": "missed"} and st.outbox("news") == []
        with pytest.raises(TypeError, match="not tuple"):
            st.confirm("customers", [("3", "fp3", {})])  # type: ignore[list-item]
