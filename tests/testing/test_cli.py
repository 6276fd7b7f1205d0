# ruff: noqa: E501  (expected lines are compared whole, so they stay on one line)
"""``onesync test`` on real projects: passing, failing with a diff at file:line, broken tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import PEOPLE, Result, write

Run = Callable[..., Result]

PASSING = (
    PEOPLE
    + """\
tests:
  - name: active people become users
    given:
      crm.people:
        - {id: u1, email: ada@example.com, plan: pro, score: 12.50, active: true}
        - {id: u2, email: null, plan: null, score: 3, active: true}
        - {id: u3, email: gone@example.com, plan: free, score: 1, active: false}
    expect:
      users:
        - external_id: u1
          subscriptions: {email: ada@example.com}
          tags: {plan: pro, score: 12.5}
        - external_id: u2
          subscriptions: {email: null}
          tags: {plan: null, score: "3"}
"""
)


def test_passing_tests_print_one_summary_line(onesync_test: Run) -> None:
    r = onesync_test({"specs/people.yaml": PASSING})
    assert r.code == 0, r.stdout + r.stderr
    assert r.lines == ["ok: 1 test passed (1 sync)"]
    assert r.stderr == ""


def test_a_failing_test_shows_each_difference_where_it_is_written(onesync_test: Run) -> None:
    spec = PASSING.replace("tags: {plan: pro, score: 12.5}", "tags: {plan: free, score: 12.5}")
    spec = spec.replace("- external_id: u2\n", "- external_id: u9\n")
    r = onesync_test({"specs/people.yaml": spec})
    assert r.code == 1
    assert r.lines == [
        "FAIL specs/people.yaml:11:5: people: active people become users",
        "  user u1: tags.plan  (specs/people.yaml:21:24)",
        '    expected: "free"',
        '    got:      "pro"',
        "  user u9: expected, not sent  (specs/people.yaml:22:11)",
        '    expected: {"external_id": "u9", "subscriptions": {"email": null}, "tags": {"plan": null, "score": "3"}}',
        "    got:      nothing",
        "  user u2: sent, not expected",
        '    got:      {"external_id": "u2", "tags": {"score": "3"}, "aliases": {}, "subscriptions": {}}',
        "1 failed, 0 passed (1 test in 1 sync)",
    ]


def test_refused_fields_and_invalid_rows_are_part_of_the_output(onesync_test: Run) -> None:
    tests = """\
tests:
  - name: refusals
    given:
      - {id: u1, email: not-an-email, plan: pro, score: 1}
      - {id: u2, email: b@example.com, plan: pro, score: many}
      - {id: u3, email: c@example.com, plan: pro, score: 2}
      - {id: u3, email: d@example.com, plan: pro, score: 3}
      - {id: null, plan: free}
    expect:
      users:
        - external_id: u1
          subscriptions: {email: null}
          tags: {plan: pro}
      invalid:
        - {key: u1, field: email, reason: not an email address}
        - {key: u2, reason: "value does not fit its declared type: score:number"}
        - {key: u3, reason: "duplicate key: 2 rows have id = u3"}
        - {key: null, reason: 1 row has a NULL id}
"""
    r = onesync_test({"specs/people.yaml": PEOPLE + tests})
    assert r.code == 0, r.stdout + r.stderr
    # an unexpected refusal fails the test, with onesync's reason
    r = onesync_test({"specs/people.yaml": PEOPLE + tests.split("      invalid:")[0]})
    assert r.code == 1
    assert "  invalid u1 (email): refused, not expected" in r.lines
    assert (
        "    got:      email 'not-an-email' is not an email address; the rest of the user is synced"
        in r.lines
    )
    assert "  invalid (NULL key): refused, not expected" in r.lines


def test_a_refused_field_expected_as_sent_explains_why(onesync_test: Run) -> None:
    tests = """\
tests:
  - name: bad email
    given: [{id: u1, email: "ada@", plan: pro, score: 1}]
    expect:
      users: [{external_id: u1, subscriptions: {email: "ada@"}}]
      invalid: [{key: u1, field: email}]
