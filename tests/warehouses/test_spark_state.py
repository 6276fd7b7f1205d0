"""State in Spark (``state.url: spark://SOURCE/DATABASE``) on a real local Spark: the story with
the diff pushed down, the rows a 1% change pulls into Python, the log's writes, the lease lock,
compaction, and the errors of a state URL that names no Spark source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onesync.api import load_project
from onesync.compile import compile_project
from onesync.errors import SpecError, StateError
from onesync.model import Source, StateConfig
from onesync.sandbox import Sandbox
from onesync.state import open_state, unlock_state
from onesync.state import spark as spark_state

from .story import assert_plan_pulls_only_the_changes, tell_story
from .test_spark import MASTER, Lake, SparkWarehouse, lake  # noqa: F401 (the fixture)

BIG = 200_000


def _config(lake: Lake, database: str) -> StateConfig:  # noqa: F811
    return StateConfig(f"spark://lake/{database}", source=lake.source())


def test_the_story_with_state_in_spark(lake: Lake, tmp_path: Path, sb: Sandbox) -> None:  # noqa: F811
    """State in the source's own Spark: every plan diffs there (pushdown)."""
    read_by = tell_story(
        tmp_path / "project", sb, SparkWarehouse(lake), state_url="spark://dw/story_state"
    )
    assert read_by == ["pushdown", "pushdown", "pushdown"]
    tables = {r.tableName for r in lake.session.sql("SHOW TABLES IN story_state").collect()}
    assert {"onesync_rows__log", "onesync_sent__log", "onesync_commits"} <= tables


def test_writes_are_appended_and_read_back_merged(lake: Lake, tmp_path: Path) -> None:  # noqa: F811
    with open_state(_config(lake, "merges"), tmp_path) as state:
        assert state.backend == "spark" and state.serial == 0 and state.lineage
        state.confirm_rows("s", [("a", "f1", {"tag:plan": "pro", "tag:x": "1"}), ("b", "f1", {})])
        state.confirm_rows("s", [("a", "f2", {"tag:x": None, "tag:new": "y"})])
        assert state.values("s", "a") == {"tag:plan": "pro", "tag:new": "y"}
        assert state.fingerprint("s", "a") == "f2" and state.row_count("s") == 2
        state.record_conflicts("s", [("b", "f9", "alias taken")])
        assert state.conflicts("s") == {"b": ("f9", "alias taken")}
        state.confirm_rows("s", [("b", "f3", {})])  # confirmed: the conflict is over
        assert state.conflicts("s") == {}
        state.record_missed("m", [("k1", "e1")])
        state.record_missed("m", [("k1", "e1")])
        state.record_sent("m", ["k1", "k2"], kind="message", external_ids=["e1", "e2"])
        state.record_sent("m", ["k2"], "baseline", kind="message")  # sent stays sent
        assert state.sent_keys("m") == {"k1": "sent", "k2": "sent"}
        assert state.is_started("m") and not state.is_started("s")
        state.outbox_put("m", "batch1", ["k3"], ["e3"], {"contents": {"en": "hi"}})
        state.outbox_put("m", "batch1", ["k3"], ["e3"], {"contents": {"en": "other"}})
        assert [b["body"] for b in state.outbox("m")] == [{"contents": {"en": "hi"}}]
        state.record_sent("m", ["k3"], kind="message", external_ids=["e3"], outbox="batch1")
        assert state.outbox("m") == []
        state.forget_rows("s", ["b"])
        assert state.row_count("s") == 1 and state.summary() == [("m", 0, 3), ("s", 1, 0)]
        serial = state.serial
    with open_state(_config(lake, "merges"), tmp_path) as again:  # all of it was committed
        assert again.serial == serial and again.values("s", "a") == {
            "tag:plan": "pro",
            "tag:new": "y",
        }


def test_a_write_that_fails_leaves_nothing(lake: Lake, tmp_path: Path) -> None:  # noqa: F811
    with open_state(_config(lake, "atomic"), tmp_path) as state:
        state.confirm_rows("s", [("a", "f1", {"tag:plan": "free"})])
        serial = state.serial
        with pytest.raises(RuntimeError), state._transaction():
            state._db.append("onesync_rows", "SELECT 's', 'a', 'f2', '{}', 'x'")
            raise RuntimeError("the process dies here")
        assert state.values("s", "a") == {"tag:plan": "free"} and state.serial == serial


def test_a_grown_log_is_compacted(lake: Lake, tmp_path: Path) -> None:  # noqa: F811
    config = _config(lake, "compacted")
    with open_state(config, tmp_path) as state:
        for n in range(4):
            state.confirm_rows("s", [(f"k{i}", f"f{n}", {"tag:n": str(n)}) for i in range(50)])
        backend = state._db
        assert isinstance(backend, spark_state.SparkBackend)
        log = backend.tables.log("onesync_rows")

        def logged() -> int:
            return int(backend.raw(f"SELECT count(*) FROM {log}").collect()[0][0])

        assert logged() == 200
        assert "onesync_rows" in backend.compact_logs(floor=0)
        assert logged() == 50
        assert state.values("s", "k7") == {"tag:n": "3"} and state.row_count("s") == 50
        state.confirm_rows("s", [("k7", "f9", {"tag:n": "9"})])  # writes go on after it
        assert state.values("s", "k7") == {"tag:n": "9"}


