"""``onesync plan`` and ``onesync state`` end to end: real loader, compiler, DuckDB files, and
``onesync apply`` of the saved plan against a sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from onesync.cli.main import main
from onesync.sandbox import Sandbox
from tests.plantext import manifest, plan_text

PROJECT = """\
version: 1
sources:
  local: {dialect: duckdb, path: data/shop.duckdb}
destination:
  app_id: 5eb5a37e-0000-4000-8000-0000000000a1
  api_key: secret-key-123
  api_url: {api_url}
  rate_limit: 100/s
specs: specs/
"""
CUSTOMERS = """\
sync: customers
source: local
model: {table: customers}
identity: {external_id: id, aliases: {crm_id: sf_id}}
subscriptions: {email: email}
tags: {plan: plan, ltv: {column: ltv, type: number}}
mode: mirror
"""
ORDERS = """\
sync: orders_placed
source: local
model: {table: orders}
identity: {external_id: customer_id}
event: {name: purchase, key: order_id, timestamp: placed_at, properties: {total: total}}
"""


def _db(root: Path, *sql: str) -> None:
    conn = duckdb.connect(str(root / "data" / "shop.duckdb"))
    try:
        for s in sql:
            conn.execute(s)
    finally:
        conn.close()


@pytest.fixture
def project(tmp_path: Path, sandbox: Sandbox) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "onesync.yaml").write_text(PROJECT.replace("{api_url}", sandbox.url))
    (tmp_path / "specs" / "customers.yaml").write_text(CUSTOMERS)
    (tmp_path / "specs" / "orders.yaml").write_text(ORDERS)
    _db(
        tmp_path,
        "CREATE TABLE customers (id INTEGER, sf_id TEXT, email TEXT, plan TEXT, ltv DECIMAL(9,2))",
        "INSERT INTO customers VALUES (10, 'sf1', 'a@x.io', 'free', 10.5), "
        "(2, 'sf2', NULL, 'pro', 2)",
        "CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, total DECIMAL(9,2), "
        "placed_at TIMESTAMP)",
        "INSERT INTO orders VALUES (100, 10, 9.5, '2026-01-01 00:00:00')",
    )
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _apply(root: Path, plan_file: Path) -> str:
    """``onesync apply PLAN``: the saved plan, sent to the sandbox; every row must be accepted."""
    code, out = _run("apply", "-p", str(root), str(plan_file))
    assert code == 0, out
    return out


def test_plan_exit_codes_and_views(project: Path, sandbox: Sandbox) -> None:
    code, out = _run("plan", "-p", str(project), "-o", str(project / "plan.parquet"))
    assert code == 2
    assert "customers (profile, mirror): 2 rows read, 0 unchanged" in out
    assert '+ tag plan = "free"' in out and '+ alias crm_id = "sf1"' in out
    assert "baseline: 1 existing rows recorded, nothing sent" in out
    assert "secret-key-123" not in plan_text(project / "plan.parquet")
    code, shown = _run("show", str(project / "plan.parquet"))
    assert code == 2 and out.split("Saved the plan")[0].strip() in shown
    code, masked = _run("show", str(project / "plan.parquet"), "--markdown", "--mask")
    assert code == 2 and "sf1" not in masked and "a@x.io" not in masked
    assert "+ tag plan = ***" in masked and "| `customers` | profile | 2 |" in masked
    _apply(project, project / "plan.parquet")
    users = {u["identity"]["external_id"]: u for u in sandbox.snapshot()["users"]}
    assert sorted(users) == ["10", "2"] and users["10"]["identity"]["crm_id"] == "sf1"
    assert users["10"]["properties"]["tags"] == {"plan": "free", "ltv": "10.5"}
    assert sandbox.snapshot()["events"] == []  # the orders were recorded as a baseline

    code, out = _run("plan", "-p", str(project))
    assert code == 0 and "No changes." in out

    _db(project, "UPDATE customers SET plan = 'pro' WHERE id = 10",
        "INSERT INTO orders VALUES (101, 2, 5, '2026-01-02 00:00:00')")  # fmt: skip
    code, out = _run("plan", "-p", str(project), "--json")
    doc = json.loads(out)
    assert code == 2 and doc["has_changes"] is True
    assert doc["totals"]["update"] == 1 and doc["totals"]["events"] == 1
    (prof,) = doc["syncs"][0]["sample"]["profiles"]
    assert prof["set_tags"] == {"plan": "pro"} and prof["before"] == {"plan": "free"}

    code, out = _run("plan", "-p", str(project), "--markdown", "customers")
    assert code == 2 and "| `customers` | profile | 0 | 1 | 0 |" in out
    assert '~ tag plan: "free" -> "pro"' in out


def test_destructive_plan_exits_1_with_the_override(project: Path) -> None:
    _run("plan", "-p", str(project), "-o", str(project / "plan.json"))
    _apply(project, project / "plan.json")
    _db(project, "DELETE FROM customers")
    code, out = _run("plan", "-p", str(project))
    assert code == 1
    assert "returned no rows but state knows 2 users" in out and "--allow-destructive" in out
    assert "Traceback" not in out
    code, out = _run("plan", "-p", str(project), "--allow-destructive")
    assert code == 2 and "-2 unset" in out


def test_unknown_sync_is_one_line(project: Path) -> None:
    code, out = _run("plan", "-p", str(project), "nope")
    assert code == 1 and "nope" in out and "Traceback" not in out


def test_state_unlock_and_show(project: Path) -> None:
    code, out = _run("state", "show", "-p", str(project))
    assert code == 0 and "no state store at" in out and not (project / ".onesync").exists()
    code, out = _run("state", "unlock", "-p", str(project))
    assert code == 1 and "nothing to unlock" in out
    _run("plan", "-p", str(project), "-o", str(project / "plan.json"))
    _apply(project, project / "plan.json")
    from onesync.model import StateConfig
    from onesync.state import open_state

    with open_state(StateConfig(), project) as st:
        serial = st.serial  # apply commits in small steps: more than one write
    assert serial > 1
    code, out = _run("state", "show", "-p", str(project))
    assert code == 0 and f"serial {serial}," in out and "customers: 2 users" in out
    assert "orders_placed: 0 users, 1 keys sent or seen" in out
    code, out = _run("state", "unlock", "-p", str(project))
    assert code == 0 and "not locked" in out


def test_plan_waits_for_the_lock_then_names_its_holder(project: Path) -> None:
    from onesync.model import StateConfig
    from onesync.state import open_state

    with open_state(StateConfig(), project):
        code, out = _run("plan", "-p", str(project), "--lock-timeout", "0.2")
    assert code == 1 and "is locked by" in out and "onesync state unlock --force" in out
    code, _ = _run("plan", "-p", str(project))
    assert code == 2


# The validator's source catalogue (onesync/sources/__init__.py) leaves a psycopg connection to
# the garbage collector; reported to the lead. Remove this mark once the catalogue closes it.
def test_postgres_source_and_state_push_the_diff_down(
    tmp_path: Path, pg_url: str, pg_schema: str
) -> None:
    import psycopg

    url = f"{pg_url}?options=-csearch_path%3D{pg_schema}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE customers (id INTEGER, sf_id TEXT, email TEXT, plan TEXT, "
            "ltv NUMERIC(9,2))"
        )
        conn.execute("INSERT INTO customers VALUES (1, 'sf1', 'a@x.io', 'free', 10.5)")
    (tmp_path / "specs").mkdir()
    (tmp_path / "onesync.yaml").write_text(
        "version: 1\n"
        f"sources: {{wh: {{dialect: postgres, url: '{url}'}}}}\n"
        "destination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: k}\n"
        f"state: {{url: '{url}'}}\n"
    )
    (tmp_path / "specs" / "customers.yaml").write_text(CUSTOMERS.replace("local", "wh"))
    code, out = _run("plan", "-p", str(tmp_path), "-o", str(tmp_path / "plan.parquet"))
    assert code == 2, out
    assert '+ tag ltv = "10.5"' in out
    doc = manifest(tmp_path / "plan.parquet")
    assert doc["syncs"][0]["read_by"] == "pushdown"
    assert doc["state"]["url"] == url