"""
    r = onesync_test({"specs/people.yaml": PEOPLE + tests})
    assert r.code == 1
    assert r.lines[1:5] == [
        "  user u1: subscriptions.email  (specs/people.yaml:14:56)",
        '    expected: "ada@"',
        "    got:      not sent",
        "    refused:  email 'ada@' is not an email address; the rest of the user is synced",
    ]


EVENTS = """\
sync: orders
source: pg
model: {table: shop.orders}
identity: {external_id: customer_id}
event:
  name: purchase
  key: order_id
  timestamp: placed_at
  properties: {total: {column: total, type: number}, gift: {column: gift, type: boolean}, note: note}
tests:
  - name: a postgres table model runs on DuckDB
    given:
      shop.orders:
        columns: {total: "numeric(10, 2)", placed_at: timestamptz}
        rows:
          - {order_id: o-1, customer_id: c-1, total: 10.50, gift: true, note: "12", placed_at: "2026-03-01 10:00:00+02"}
    expect:
      events:
        - key: o-1
          external_id: c-1
          name: purchase
          timestamp: "2026-03-01T08:00:00Z"
          properties: {total: 10.5, gift: true, note: "12"}
"""

MESSAGES = """\
sync: welcome
source: pg
model:
  sql: |
    select p.id, p.first_name, p.signed_up::date as day
    from crm.people p left join crm.optouts o on o.id = p.id
    where o.id is null
identity: {external_id: id}
message:
  key: id
  channel: push
  headings: {en: "Welcome"}
  contents: {en: "Hi {{ first_name }}", fr: "Salut {{ first_name }}"}
  custom_data: {since: day}
tests:
  - name: a postgres model with a cast and an anti-join
    given:
      crm.people:
        - {id: p1, first_name: Ada, signed_up: "2026-02-01 12:00:00"}
        - {id: p2, first_name: Bo, signed_up: "2026-02-02 12:00:00"}
      crm.optouts: [{id: p2}]
    expect:
      messages:
        - key: p1
          external_id: p1
          headings: {en: Welcome}
          contents: {en: Hi Ada, fr: Salut Ada}
          custom_data: {since: "2026-02-01"}
          send_after: null
