"""The compiled SQL: golden files per dialect, and the duckdb / sqlite output run on real engines.

Regenerate the golden files with ``ONESYNC_UPDATE_GOLDEN=1 pytest tests/compile``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import duckdb
import pytest
import sqlglot

from onesync import api
from onesync.compile import DIALECTS, compile_sync
from onesync.model import Event, Field, Identity, Message, Model, Source, Sync

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
DESIGN = ROOT / "examples" / "design"
GOLDEN_DIALECTS = (
    "duckdb",
    "sqlite",
    "postgres",
    "mysql",
    "snowflake",
    "bigquery",
    "spark",
    "databricks",
    "clickhouse",
)


@pytest.fixture
def design_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:secret@db.invalid/warehouse")
    monkeypatch.setenv("ONESIGNAL_APP_ID", "00000000-0000-4000-8000-00000000abcd")
    monkeypatch.setenv("ONESIGNAL_API_KEY", "os_v2_app_secret")


@pytest.mark.parametrize("dialect", GOLDEN_DIALECTS)
def test_golden_sql(design_env: None, dialect: str) -> None:
    compiled = api.compile_project(DESIGN, dialect=dialect, offline=True)
    assert [c.sync.name for c in compiled] == ["customer_profile", "order_receipt", "orders_placed"]
    text = "".join(f"-- {c.sync.name}\n{c.sql};\n\n" for c in compiled)
    golden = GOLDEN / f"{dialect}.sql"
    if os.environ.get("ONESYNC_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()
    # and what we emit is valid SQL of that dialect
    for c in compiled:
        assert sqlglot.parse_one(c.sql, read=dialect) is not None


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_parses_back(design_env: None, dialect: str) -> None:
    for c in api.compile_project(DESIGN, dialect=dialect, offline=True):
        sqlglot.parse_one(c.sql, read=dialect)


def test_design_examples_compile_with_expected_columns(design_env: None) -> None:
    by_name = {c.sync.name: c for c in api.compile_project(DESIGN, offline=True)}
    profile = [c.name for c in by_name["customer_profile"].columns]
    assert profile[:4] == ["__key", "__external_id", "alias__crm_id", "sub__email"]
    assert "tag__ltv" in profile and profile[-1] == "__fingerprint"
    event = [c.name for c in by_name["orders_placed"].columns]
    assert {"prop__total", "prop__currency", "__timestamp"} <= set(event)
    message = [c.name for c in by_name["order_receipt"].columns]
    assert {"var__first_name", "var__order_id", "prop__order_id"} <= set(message)


def _profile_sync(dialect: str) -> Sync:
    return Sync(
        name="people",
        file="specs/people.yaml",
        source="db",
        model=Model(sql="select id, name, plan, score from people"),
        identity=Identity(external_id="id"),
        tags=(Field("name", "name"), Field("plan", "plan"), Field("score", "score", "number")),
    )


ROWS = [
    ("u1", "Ada", "pro", 10),
    ("u2", "", None, 2),  # empty string vs NULL must fingerprint differently
    ("u3", None, "", 2),
    ("u4", "a\x00b", "pro", None),
]


def _check_rows(rows: list[tuple]) -> None:
    by_key = {r[0]: r for r in rows}
    assert by_key["u1"][1:5] == ("u1", "Ada", "pro", "10")
    fps = [r[-1] for r in rows]
    assert len(set(fps)) == 4, "NULL, '' and NUL bytes must not collide"
    assert all(len(fp) == 32 for fp in fps)


def test_compiled_sql_runs_on_duckdb(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    with duckdb.connect(str(db)) as conn:
        conn.execute("create table people (id varchar, name varchar, plan varchar, score integer)")
        conn.executemany("insert into people values (?, ?, ?, ?)", ROWS)
        compiled = compile_sync(_profile_sync("duckdb"), Source("db", "duckdb", path=str(db)))
        _check_rows(conn.execute(compiled.sql).fetchall())


def test_compiled_sql_runs_on_sqlite(tmp_path: Path) -> None:
    from onesync.sources import connect

    db = tmp_path / "s.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("create table people (id text, name text, plan text, score integer)")
        conn.executemany("insert into people values (?, ?, ?, ?)", ROWS)
    source = Source("db", "sqlite", path=str(db))
    compiled = compile_sync(_profile_sync("sqlite"), source)
    with connect(source, tmp_path) as connector:
        rows = [row for batch in connector.stream(compiled.sql) for row in batch]
    _check_rows(rows)


def test_same_fingerprint_on_duckdb_and_sqlite(tmp_path: Path) -> None:
    """The fingerprint means the same thing on every engine."""
    from onesync.sources import connect

    results = {}
    for dialect in ("duckdb", "sqlite"):
        db = tmp_path / f"x.{dialect}"
        source = Source("db", dialect, path=str(db))
        with connect(source, tmp_path) as connector:
            connector.execute("create table people (id text, name text, plan text, score integer)")
            for row in ROWS[:3]:
                values = ", ".join("NULL" if v is None else repr(v) for v in row)
                connector.execute(f"insert into people values ({values})")
            compiled = compile_sync(_profile_sync(dialect), source)
            results[dialect] = sorted(r for b in connector.stream(compiled.sql) for r in b)
    assert results["duckdb"] == results["sqlite"]


def test_spec_values_are_quoted_not_pasted() -> None:
    """A hostile column or tag name stays an identifier; it never becomes SQL."""
    sync = Sync(
        name="evil",
        file="specs/evil.yaml",
        source="db",
        model=Model(sql='select id, "x; drop table t" from people'),
        identity=Identity(external_id="id"),
        tags=(Field("a'); drop table people; --", "x; drop table t"),),
        event=None,
    )
    compiled = compile_sync(sync, Source("db", "duckdb", path=":memory:"))
    assert len(sqlglot.parse(compiled.sql, read="duckdb")) == 1
    with duckdb.connect() as conn:
        conn.execute('create table people (id varchar, "x; drop table t" varchar)')
        conn.execute("insert into people values ('u1', 'v')")
        cursor = conn.execute(compiled.sql)
        names = [d[0] for d in cursor.description]
        assert cursor.fetchall()[0][:3] == ("u1", "u1", "v")
        assert names[2] == "tag__a'); drop table people; --"
        assert conn.execute("select count(*) from people").fetchone() == (1,)


def test_event_timestamp_column() -> None:
    sync = Sync(
        name="ev",
        file="specs/ev.yaml",
        source="db",
        model=Model(table="shop.orders"),
        identity=Identity(external_id="customer_id"),
        event=Event(name="purchase", key="order_id", timestamp="placed_at"),
    )
    compiled = compile_sync(sync, Source("db", "duckdb", path=":memory:"))
    assert [c.role for c in compiled.columns] == ["key", "external_id", "timestamp", "fingerprint"]
    with duckdb.connect() as conn:
        conn.execute(
            "create schema shop;"
            "create table shop.orders (order_id varchar, customer_id varchar, placed_at timestamp)"
        )
        conn.execute("insert into shop.orders values ('o1', 'c1', '2024-05-01 12:00:00')")
        assert conn.execute(compiled.sql).fetchall()[0][:3] == ("o1", "c1", "2024-05-01T12:00:00Z")


def _message_sync(send_after: str | None, custom_data: tuple[Field, ...] = ()) -> Sync:
    return Sync(
        name="note",
        file="specs/note.yaml",
        source="db",
        model=Model(sql="select id, send_at, total, paid from t"),
        identity=Identity(external_id="id"),
        message=Message(
            key="id", contents=(("en", "hi"),), send_after=send_after, custom_data=custom_data
        ),
    )


@pytest.mark.parametrize(
    ("send_after", "column"),
    [
        (None, False),
        ("+1h", False),
        ("2026-12-31T08:00:00Z", False),  # validate's RFC 3339 UTC form of a literal time
        ("2026-12-31T09:00:00+01:00", False),  # as a library user may write it
        ("send_at", True),
    ],
)
def test_only_a_send_after_column_is_read_per_row(send_after: str | None, column: bool) -> None:
    compiled = compile_sync(_message_sync(send_after), Source("db", "duckdb", path=":memory:"))
    roles = [c.role for c in compiled.columns]
    assert ("send_after" in roles) is column
    assert compiled.sync.message is not None and compiled.sync.message.per_row is column


def test_typed_custom_data_is_normalised_and_checked() -> None:
    """number / boolean custom_data compile like typed tags: canonical text, or __invalid."""
    fields = (Field("total", "total", "number"), Field("paid", "paid", "boolean"))
    compiled = compile_sync(_message_sync(None, fields), Source("db", "duckdb", path=":memory:"))
    props = [(c.name, c.type) for c in compiled.columns if c.role == "property"]
    assert props == [("prop__total", "number"), ("prop__paid", "boolean")]
    with duckdb.connect() as conn:
        conn.execute("create table t (id varchar, send_at varchar, total varchar, paid varchar)")
        conn.execute("insert into t values ('u1', null, '12.50', 'yes'), ('u2', null, 'x', 'no')")
        names = [c.name for c in compiled.columns]
        rows = {
            r[0]: dict(zip(names, r, strict=True)) for r in conn.execute(compiled.sql).fetchall()
        }
    assert (rows["u1"]["prop__total"], rows["u1"]["prop__paid"]) == ("12.5", "true")
    assert rows["u1"]["__invalid"] is None
    assert rows["u2"]["prop__total"] is None and "total:number" in rows["u2"]["__invalid"]
