"""One tricky data set, loaded the same way into DuckDB, SQLite, PostgreSQL and MariaDB.

Values are written as text and cast by each engine to its column type, so every engine stores
what it would store from a real application (SQLite: REAL for decimals, 1/0 for booleans).
"""

from __future__ import annotations

from onesync.sources import Connector

COLUMNS = (
    "id", "name", "price", "big", "ratio", "active", "born", "seen_at", "paid_at", "num_text",
    "ts_text",
)  # fmt: skip

# paid_at is a timestamptz; MariaDB's TIMESTAMP gets it already in UTC (it has no offsets).
ROWS: list[dict[str, str | None]] = [
    {
        "id": "a/b c+d@e",
        "name": 'Zoë 🎉 "quoted"',
        "price": "49.99",
        "big": "9007199254740993",
        "ratio": "0.1",
        "active": "true",
        "born": "2024-02-29",
        "seen_at": "2024-05-01 12:00:00",
        "paid_at": "2024-05-01 14:00:00+02:00",
        "num_text": "42",
        "ts_text": "2024-05-01T12:00:00Z",
    },
    {
        "id": "o'brien",
        "name": "'; drop table x; --",
        "price": "50.00",
        "big": "-1",
        "ratio": "-2.5",
        "active": "false",
        "born": "1969-12-31",
        "seen_at": "1969-12-31 23:59:59",
        "paid_at": "2024-01-01 00:00:00+00:00",
        "num_text": "abc",
        "ts_text": "not a time",
    },
    {
        "id": "empty",
        "name": "",
        "price": "1.50",
        "big": "0",
        "ratio": "0.30000000000000004",
        "active": "true",
        "born": "2000-01-01",
        "seen_at": "2000-01-01 00:00:00.75",
        "paid_at": "2000-01-01 00:00:00-05:00",
        "num_text": "",
        "ts_text": "",
    },
    {
        "id": "x",
        "name": "日本語 ß\\n",
        "price": "0.00",
        "big": "9223372036854775807",
        "ratio": "1.0",
        "active": "false",
        "born": "1999-12-31",
        "seen_at": None,
        "paid_at": None,
        "num_text": "-12.500",
        "ts_text": "1714564800",
    },
    {"id": "nulls", **{c: None for c in COLUMNS if c != "id"}},
]

MYSQL_UTC = {  # TIMESTAMP columns take UTC text (the session runs at +00:00)
    "2024-05-01 14:00:00+02:00": "2024-05-01 12:00:00",
    "2024-01-01 00:00:00+00:00": "2024-01-01 00:00:00",
    "2000-01-01 00:00:00-05:00": "2000-01-01 05:00:00",
}

DDL = {
    "duckdb": "id VARCHAR, name VARCHAR, price DECIMAL(10,2), big BIGINT, ratio DOUBLE, "
    "active BOOLEAN, born DATE, seen_at TIMESTAMP, paid_at TIMESTAMPTZ, num_text VARCHAR, "
    "ts_text VARCHAR",
    "sqlite": "id TEXT, name TEXT, price DECIMAL(10,2), big INTEGER, ratio REAL, "
    "active BOOLEAN, born DATE, seen_at DATETIME, paid_at TIMESTAMPTZ, num_text TEXT, "
    "ts_text TEXT",
    "postgres": "id text, name text, price numeric(10,2), big bigint, ratio float8, "
    "active boolean, born date, seen_at timestamp, paid_at timestamptz, num_text text, "
    "ts_text text",
    "mysql": "id VARCHAR(64), name TEXT, price DECIMAL(10,2), big BIGINT, ratio DOUBLE, "
    "active BOOLEAN, born DATE, seen_at DATETIME(6), paid_at TIMESTAMP NULL, "
    "num_text TEXT, ts_text TEXT",
    "spark": "id STRING, name STRING, price DECIMAL(10,2), big BIGINT, ratio DOUBLE, "
    "active BOOLEAN, born DATE, seen_at TIMESTAMP_NTZ, paid_at TIMESTAMP, num_text STRING, "
    "ts_text STRING",
    # Nullable, or NULL is stored as ''; DateTime64 reaches before 1970, DateTime does not
    "clickhouse": "id String, name Nullable(String), price Nullable(Decimal(10,2)), "
    "big Nullable(Int64), ratio Nullable(Float64), active Nullable(Bool), born Nullable(Date32), "
    "seen_at Nullable(DateTime64(6)), paid_at Nullable(DateTime64(6)), "
    "num_text Nullable(String), ts_text Nullable(String)",
}

PLACEHOLDER = {
    "duckdb": "?",
    "sqlite": "?",
    "postgres": "%s",
    "mysql": "%s",
    "spark": "?",
    "clickhouse": "?",
}


def load(conn: Connector, dialect: str, table: str) -> None:
    """Create ``table`` and insert ROWS with bound parameters (never pasted into SQL)."""
    conn.execute(f"CREATE TABLE {table} ({DDL[dialect]})")
    marks = ", ".join([PLACEHOLDER[dialect]] * len(COLUMNS))
    if dialect == "spark":  # Spark's INSERT refuses text for typed columns: cast each marker
        marks = ", ".join(f"CAST(? AS {c.split(' ', 1)[1]})" for c in DDL[dialect].split(", "))
    for row in ROWS:
        values: list[object] = []
        for col in COLUMNS:
            value = row[col]
            if value is not None and col == "active" and dialect in ("sqlite", "mysql"):
                value = 1 if value == "true" else 0
            elif value is not None and col == "paid_at" and dialect == "mysql":
                value = MYSQL_UTC[value]
            elif value is not None and dialect == "sqlite" and col in ("price", "ratio"):
                value = float(value)  # what an application writing SQLite stores
            values.append(value)
        conn.execute(f"INSERT INTO {table} VALUES ({marks})", values)