"""


def test_events_and_messages_of_postgres_models_run_on_duckdb(onesync_test: Run) -> None:
    r = onesync_test({"specs/orders.yaml": EVENTS, "specs/welcome.yaml": MESSAGES})
    assert r.code == 0, r.stdout + r.stderr
    assert r.lines == ["ok: 2 tests passed (2 syncs)"]


def test_json_values_keep_their_type(onesync_test: Run) -> None:
    spec = EVENTS.replace('note: "12"}', "note: 12}").replace("total: 10.5,", 'total: "10.5",')
    r = onesync_test({"specs/orders.yaml": spec})
    assert r.code == 1
    assert r.lines[1:7] == [
        "  event o-1: properties.total  (specs/orders.yaml:23:31)",
        '    expected: "10.5"',
        "    got:      10.5",
        "  event o-1: properties.note  (specs/orders.yaml:23:57)",
        "    expected: 12",
        '    got:      "12"',
    ]


def _tests(body: str) -> dict[str, str]:
    return {"specs/people.yaml": PEOPLE + "tests:\n" + body}


# one broken test, the exact lines on stderr (a spec error: exit 1, nothing run)
BROKEN = {
    "unknown_tag": (
        "  - name: t\n    given: [{id: u1}]\n    expect:\n      users: [{external_id: u1, tags: {plna: x}}]\n",
        "specs/people.yaml:14:40: error: test 't': the sync has no tag 'plna' (did you mean 'plan'?)",
    ),
    "unknown_column": (
        "  - name: t\n    given: [{id: u1, emial: a@b.co}]\n    expect: {}\n",
        "specs/people.yaml:12:22: error: test 't': column 'emial' is not in the model's output (did you mean 'email'?)",
    ),
    "wrong_kind": (
        "  - name: t\n    given: [{id: u1}]\n    expect:\n      events: []\n",
        "specs/people.yaml:14:7: error: test 't': sync 'people' sends users, not events (list what it sends under expect.users)",
    ),
    "table_not_read": (
        "  - name: t\n    given:\n      crm.peeple: [{id: u1}]\n    expect: {}\n",
        "specs/people.yaml:13:7: error: test 't': the model does not read table 'crm.peeple' (did you mean 'crm.people'?)",
    ),
    "table_left_out": (
        "  - name: t\n    given: {}\n    expect: {}\n",
        "specs/people.yaml:12:12: error: tests.0.given must have at least 1 entries",
    ),
    "missing_expect": (
        "  - name: t\n    given: [{id: u1}]\n",
        "specs/people.yaml:11:5: error: missing required key 'expect' in tests.0 (add 'expect: ...')",
    ),
    "nested_value": (
        "  - name: t\n    given: [{id: u1, plan: {a: 1}}]\n    expect: {}\n",
        "specs/people.yaml:12:28: error: tests.0.given.0.plan must be a string or a number or true or false or nothing, not a mapping",
    ),
    "bad_type": (
        "  - name: t\n    given:\n      crm.people: {columns: {score: big number}, rows: []}\n    expect: {}\n",
        "specs/people.yaml:13:37: error: test 't': 'big number' is not a DuckDB column type (e.g. varchar, bigint, double, boolean, decimal(12, 2), date, timestamp)",
    ),
    "duplicate_name": (
        "  - name: t\n    given: []\n    expect: {}\n  - name: t\n    given: []\n    expect: {}\n",
        "specs/people.yaml:14:11: error: test 't' is already defined on line 11 (give each test of the file its own name)",
    ),
    "unknown_refused_field": (
        "  - name: t\n    given: []\n    expect:\n      invalid: [{key: u1, field: phone}]\n",
        "specs/people.yaml:14:34: error: test 't': 'phone' is not a field this sync can have refused (expected one of: email, tags)",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_test_is_a_spec_error_at_its_line(onesync_test: Run, case: str) -> None:
    body, line = BROKEN[case]
    r = onesync_test(_tests(body))
    assert r.code == 1
    assert r.stdout == ""
    assert r.stderr.strip().split("\n") == [line]
    # validate reports the same line: a broken test is a broken spec
    v = onesync_test(_tests(body), "--offline", command="validate")
    assert v.code == 1 and v.stderr.strip().split("\n") == [line]


# tests that cannot run: an error at the test's spec line, the other tests still run
RUN_ERRORS = {
    "model_reads_a_missing_column": (
        "    given:\n      crm.people: [{id: u1, email: a@b.co}]\n",
        "specs/people.yaml:12:5: error: test 't': the model does not run on the given tables: Binder Error: Referenced column \"active\" not found in FROM clause! (give every column the model reads (null values are fine), or give the model's rows as a list to test the mapping alone)",
    ),
    "value_does_not_fit_its_column": (
        "    given:\n      crm.people:\n        columns: {score: integer}\n        rows:\n          - {id: u1, email: a@b.co, plan: pro, score: lots, active: true}\n",
        "specs/people.yaml:16:13: error: test 't': this row does not fit its table: Conversion Error: Could not convert string 'lots' to INT32 (make each value fit its column's type in columns:)",
    ),
}


@pytest.mark.parametrize("case", sorted(RUN_ERRORS))
def test_a_test_that_cannot_run_is_an_error_at_its_line(onesync_test: Run, case: str) -> None:
    given, line = RUN_ERRORS[case]
    body = "  - name: t\n" + given + "    expect: {}\n"
    body += "  - name: fine\n    given: []\n    expect: {}\n"
    r = onesync_test(_tests(body))
    assert r.code == 1
    assert r.stderr.strip().split("\n") == [line]
    assert r.lines == ["1 error, 1 passed (2 tests in 1 sync)"]


def test_syncs_can_be_named_and_unknown_names_are_refused(onesync_test: Run) -> None:
    files = {"specs/people.yaml": PASSING, "specs/orders.yaml": EVENTS}
    r = onesync_test(files, "orders")
    assert r.code == 0 and r.lines == ["ok: 1 test passed (1 sync)"]
    r = onesync_test(files, "nosuch")
    assert r.code == 1
    assert r.stderr.strip() == (
        "onesync.yaml:1:1: error: no sync named 'nosuch' (known: orders, people)"
    )


def test_syncs_without_tests_are_named_and_do_not_fail(onesync_test: Run) -> None:
    r = onesync_test({"specs/people.yaml": PEOPLE})
    assert r.code == 0
    assert r.lines == ["no tests: none of the 1 sync declares tests: (see docs/testing.md)"]
    r = onesync_test({"specs/people.yaml": PEOPLE, "specs/orders.yaml": EVENTS})
    assert r.code == 0
    assert r.lines == ["ok: 1 test passed (1 sync; no tests in people)"]


def test_a_real_process_exits_1_on_failure_and_0_on_success(tmp_path: Path) -> None:
    root = write(tmp_path, {"specs/people.yaml": PASSING})

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from onesync.cli import main; main()", "test"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = run()
    assert ok.returncode == 0 and ok.stdout == "ok: 1 test passed (1 sync)\n", ok.stderr
    (root / "specs" / "people.yaml").write_text(
        PASSING.replace("tags: {plan: pro,", "tags: {plan: team,")
    )
    failed = run()
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert failed.stdout.startswith(
        "FAIL specs/people.yaml:11:5: people: active people become users\n"
    )


BATCHED = """\
sync: hello
source: db
model: {table: crm.people}
identity: {external_id: id}
message:
  key: id
  channel: push
  contents: {en: "Hello all"}
  max_sends: 1
