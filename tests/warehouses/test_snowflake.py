"""The Snowflake source: the real snowflake-connector-python over HTTP to a fakesnow server on
loopback (tests/warehouses/fakesnow_server.py says what the server wraps and why).

The golden values, the end-to-end story (state in DuckDB, rows streamed), validate's catalogue
check, key-pair auth, the session pinned at login, and the one-line, scrubbed errors.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlglot import exp, parse_one

from onesync.api import validate
from onesync.errors import SourceError, SpecError
from onesync.model import Source
from onesync.sandbox import Sandbox
from onesync.sources import connect
from onesync.sources.snowflake import parse_url
from tests.sources import dataset
from tests.sources.test_golden import check, golden_sql

from .fakesnow_server import CHUNK_ROWS, FAKESNOW_PYTHON, FakeSnow, serve
from .story import tell_story

DDL = (
    "id VARCHAR, name VARCHAR, price NUMBER(10,2), big BIGINT, ratio FLOAT, active BOOLEAN, "
    "born DATE, seen_at TIMESTAMP_NTZ, paid_at TIMESTAMP_TZ, num_text VARCHAR, ts_text VARCHAR"
)
TYPES = {"text": "VARCHAR", "decimal": "NUMBER(10,2)", "timestamp": "TIMESTAMP_NTZ"}
PASSPHRASE = "key-pass-canary-93"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An encrypted private key the server trusts, its public half, and a key it does not."""
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for name in ("trusted", "stranger"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
        (folder / f"{name}.p8").write_bytes(pem)
        pub = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (folder / f"{name}.pub").write_bytes(pub)
        out[name] = folder / f"{name}.p8"
    out["public"] = folder / "trusted.pub"
    return out


@pytest.fixture(scope="module")
def snow(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, Path]) -> Iterator[FakeSnow]:
    if not FAKESNOW_PYTHON.exists():
        message = f"{FAKESNOW_PYTHON} is missing (made by `make install`)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    with serve(tmp_path_factory.mktemp("fakesnow"), public_key=keys["public"]) as fs:
        yield fs


def endpoint(fs: FakeSnow) -> tuple[tuple[str, str], ...]:
    return (("host", fs.host), ("port", str(fs.port)), ("protocol", "http"))


def source(
    fs: FakeSnow,
    database: str | None = None,
    *,
    password: str | None = None,
    options: tuple[tuple[str, str], ...] = (),
    timezone: str | None = None,
) -> Source:
    """A source on a fresh database (fakesnow creates it at login)."""
    db = database or f"DB_{uuid.uuid4().hex[:8]}"
    url = f"snowflake://{fs.user}:{password or fs.password}@acct/{db}/PUBLIC?warehouse=WH"
    return Source("dw", "snowflake", url=url, timezone=timezone, options=endpoint(fs) + options)


