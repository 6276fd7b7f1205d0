"""A small world for plan tests: a real source database, a real state store, hand-compiled SQL.

The SQL follows the compiler's contract (ARCHITECTURE.md): every value text or NULL, ``__key``,
``__external_id``, ``alias__*``, ``sub__*``, ``tag__*``, ``prop__*``, ``__timestamp``, ``var__*``,
``__fingerprint`` (md5 over length-prefixed values), so the planner is tested on its own.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb

from onesync.model import (
    Column,
    CompiledSync,
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
from onesync.state import open_state

KINDS = ("duckdb", "pg_pushdown", "pg_stream", "duckdb_stream")


def hand_compile(sync: Sync, table: str) -> CompiledSync:
    """The canonical projection of ``sync`` over ``table``, valid in DuckDB and PostgreSQL."""
    cols: list[tuple[str, str, Column]] = []

    def add(name: str, role: str, expr: str, label: str = "", type_: str = "string") -> None:
        cols.append((name, expr, Column(name, role, label, type_)))  # type: ignore[arg-type]

    def text(col: str) -> str:
        return f'CAST("{col}" AS TEXT)'

    add("__key", "key", text(sync.key_column))
    add("__external_id", "external_id", text(sync.identity.external_id))
    for f in sync.identity.aliases:
        add(f"alias__{f.name}", "alias", text(f.column), f.name)
    for f in sync.subscriptions:
        add(f"sub__{f.name}", "subscription", text(f.column), f.name)
    for f in sync.tags:
        add(f"tag__{f.name}", "tag", text(f.column), f.name, f.type)
    if sync.event:
        for f in sync.event.properties:
            add(f"prop__{f.name}", "property", text(f.column), f.name, f.type)
        if sync.event.timestamp:
            add("__timestamp", "timestamp", text(sync.event.timestamp))
    if sync.message:
        for f in sync.message.custom_data:
            add(f"prop__{f.name}", "property", text(f.column), f.name, f.type)
        for v in sync.message.variables:
            add(f"var__{v}", "variable", text(v), v)
    inner = ", ".join(f'{expr} AS "{name}"' for name, expr, _ in cols)
    fp = " || ".join(
        f"COALESCE(CAST(length(\"{n}\") AS TEXT) || ':' || \"{n}\", '~')" for n, _, _ in cols
    )
    sql = f'SELECT *, md5({fp}) AS "__fingerprint" FROM (SELECT {inner} FROM {table}) AS s'
    columns = tuple(c for _, _, c in cols) + (Column("__fingerprint", "fingerprint"),)
    return CompiledSync(sync=sync, dialect="duckdb", sql=sql, columns=columns)


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
    """A source database plus a state store of one kind (see ``KINDS``)."""

    def __init__(self, kind: str, tmp: Path, pg_url: str | None = None, schema: str = "") -> None:
        self.kind = kind
        self.root = tmp
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
                "app-1", "secret-key-123", rate_limit=100.0, max_recipients=max_recipients
            ),
            state=replace(self.state, max_destructive_share=share, max_invalid_share=invalid_share),
            syncs=syncs,
        )

    def plan(self, project: Project, **kw: Any) -> Plan:
        compiled = {s.name: hand_compile(s, s.model.table or "") for s in project.syncs}
        return make_plan(project, compiled=compiled, **kw)

    def apply(self, project: Project, plan: Plan) -> None:
        """What apply does once OneSignal confirmed everything: record it in state."""
        with open_state(project.state, project.root) as st:
            for sp in plan.syncs:
                if sp.baseline:
                    st.record_baseline(sp.name, sp.baseline_keys, sp.kind)
                st.confirm(sp.name, [*sp.profiles, *sp.events, *sp.messages])


CUSTOMERS = (
    "CREATE TABLE customers (id INTEGER, sf_id TEXT, email TEXT, plan TEXT, ltv NUMERIC(10,2))",
    "INSERT INTO customers VALUES (1, 'sf1', 'a@x.io', 'free', 10.5), (2, 'sf2', NULL, 'pro', 20),"
    " (3, 'sf3', 'c@x.io', 'free', NULL)",
)
ORDERS = (
    "CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, first_name TEXT, "
    "total NUMERIC(10,2), placed_at TEXT)",
    "INSERT INTO orders VALUES (100, 1, 'Ann', 9.5, '2026-01-01T00:00:00Z'), "
    "(101, 2, 'Bob', 20, '2026-01-02T00:00:00Z')",
)
