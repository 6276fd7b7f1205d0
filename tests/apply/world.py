"""A real project on disk for apply tests: DuckDB source, DuckDB state, specs, a sandbox URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from onesync.api import load_project
from onesync.model import Project

APP_ID = "5eb5a37e-0000-4000-8000-000000000001"
API_KEY = "os_v2_app_sandbox-secret-7731"

CUSTOMERS = """
sync: customers
source: db
model: {table: customers}
identity:
  external_id: id
  aliases: {crm_id: sf_id}
subscriptions: {email: email, sms: phone}
tags:
  plan: plan
  ltv: {column: ltv, type: number}
mode: {mode}
"""

ORDERS = """
sync: orders
source: db
model: {table: orders}
identity: {external_id: customer_id}
event:
  name: purchase
  key: order_id
  timestamp: placed_at
  properties: {total: total}
  backfill: true
after: customers
"""

RECEIPTS = """
sync: receipts
source: db
model: {table: orders}
identity: {external_id: customer_id}
message:
  key: order_id
  channel: email
  subject: {en: "Your order"}
  contents: {en: "Order {{ order_id }} confirmed"}
  send_after: "+1h"
  backfill: true
after: orders
"""


class World:
    """A project directory whose source tables the test edits between runs."""

    def __init__(
        self,
        root: Path,
        url: str,
        *,
        events: bool = True,
        messages: bool = True,
        mode: str = "upsert",
        api: str = "current",
        rate_limit: str = "1000/s",
        concurrency: int | None = None,
    ) -> None:
        self.root = root
        (root / "specs").mkdir(parents=True, exist_ok=True)
        (root / "data").mkdir(exist_ok=True)
        extra = f"  concurrency: {concurrency}\n" if concurrency else ""
        (root / "onesync.yaml").write_text(
            "version: 1\n"
            "sources:\n  db:\n    dialect: duckdb\n    path: data/src.duckdb\n"
            f"destination:\n  app_id: {APP_ID}\n  api_key: ${{env:TEST_ONESIGNAL_KEY}}\n"
            f"  api_url: {url}\n  api: {api}\n  rate_limit: {rate_limit}\n{extra}"
            "state:\n  url: .onesync/state.duckdb\n"
            "specs: specs/\n"
        )
        (root / "specs" / "customers.yaml").write_text(CUSTOMERS.replace("{mode}", mode))
        if events:
            (root / "specs" / "orders.yaml").write_text(ORDERS)
        if messages:
            (root / "specs" / "receipts.yaml").write_text(RECEIPTS)
        self.sql(
            "CREATE TABLE customers (id TEXT, sf_id TEXT, email TEXT, phone TEXT, plan TEXT, "
            "ltv DECIMAL(10, 2))",
            "CREATE TABLE orders (order_id TEXT, customer_id TEXT, total DECIMAL(10, 2), "
            "placed_at TIMESTAMP)",
        )

    def sql(self, *statements: str, params: list[Any] | None = None) -> None:
        conn = duckdb.connect(str(self.root / "data" / "src.duckdb"))
        try:
            for s in statements:
                conn.execute(s, params) if params else conn.execute(s)
        finally:
            conn.close()

    def customers(self, n: int, start: int = 0) -> None:
        """``n`` customers u0000.. with an email on even ids and a phone on every third."""
        rows = [
            (
                f"u{i:04d}",
                f"sf{i:04d}",
                f"user{i}@example.com" if i % 2 == 0 else None,
                f"+1415555{i:04d}" if i % 3 == 0 else None,
                ("free", "pro", "team")[i % 3],
                f"{i}.50",
            )
            for i in range(start, start + n)
        ]
        conn = duckdb.connect(str(self.root / "data" / "src.duckdb"))
        try:
            conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", rows)
        finally:
            conn.close()

    def orders(self, n: int, customers: int) -> None:
        rows = [
            (f"o{i:05d}", f"u{(i * 2) % customers:04d}", f"{i}.25", "2026-01-01 00:00:00")
            for i in range(n)
        ]
        conn = duckdb.connect(str(self.root / "data" / "src.duckdb"))
        try:
            conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", rows)
        finally:
            conn.close()

    def project(self) -> Project:
        return load_project(self.root)

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run ``onesync ARGS`` as a real process in the project directory."""
        return subprocess.run(
            [sys.executable, "-c", "from onesync.cli import main; main()", *args],
            cwd=self.root,
            env=self.env(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", "from onesync.cli import main; main()", *args],
            cwd=self.root,
            env=self.env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        env["TEST_ONESIGNAL_KEY"] = API_KEY
        env.pop("CI", None)
        env.update(extra or {})
        return env


def users_by_external_id(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["identity"]["external_id"]: u for u in snapshot["users"]}


def expected_users(world: World) -> dict[str, dict[str, Any]]:
    """What OneSignal should hold per external_id, straight from the source table."""
    conn = duckdb.connect(str(world.root / "data" / "src.duckdb"), read_only=True)
    try:
        rows = conn.execute(
            "SELECT id, sf_id, email, phone, plan, CAST(ltv AS TEXT) FROM customers"
        ).fetchall()
    finally:
        conn.close()
    out = {}
    for id_, sf, email, phone, plan, ltv in rows:
        tags = {"plan": plan} if plan is not None else {}
        if ltv is not None:
            tags["ltv"] = ltv.rstrip("0").rstrip(".") if "." in ltv else ltv
        subs = set()
        if email:
            subs.add(("Email", email))
        if phone:
            subs.add(("SMS", phone))
        out[id_] = {"crm_id": sf, "tags": tags, "subs": subs}
    return out


def actual_users(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for eid, u in users_by_external_id(snapshot).items():
        out[eid] = {
            "crm_id": u["identity"].get("crm_id"),
            "tags": u["properties"].get("tags", {}),
            "subs": {(s["type"], s["token"]) for s in u["subscriptions"]},
        }
    return out