def test_the_lease_lock(lake: Lake, tmp_path: Path) -> None:  # noqa: F811
    config = _config(lake, "locks")
    with open_state(config, tmp_path) as first:
        with pytest.raises(StateError, match=r"is locked by .+ pid \d+"):
            open_state(config, tmp_path, lock_timeout=0.5)
        with pytest.raises(StateError, match="lease is still running"):
            unlock_state(config, tmp_path)
        assert unlock_state(config, tmp_path, force=True) is not None
        with pytest.raises(StateError, match="lost the state lock"):
            first.record_run("s", started_at="2026-01-01T00:00:00Z", counts={}, outcome="ok")
        assert first.runs() == []
    with open_state(config, tmp_path, lock_timeout=0.5) as again:  # free once broken
        serial = again.serial
        again.record_run("s", started_at="2026-01-01T00:00:00Z", counts={}, outcome="ok")
        assert again.serial == serial + 1 and len(again.runs()) == 1
    assert unlock_state(config, tmp_path) is None  # released on close


PROFILE = """\
sync: users
source: lake
model: {table: story.big_users}
identity: {external_id: id}
tags: {plan: plan}
"""


def test_a_plan_of_a_one_percent_change_pulls_only_the_changed_rows(
    lake: Lake,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    (root / "onesync.yaml").write_text(
        "version: 1\nsources:\n  lake:\n"
        f"    dialect: spark\n    url: {MASTER}\n    options:\n"
        f"      spark.sql.warehouse.dir: {lake.warehouse}\n"
        "      spark.sql.shuffle.partitions: 2\n"
        "destination: {app_id: 00000000-0000-0000-0000-000000000001, api_key: k}\n"
        "state:\n  url: spark://lake/big_state\nspecs: specs/\n"
    )
    (root / "specs" / "users.yaml").write_text(PROFILE)
    session = lake.session
    session.sql("DROP TABLE IF EXISTS story.big_users")
    session.sql(
        "CREATE TABLE story.big_users USING parquet AS SELECT concat('u', id) AS id, "
        f"id AS n, 'free' AS plan FROM range({BIG})"
    )
    project = load_project(root)
    (compiled,) = compile_project(project)
    with open_state(project.state, root):  # creates the database and the logs
        pass
    # the state as a first apply would leave it (every row confirmed), written in SQL
    session.sql(
        "INSERT INTO big_state.onesync_rows__log SELECT 'users', `__key`, `__fingerprint`, "
        f"'{json.dumps({'tag:plan': 'free'})}', '2026-01-01T00:00:00Z', 'seed', 0, FALSE FROM "
        f"({compiled.sql})"
    )
    session.sql(
        "INSERT INTO big_state.onesync_commits SELECT 'seed', max(n) + 1, 'x' FROM "
        "big_state.onesync_commits"
    )
    session.sql("DROP TABLE story.big_users")
    session.sql(  # 1%: 2,000 rows change plan
        "CREATE TABLE story.big_users USING parquet AS SELECT id, n, CASE WHEN "
        "n % 100 = 0 THEN 'pro' ELSE plan END AS plan FROM (SELECT concat('u', id) AS id, id AS "
        f"n, 'free' AS plan FROM range({BIG}))"
    )

    assert_plan_pulls_only_the_changes(project, compiled, monkeypatch, spark_state.Cursor, BIG)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("spark://nope/onesync", "state.url: spark://nope is not a source"),
        ("spark://dw/onesync", "state.url: spark://dw is a duckdb source"),
        ("spark://lake/bad-name", "state.url: the database 'bad-name' is not a plain name"),
        ("spark://host:7077/x", "state.url: spark://host:7077 looks like a Spark master URL"),
    ],
)
def test_a_state_url_that_names_no_spark_source(
    lake: Lake,  # noqa: F811
    tmp_path: Path,
    url: str,
    words: str,
) -> None:
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    (root / "onesync.yaml").write_text(
        "version: 1\nsources:\n  dw:\n    dialect: duckdb\n    path: dw.duckdb\n"
        f"  lake:\n    dialect: spark\n    url: {MASTER}\n"
        "destination: {app_id: 00000000-0000-0000-0000-000000000001, api_key: k}\n"
        f"state:\n  url: {url}\nspecs: specs/\n"
    )
    with pytest.raises(SpecError) as err:
        load_project(root, offline=True)
    text = str(err.value)
    assert f"onesync.yaml:11:8: error: {words}" in text, text
    if "is not a plain name" not in words:
        assert "(use spark://lake/onesync (the name of a Spark source, then a database))" in text


def test_spark_connect_cannot_hold_state(tmp_path: Path) -> None:
    source = Source("lake", "spark", url="sc://localhost:15002")
    with pytest.raises(StateError, match="needs a local or cluster master"):
        open_state(StateConfig("spark://lake/onesync", source=source), tmp_path)
