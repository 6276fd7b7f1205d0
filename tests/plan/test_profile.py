"""Profile syncs: first plan, no-change plan, changed / NULLed / removed values, modes, invalid."""

from __future__ import annotations

from dataclasses import replace

import pytest
from plan_world import CUSTOMERS, World, profile_sync

from onesync.errors import PlanError, SourceError
from onesync.model import Field


def test_first_plan_creates_every_user(world: World) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync())
    plan = world.plan(project)
    sp = plan.sync("customers")
    assert plan.has_changes
    assert [(p.key, p.action) for p in sp.profiles] == [
        ("10", "create"),
        ("2", "create"),
        ("3", "create"),
    ]
    first = sp.profiles[0]
    assert first.set_tags == {"plan": "free", "ltv": "10.5"}
    assert first.add_aliases == {"crm_id": "sf1"}
    assert first.add_subscriptions == ({"type": "email", "token": "a@x.io"},)
    assert sp.profiles[1].add_subscriptions == ()  # NULL email: no subscription
    assert sp.profiles[2].set_tags == {"plan": "free"}  # NULL ltv: not set
    assert sp.api_calls == 3 and sp.counts["create"] == 3


def test_no_change_plan_after_apply(world: World) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync())
    first = world.plan(project)
    assert world.plan(project).state_serial == first.state_serial == 0  # plan writes nothing
    world.apply(project, first)
    users = world.users()  # what OneSignal holds now
    assert sorted(users) == ["10", "2", "3"]
    assert [users[k]["aliases"] for k in ("10", "2", "3")] == [
        {"crm_id": "sf1"},
        {"crm_id": "sf2"},
        {"crm_id": "sf3"},
    ]
    assert users["10"]["tags"] == {"plan": "free", "ltv": "10.5"}
    assert users["2"]["tags"] == {"plan": "pro", "ltv": "20"}
    assert users["3"]["tags"] == {"plan": "free"}
    assert [users[k]["subs"] for k in ("10", "2", "3")] == [
        [("Email", "a@x.io")],
        [],
        [("Email", "c@x.io")],
    ]
    plan = world.plan(project)
    assert not plan.has_changes
    assert plan.sync("customers").unchanged == 3
    assert plan.sync("customers").api_calls == 0


def test_changed_nulled_and_removed_values_upsert(world: World) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync(), share=0.5)
    world.apply(project, world.plan(project))
    world.sql(
        "UPDATE customers SET plan = 'pro' WHERE id = 10",
        "UPDATE customers SET ltv = NULL, email = 'b@x.io' WHERE id = 2",
        "DELETE FROM customers WHERE id = 3",
        "INSERT INTO customers VALUES (4, 'sf4', NULL, 'free', 1)",
    )
    sp = world.plan(project).sync("customers")
    by_key = {p.key: p for p in sp.profiles}
    assert set(by_key) == {"10", "2", "4"}
    assert by_key["10"].action == "update"
    assert by_key["10"].set_tags == {"plan": "pro"} and by_key["10"].before == {"plan": "free"}
    assert by_key["2"].unset_tags == ("ltv",) and by_key["2"].before == {"ltv": "20"}
    assert by_key["2"].add_subscriptions == ({"type": "email", "token": "b@x.io"},)
    assert by_key["2"].api_calls == 2  # PATCH + one subscription
    assert by_key["4"].action == "create"
    assert sp.left_alone == 1  # upsert mode leaves user 3 alone
    assert sp.unchanged == 0
    world.apply(project, world.plan(project))
    users = world.users()
    assert users["10"]["tags"] == {"plan": "pro", "ltv": "10.5"}
    assert users["2"]["tags"] == {"plan": "pro"} and users["2"]["subs"] == [("Email", "b@x.io")]
    assert users["3"]["tags"] == {"plan": "free"} and "4" in users  # 3 left alone, 4 created
    assert not world.plan(project).has_changes


def test_mirror_mode_unsets_tags_of_removed_rows(world: World) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync(mode="mirror"), share=0.5)
    world.apply(project, world.plan(project))
    world.sql("DELETE FROM customers WHERE id = 3")
    sp = world.plan(project).sync("customers")
    assert [(p.key, p.action, p.unset_tags) for p in sp.profiles] == [("3", "unset", ("plan",))]
    assert sp.profiles[0].before == {"plan": "free"}
    world.apply(project, world.plan(project))
    assert world.users()["3"]["tags"] == {}
    assert not world.plan(project).has_changes


def test_destructive_guard_refuses_and_can_be_overridden(world: World) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync(mode="mirror"))
    world.apply(project, world.plan(project))
    world.sql("DELETE FROM customers WHERE id = 3")
    with pytest.raises(PlanError, match=r"1 of 3 users \(33%\).*--allow-destructive"):
        world.plan(project)
    plan = world.plan(project, allow_destructive=True)
    assert plan.sync("customers").count("unset") == 1


def test_empty_model_is_refused_when_state_has_users(world: World) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync())
    world.apply(project, world.plan(project))
    world.sql("DELETE FROM customers")
    with pytest.raises(PlanError, match="returned no rows but state knows 3 users"):
        world.plan(project)
    assert world.plan(project, allow_destructive=True).sync("customers").left_alone == 3