def error_line(call: Callable[[], object]) -> str:
    with pytest.raises(SourceError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_golden_values(snow: FakeSnow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(dataset.DDL, "snowflake", DDL)
    monkeypatch.setitem(dataset.PLACEHOLDER, "snowflake", "%s")
    check("snowflake", source(snow), tmp_path, "t")


def test_every_pattern_spans_the_whole_string() -> None:
    """Snowflake's REGEXP_LIKE matches the whole string, so each pattern must be written so."""
    types = {"price": "NUMBER(10,2)", "ratio": "FLOAT", "active": "BOOLEAN", "born": "DATE"}
    types["paid_at"] = "TIMESTAMP_TZ"
    sql = golden_sql("snowflake", "t", types)
    calls = list(parse_one(sql, read="snowflake").find_all(exp.RegexpLike))
    patterns = {c.expression.name for c in calls}
    assert len(patterns) >= 5
    assert all(p.startswith(("^", ".*")) and p.endswith(("$", ".*")) for p in patterns), patterns
    assert all(c.args.get("flag") is not None for c in calls)


class SnowflakeWarehouse:
    """Tables in ``<database>.PUBLIC``, written through the connector; models name them bare."""

    def __init__(self, fs: FakeSnow, monkeypatch: pytest.MonkeyPatch) -> None:
        self.src = source(fs)
        monkeypatch.setenv("SNOWFLAKE_URL", self.src.url or "")
        self.fs = fs

    def source_yaml(self) -> str:
        fs = self.fs
        return (
            "    dialect: snowflake\n"
            "    url: ${env:SNOWFLAKE_URL}\n"
            f"    options: {{host: {fs.host}, port: {fs.port}, protocol: http}}\n"
        )

    def table(self, name: str) -> str:
        return name

    def replace(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        with connect(self.src) as conn:
            cols = ", ".join(f"{n} {TYPES[k]}" for n, k in columns)
            conn.execute(f"CREATE OR REPLACE TABLE {table} ({cols})")
            if not rows:
                return
            row = "(" + ", ".join("%s" for _ in columns) + ")"
            values = [v for r in rows for v in r]
            conn.execute(f"INSERT INTO {table} VALUES {', '.join(row for _ in rows)}", values)


def test_the_story_on_snowflake(
    snow: FakeSnow, tmp_path: Path, sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_by = tell_story(tmp_path / "project", sb, SnowflakeWarehouse(snow, monkeypatch))
    assert read_by == ["stream", "stream", "stream"]


def test_stream_gives_python_values_in_batches(snow: FakeSnow) -> None:
    with connect(source(snow)) as conn:
        conn.execute(
            'CREATE TABLE t (id INT, "Mixed" VARCHAR, n NUMBER(10,2), f FLOAT, b BOOLEAN, '
            "d DATE, ts TIMESTAMP_NTZ, tz TIMESTAMP_TZ)"
        )
        conn.execute(
            "INSERT INTO t VALUES (1, 'a', 1.50, 0.5, TRUE, '2024-02-29', "
            "'2024-05-01 12:00:00.123456', '2024-05-01 14:00:00+02:00'), "
            "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
            "(3, 'c', 3, 3, FALSE, NULL, NULL, NULL), (4, 'd', 4, 4, FALSE, NULL, NULL, NULL), "
            "(5, 'e', 5, 5, FALSE, NULL, NULL, NULL)"
        )
        # unquoted names come back as models write them; a quoted one keeps its case
        assert conn.table_columns("t") == [
            ("id", "NUMBER(38,0)"),
            ("Mixed", "VARCHAR"),
            ("n", "NUMBER(10,2)"),
            ("f", "FLOAT"),
            ("b", "BOOLEAN"),
            ("d", "DATE"),
            ("ts", "TIMESTAMP_NTZ"),
            ("tz", "TIMESTAMP_TZ"),
        ]
        batches = list(conn.stream("SELECT * FROM t ORDER BY id;", batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    first, second = batches[0]
    assert first[:6] == (1, "a", Decimal("1.50"), 0.5, True, date(2024, 2, 29))
    assert first[6] == datetime(2024, 5, 1, 12, 0, 0, 123456)
    assert first[7] == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert second == (2, None, None, None, None, None, None, None)


def test_a_long_result_is_read_chunk_by_chunk(snow: FakeSnow) -> None:
    """Past CHUNK_ROWS the server sends chunk URLs, as Snowflake does; every row arrives once."""
    n = CHUNK_ROWS * 2 + 123
    sql = f"SELECT seq8() AS i FROM TABLE(GENERATOR(ROWCOUNT => {n}))"
    sizes, total = [], 0
    with connect(source(snow)) as conn:
        for batch in conn.stream(sql, batch_size=10_000):
            sizes.append(len(batch))
            total += sum(r[0] for r in batch)
    assert sum(sizes) == n and max(sizes) <= 10_000
    assert total == n * (n - 1) // 2


def test_validate_points_at_the_missing_column(
    snow: FakeSnow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh = SnowflakeWarehouse(snow, monkeypatch)
    wh.replace("customers", (("id", "text"), ("email", "text"), ("plan", "text")), [])
    (tmp_path / "specs").mkdir()
    (tmp_path / "onesync.yaml").write_text(
        f"version: 1\nsources:\n  dw:\n{wh.source_yaml()}"
        "destination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        "specs: specs/\n"
    )
    (tmp_path / "specs" / "a.yaml").write_text(
        "sync: a\nsource: dw\nmodel:\n  sql: |\n    select id,\n      emial\n    from customers\n"
        "identity: {external_id: id}\n"
    )
    (tmp_path / "specs" / "b.yaml").write_text(
        "sync: b\nsource: dw\nmodel: {table: customers}\nidentity: {external_id: id}\n"
        "tags: {plan: plann}\n"
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as err:
        validate(".")
    lines = [str(d) for d in err.value.diagnostics]
    assert len(lines) == 2, lines
    a, b = sorted(lines)
    assert a.startswith("specs/a.yaml:6:7: error: model: source 'dw' (snowflake): "), a
    assert "EMIAL" in a and snow.password not in a
    assert b.startswith("specs/b.yaml:5:14: error: tags.plan: column 'plann' is not in the"), b
    assert "did you mean 'plan'?" in b


def test_key_pair_auth(snow: FakeSnow, keys: dict[str, Path]) -> None:
    def key_source(name: str, passphrase: str = PASSPHRASE) -> Source:
        db = f"DB_{uuid.uuid4().hex[:8]}"
        opts = (("private_key_file", str(keys[name])), ("private_key_file_pwd", passphrase))
        url = f"snowflake://{snow.user}@acct/{db}/PUBLIC"
        return Source("dw", "snowflake", url=url, options=endpoint(snow) + opts)

    with connect(key_source("trusted")) as conn:  # the server checked the JWT's signature
        assert [r for b in conn.stream("SELECT 41 + 1") for r in b] == [(42,)]
    assert snow.logins()[-1]["AUTHENTICATOR"] == "SNOWFLAKE_JWT"
    assert "JWT token is invalid" in error_line(lambda: connect(key_source("stranger")))
    line = error_line(lambda: connect(key_source("trusted", "wrong-pass-canary")))
    assert "cannot read the key" in line and "wrong-pass-canary" not in line
    assert PASSPHRASE not in line


def test_the_session_is_pinned_at_login(snow: FakeSnow) -> None:
    for zone, expected in (
        ("Europe/Paris", "Europe/Paris"),
        ("+02:00", "Etc/GMT-2"),
        (None, "UTC"),
    ):
        connect(source(snow, timezone=zone)).close()
        params = snow.logins()[-1]["SESSION_PARAMETERS"]
        assert params["TIMEZONE"] == expected
        assert params["TIMESTAMP_TZ_OUTPUT_FORMAT"] == "YYYY-MM-DD HH24:MI:SS.FF9TZH:TZM"
    assert snow.logins()[-1]["query"]["warehouse"] == "WH"


def test_options_win_over_the_url(snow: FakeSnow) -> None:
    src = source(snow, password="not-this-one", options=(("password", snow.password),))
    with connect(src) as conn:
        assert [r for b in conn.stream("SELECT 'ok'") for r in b] == [("ok",)]


def test_a_source_of_options_only(
    snow: FakeSnow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SF_PASSWORD", snow.password)
    (tmp_path / "specs").mkdir()
    (tmp_path / "onesync.yaml").write_text(
        "version: 1\nsources:\n  dw:\n    dialect: snowflake\n    options:\n"
        f"      account: acct\n      user: {snow.user}\n      password: ${{env:SF_PASSWORD}}\n"
        "      database: OPTS\n      schema: PUBLIC\n"
        f"      host: {snow.host}\n      port: {snow.port}\n      protocol: http\n"
        "destination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        "specs: specs/\n"
    )
    (tmp_path / "specs" / "a.yaml").write_text(
        "sync: a\nsource: dw\nmodel: {sql: select 'x' as id}\nidentity: {external_id: id}\n"
    )
    project = validate(tmp_path).project  # described through the catalogue: it connected
    with connect(project.source("dw")) as conn:
        assert [r for b in conn.stream("SELECT CURRENT_DATABASE()") for r in b] == [("OPTS",)]


def test_errors_are_one_line_without_secrets(snow: FakeSnow) -> None:
    canary = "canary-pw-5521"
    line = error_line(lambda: connect(source(snow, password=canary)))
    assert "cannot connect" in line and "Incorrect username or password" in line
    assert canary not in line and "snowflake://onesync:***@acct/" in line
    with connect(source(snow)) as conn:
        line = error_line(lambda: list(conn.stream("SELECT * FROM no_such_table")))
        assert re.search(r"query failed: .*NO_SUCH_TABLE does not exist", line), line
        assert "request_id" not in line
        assert "does not exist" in error_line(lambda: conn.table_columns("nope.t"))
    bad = Source("dw", "snowflake", url="snowflake://u:pw-canary-1@acct/db?wharehouse=x")
    line = error_line(lambda: connect(bad))
    assert "unknown url parameter 'wharehouse'" in line and "pw-canary-1" not in line


def test_a_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snowflake.connector", None)
    url = "snowflake://u:pw-no-driver-canary@acct/db"  # a short password would be redacted
    line = error_line(lambda: connect(Source("dw", "snowflake", url=url)))
    assert "pip install 'onesync[snowflake]'" in line


def test_url_parts() -> None:
    url = "snowflake://me:p%40ss/w@rd@org-acct/SHOP/CRM?warehouse=WH&role=ANALYST"
    assert parse_url(url) == {
        "user": "me",
        "password": "p@ss/w@rd",
        "account": "org-acct",
        "database": "SHOP",
        "schema": "CRM",
        "warehouse": "WH",
        "role": "ANALYST",
    }
    with pytest.raises(ValueError, match="snowflake://"):
        parse_url("postgresql://me@host/db")
