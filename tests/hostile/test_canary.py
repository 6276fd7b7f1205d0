"""A canary API key and a canary database password, through every command and error path.

One project whose OneSignal key and PostgreSQL password come from the environment runs every
command, good and broken; afterwards neither canary may be in any output, in any file under the
project (plans, CSV exports, DuckDB state) or in the PostgreSQL state tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onesync.sandbox import RateLimits, Sandbox, SandboxConfig

from .harness import CANARIES, CANARY_KEY, Outcome, leaked, make_project, run

APP = "5eb5a37e-0000-4000-8000-000000000001"


def _project(url: str, state: str) -> str:
    return f"""\
version: 1
sources:
  db: {{dialect: duckdb, path: data/src.duckdb}}
  pg:
    dialect: postgres
    url: postgresql://postgres:${{env:DB_PASSWORD}}@127.0.0.1:5432/test
destination:
  app_id: {APP}
  api_key: ${{env:ONESIGNAL_API_KEY}}
  api_url: {url}
state: {{url: "{state}"}}
specs: specs/
"""


PG_SYNC = """\
sync: pg_customers
source: pg
model: {sql: "select 'p1' as id, 'gold' as plan"}
identity: {external_id: id}
tags: {plan: plan}
"""

BROKEN = {
    "env in a tag column": "tags: {plan: '${env:ONESIGNAL_API_KEY}'}",
    "env in model sql": "model: {sql: \"select '${env:DB_PASSWORD}' as id\"}",
    "env in an alias column": "identity: {external_id: id, aliases: {k: '${env:DB_PASSWORD}'}}",
}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(
        SandboxConfig(app_id=APP, api_key=CANARY_KEY, rate_limits=RateLimits.unlimited())
    ).start()
    yield box
    box.stop()


def test_no_canary_anywhere_after_every_command(
    tmp_path: Path, sandbox: Sandbox, pg_url: str, pg_schema: str
) -> None:
    state = (
        "postgresql://postgres:${env:DB_PASSWORD}@127.0.0.1:5432/test"
        f"?options=-csearch_path%3D{pg_schema}"
    )
    root = make_project(
        tmp_path / "p",
        {"onesync.yaml": _project(sandbox.url, state), "specs/pg.yaml": PG_SYNC},
    )
    outcomes: list[tuple[str, Outcome]] = []

    def go(*args: str, **kw: object) -> Outcome:
        out = run(root, *args, **kw)  # type: ignore[arg-type]
        outcomes.append((" ".join(args), out))
        assert "Traceback" not in out.output, (args, out.output)
        return out

    assert go("validate").code == 0
    assert go("compile").code == 0
    assert go("plan", "-o", "plan.json").code == 2
    go("plan", "--json")
    go("plan", "--markdown")
    assert go("apply", "plan.json").code == 0
    go("state", "show")
    go("export", "--csv", "out")
    go("run")
    # error paths: a refused key, an unreachable database, a stale plan, broken specs
    import duckdb

    conn = duckdb.connect(str(root / "data" / "src.duckdb"))
    conn.execute("UPDATE customers SET plan = 'team' WHERE id = 'u1'")  # something to send
    conn.close()
    assert go("apply", "--yes", extra_env={"ONESIGNAL_API_KEY": "os_v2_app_wrong"}).code == 1
    bad = root / "onesync.yaml"
    good = bad.read_text()
    bad.write_text(good.replace("127.0.0.1:5432/test", "127.0.0.1:9/test", 1))
    assert go("validate").code == 1
    assert go("plan").code == 1
    bad.write_text(good)
    assert go("apply", "plan.json").code == 1  # stale now
    spec = root / "specs" / "customers.yaml"
    original = spec.read_text()
    for line in BROKEN.values():
        spec.write_text(original + line + "\n")
        assert go("validate").code == 1
        assert go("plan").code == 1
    spec.write_text(original)
    bad.write_text(good.replace("127.0.0.1:5432/test", "127.0.0.1:9/test", 1))
    debug = run(root, "--debug", "plan")  # a traceback on purpose: redacted all the same
    outcomes.append(("--debug plan", debug))
    assert debug.code != 0
    bad.write_text(good)

    found = [f"{cmd}: {c!r}" for cmd, out in outcomes for c in CANARIES if c in out.output]
    assert found == []
    assert leaked(root) == []
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (pg_schema,),
        ).fetchall()
        for (table,) in tables:
            rows = conn.execute(f'SELECT * FROM "{pg_schema}"."{table}"').fetchall()
            text = repr(rows)
            assert not [c for c in CANARIES if c in text], table
