"""One end-to-end story every warehouse and sheet source must tell, against a real sandbox.

A project with a profile sync (``customers``) and an event sync (``orders``) over a source named
``dw``: plan and apply, check what OneSignal holds, change rows in the warehouse, check that the
second plan holds exactly those changes, apply, and check the third plan is empty. A test module
gives a ``Warehouse`` (how to write tables into its engine, the ``dw:`` source block, optionally
a ``state.url`` in the same engine) and calls ``tell_story``. A source that holds one table (a
Google Sheet) gives ``source_for(table)`` too: then each table is read from a source of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from onesync.api import load_project
from onesync.apply import plan_and_apply
from onesync.plan import make_plan
from onesync.sandbox import Sandbox
from onesync.state import open_state
from tests.apply.world import API_KEY, APP_ID, actual_users

# (name, kind): kinds are text, decimal (DECIMAL(10,2)) and timestamp (naive, UTC)
CUSTOMERS: tuple[tuple[str, str], ...] = (
    ("id", "text"),
    ("email", "text"),
    ("plan", "text"),
    ("ltv", "decimal"),
)
ORDERS: tuple[tuple[str, str], ...] = (
    ("order_id", "text"),
    ("customer_id", "text"),
    ("total", "decimal"),
    ("placed_at", "timestamp"),
)

PROFILE_SPEC = """\
sync: customers
source: {source}
model: {{table: {customers}}}
identity: {{external_id: id}}
subscriptions: {{email: email}}
tags:
  plan: plan
  ltv: {{column: ltv, type: number}}
"""

EVENT_SPEC = """\
sync: orders
source: {source}
model:
  sql: select order_id, customer_id, total, placed_at from {orders}
identity: {{external_id: customer_id}}
event:
  name: purchase
  key: order_id
  timestamp: placed_at
  properties: {{total: {{column: total, type: number}}}}
  backfill: true
after: customers
"""


class Warehouse(Protocol):
    """What a test module provides for its engine."""

    def source_yaml(self) -> str:
        """The lines of the ``dw:`` source, each indented four spaces (``    dialect: ...``)."""
        ...

    def replace(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Make ``table`` hold exactly ``rows`` (values as Python str, Decimal, datetime, None)."""
        ...

    def table(self, name: str) -> str:
        """How a model names ``name`` in this engine (``db.schema.name``, or ``name``)."""
        ...


def customer_rows(n: int, start: int = 0) -> list[tuple[Any, ...]]:
    return [
        (
            f"u{i:04d}",
            f"user{i}@example.com" if i % 2 == 0 else None,
            ("free", "pro", "team")[i % 3],
            Decimal(f"{i}.50"),
        )
        for i in range(start, start + n)
    ]


def order_rows(n: int, customers: int) -> list[tuple[Any, ...]]:
    from datetime import datetime

    return [
        (f"o{i:05d}", f"u{(i * 2) % customers:04d}", Decimal(f"{i}.25"), datetime(2026, 1, 1, 0, i))
        for i in range(n)
    ]


def _sources(wh: Warehouse) -> tuple[str, dict[str, str]]:
    """The ``sources:`` block, and the source each table is read from: ``dw`` for both, or
    ``source_for(table)`` -> (name, lines) when the warehouse has one source per table."""
    per_table = getattr(wh, "source_for", None)
    if per_table is None:
        return f"  dw:\n{wh.source_yaml()}", {"customers": "dw", "orders": "dw"}
    block, names = "", {}
    for table in ("customers", "orders"):
        name, lines = per_table(table)
        block += f"  {name}:\n{lines}"
        names[table] = name
    return block, names


def write_project(root: Path, wh: Warehouse, api_url: str, state_url: str | None = None) -> None:
    (root / "specs").mkdir(parents=True, exist_ok=True)
    state = state_url or ".onesync/state.duckdb"
    sources, source_of = _sources(wh)
    (root / "onesync.yaml").write_text(
        "version: 1\n"
        f"sources:\n{sources}"
        f"destination:\n  app_id: {APP_ID}\n  api_key: ${{env:TEST_ONESIGNAL_KEY}}\n"
        f"  api_url: {api_url}\n"
        f"state:\n  url: {state}\n"
        "specs: specs/\n"
    )
    (root / "specs" / "customers.yaml").write_text(
        PROFILE_SPEC.format(customers=wh.table("customers"), source=source_of["customers"])
    )
    (root / "specs" / "orders.yaml").write_text(
        EVENT_SPEC.format(orders=wh.table("orders"), source=source_of["orders"])
    )


