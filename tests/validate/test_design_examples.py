# ruff: noqa: E501  (the YAML is copied verbatim from the design page, long comments included)
"""Every example of the design contract (/work/shared/DESIGN.md) loads into the IR it describes.

The YAML below is copied verbatim from the design page: if the page changes, so must this test.
The project file keeps the page's postgres and duckdb sources; its spark, snowflake and sheet
sources need connector keys (``master``, ``account``, ``sheet``) the schema does not have yet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from onesync.model import (
    Destination,
    Event,
    Field,
    Identity,
    Message,
    Model,
    Pos,
    Source,
    StateConfig,
    Sync,
)
from onesync.validate import load_project, load_project_report

from .conftest import write

PROJECT = """\
version: 1
sources:
  warehouse:
    dialect: postgres            # a sqlglot dialect name; it also picks the connector
    url: ${env:DATABASE_URL}     # ${env:NAME} interpolation; ${env:NAME:-default} allowed
  local:
    dialect: duckdb              # the embedded default: a file, or :memory:
    path: data/shop.duckdb
destination:
  app_id: ${env:ONESIGNAL_APP_ID}
  api_key: ${env:ONESIGNAL_API_KEY}    # never printed, never written to plans, state or logs
  api_url: https://api.onesignal.com   # point at a local sandbox for tests
  api: current                         # current (users / aliases / custom events) | legacy (player model)
  rate_limit: 1000/s
state:
  url: .onesync/state.duckdb     # embedded default; postgresql://… for teams and CI
specs: specs/                    # every *.yaml below is one sync spec
"""

CUSTOMER_PROFILE = """\
sync: customer_profile
source: warehouse
model:
  sql: |                         # or  table: crm.customers   or  file: models/customers.sql
    select id, sf_id, email, phone, first_name, plan, ltv, last_order_at
    from crm.customers where deleted_at is null
identity:
  external_id: id                # the column that holds OneSignal's external_id
  aliases:                       # alias label -> column; at most 10 per user
    crm_id: sf_id
subscriptions:                   # optional: create email / SMS subscriptions
  email: email
  sms: phone                     # E.164
tags:                            # tag key -> column, or {column, type}
  first_name: first_name
  plan: plan
  ltv: {column: ltv, type: number}
  last_order_at: {column: last_order_at, type: unix_time}
mode: upsert                     # upsert: set changed values | mirror: also remove what disappears
on_leave: clear                  # a row that leaves the model: keep | clear (mirror's default) | delete_user
schedule: "*/30 * * * *"         # optional cron; or  after: other_sync  (sequential)
"""

ORDERS_PLACED = """\
sync: orders_placed
source: warehouse
model: {table: shop.orders}
identity: {external_id: customer_id}
event:
  name: purchase
  key: order_id
  timestamp: placed_at
  properties: {total: total, currency: currency}
  backfill: true                 # also send the rows that exist on the first run
after: customer_profile
"""

ORDER_RECEIPT = """\
sync: order_receipt
source: warehouse
model:
  sql: |
    select o.order_id, o.customer_id, c.first_name, o.total
    from shop.orders o join crm.customers c on c.id = o.customer_id
identity: {external_id: customer_id}
message:
  key: order_id
  channel: push                  # push | email | sms
  headings: {en: "Order confirmed"}
  contents: {en: "Thanks {{ first_name }}, order {{ order_id }} is on its way"}
  custom_data: {order_id: order_id}
  send_after: "+1h"              # optional: a delay, a column, or an ISO time
