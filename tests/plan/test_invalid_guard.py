"""``state.max_invalid_share``: a model whose rows turned invalid is refused, never "in step"."""

from __future__ import annotations

import json

import pytest
from plan_world import World, event_sync, profile_sync

from onesync.errors import PlanError
from onesync.render import render_json, render_markdown, render_text

TABLE = "CREATE TABLE customers (id INTEGER, sf_id TEXT, email TEXT, plan TEXT, ltv NUMERIC(10,2))"


def _rows(duck: World, values: str) -> None:
    duck.sql(TABLE, f"INSERT INTO customers VALUES {values}")


def test_a_model_of_null_keys_is_refused_with_counts_share_limit_and_fix(duck: World) -> None:
    _rows(duck, ", ".join(f"(NULL, 'sf{i}', NULL, 'free', 1)" for i in range(4)))
    with pytest.raises(PlanError) as err:
        duck.plan(duck.project(profile_sync()))
    text = str(err.value)
    assert "sync customers: 4 of 4 rows (100%) are invalid" in text
    assert "e.g. a row: 4 rows have a NULL id" in text
    assert "state.max_invalid_share (50%)" in text and "fix the rows in the source" in text


def test_at_the_limit_passes_and_just_over_it_is_refused(duck: World) -> None:
    _rows(duck, "(1, 'a', NULL, 'x', 1), (NULL, 'b', NULL, 'x', 1)")
    plan = duck.plan(duck.project(profile_sync()))  # 1 of 2 = 50%: not more than the limit
    assert plan.sync("customers").invalid_count == 1
    duck.sql("INSERT INTO customers VALUES (NULL, 'c', NULL, 'x', 1)")
    with pytest.raises(PlanError, match=r"2 of 3 rows \(66.7%\)"):
        duck.plan(duck.project(profile_sync()))


def test_refused_fields_do_not_count(duck: World) -> None:
    _rows(duck, "(1, 'a', 'not-an-email', 'x', 1), (2, 'b', 'also bad', 'x', 1)")
    sp = duck.plan(duck.project(profile_sync())).sync("customers")
    assert [r.field for r in sp.invalid] == ["email", "email"]
    assert sp.invalid_count == 0 and len(sp.profiles) == 2


def test_event_syncs_are_guarded_too(duck: World) -> None:
    duck.sql(
        "CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, total NUMERIC(10,2), "
        "placed_at TEXT)",
        "INSERT INTO orders VALUES (1, NULL, 1, '2026-01-01T00:00:00Z'), "
        "(2, NULL, 1, '2026-01-01T00:00:00Z'), (3, 7, 1, '2026-01-01T00:00:00Z')",
    )
    with pytest.raises(PlanError, match=r"sync orders_placed: 2 of 3 rows"):
        duck.plan(duck.project(event_sync(backfill=True)))


def test_all_invalid_under_a_raised_limit_never_says_in_step(duck: World) -> None:
    _rows(duck, "(NULL, 'a', NULL, 'x', 1), (NULL, 'b', NULL, 'x', 1), (NULL, 'c', NULL, 'x', 1)")
    plan = duck.plan(duck.project(profile_sync(), invalid_share=1.0))
    assert not plan.has_changes
    text = render_text(plan)
    assert "No changes" not in text and "in step with the models." not in text
    assert text.endswith(
        "Nothing to send, but 3 invalid rows skipped (sync customers); OneSignal is not in step "
        "with the models until they are fixed in the source."
    )
    doc = json.loads(render_json(plan))
    assert doc["totals"]["invalid"] == 3 and doc["syncs"][0]["counts"]["invalid"] == 3
    assert doc["totals"]["rows"] == 3
    md = render_markdown(plan)
    assert "No changes" not in md and "3 invalid rows skipped" in md
    assert "| `customers` | profile | 0 | 0 | 0 | 0 | 0 | 3 | 0 |" in md
