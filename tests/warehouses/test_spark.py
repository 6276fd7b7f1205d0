"""The Spark source on a real local Spark: exact values, the story, catalogue checks, errors.

One SparkSession (``local[2]``) serves the module, as a notebook's would: the connectors of the
tests and of ``plan`` find it running, work in sessions of their own on it, and leave it running.
Two tests start a fresh Python process instead, for what only a fresh process shows: the
connector starting (and stopping) Spark itself quietly, and a machine without Java.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from onesync.errors import SourceError, SpecError
from onesync.model import Source
from onesync.sandbox import Sandbox
from onesync.sources import connect
from tests.sources import test_timezones
from tests.sources.dataset import load
from tests.sources.test_golden import EXPECTED, OUTPUTS, check, golden_sql

from .story import CUSTOMERS, ORDERS, customer_rows, order_rows, tell_story, write_project

MASTER = "local[2]"
SPEC = "specs/customers.yaml"


def _need(ok: bool, message: str) -> None:
    """Skip on a laptop without Spark; in CI (CI=true) a missing engine fails."""
    if ok:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message} (CI=true: the CI image must provide it)")
    pytest.skip(message)


def _has_java() -> bool:
    home = os.environ.get("JAVA_HOME")
    return Path(home, "bin", "java").exists() if home else shutil.which("java") is not None


@dataclass(frozen=True)
class Lake:
    session: Any  # the module's SparkSession
    warehouse: Path

    def source(self, **kw: Any) -> Source:
        options = (
            ("spark.sql.warehouse.dir", str(self.warehouse)),
            ("spark.sql.shuffle.partitions", "2"),
        )
        return Source("lake", "spark", url=kw.pop("url", MASTER), options=options, **kw)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _need(False, "pyspark is not installed (pip install 'onesync[spark]')")
    _need(_has_java(), "java is not installed (Debian: apt-get install openjdk-17-jre-headless)")
    warehouse = tmp_path_factory.mktemp("spark") / "warehouse"
    session = (
        SparkSession.builder.master(MASTER)
        .appName("onesync-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sql("CREATE DATABASE IF NOT EXISTS story")
    yield Lake(session, warehouse)
    session.stop()


def error_line(call: Callable[[], object]) -> str:
    with pytest.raises(SourceError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message and "\tat " not in message
    return message


# -- exact values ---------------------------------------------------------------------------
def test_golden_values(lake: Lake, tmp_path: Path) -> None:
    check("spark", lake.source(), tmp_path, "golden")


def test_databricks_sql_gives_the_same_values_on_spark(lake: Lake, tmp_path: Path) -> None:
    """Databricks SQL is Spark SQL: the databricks dialect's SQL (REGEXP_LIKE, not RLIKE)
    runs on Spark and gives the same text. The only check of it that runs offline."""
    with connect(lake.source(), tmp_path) as conn:
        load(conn, "spark", "golden_databricks")
        types = dict(conn.table_columns("golden_databricks"))
        sql = golden_sql("databricks", "golden_databricks", types)
        assert "REGEXP_LIKE(" in sql
        rows = [r for batch in conn.stream(sql) for r in batch]
    flags = {i for i, (_, _, how) in enumerate(OUTPUTS) if how.startswith("bad:")}
    got = {r[0]: tuple(bool(v) if i in flags else v for i, v in enumerate(r)) for r in rows}
    assert got == EXPECTED


def test_naive_times_are_read_in_the_source_zone(lake: Lake, tmp_path: Path) -> None:
    """The session runs in the source's zone, yet naive text means the same instant: the
    compiled SQL never goes through the session zone (tests/sources/test_timezones.py)."""
    with connect(lake.source(), tmp_path) as conn:
        load(conn, "spark", "zoned")  # written in UTC
    for zone in ("Europe/Berlin", "+02:00"):
        with connect(lake.source(timezone=zone), tmp_path) as conn:
            assert conn.session.conf.get("spark.sql.session.timeZone") == zone
            sql = test_timezones.zoned_sql("spark", "zoned", zone)
            rows = [r for batch in conn.stream(sql) for r in batch]
        assert {r[0]: tuple(r[1:]) for r in rows} == test_timezones.EXPECTED[zone]


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process in New York: pyspark turns TIMESTAMPs into naive local time."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_rows_keep_their_types_and_instants(lake: Lake, tmp_path: Path, new_york: None) -> None:
    """TIMESTAMP values arrive as aware UTC instants, not this process's local time."""
    sql = (
        "SELECT CAST(12.50 AS DECIMAL(10, 2)) AS d, TIMESTAMP'2024-05-01 14:00:00+02:00' AS ts,"
        " TIMESTAMP_NTZ'2024-05-01 12:00:00' AS ntz, CAST(NULL AS TIMESTAMP) AS nothing"
    )
    with connect(lake.source(timezone="Europe/Berlin"), tmp_path) as conn:
        assert conn.columns(sql) == [
            ("d", "decimal(10,2)"),
            ("ts", "timestamp"),
            ("ntz", "timestamp_ntz"),
            ("nothing", "timestamp"),
        ]
        [[row]] = list(conn.stream(sql))
    from decimal import Decimal

    assert row == (
        Decimal("12.50"),
        datetime(2024, 5, 1, 12, tzinfo=UTC),
        datetime(2024, 5, 1, 12),
        None,
    )


