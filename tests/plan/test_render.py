"""The three views of a plan, on real plans."""

from __future__ import annotations

import json

from plan_world import CUSTOMERS, ORDERS, World, event_sync, message_sync, profile_sync

from onesync.render import render_json, render_markdown, render_text


def test_views_of_a_plan_with_every_kind_of_change(duck: World) -> None:
    duck.sql(*CUSTOMERS, *ORDERS)
    project = duck.project(profile_sync(), event_sync(), message_sync())
    duck.apply(project, duck.plan(project))
    duck.sql(
        "UPDATE customers SET plan = 'pro', ltv = NULL WHERE id = 10",
        "INSERT INTO customers VALUES (8, 'sf8', NULL, 'free', 1), (8, 'sf9', NULL, 'x', 1)",
        "INSERT INTO orders VALUES (102, 10, 'Ann', 5, '2026-01-03T00:00:00Z')",
    )
    plan = duck.plan(project, allow_destructive=True)
    text = render_text(plan)
    assert "customers (profile, upsert): 5 rows read, 2 unchanged" in text
    assert '      ~ tag plan: "free" -> "pro"' in text
    assert '      - tag ltv: "10.5" -> (unset)' in text
    assert "  ! invalid key 8: duplicate key: 2 rows have id = 8" in text
    assert "  > event purchase for 10 (key 102) total=5" in text
    assert '  > push message to 10: "Thanks Ann, order 102"' in text
    assert text.endswith(
        "Plan: 0 to create, 1 to update, 0 to unset, 1 event, 1 message; 3 API calls; "
        "1 invalid row skipped."
    )
    doc = json.loads(render_json(plan, sample=1))
    assert doc["has_changes"] and doc["totals"]["api_calls"] == 3
    # in the order apply runs them (after:, else by name)
    assert [s["name"] for s in doc["syncs"]] == ["customers", "order_receipt", "orders_placed"]
    assert doc["order"] == ["customers", "order_receipt", "orders_placed"]
    assert doc["syncs"][1]["sample"]["messages"][0]["contents"] == {"en": "Thanks Ann, order 102"}
    md = render_markdown(plan)
    assert md.startswith("### onesync plan\n")
    assert "| `orders_placed` | event | 0 | 0 | 0 | 1 | 0 | 0 | 1 |" in md
    assert md.count("<details>") == 3


def test_views_of_an_empty_plan(duck: World) -> None:
    duck.sql(*CUSTOMERS)
    project = duck.project(profile_sync())
    duck.apply(project, duck.plan(project))
    plan = duck.plan(project)
    assert render_text(plan).endswith("No changes. OneSignal is in step with the models.")
    assert json.loads(render_json(plan))["has_changes"] is False
    assert "No changes." in render_markdown(plan)


def test_long_lists_are_sampled(duck: World) -> None:
    duck.sql(*CUSTOMERS)
    text = render_text(duck.plan(duck.project(profile_sync())), sample=1)
    assert "  + user 10\n" in text and "  + user 2" not in text
    assert "  ... and 2 more to create" in text
