"""What the keys of a user's whole life (issue 12) become in the IR, one table per key.

on_leave, send_after, typed properties / custom_data, max_sends, max_tags, max_subscriptions,
fixed-offset source zones, and the legacy API's tags-only profile syncs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from onesync.model import Destination, Field, Message, Project
from onesync.validate import load_project

from .conftest import ENV, PROJECT, write

HEAD = "sync: x\nsource: warehouse\n"
MODEL = "model: {sql: 'select id, email, plan, total, paid, send_at from t'}\n"
IDN = "identity: {external_id: id}\n"


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write the base project plus a spec x (and maybe a project file), load it."""

    def run(body: str, project: str = PROJECT) -> Project:
        write(tmp_path, {"onesync.yaml": project, "specs/x.yaml": HEAD + MODEL + IDN + body})
        monkeypatch.chdir(tmp_path)
        return load_project(".", env=ENV)

    return run


def with_zone(zone: str) -> str:
    return PROJECT.replace(
        "    url: ${env:DATABASE_URL}\n",
        f"    url: ${{env:DATABASE_URL}}\n    timezone: '{zone}'\n",
    )


@pytest.mark.parametrize(
    ("body", "on_leave"),
    [
        ("", "keep"),  # upsert by default, and upsert keeps
        ("mode: upsert\n", "keep"),
        ("mode: mirror\n", "clear"),
        ("mode: upsert\non_leave: clear\n", "clear"),  # DESIGN.md's example: written wins
        ("mode: mirror\non_leave: keep\n", "keep"),
        ("mode: mirror\non_leave: delete_user\n", "delete_user"),
        ("on_leave: delete_user\n", "delete_user"),
        ("mode: mirror\nevent: {name: signup, key: id}\n", "keep"),  # events are never undone
        ("mode: mirror\nmessage: {key: id, contents: {en: hi}}\n", "keep"),
    ],
)
def test_on_leave_is_always_resolved(load, body: str, on_leave: str) -> None:
    assert load(body).sync("x").on_leave == on_leave


@pytest.mark.parametrize(
    ("zone", "written", "ir"),
    [
        (None, "+30m", "+30m"),
        (None, "+1h", "+1h"),
        (None, "+2d", "+2d"),
        (None, "send_at", "send_at"),  # a column: compiled per row
        (None, "2026-12-31T09:00:00+01:00", "2026-12-31T08:00:00Z"),
        (None, "2026-12-31T09:00:00Z", "2026-12-31T09:00:00Z"),
        (None, "2026-12-31T09:00:00.250-05:00", "2026-12-31T14:00:00.250000Z"),
        (None, "2026-12-31T09:00:00", "2026-12-31T09:00:00Z"),  # no timezone: UTC
        (None, "2026-12-31 09:00", "2026-12-31T09:00:00Z"),
        ("Europe/Paris", "2026-12-31T09:00:00", "2026-12-31T08:00:00Z"),  # winter, +01:00
        ("Europe/Paris", "2026-07-01T09:00:00", "2026-07-01T07:00:00Z"),  # summer, +02:00
        ("Europe/Paris", "2026-07-01T09:00:00Z", "2026-07-01T09:00:00Z"),  # the offset wins
        ("+05:30", "2026-12-31T09:00:00", "2026-12-31T03:30:00Z"),
        ("-03:00", "2026-12-31T22:00:00", "2027-01-01T01:00:00Z"),
        ("UTC", "2026-12-31T09:00:00", "2026-12-31T09:00:00Z"),
    ],
)
def test_send_after(load, zone: str | None, written: str, ir: str) -> None:
    body = f"message: {{key: id, contents: {{en: hi}}, send_after: '{written}'}}\n"
    message = load(body, with_zone(zone) if zone else PROJECT).sync("x").message
    assert message is not None and message.send_after == ir
    assert message.per_row is (written == "send_at")


@pytest.mark.parametrize(
    ("message", "per_row"),
    [
        (Message(key="k"), False),
        (Message(key="k", send_after="+1h"), False),
        (Message(key="k", send_after="2026-12-31T08:00:00Z"), False),
        (Message(key="k", send_after="send_at"), True),
        (Message(key="k", send_after="_at"), True),
        (Message(key="k", variables=("first_name",)), True),
        (Message(key="k", custom_data=(Field("order_id", "order_id"),)), True),
    ],
)
def test_only_a_column_variables_or_custom_data_make_a_message_per_row(
    message: Message, per_row: bool
) -> None:
    assert message.per_row is per_row


def test_typed_properties_and_custom_data(load) -> None:
    typed = "{total: {column: total, type: number}, paid: {column: paid, type: boolean}, "
    typed += "plan: {column: plan, type: string}, email: email}"
    event = load(f"event: {{name: e, key: id, properties: {typed}}}\n").sync("x").event
    fields = (
        Field("total", "total", "number"),
        Field("paid", "paid", "boolean"),
        Field("plan", "plan", "string"),
        Field("email", "email", "string"),
    )
    assert event is not None and event.properties == fields
    tid = "be4a8044-bbd6-11e4-a581-000c2940e62c"
    body = f"message: {{key: id, template_id: {tid}, custom_data: {typed}}}\n"
    message = load(body).sync("x").message
    assert message is not None and message.custom_data == fields


def test_max_sends(load) -> None:
    message = load("message: {key: id, contents: {en: hi}, max_sends: 500}\n").sync("x").message
    assert message is not None and message.max_sends == 500
    unlimited = load("message: {key: id, contents: {en: hi}}\n").sync("x").message
    assert unlimited is not None and unlimited.max_sends is None


def test_destination_caps(load) -> None:
    default = load("").destination
    assert (default.max_tags, default.max_subscriptions) == (100, 20)
    assert (Destination("a", "k").max_tags, Destination("a", "k").max_subscriptions) == (100, 20)
    project = PROJECT.replace(
        "app_id: 5eb5a37e-0000-4000-8000-0000000000a1",
        "app_id: 5eb5a37e-0000-4000-8000-0000000000a1\n  max_tags: 250\n  max_subscriptions: 5",
    )
    raised = load("", project).destination
    assert (raised.max_tags, raised.max_subscriptions) == (250, 5)


@pytest.mark.parametrize("zone", ["+02:00", "-09:30", "UTC", "Europe/Berlin"])
def test_source_zones_the_connectors_take(load, zone: str) -> None:
    assert load("", with_zone(zone)).source("warehouse").timezone == zone


def test_legacy_api_takes_tags_only_profiles_and_events(load) -> None:
    legacy = PROJECT.replace(
        "app_id: 5eb5a37e-0000-4000-8000-0000000000a1",
        "app_id: 5eb5a37e-0000-4000-8000-0000000000a1\n  api: legacy",
    )
    project = load("tags: {plan: plan}\nmode: mirror\n", legacy)
    assert project.destination.api == "legacy"
    assert project.sync("x").tags == (Field("plan", "plan"),)
    assert project.sync("x").on_leave == "clear"