def test_stream_batches(lake: Lake, tmp_path: Path) -> None:
    with connect(lake.source(), tmp_path) as conn:
        sizes = [
            len(b) for b in conn.stream("SELECT id FROM range(0, 2500, 1, 3)", batch_size=1000)
        ]
    assert sizes == [1000, 1000, 500]


# -- the story --------------------------------------------------------------------------------
TYPES = {"text": "STRING", "decimal": "DECIMAL(10, 2)", "timestamp": "TIMESTAMP"}


class SparkWarehouse:
    """Managed tables in the module's warehouse, written by the tests' own session."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake

    def source_yaml(self) -> str:
        return (
            f"    dialect: spark\n    url: {MASTER}\n    options:\n"
            f"      spark.sql.warehouse.dir: {self.lake.warehouse}\n"
            "      spark.sql.shuffle.partitions: 2\n"
        )

    def table(self, name: str) -> str:
        return f"story.{name}"

    def replace(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        schema = ", ".join(f"{n} {TYPES[k]}" for n, k in columns)
        # naive datetimes are UTC in the story; pyspark would read them in this process's zone
        utc = [
            tuple(v.replace(tzinfo=UTC) if isinstance(v, datetime) else v for v in r) for r in rows
        ]
        frame = self.lake.session.createDataFrame(utc, schema)
        frame.write.mode("overwrite").saveAsTable(self.table(table))


def test_the_story_on_spark(lake: Lake, tmp_path: Path, sb: Sandbox) -> None:
    read_by = tell_story(tmp_path / "project", sb, SparkWarehouse(lake))
    assert read_by == ["stream", "stream", "stream"]
    lake.session.sql("SELECT 1").collect()  # plan's connectors left the session running


def test_validate_names_a_missing_column(
    lake: Lake, tmp_path: Path, sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onesync.api import validate

    wh = SparkWarehouse(lake)
    wh.replace("customers", CUSTOMERS, customer_rows(2))
    wh.replace("orders", ORDERS, order_rows(2, 2))
    root = tmp_path / "project"
    write_project(root, wh, sb.url)
    spec = root / SPEC
    spec.write_text(spec.read_text().replace("  plan: plan\n", "  plan: plna\n"))
    monkeypatch.chdir(root)
    with pytest.raises(SpecError) as err:
        validate(".")
    assert (
        f"{SPEC}:7:9: error: tags.plan: column 'plna' is not in the model's output"
        " (did you mean 'plan'?)"
    ) in str(err.value)


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sql", "words"),
    [
        (
            "SELECT * FROM story.nope",
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view `story`.`nope` cannot be found.",
        ),
        ("SELEC 1", "[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'."),
        # fails in a task on the executor (ANSI mode), not while planning
        ("SELECT 1 / (id - 3) AS x FROM range(5)", "[DIVIDE_BY_ZERO] Division by zero."),
    ],
)
def test_query_errors_are_one_line(lake: Lake, tmp_path: Path, sql: str, words: str) -> None:
    def read() -> None:
        with connect(lake.source(), tmp_path, context=SPEC) as conn:
            for _ in conn.stream(sql):
                pass

    line = error_line(read)
    assert line.startswith(f"{SPEC}: source 'lake' (spark: {MASTER}): query failed: {words}")


def test_missing_table_in_the_catalogue(lake: Lake, tmp_path: Path) -> None:
    with connect(lake.source(), tmp_path, context=SPEC) as conn:
        line = error_line(lambda: conn.table_columns("story.nope"))
    assert "[TABLE_OR_VIEW_NOT_FOUND] The table or view `story`.`nope` cannot be found" in line


def test_one_spark_per_process(lake: Lake, tmp_path: Path) -> None:
    """A running SparkContext is used as it is: another master or warehouse is an error, not a
    silent other warehouse; closing our connector leaves the running session alone."""
    line = error_line(lambda: connect(lake.source(url="local[1]"), tmp_path))
    assert f"Spark already runs in this process with master {MASTER}" in line
    assert f"set url: {MASTER}" in line
    other = Source(
        "lake", "spark", url=MASTER, options=(("spark.sql.warehouse.dir", "/elsewhere"),)
    )
    line = error_line(lambda: connect(other, tmp_path))
    assert "Spark already runs in this process with spark.sql.warehouse.dir=" in line
    assert "cannot change to /elsewhere" in line
    with connect(lake.source(timezone="Asia/Tokyo"), tmp_path) as conn:
        conn.execute("SELECT 1")
    assert lake.session.conf.get("spark.sql.session.timeZone") == "UTC"  # ours was its own
    assert lake.session.sql("SELECT 1 AS one").collect()[0].one == 1


def test_bad_options_say_where_they_belong(tmp_path: Path) -> None:
    for key, words in [
        (
            "spark.sql.session.timeZone",
            "set timezone: in the source, not spark.sql.session.timeZone",
        ),
        ("spark.master", "set url: in the source, not spark.master"),
        ("sql.shuffle.partitions", "'sql.shuffle.partitions' is not a Spark setting"),
    ]:
        source = Source("lake", "spark", url=MASTER, options=((key, "x"),))
        assert words in error_line(lambda s=source: connect(s, tmp_path))  # type: ignore[misc]


def test_missing_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import fails as if not installed
    line = error_line(lambda: connect(Source("lake", "spark", url=MASTER)))
    assert line == (
        f"source 'lake' (spark: {MASTER}): cannot connect: "
        "pyspark is not installed: pip install 'onesync[spark]'"
    )


def test_spark_connect_without_its_extra(tmp_path: Path) -> None:
    try:
        import grpc  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pyspark[connect] is installed here: no Spark Connect server to reach")
    source = Source("lake", "spark", url="sc://127.0.0.1:1/;token=canary-Tok3n-77")
    line = error_line(lambda: connect(source, tmp_path))
    assert line.startswith(
        "source 'lake' (spark: sc://127.0.0.1:1/;token=***): cannot connect: "
        "Spark Connect needs pip install 'pyspark[connect]'"
    )
    assert "canary-Tok3n-77" not in line


# -- a fresh process --------------------------------------------------------------------------
FRESH = """
import sys
from pyspark import SparkContext
from onesync.errors import SourceError
from onesync.model import Source
from onesync.sources import connect

