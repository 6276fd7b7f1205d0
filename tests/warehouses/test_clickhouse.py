"""The ClickHouse source on chDB, the embedded ClickHouse (a real engine, in this process).

The golden values and every value rule, the end-to-end story (state in DuckDB, rows streamed),
validate's catalogue check, DateTime instants in the session zone, streaming, and the one-line,
scrubbed errors. clickhouse-connect has no server to reach here: its URL and options are parsed,
and a closed port on 127.0.0.1 gives one line without the password.

chDB runs one engine per process on one folder, so the whole module shares one folder (each test
its own tables); every connector and the warehouse writer open their own session on it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlglot import exp

from onesync.api import validate
from onesync.compile.values import normalize, timestamp_iso
from onesync.errors import SourceError, SpecError
from onesync.model import Source
from onesync.sandbox import Sandbox
from onesync.sources import connect
from onesync.sources.clickhouse import server_settings
from tests.sources.dataset import load
from tests.sources.test_golden import check
from tests.sources.test_timezones import EXPECTED as ZONED
from tests.sources.test_timezones import zoned_sql
from tests.sources.test_values import CASES, _value

from .story import tell_story

TYPES = {
    "text": "Nullable(String)",
    "decimal": "Nullable(Decimal(10, 2))",
    "timestamp": "Nullable(DateTime64(6))",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        import chdb  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("chdb is not installed (CI=true: make install should have)")
        pytest.skip("chdb is not installed: pip install 'onesync[clickhouse]'")
    return tmp_path_factory.mktemp("chdb") / "events.chdb"


def chdb(folder: Path, timezone: str | None = None) -> Source:
    return Source("events", "clickhouse", path=str(folder), timezone=timezone)


def fresh() -> str:
    return f"t_{uuid.uuid4().hex[:8]}"


def error_line(call: Callable[[], object]) -> str:
    with pytest.raises(SourceError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_golden_values(folder: Path, tmp_path: Path) -> None:
    check("clickhouse", chdb(folder), tmp_path, fresh())


def test_every_value_rule(folder: Path) -> None:
    """tests/sources/test_values.py's cases, one query per tag type (ClickHouse takes a while
    to analyse each normalised expression, so not one query per case)."""
    table = fresh()
    with connect(chdb(folder)) as conn:
        conn.execute(f"CREATE TABLE {table} (k Int32, v String)")
        for k, (_, value, _, _) in enumerate(CASES):
            conn.execute(f"INSERT INTO {table} VALUES (?, ?)", [k, value])
        got = {}
        for type_ in sorted({c[0] for c in CASES}):
            value, bad = _value(exp.column("v"), type_, "clickhouse")
            flag = exp.Case().when(bad, exp.Literal.number(1)).else_(exp.Literal.number(0))
            keys = [k for k, c in enumerate(CASES) if c[0] == type_]
            query = exp.select("k", value, flag).from_(table).where(exp.column("k").isin(*keys))
            for batch in conn.stream(query.sql("clickhouse")):
                got.update({k: (v, bool(b)) for k, v, b in batch})
    assert got == {k: (want, bad) for k, (_, _, want, bad) in enumerate(CASES)}


@pytest.mark.parametrize("zone", ["Europe/Berlin", "+02:00"])
def test_the_session_runs_in_the_source_zone(folder: Path, zone: str) -> None:
    """A ClickHouse DateTime is an instant: written and read in the source's zone, a naive
    '2024-05-01 12:00:00' is 12:00 there, as tests/sources/test_timezones.py expects of a
    naive timestamp column."""
    table = fresh()
    with connect(chdb(folder, zone)) as conn:
        assert next(conn.stream("SELECT timezone()")) == [
            ("Fixed/UTC+02:00:00" if zone == "+02:00" else zone,)
        ]
        load(conn, "clickhouse", table)
        rows = [r for b in conn.stream(zoned_sql("clickhouse", table, zone)) for r in b]
    assert {r[0]: tuple(r[1:]) for r in rows} == ZONED[zone]


def test_a_datetime_reads_as_its_instant(folder: Path) -> None:
    """A column with a zone of its own, and both 02:30s of the night Berlin's clocks go back,
    keep their instants: the text the rules read carries the offset."""
    table = fresh()
    instants = {
        1729989000: ("2024-10-27T00:30:00Z", "2024-10-27", "2024-10-27"),  # 02:30 summer time
        1729992600: ("2024-10-27T01:30:00Z", "2024-10-27", "2024-10-27"),  # 02:30 winter time
        1714606200: ("2024-05-01T23:30:00Z", "2024-05-01", "2024-05-02"),  # 01:30 in Berlin
    }
    berlin = "Europe/Berlin"
    with connect(chdb(folder, berlin)) as conn:
        conn.execute(f"CREATE TABLE {table} (k Int64, utc DateTime('UTC'), local DateTime)")
        for at in instants:
            conn.execute(f"INSERT INTO {table} VALUES (?, toDateTime(?), toDateTime(?))", [at] * 3)
        items: list[exp.Expression] = [exp.column("k")]
        for name in ("utc", "local"):
            col = exp.column(name)
            items += [
                normalize(col, "unix_time", "clickhouse", timezone=berlin),
                timestamp_iso(col, "clickhouse", timezone=berlin),
                normalize(col, "date", "clickhouse", timezone=berlin),
            ]
        query = exp.select(*items).from_(table).order_by("k").sql("clickhouse")
        got = {r[0]: r[1:] for b in conn.stream(query) for r in b}
        raw = next(conn.stream(f"SELECT utc, local FROM {table} ORDER BY k"))
    # the date tag is the day in the column's zone: UTC for utc, Berlin's for local
    assert got == {
        k: (str(k), iso, utc_day, str(k), iso, local_day)
        for k, (iso, utc_day, local_day) in instants.items()
    }
    assert [int(v.timestamp()) for r in raw for v in r] == [
        k for k in sorted(instants) for _ in "ab"
    ]


# local times around clock changes (skipped, repeated), before time zones and far ahead
TIMES = ["2024-03-31 02:30:00", "2024-10-27 02:30:00", "2024-03-10 02:30:00",
         "2024-11-03 01:30:00", "2024-04-07 02:15:00", "1850-06-01 12:00:00",
         "0005-01-01 00:00:00", "2350-07-01 12:00:00", "9999-12-31 23:59:59",
         "1969-12-31 23:59:59", "1916-04-30 23:30:00", "2024-05-01T12:00:00+05:30",
         "2024-05-01T12:00:00-0330"]  # fmt: skip
FLOATS = [0.1, 0.30000000000000004, 1e15, 1e16, 123456789012345680000.0, 1e21, 1e-4, 1e-5,
          2.5e-6, 1e-7, -1.5e300, 5e-324, 1.7976931348623157e308, 123456.0, -0.0, 4.35,
          9007199254740993.0, float("inf"), float("nan")]  # fmt: skip


def test_times_and_floats_come_out_as_on_duckdb(folder: Path) -> None:
    """What only ClickHouse's own arithmetic decides, next to DuckDB on the same values: named
    zones across clock changes, the years 1 to 9999, and a float's shortest text."""
    zones = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe")
    values = [(t, None) for t in TIMES] + [(None, f) for f in FLOATS]
    engines = {
        "duckdb": (Source("d", "duckdb", path=":memory:"), "VARCHAR", "DOUBLE"),
        "clickhouse": (chdb(folder), "Nullable(String)", "Nullable(Float64)"),
    }
    got = {}
    for dialect, (source, text, double) in engines.items():
        table = fresh()
        with connect(source) as conn:
            conn.execute(f"CREATE TABLE {table} (k INTEGER, v {text}, f {double})")
            for k, (v, f) in enumerate(values):
                conn.execute(f"INSERT INTO {table} VALUES (?, ?, ?)", [k, v, f])
            items = [exp.column("k"), normalize(exp.column("f"), "number", dialect)]
            for zone in zones:
                items.append(normalize(exp.column("v"), "unix_time", dialect, timezone=zone))
                items.append(timestamp_iso(exp.column("v"), dialect, timezone=zone))
            query = exp.select(*items).from_(table).sql(dialect)
            got[dialect] = sorted(r for b in conn.stream(query) for r in b)
    assert got["clickhouse"] == got["duckdb"]
    assert got["duckdb"][2][4:6] == ("1710055800", "2024-03-10T07:30:00Z")  # New York's gap
    assert got["duckdb"][len(TIMES) + 3][1] == "1e+16"


