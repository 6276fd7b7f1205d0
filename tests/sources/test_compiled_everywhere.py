"""The SQL `onesync compile` emits runs on all four real engines and yields the same rows.

One spec over the tricky data set (tests/sources/dataset.py): each engine gets the compiled
canonical projection in its own dialect; every normalised value, the ``__invalid`` flags and the
row fingerprint must be identical across DuckDB, SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from pathlib import Path

from onesync.compile import compile_sync
from onesync.model import Field, Identity, Model, Source, Sync
from onesync.sources import connect

from .dataset import load

TAGS = (
    Field("name", "name"),
    Field("price", "price", "number"),
    Field("big", "big", "number"),
    Field("ratio", "ratio", "number"),
    Field("active", "active", "boolean"),
    Field("born", "born", "date"),
    Field("seen_at", "seen_at", "unix_time"),
    Field("paid_at", "paid_at", "unix_time"),
    Field("num_text", "num_text", "number"),
    Field("ts_text", "ts_text", "unix_time"),
)


# untyped (string) tags of typed columns: canonical text when the catalogue gives the type
STRING_TAGS = tuple(
    Field(c, c) for c in ("price", "big", "ratio", "active", "born", "seen_at", "paid_at")
)


def _rows(
    source: Source, root: Path, table: str, tags: tuple[Field, ...] = TAGS, typed: bool = False
) -> dict[str, tuple]:
    sync = Sync(
        name="people",
        file="specs/people.yaml",
        source=source.name,
        model=Model(table=table),
        identity=Identity(external_id="id"),
        tags=tags,
    )
    with connect(source, root) as conn:
        load(conn, source.dialect, table)
        types = dict(conn.table_columns(table)) if typed else None
        compiled = compile_sync(sync, source, column_types=types)
        rows = [r for batch in conn.stream(compiled.sql, batch_size=3) for r in batch]
    names = [c.name for c in compiled.columns]
    assert names[-1] == "__fingerprint"
    return {r[0]: r for r in rows}


def test_same_rows_and_fingerprints_on_all_four_engines(
    tmp_path: Path, pg_url: str, pg_schema: str, mysql_db: str
) -> None:
    engines = {
        "duckdb": _rows(Source("d", "duckdb", path="x.duckdb"), tmp_path, "t"),
        "sqlite": _rows(Source("s", "sqlite", path="x.sqlite"), tmp_path, "t"),
        "postgres": _rows(Source("p", "postgres", url=pg_url), tmp_path, f"{pg_schema}.t"),
        "mysql": _rows(Source("m", "mysql", url=mysql_db), tmp_path, "t"),
    }
    reference = engines["duckdb"]
    for name, rows in engines.items():
        assert rows == reference, f"{name} differs from duckdb"

    first = reference["a/b c+d@e"]
    # key, external_id, name, price, big, ratio, active, born, seen_at, paid_at, num_text, ts_text
    assert first[:12] == (
        "a/b c+d@e", "a/b c+d@e", 'Zoë 🎉 "quoted"', "49.99", "9007199254740993", "0.1", "true",
        "2024-02-29", "1714564800", "1714564800", "42", "1714564800",
    )  # fmt: skip
    assert first[12] is None  # nothing invalid
    bad = reference["o'brien"]
    assert bad[10] is None and bad[12] == "num_text:number;ts_text:unix_time;"
    assert reference["empty"][3] == "1.5" and reference["empty"][2] == ""
    assert len({r[-1] for r in reference.values()}) == len(reference)  # fingerprints differ by row


def test_string_tags_of_typed_columns_are_canonical_on_all_four_engines(
    tmp_path: Path, pg_url: str, pg_schema: str, mysql_db: str
) -> None:
    def rows(source: Source, table: str) -> dict[str, tuple]:
        return _rows(source, tmp_path, table, STRING_TAGS, typed=True)

    engines = {
        "duckdb": rows(Source("d", "duckdb", path="y.duckdb"), "t"),
        "sqlite": rows(Source("s", "sqlite", path="y.sqlite"), "t"),
        "postgres": rows(Source("p", "postgres", url=pg_url), f"{pg_schema}.t"),
        "mysql": rows(Source("m", "mysql", url=mysql_db), "t"),
    }
    for name, got in engines.items():
        assert got == engines["duckdb"], f"{name} differs from duckdb"
    first = engines["duckdb"]["a/b c+d@e"]
    # price, big, ratio, active, born, seen_at, paid_at
    assert first[2:9] == (
        "49.99", "9007199254740993", "0.1", "true", "2024-02-29",
        "2024-05-01 12:00:00", "2024-05-01 12:00:00",
    )  # fmt: skip


# A DECIMAL(38,0) too big for BIGINT and text that is no date: invalid rows, not a failed query.
# SQLite would store the decimal as a float, so there it is text, as an application writes it.
OUT_OF_RANGE_DDL = {
    "duckdb": "id VARCHAR, huge DECIMAL(38,0), day VARCHAR",
    "sqlite": "id TEXT, huge TEXT, day TEXT",
    "postgres": "id text, huge numeric(38,0), day text",
    "mysql": "id VARCHAR(16), huge DECIMAL(38,0), day TEXT",
}
OUT_OF_RANGE_TAGS = (
    Field("at", "huge", "unix_time"),
    Field("n", "huge", "number"),
    Field("d", "day", "date"),
    Field("s", "huge", "string"),
)


def _out_of_range(source: Source, root: Path, table: str) -> dict[str, tuple]:
    sync = Sync(
        name="big",
        file="specs/big.yaml",
        source=source.name,
        model=Model(table=table),
        identity=Identity(external_id="id"),
        tags=OUT_OF_RANGE_TAGS,
    )
    mark = "?" if source.dialect in ("duckdb", "sqlite") else "%s"
    with connect(source, root) as conn:
        conn.execute(f"CREATE TABLE {table} ({OUT_OF_RANGE_DDL[source.dialect]})")
        for row in (("big", "99999999999999999999", "not a date"), ("ok", "1714564800", None)):
            conn.execute(f"INSERT INTO {table} VALUES ({mark}, {mark}, {mark})", list(row))
        compiled = compile_sync(sync, source)
        rows = [r for batch in conn.stream(compiled.sql) for r in batch]
    return {r[0]: r[:-1] for r in rows}  # without the fingerprint


def test_out_of_range_values_are_invalid_rows_on_all_four_engines(
    tmp_path: Path, pg_url: str, pg_schema: str, mysql_db: str
) -> None:
    engines = {
        "duckdb": _out_of_range(Source("d", "duckdb", path="o.duckdb"), tmp_path, "t"),
        "sqlite": _out_of_range(Source("s", "sqlite", path="o.sqlite"), tmp_path, "t"),
        "postgres": _out_of_range(Source("p", "postgres", url=pg_url), tmp_path, f"{pg_schema}.t"),
        "mysql": _out_of_range(Source("m", "mysql", url=mysql_db), tmp_path, "t"),
    }
    # key, external_id, at, n, d, s, __invalid
    expected = {
        "big": ("big", "big", None, "99999999999999999999", None, "99999999999999999999",
                "at:unix_time;d:date;"),
        "ok": ("ok", "ok", "1714564800", "1714564800", None, "1714564800", None),
    }  # fmt: skip
    for name, rows in engines.items():
        assert rows == expected, name