tests:
  - name: a batch is listed once per key, whatever backfill and max_sends say
    given:
      - {id: p1}
      - {id: p2}
      - {id: null}
    expect:
      messages:
        - {key: p1, external_id: p1, contents: {en: Hello all}, send_after: null}
        - {key: p2, external_id: p2, contents: {en: Hello all}}
      invalid: [{key: null, reason: 1 row has a NULL id}]
"""


def test_the_planner_sends_every_row_of_a_message_sync_as_new(onesync_test: Run) -> None:
    r = onesync_test({"specs/hello.yaml": BATCHED})
    assert r.code == 0, r.stdout + r.stderr
    assert r.lines == ["ok: 1 test passed (1 sync)"]


def test_the_planners_field_refusals_are_listed(onesync_test: Run) -> None:
    tests = """\
tests:
  - name: two rows claim one email
    given:
      - {id: u1, email: same@example.com, plan: pro, score: 1}
      - {id: u2, email: same@example.com, plan: pro, score: 2}
    expect:
      users:
        - {external_id: u1, subscriptions: {email: null}}
        - {external_id: u2, subscriptions: {email: null}}
      invalid:
        - {key: u1, field: email, reason: "is claimed by 2 rows (also key u2)"}
        - {key: u2, field: email, reason: "is claimed by 2 rows (also key u1)"}
"""
    r = onesync_test({"specs/people.yaml": PEOPLE + tests})
    assert r.code == 0, r.stdout + r.stderr


def test_a_table_with_a_catalog_cannot_be_given(onesync_test: Run) -> None:
    spec = """\
sync: wide
source: db
model: {sql: "select id from wh.crm.people"}
identity: {external_id: id}
tests:
  - name: t
    given:
      wh.crm.people: [{id: u1}]
    expect: {}
"""
    r = onesync_test({"specs/wide.yaml": spec})
    assert r.code == 1
    assert r.stderr.strip() == (
        "specs/wide.yaml:8:7: error: test 't': cannot give table 'wh.crm.people': a test's "
        "tables are one DuckDB file, which the planner reads as the source's catalog (give the "
        "model's rows as a list to test the mapping)"
    )