options = (("spark.sql.warehouse.dir", sys.argv[1]),)
with connect(Source("lake", "spark", url="local[1]", options=options), sys.argv[1]) as conn:
    print([r for b in conn.stream("SELECT id, id * 2 FROM range(3)", batch_size=2) for r in b])
    try:
        conn.columns("SELECT * FROM nope")
    except SourceError as e:
        print(e)
    print("running", SparkContext._active_spark_context is not None)
print("stopped", SparkContext._active_spark_context is None)
"""


def _python(
    script: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=args[0] if args else None,
    )


def test_a_fresh_process_starts_spark_quietly_and_stops_it(lake: Lake, tmp_path: Path) -> None:
    """No log4j banner, no JVM warning, no JSON log line of the failed query: plan output
    stays clean; the session onesync started is stopped when its connector closes."""
    done = _python(FRESH, str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[(0, 0), (1, 2), (2, 4)]",
        "source 'lake' (spark: local[1]): query failed: [TABLE_OR_VIEW_NOT_FOUND] The table or"
        " view `nope` cannot be found. Verify the spelling and correctness of the schema and"
        " catalog.",
        "running True",
        "stopped True",
    ]
    assert done.stderr == ""


def test_without_java_says_install_a_jre(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    script = (
        "from onesync.errors import SourceError\n"
        "from onesync.model import Source\n"
        "from onesync.sources import connect\n"
        "try:\n"
        "    connect(Source('lake', 'spark', url='local[1]'))\n"
        "except SourceError as e:\n"
        "    print(e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "PYSPARK_GATEWAY_PORT")}
    env["PATH"] = str(tmp_path)  # no java on it
    done = _python(script, str(tmp_path), env=env)
    assert done.stdout.strip() == (
        "source 'lake' (spark: local[1]): cannot start Spark: java was not found: Spark needs a"
        " Java runtime (17 or 21) on the PATH or in JAVA_HOME; on Debian/Ubuntu: apt-get"
        " install openjdk-17-jre-headless"
    ), done.stderr