def test_invalid_rows_are_listed_and_kept_out(world: World) -> None:
    world.sql(
        *CUSTOMERS,
        "INSERT INTO customers VALUES (NULL, 'sfx', NULL, 'free', 1), (5, 'sf5', NULL, 'a', 1),"
        " (5, 'sf5b', NULL, 'b', 1), (6, 'sf1', NULL, 'c', 1)",
    )
    with pytest.raises(PlanError, match=r"4 of 7 rows \(57.1%\) are invalid"):
        world.plan(world.project(profile_sync()))  # state.max_invalid_share: 0.5
    sp = world.plan(world.project(profile_sync(), invalid_share=1.0)).sync("customers")
    reasons = {r.key: r.reason for r in sp.invalid}
    assert reasons[None] == "1 row has a NULL id"
    assert reasons["5"] == "duplicate key: 2 rows have id = 5"
    assert reasons["10"] == "alias crm_id = sf1 is claimed by 2 users"
    assert reasons["6"] == reasons["10"]
    assert [p.key for p in sp.profiles] == ["2", "3"]  # everything else still goes


def test_rows_reach_the_diff_the_cheapest_way(world: World) -> None:
    world.sql(*CUSTOMERS)
    sp = world.plan(world.project(profile_sync())).sync("customers")
    expected = {"duckdb": "attach", "pg_pushdown": "pushdown", "pg_stream": "stream"}
    expected["duckdb_stream"] = "stream"
    assert sp.read_by == expected[world.kind]


def test_awkward_values_survive_every_path(world: World) -> None:
    world.sql(
        *CUSTOMERS[:1],
        "INSERT INTO customers VALUES (7, '', NULL, 'a,\"b\"' || chr(10) || 'c ü', NULL)",
    )
    sp = world.plan(world.project(profile_sync())).sync("customers")
    (p,) = sp.profiles
    assert p.set_tags == {"plan": 'a,"b"\nc ü'}
    # an empty alias is refused at plan time (OneSignal takes none), the rest of the user goes
    assert p.add_aliases == {} and "ltv" not in p.set_tags
    assert [(r.key, r.field) for r in sp.invalid] == [("7", "crm_id")]
    assert "alias crm_id is empty" in sp.invalid[0].reason
    world.apply(world.project(profile_sync()), world.plan(world.project(profile_sync())))
    assert world.users()["7"]["tags"] == {"plan": 'a,"b"\nc ü'}
    again = world.plan(world.project(profile_sync()))
    assert not again.has_changes and len(again.sync("customers").invalid) == 1


def test_mirror_unsets_a_tag_dropped_from_the_spec(duck: World) -> None:
    duck.sql(*CUSTOMERS)
    project = duck.project(profile_sync(mode="mirror"))
    duck.apply(project, duck.plan(project))
    fewer = replace(profile_sync(mode="mirror"), tags=(Field("plan", "plan"),))
    project = duck.project(fewer)
    with pytest.raises(PlanError, match="2 of 3 users"):
        duck.plan(project)
    sp = duck.plan(project, allow_destructive=True).sync("customers")
    assert [(p.key, p.unset_tags, p.before) for p in sp.profiles] == [
        ("10", ("ltv",), {"ltv": "10.5"}),
        ("2", ("ltv",), {"ltv": "20"}),
    ]
    upsert = duck.project(replace(fewer, mode="upsert"))
    assert not duck.plan(upsert).has_changes  # upsert leaves the dropped tag alone


def test_a_failing_model_names_the_spec_and_source(world: World) -> None:
    world.sql(*CUSTOMERS)
    with pytest.raises(SourceError) as err:
        world.plan(world.project(profile_sync(table="nope")))
    text = str(err.value)
    assert text.startswith("specs/customers.yaml: source") and "db" in text
    assert "nope" in text and "\n" not in text


def test_refused_fields_keep_the_rest_of_the_user(world: World) -> None:
    world.sql(
        *CUSTOMERS,
        "UPDATE customers SET email = 'not-an-address' WHERE id = 10",
        "UPDATE customers SET sf_id = repeat('s', 129) WHERE id = 2",
        "INSERT INTO customers VALUES (0, 'sf0', NULL, 'free', 1)",  # a placeholder external id
    )
    project = world.project(profile_sync())
    project = replace(project, destination=replace(project.destination, max_tags=1))
    sp = world.plan(project).sync("customers")
    by_key = {p.key: p for p in sp.profiles}
    assert sorted(by_key) == ["10", "2", "3"]  # "0" is invalid as a whole
    assert by_key["10"].add_subscriptions == () and by_key["10"].set_tags == {"plan": "free"}
    assert by_key["2"].add_aliases == {} and by_key["10"].fingerprint is None
    refused = sorted((r.key, r.field) for r in sp.invalid if r.field)
    assert refused == [("10", "email"), ("10", "tags"), ("2", "crm_id"), ("2", "tags")]
    assert [r.key for r in sp.invalid if r.field is None] == ["0"]
    world.apply(project, world.plan(project))
    again = world.plan(project).sync("customers")  # listed again until fixed, nothing to send
    assert not again.profiles and len(again.invalid) == len(sp.invalid)


def test_a_changed_email_replaces_the_subscription_onesync_created(world: World) -> None:
    world.sql(*CUSTOMERS)
    project = world.project(profile_sync(mode="mirror"), share=0.5)
    world.apply(project, world.plan(project))
    world.sql("UPDATE customers SET email = 'new@x.io' WHERE id = 10",
              "UPDATE customers SET email = NULL, sf_id = NULL WHERE id = 3")  # fmt: skip
    by_key = {p.key: p for p in world.plan(project).sync("customers").profiles}
    assert by_key["10"].add_subscriptions == ({"type": "email", "token": "new@x.io"},)
    assert [s["token"] for s in by_key["10"].remove_subscriptions] == ["a@x.io"]
    assert [s["token"] for s in by_key["3"].remove_subscriptions] == ["c@x.io"]
    assert by_key["3"].remove_aliases == ("crm_id",)
    world.apply(project, world.plan(project))
    users = world.users()
    assert users["10"]["subs"] == [("Email", "new@x.io")]
    assert users["3"]["subs"] == [] and users["3"]["aliases"] == {}
    assert not world.plan(project).has_changes
