"""A small world for plan tests: a real source database, a real state store, a real sandbox.

Syncs are compiled by the real compiler (``make_plan`` compiles them, asking the source's
catalogue for column types, as ``onesync plan`` does), and ``World.apply`` is the real
``apply_plan`` against a OneSignal sandbox on a loopback port, so what the planner diffs against
is what apply actually confirmed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb

from onesync.apply import ApplyReport, apply_plan
from onesync.model import (
    Destination,
    Event,
    Field,
    Identity,
    Message,
    Model,
    Project,
    Source,
    StateConfig,
    Sync,
)
from onesync.plan import Plan, make_plan
from onesync.sandbox import Sandbox

KINDS = ("duckdb", "pg_pushdown", "pg_stream", "duckdb_stream")
APP_ID = "5eb5a37e-0000-4000-8000-0000000000a1"
API_KEY = "secret-key-123"


def profile_sync(name: str = "customers", mode: str = "upsert", table: str = "customers") -> Sync:
    return Sync(
        name=name,
        file=f"specs/{name}.yaml",
        source="db",
        model=Model(table=table),
        identity=Identity("id", (Field("crm_id", "sf_id"),)),
        subscriptions=(Field("email", "email"),),
        tags=(Field("plan", "plan"), Field("ltv", "ltv", "number")),
        mode=mode,  # type: ignore[arg-type]
        on_leave="clear" if mode == "mirror" else "keep",  # what validate resolves
    )


def event_sync(backfill: bool = False) -> Sync:
    return Sync(
        name="orders_placed",
        file="specs/orders_placed.yaml",
        source="db",
        model=Model(table="orders"),
        identity=Identity("customer_id"),
        event=Event(
            "purchase",
            "order_id",
            "placed_at",
            (Field("total", "total", "number"),),
            backfill=backfill,
        ),
    )


def message_sync(personal: bool = True) -> Sync:
    contents = (("en", "Thanks {{ first_name }}, order {{ order_id }}" if personal else "Hi"),)
    return Sync(
        name="order_receipt",
        file="specs/order_receipt.yaml",
        source="db",
        model=Model(table="orders"),
        identity=Identity("customer_id"),
        message=Message(
            key="order_id",
            headings=(("en", "Order confirmed"),),
            contents=contents,
            variables=("first_name", "order_id") if personal else (),
            custom_data=(Field("order_id", "order_id"),) if personal else (),
        ),
    )


class World:
    """A source database plus a state store of one kind (see ``KINDS``), and the sandbox."""

    def __init__(
        self, kind: str, tmp: Path, sandbox: Sandbox, pg_url: str | None = None, schema: str = ""
    ) -> None:
        self.kind = kind
        self.root = tmp
        self.sandbox = sandbox  # the OneSignal app every project of this world points at
        if kind == "duckdb" or kind == "pg_stream":
            self.source = Source("db", "duckdb", path="data/src.duckdb")
            (tmp / "data").mkdir(exist_ok=True)
        if kind == "duckdb":
            self.state = StateConfig()
        else:
            assert pg_url
            url = f"{pg_url}?options=-csearch_path%3D{schema}"
            self.state = StateConfig(url=url)
            if kind in ("pg_pushdown", "duckdb_stream"):
                self.source = Source("db", "postgres", url=url)
            if kind == "duckdb_stream":  # a postgres source, DuckDB state: rows are streamed
                self.state = StateConfig()

    def sql(self, *statements: str) -> None:
        """Run statements on the source database."""
        if self.source.dialect == "duckdb":
            conn = duckdb.connect(str(self.root / self.source.path))
            try:
                for s in statements:
                    conn.execute(s)
            finally:
                conn.close()
            return
        import psycopg

        with psycopg.connect(self.source.url, autocommit=True) as conn:
            for s in statements:
                conn.execute(s)

    def project(
        self,
        *syncs: Sync,
        share: float = 0.1,
        max_recipients: int = 2000,
        invalid_share: float = 0.5,
    ) -> Project:
        return Project(
            root=self.root,
            file="onesync.yaml",
            sources=(self.source,),
            destination=Destination(
                APP_ID,
                API_KEY,
                api_url=self.sandbox.url,
                rate_limit=100.0,
                max_recipients=max_recipients,
            ),
            state=replace(self.state, max_destructive_share=share, max_invalid_share=invalid_share),
            syncs=syncs,
        )

    def plan(self, project: Project, **kw: Any) -> Plan:
        """``make_plan``, which compiles every sync with the real compiler."""
        return make_plan(project, **kw)

    def apply(self, project: Project, plan: Plan, *, verify_fresh: bool = True) -> ApplyReport:
        """The real apply against the sandbox; OneSignal must accept every change."""
        report = apply_plan(plan, project, verify_fresh=verify_fresh)
        assert report.rejected == (), report.rejected
        return report

    def users(self) -> dict[str, dict[str, Any]]:
        """What the sandbox holds per external_id: aliases, tags and subscription tokens."""
        out = {}
        for u in self.sandbox.snapshot()["users"]:
            ident = dict(u["identity"])
            ident.pop("onesignal_id", None)
            out[ident.pop("external_id")] = {
                "aliases": ident,
                "tags": u["properties"].get("tags", {}),
                "subs": sorted((s["type"], s["token"]) for s in u["subscriptions"]),
            }
        return out


CUSTOMERS = (
    "CREATE TABLE customers (id INTEGER, sf_id TEXT, email TEXT, plan TEXT, ltv NUMERIC(10,2))",
    "INSERT INTO customers VALUES (10, 'sf1', 'a@x.io', 'free', 10.5), (2, 'sf2', NULL, 'pro', 20),"
    " (3, 'sf3', 'c@x.io', 'free', NULL)",
)
ORDERS = (
    "CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, first_name TEXT, "
    "total NUMERIC(10,2), placed_at TEXT)",
    "INSERT INTO orders VALUES (100, 10, 'Ann', 9.5, '2026-01-01T00:00:00Z'), "
    "(101, 2, 'Bob', 20, '2026-01-02T00:00:00Z')",
)