def expected(rows: Sequence[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    out = {}
    for id_, email, plan, ltv in rows:
        tags = {"plan": plan}
        if ltv is not None:
            text = f"{ltv}"
            tags["ltv"] = text.rstrip("0").rstrip(".") if "." in text else text
        out[id_] = {"crm_id": None, "tags": tags, "subs": {("Email", email)} if email else set()}
    return out


def _users(sb: Sandbox) -> dict[str, dict[str, Any]]:
    users = actual_users(sb.snapshot())
    return {k: {**v, "crm_id": None} for k, v in users.items()}


def tell_story(root: Path, sb: Sandbox, wh: Warehouse, state_url: str | None = None) -> list[str]:
    """Plan, apply, change, re-plan (exactly the changes), apply, re-plan (nothing).

    Returns each plan's ``read_by`` for the customers sync (``stream``, ``pushdown``, ...), so a
    pushdown test can check the diff ran in the warehouse.
    """
    import os

    os.environ["TEST_ONESIGNAL_KEY"] = API_KEY
    write_project(root, wh, sb.url, state_url)
    customers = customer_rows(20)
    wh.replace("customers", CUSTOMERS, customers)
    wh.replace("orders", ORDERS, order_rows(10, 20))
    read_by = []

    plan, report = plan_and_apply(load_project(root))
    assert report is not None and report.exit_code == 0, report
    read_by.append(plan.sync("customers").read_by)
    assert _users(sb) == expected(customers)
    snap = sb.snapshot()
    assert len(snap["events"]) == 10
    totals = sorted(e["properties"]["total"] for e in snap["events"])
    assert totals == [i + 0.25 for i in range(10)], totals  # number properties are JSON numbers

    # change rows in the warehouse: a tag, a number cleared, a new email, two new customers,
    # two new orders
    changed = list(customers)
    changed[1] = ("u0001", None, "team", Decimal("1.50"))
    changed[2] = ("u0002", "user2@example.com", "team", None)
    changed[3] = ("u0003", "u3@example.com", "free", Decimal("3.50"))
    changed += customer_rows(2, start=20)
    wh.replace("customers", CUSTOMERS, changed)
    wh.replace("orders", ORDERS, order_rows(12, 20))

    project = load_project(root)
    with open_state(project.state, project.root) as state:
        plan = make_plan(project, state=state)
    try:
        prof = plan.sync("customers")
        by_key = {c.key: c for c in prof.profiles}
        assert set(by_key) == {"u0001", "u0002", "u0003", "u0020", "u0021"}, sorted(by_key)
        assert by_key["u0001"].set_tags == {"plan": "team"}
        assert by_key["u0002"].unset_tags == ("ltv",) and not by_key["u0002"].set_tags
        subs = by_key["u0003"].add_subscriptions
        assert [(s["type"], s["token"]) for s in subs] == [("email", "u3@example.com")], subs
        assert {by_key[k].action for k in ("u0020", "u0021")} == {"create"}
        events = plan.sync("orders").events
        assert sorted(e.key for e in events) == ["o00010", "o00011"]
        read_by.append(prof.read_by)
    finally:
        plan.close()

    plan, report = plan_and_apply(load_project(root))
    assert report is not None and report.exit_code == 0
    assert _users(sb) == expected(changed)
    assert len(sb.snapshot()["events"]) == 12

    plan, report = plan_and_apply(load_project(root))
    assert report is None and not plan.has_changes, "the third plan must be empty"
    read_by.append(plan.sync("customers").read_by)
    return read_by


class Fetched:
    """Counts the rows a cursor class hands to Python (``fetchone``/``fetchmany``/``fetchall``),
    so a pushdown test can show that only changed rows leave the warehouse."""

    def __init__(self, monkeypatch: Any, cls: type) -> None:
        self.rows = 0
        for name in ("fetchone", "fetchmany", "fetchall"):
            monkeypatch.setattr(cls, name, self._counting(getattr(cls, name)))

    def _counting(self, real: Any) -> Any:
        def fetch(cursor: Any, *args: Any) -> Any:
            out = real(cursor, *args)
            self.rows += len(out) if isinstance(out, list) else int(out is not None)
            return out

        return fetch


def assert_plan_pulls_only_the_changes(
    project: Any, compiled: Any, monkeypatch: Any, cursor: type, rows: int
) -> float:
    """Plan ``rows`` users of which 1% changed, with the diff in the warehouse: the plan holds
    exactly those changes, and only they (plus a few single values) reach Python. Returns the
    seconds the plan took."""
    import time

    from onesync.plan import make_plan
    from onesync.state import open_state

    fetched = Fetched(monkeypatch, cursor)
    start = time.monotonic()
    with open_state(project.state, project.root) as state:
        assert state.row_count("users") == rows
        before = fetched.rows
        plan = make_plan(project, state=state, compiled={"users": compiled})
        during = fetched.rows - before
    seconds = time.monotonic() - start
    try:
        sp = plan.sync("users")
        assert sp.read_by == "pushdown"
        assert [c.set_tags for c in sp.profiles][:1] == [{"plan": "pro"}]
        assert len(sp.profiles) == rows // 100
        # the 2,000 changed rows, plus a few scalars (counts, fingerprint, the lock)
        assert rows // 100 <= during <= rows // 100 + 50, during
    finally:
        plan.close()
    print(f"plan of {rows} rows, 1% changed: {during} rows fetched, {seconds:.1f}s")
    return seconds
