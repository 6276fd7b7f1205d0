"""Events and messages: baseline on the first run, each new key once, rendered templates."""

from __future__ import annotations

import uuid

from plan_world import APP_ID, CUSTOMERS, ORDERS, World, event_sync, message_sync, profile_sync

from onesync.model import Field


def test_first_event_run_records_a_baseline_and_sends_nothing(world: World) -> None:
    world.sql(*CUSTOMERS, *ORDERS)  # the customers sync makes the users the events are for
    project = world.project(profile_sync(), event_sync())
    sp = world.plan(project).sync("orders_placed")
    assert sp.baseline and sp.baseline_keys == ("100", "101") and sp.events == ()
    world.apply(project, world.plan(project))
    assert world.sandbox.snapshot()["events"] == []  # the baseline sent nothing
    assert not world.plan(project).has_changes
    world.sql("INSERT INTO orders VALUES (102, 10, 'Ann', 5, '2026-01-03T00:00:00Z')")
    sp = world.plan(project).sync("orders_placed")
    assert not sp.baseline
    assert [(e.key, e.external_id, e.name, e.properties) for e in sp.events] == [
        ("102", "10", "purchase", {"total": 5})
    ]
    assert sp.events[0].timestamp == "2026-01-03T00:00:00Z"
    world.apply(project, world.plan(project))
    (sent,) = world.sandbox.snapshot()["events"]
    assert sent["external_id"] == "10" and sent["properties"] == {"total": 5}
    assert not world.plan(project).has_changes  # sent once, never again


def test_backfill_sends_existing_rows_on_the_first_run(duck: World) -> None:
    duck.sql(*ORDERS)
    sp = duck.plan(duck.project(event_sync(backfill=True))).sync("orders_placed")
    assert not sp.baseline
    assert [e.key for e in sp.events] == ["100", "101"]
    assert sp.events[0].properties == {"total": 9.5}
    assert sp.api_calls == 1  # events go in batches


def test_personalised_messages_are_rendered_at_plan_time(world: World) -> None:
    world.sql(*ORDERS)
    project = world.project(message_sync())
    world.apply(project, world.plan(project))  # baseline
    world.sql("INSERT INTO orders VALUES (102, 10, 'Ann', 5, NULL), (103, NULL, 'Nobody', 1, NULL)")
    sp = world.plan(project).sync("order_receipt")
    (m,) = sp.messages
    assert m.keys == ("102",) and m.external_ids == ("10",)
    assert m.contents == {"en": "Thanks Ann, order 102"}
    assert m.headings == {"en": "Order confirmed"}
    assert m.custom_data == {"order_id": "102"}
    assert m.idempotency_key == str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"onesync:{APP_ID}:order_receipt:102")
    )
    assert [(r.key, r.reason) for r in sp.invalid] == [("103", "external_id (customer_id) is NULL")]


def test_template_errors_make_the_row_invalid(duck: World) -> None:
    duck.sql(*ORDERS)
    sync = message_sync()
    msg = sync.message.__class__(  # type: ignore[union-attr]
        key="order_id", contents=(("en", "{{ nope }}"),), variables=("first_name",)
    )
    sync = sync.__class__(**{**{f: getattr(sync, f) for f in sync.__slots__}, "message": msg})
    project = duck.project(sync)
    duck.apply(project, duck.plan(project))
    duck.sql("INSERT INTO orders VALUES (102, 1, 'Ann', 5, NULL)")
    sp = duck.plan(project).sync("order_receipt")
    assert sp.messages == ()
    assert sp.invalid[0].key == "102" and "'nope' is undefined" in sp.invalid[0].reason


def test_same_content_messages_batch_recipients(duck: World) -> None:
    duck.sql(*ORDERS)
    project = duck.project(message_sync(personal=False), max_recipients=2)
    duck.apply(project, duck.plan(project))
    duck.sql(
        "INSERT INTO orders VALUES (102, 1, 'A', 1, NULL), (103, 2, 'B', 1, NULL),"
        " (104, 3, 'C', 1, NULL)"
    )
    sp = duck.plan(project).sync("order_receipt")
    assert [m.keys for m in sp.messages] == [("102", "103"), ("104",)]
    assert sp.messages[0].contents == {"en": "Hi"}
    assert sp.api_calls == 2
    assert sp.counts["recipients"] == 3


def test_max_sends_refuses_a_plan_that_would_send_to_more(duck: World) -> None:
    import dataclasses

    import pytest

    from onesync.errors import PlanError

    duck.sql(*ORDERS)
    sync = message_sync(personal=False)
    capped = dataclasses.replace(
        sync, message=dataclasses.replace(sync.message, backfill=True, max_sends=1)
    )
    with pytest.raises(PlanError, match=r"send to 2 recipients, more than message.max_sends \(1\)"):
        duck.plan(duck.project(capped))
    ok = dataclasses.replace(capped, message=dataclasses.replace(capped.message, max_sends=2))
    (m,) = duck.plan(duck.project(ok)).sync("order_receipt").messages
    assert m.batched and m.keys == ("100", "101")


def test_values_over_onesignal_limits_are_invalid_rows(duck: World) -> None:
    import dataclasses

    duck.sql(*ORDERS, "UPDATE orders SET first_name = repeat('x', 3000) WHERE order_id = 101")
    ev = event_sync(backfill=True)
    big = dataclasses.replace(
        ev,
        event=dataclasses.replace(
            ev.event, properties=(*ev.event.properties, Field("name", "first_name"))
        ),
    )
    sp = duck.plan(duck.project(big)).sync("orders_placed")
    assert [e.key for e in sp.events] == ["100"]
    assert [r.key for r in sp.invalid] == ["101"] and "OneSignal takes at most 2024" in (
        sp.invalid[0].reason
    )
    msg = message_sync()
    fat = dataclasses.replace(
        msg,
        message=dataclasses.replace(
            msg.message, backfill=True, custom_data=(Field("name", "first_name"),)
        ),
    )
    sp = duck.plan(duck.project(fat)).sync("order_receipt")
    assert [m.keys for m in sp.messages] == [("100",)]
    assert "custom_data is 3011 bytes; OneSignal takes at most 2048" in sp.invalid[0].reason