def test_stream_gives_python_values_in_batches(folder: Path) -> None:
    table = fresh()
    with connect(chdb(folder)) as conn:
        conn.execute(
            f"CREATE TABLE {table} (id Int64, name Nullable(String), n Nullable(Decimal(10, 2)), "
            "f Nullable(Float64), b Nullable(Bool), d Nullable(Date32), "
            "ts Nullable(DateTime64(6)), at Nullable(DateTime), "
            "e Nullable(Enum8('on' = 1, 'off' = 2))) "
            "ENGINE = MergeTree ORDER BY id"
        )
        conn.execute(
            f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [1, "a'?\n\\", Decimal("1.50"), 0.5, True, date(2024, 2, 29),
             datetime(2024, 5, 1, 12, 0, 0, 123456), datetime(2024, 5, 1, 14, tzinfo=UTC), "on"],
        )  # fmt: skip
        for i in range(2, 6):
            conn.execute(f"INSERT INTO {table} (id) VALUES (?)", [i])
        assert conn.table_columns(table)[:3] == [
            ("id", "Int64"),
            ("name", "Nullable(String)"),
            ("n", "Nullable(Decimal(10, 2))"),
        ]
        batches = list(conn.stream(f"SELECT * FROM {table} ORDER BY id;", batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    first, second = batches[0]
    assert first[:6] == (1, "a'?\n\\", Decimal("1.50"), 0.5, True, date(2024, 2, 29))
    assert first[6] == datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert first[7] == datetime(2024, 5, 1, 14, tzinfo=UTC)  # not the UInt32 Arrow carries
    assert first[8] == "on"  # not the Enum's number
    assert second == (2,) + (None,) * 8


def test_columns_do_not_run_the_query(folder: Path) -> None:
    with connect(chdb(folder)) as conn:
        sql = "SELECT throwIf(number = 3, 'ran') AS x, 'a' AS y FROM numbers(10)"
        assert conn.columns(sql) == [("x", "UInt8"), ("y", "String")]
        assert "ran" in error_line(lambda: list(conn.stream(sql)))


def test_a_long_result_streams_and_a_reader_can_stop_early(folder: Path) -> None:
    n = 300_000  # several ClickHouse blocks of about 65k rows
    with connect(chdb(folder)) as conn:
        sizes, total = [], 0
        for batch in conn.stream(f"SELECT number FROM numbers({n})", batch_size=10_000):
            sizes.append(len(batch))
            total += sum(r[0] for r in batch)
        assert sum(sizes) == n and max(sizes) == 10_000 and total == n * (n - 1) // 2
        rows = conn.stream(f"SELECT number FROM numbers({n})", batch_size=10)
        assert len(next(rows)) == 10
        rows.close()  # stops the query: the session takes the next one
        assert next(conn.stream("SELECT 42")) == [(42,)]


def test_memory_stays_flat_in_the_row_count(folder: Path, tmp_path: Path) -> None:
    """1M rows peak within 40 MB of 100k rows (each in a fresh process, chDB's own ~300 MB)."""
    script = (
        "import resource, sys\n"
        "from onesync.model import Source\n"
        "from onesync.sources import connect\n"
        "with connect(Source('e', 'clickhouse', path=sys.argv[2])) as conn:\n"
        "    sql = ('SELECT toString(number), concat(toString(number), \\'@example.com\\'),'\n"
        "           ' toString(number % 1000) FROM numbers(' + sys.argv[1] + ')')\n"
        "    n = sum(len(b) for b in conn.stream(sql, 10_000))\n"
        "print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    peaks = []
    for n in (100_000, 1_000_000):
        out = subprocess.run(
            [sys.executable, "-c", script, str(n), str(tmp_path / "m.chdb")],
            capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2],
        ).stdout.split()  # fmt: skip
        assert int(out[0]) == n
        peaks.append(int(out[1]))
    assert peaks[1] - peaks[0] < 40, peaks


def test_execute_binds_parameters_server_side(folder: Path) -> None:
    table = fresh()
    hostile = "x'); DROP TABLE t; -- ? \\N \t"
    with connect(chdb(folder)) as conn:
        conn.execute(f"CREATE TABLE {table} (a Nullable(String), b Nullable(Int64))")
        conn.execute(f"INSERT INTO {table} VALUES (?, ?), ('?', ?)", [hostile, None, 7])
        got = set(next(conn.stream(f"SELECT a, b FROM {table}")))
        line = error_line(lambda: conn.execute("SELECT ?", [1, 2]))
    assert got == {("?", 7), (hostile, None)}
    assert line.endswith("statement failed: 1 ? marks for 2 parameters")


class ChDBWarehouse:
    """Tables written through chDB's own session on the story's folder (not the connector)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def source_yaml(self) -> str:
        return f"    dialect: clickhouse\n    path: {self.folder}\n"

    def table(self, name: str) -> str:
        return name

    def replace(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        from chdb import session

        def text(v: Any) -> Any:
            return str(v) if isinstance(v, Decimal | datetime) else v

        lines = "\n".join(
            json.dumps({n: text(v) for (n, _), v in zip(columns, row, strict=True)}) for row in rows
        )
        cols = ", ".join(f"`{n}` {TYPES[k]}" for n, k in columns)
        s = session.Session(os.path.realpath(self.folder))  # the connector's spelling
        try:
            s.query(f"CREATE OR REPLACE TABLE {table} ({cols}) ENGINE = MergeTree ORDER BY tuple()")
            if rows:
                s.query(f"INSERT INTO {table} FORMAT JSONEachRow\n{lines}")
        finally:
            s.close()


def test_the_story_on_chdb(folder: Path, tmp_path: Path, sb: Sandbox) -> None:
    read_by = tell_story(tmp_path / "project", sb, ChDBWarehouse(folder))
    assert read_by == ["stream", "stream", "stream"]


def test_validate_points_at_the_missing_column(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh = ChDBWarehouse(folder)
    wh.replace("people", (("id", "text"), ("email", "text"), ("plan", "text")), [])
    (tmp_path / "specs").mkdir()
    (tmp_path / "onesync.yaml").write_text(
        f"version: 1\nsources:\n  dw:\n{wh.source_yaml()}"
        "  gone:\n    dialect: clickhouse\n    path: data/missing.chdb\n"
        "destination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        "specs: specs/\n"
    )
    (tmp_path / "specs" / "a.yaml").write_text(
        "sync: a\nsource: dw\nmodel:\n  sql: |\n    select id,\n      emial\n    from people\n"
        "identity: {external_id: id}\n"
    )
    (tmp_path / "specs" / "b.yaml").write_text(
        "sync: b\nsource: dw\nmodel: {table: people}\nidentity: {external_id: id}\n"
        "tags: {plan: plann}\n"
    )
    (tmp_path / "specs" / "c.yaml").write_text(
        "sync: c\nsource: gone\nmodel: {table: people}\nidentity: {external_id: id}\n"
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as err:
        validate(".")
    lines = sorted(str(d) for d in err.value.diagnostics)
    assert len(lines) == 3, lines
    gone, a, b = lines
    assert gone.startswith("onesync.yaml:8:11: error: source 'gone': database file "), gone
    assert "data/missing.chdb does not exist" in gone
    assert a == (
        "specs/a.yaml:6:7: error: model: source 'dw' (clickhouse): Code: 47. DB::Exception: "
        "Unknown expression identifier `emial`. Maybe you meant: ['email']. "
        "(UNKNOWN_IDENTIFIER) (the model's tables and columns must exist in the database)"
    ), a
    assert b.startswith("specs/b.yaml:5:14: error: tags.plan: column 'plann' is not in the"), b
    assert not (tmp_path / "data").exists()  # validate created no chDB folder


def test_a_missing_table_is_one_line(folder: Path) -> None:
    with connect(chdb(folder), context="specs/a.yaml") as conn:
        line = error_line(lambda: list(conn.stream("SELECT * FROM nope")))
        assert line == (
            f"specs/a.yaml: source 'events' (clickhouse: {folder}): query failed: Code: 60. "
            "DB::Exception: Unknown table expression identifier 'nope'. Maybe you meant "
            "system.one? (UNKNOWN_TABLE)"
        )
        assert "Database crm does not exist" in error_line(lambda: conn.table_columns("crm.t"))
        assert "Syntax error" in error_line(lambda: conn.columns("SELEC 1"))


def test_opening_what_is_not_a_folder_says_so(folder: Path, tmp_path: Path) -> None:
    nowhere = tmp_path / "nowhere" / "x.chdb"
    assert error_line(lambda: connect(chdb(nowhere))).endswith(
        f"cannot open: directory {nowhere.parent} does not exist"
    )
    (tmp_path / "file.chdb").write_text("not a folder")
    assert "is a file, not a chDB folder" in error_line(
        lambda: connect(chdb(tmp_path / "file.chdb"))
    )


def test_one_folder_per_process(folder: Path, tmp_path: Path) -> None:
    with connect(chdb(folder)), connect(chdb(folder)) as second:  # the same folder: shared
        assert next(second.stream("SELECT 1")) == [(1,)]
        line = error_line(lambda: connect(chdb(tmp_path / "other.chdb")))
    assert line.endswith(
        f"cannot open: chDB runs one folder per process and {folder} is open;"
        " keep every chDB source of a project on one folder"
    )
    with connect(chdb(tmp_path / "other.chdb")) as other:  # once every session closed
        assert next(other.stream("SELECT 1")) == [(1,)]


@pytest.mark.parametrize("module", ["chdb", "clickhouse_connect"])
def test_a_missing_driver_names_the_extra(
    module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import chdb / clickhouse_connect fails
    if module == "chdb":
        monkeypatch.setitem(sys.modules, "chdb.session", None)
        source = chdb(tmp_path / "x.chdb")
    else:
        source = Source("dw", "clickhouse", url="clickhouse://u:pw-no-driver-canary@h/db")
    line = error_line(lambda: connect(source))
    assert f"{'chdb' if module == 'chdb' else 'clickhouse-connect'} is not installed" in line
    assert "pip install 'onesync[clickhouse]'" in line and "canary" not in line


def test_server_url_and_options() -> None:
    def settings(url: str, **options: str) -> dict[str, Any]:
        return server_settings(Source("dw", "clickhouse", url=url, options=tuple(options.items())))

    assert settings("clickhouse://bob:p%40ss@ch.example:9000/events") == {
        "host": "ch.example",
        "port": 9000,
        "username": "bob",
        "password": "p@ss",
        "database": "events",
        "secure": False,
        "connect_timeout": 10,
    }
    tls = settings("https://ch.example/", user="ann", password="x", verify="false")
    assert (tls["port"], tls["secure"], tls["username"], tls["verify"]) == (
        8443,
        True,
        "ann",
        False,
    )
    assert "database" not in tls
    assert settings("clickhouse+https://h")["secure"] is True
    assert settings("clickhouse://h", secure="true", connect_timeout="3")["port"] == 8443
    assert settings("clickhouse+http://h")["port"] == 8123
    for url, options, words in [
        ("postgresql://u:pw-canary@h/db", {}, "the url is not like clickhouse://"),
        ("clickhouse://u:pw-canary@h:port/db", {}, "the url is not like clickhouse://"),
        ("clickhouse://h", {"secure": "yes"}, "option secure must be true or false"),
        ("clickhouse://h", {"timeout": "3"}, "unknown option 'timeout' (known: access_token,"),
    ]:
        with pytest.raises(ValueError) as err:
            settings(url, **options)
        assert str(err.value).startswith(words) and "canary" not in str(err.value)


def test_the_server_driver_on_clickhouse_connects_own_chdb_backend(folder: Path) -> None:
    """No server runs here, but clickhouse-connect's Client is the same over HTTP and over its
    in-process chDB backend: what the server path calls (settings, server-side parameters,
    block streaming, DESCRIBE, errors) runs for real."""
    import clickhouse_connect
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from onesync.sources.clickhouse import _message, _Server, session_settings

    client = clickhouse_connect.get_client(
        interface="chdb", path=str(folder), settings=session_settings("Europe/Berlin"),
        tz_mode="aware",
    )  # fmt: skip
    driver = _Server(client, ClickHouseError)
    table = fresh()
    try:
        assert driver.rows("SELECT timezone()") == [("Europe/Berlin",)]
        driver.command(f"CREATE TABLE {table} (a Nullable(String), at Nullable(DateTime))", {})
        driver.command(
            f"INSERT INTO {table} VALUES ({{p0:Nullable(String)}}, {{p1:Nullable(String)}})",
            {"p0": "x'\t\\N", "p1": "2024-05-01 14:00:00"},
        )
        ((a, at),) = [row for block in driver.blocks(f"SELECT * FROM {table}") for row in block]
        assert a == "x'\t\\N" and at == datetime(2024, 5, 1, 12, tzinfo=UTC)
        sizes = [len(b) for b in driver.blocks("SELECT number FROM numbers(200000)")]
        assert sum(sizes) == 200_000 and max(sizes) < 200_000
        with pytest.raises(ClickHouseError) as err:
            list(driver.blocks("SELECT * FROM nope"))
        assert _message(err.value).startswith("Code: 60. DB::Exception: Unknown table")
    finally:
        driver.close()


def test_a_closed_port_is_one_scrubbed_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    url = f"clickhouse://bob:Canary-pw-61%2F@127.0.0.1:{port}/events"
    line = error_line(lambda: connect(Source("dw", "clickhouse", url=url), context="specs/a.yaml"))
    assert line == (
        f"specs/a.yaml: source 'dw' (clickhouse: clickhouse://bob:***@127.0.0.1:{port}/events):"
        " cannot connect: [Errno 111] Connection refused"
    )
    with_option = Source(
        "dw", "clickhouse", url=f"http://127.0.0.1:{port}", options=(("password", "Opt-canary-7"),)
    )
    line = error_line(lambda: connect(with_option))
    assert "Connection refused" in line and "Opt-canary-7" not in line