"""

FILES = {
    "onesync.yaml": PROJECT,
    "specs/customer_profile.yaml": CUSTOMER_PROFILE,
    "specs/orders_placed.yaml": ORDERS_PLACED,
    "specs/order_receipt.yaml": ORDER_RECEIPT,
}
ENV = {
    "DATABASE_URL": "postgresql://app:s3cret@db.internal:5432/prod",
    "ONESIGNAL_APP_ID": "5eb5a37e-b458-11e3-ac11-000c2940e62c",
    "ONESIGNAL_API_KEY": "os_v2_app_secret",
}


def orders_catalog(source: Source, table_or_sql: str) -> list[str] | None:
    """Every model is described; only the table model's columns are unknown without it."""
    assert source.name == "warehouse"
    if table_or_sql == "shop.orders":
        return ["order_id", "customer_id", "placed_at", "total", "currency"]
    assert table_or_sql.startswith("select ")
    return []  # the SQL names its own columns


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, FILES)
    (tmp_path / "specs" / "customers.yaml").unlink()  # the base spec of conftest is not an example
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_project_file(project_dir: Path) -> None:
    project = load_project(".", env=ENV, catalog=orders_catalog)
    assert project.root == project_dir.resolve()
    assert project.file == "onesync.yaml"
    assert project.specs_dir == "specs/"
    assert project.sources == (
        Source("warehouse", "postgres", url=ENV["DATABASE_URL"], pos=Pos("onesync.yaml", 3, 3)),
        Source("local", "duckdb", path="data/shop.duckdb", pos=Pos("onesync.yaml", 6, 3)),
    )
    assert project.destination == Destination(
        app_id=ENV["ONESIGNAL_APP_ID"], api_key=ENV["ONESIGNAL_API_KEY"], rate_limit=1000.0
    )
    assert project.state == StateConfig(".onesync/state.duckdb", 0.1)
    assert "s3cret" not in repr(project) and "os_v2_app_secret" not in repr(project)


def test_customer_profile(project_dir: Path) -> None:
    sync = load_project(".", env=ENV, catalog=orders_catalog).sync("customer_profile")
    f = "specs/customer_profile.yaml"
    assert sync == Sync(
        name="customer_profile",
        file=f,
        source="warehouse",
        model=Model(
            sql="select id, sf_id, email, phone, first_name, plan, ltv, last_order_at\n"
            "from crm.customers where deleted_at is null\n",
            sql_pos=Pos(f, 5, 5),
        ),
        identity=Identity("id", (Field("crm_id", "sf_id"),)),
        subscriptions=(Field("email", "email"), Field("sms", "phone")),
        tags=(
            Field("first_name", "first_name"),
            Field("plan", "plan"),
            Field("ltv", "ltv", "number"),
            Field("last_order_at", "last_order_at", "unix_time"),
        ),
        mode="upsert",
        on_leave="clear",  # written: it wins over upsert's default (keep)
        schedule="*/30 * * * *",
        pos=Pos(f, 1, 7),
    )
    assert sync.kind == "profile" and sync.key_column == "id"


def test_orders_placed(project_dir: Path) -> None:
    sync = load_project(".", env=ENV, catalog=orders_catalog).sync("orders_placed")
    f = "specs/orders_placed.yaml"
    assert sync == Sync(
        name="orders_placed",
        file=f,
        source="warehouse",
        model=Model(table="shop.orders", sql_pos=Pos(f, 3, 16)),
        identity=Identity("customer_id"),
        event=Event(
            "purchase",
            "order_id",
            "placed_at",
            (Field("total", "total"), Field("currency", "currency")),
            backfill=True,
        ),
        after=("customer_profile",),
        pos=Pos(f, 1, 7),
    )
    assert sync.kind == "event" and sync.key_column == "order_id"


def test_order_receipt(project_dir: Path) -> None:
    sync = load_project(".", env=ENV, catalog=orders_catalog).sync("order_receipt")
    assert sync.message == Message(
        key="order_id",
        channel="push",
        headings=(("en", "Order confirmed"),),
        contents=(("en", "Thanks {{ first_name }}, order {{ order_id }} is on its way"),),
        custom_data=(Field("order_id", "order_id"),),
        send_after="+1h",
        variables=("first_name", "order_id"),
    )
    assert sync.identity == Identity("customer_id")
    assert sync.kind == "message" and sync.message.per_row
    assert sync.model.sql is not None and sync.model.sql.startswith("select o.order_id")


def test_syncs_in_file_order_and_nothing_skipped_with_a_catalogue(project_dir: Path) -> None:
    project, skipped = load_project_report(".", env=ENV, catalog=orders_catalog)
    assert [s.name for s in project.syncs] == ["customer_profile", "order_receipt", "orders_placed"]
    assert skipped == ()


def test_offline_says_which_checks_it_skipped(project_dir: Path) -> None:
    report = load_project_report(".", env=ENV, catalog=orders_catalog, offline=True)
    assert report.skipped == (
        "orders_placed: column checks skipped (model is table shop.orders; offline)",
    )
    assert len(report.project.syncs) == 3
