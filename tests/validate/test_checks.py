"""Checks outside the catalogue: the catalogue hook, output columns, cron, rates, defaults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from onesync.errors import SourceError
from onesync.load import load_project_report
from onesync.model import Source
from onesync.validate import CronError, SqlProblem, output_columns, parse_cron
from onesync.validate.build import parse_rate

from .conftest import ENV, write

TABLE_SPEC = (
    "sync: x\nsource: warehouse\nmodel: {table: crm.customers}\n"
    "identity: {external_id: id}\ntags: {plan: plan}\n"
)


@pytest.mark.parametrize(
    ("sql", "dialect", "columns"),
    [
        ("select id, name as full_name, t.plan, count(*) as n from t group by 1, 2, 3", "postgres",
         ["id", "full_name", "plan", "n"]),
        ('select "Id", x from t', "postgres", ["Id", "x"]),
        ("select `Id`, x from t", "mysql", ["Id", "x"]),
        ("select a.* from t a", "duckdb", None),
        ("select * from t", "sqlite", None),
        ("with c as (select 1 as id) select id from c union all select 2", "postgres", ["id"]),
        ("select upper(name) from t", "postgres", []),
    ],
)  # fmt: skip
def test_output_columns(sql: str, dialect: str, columns: list[str] | None) -> None:
    assert output_columns(sql, dialect) == columns


def test_output_columns_reports_the_error_position() -> None:
    with pytest.raises(SqlProblem) as info:
        output_columns("select a,\n  b frm t where", "postgres")
    assert (info.value.line, info.value.col) == (2, 9)


def test_catalogue_gets_the_source_and_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []

    def catalog(source: Source, what: str) -> list[str] | None:
        calls.append((source.name, what))
        return ["id", "plan"]

    write(tmp_path, {"specs/x.yaml": TABLE_SPEC})
    monkeypatch.chdir(tmp_path)
    report = load_project_report(".", env=ENV, catalog=catalog)
    assert calls == [("warehouse", "crm.customers")]
    assert report.skipped == ()


@pytest.mark.parametrize(
    ("catalog", "reason"),
    [
        (None, "no database catalogue"),
        (lambda source, what: None, "source 'warehouse' unreachable"),
    ],
)
def test_unreachable_catalogue_skips_and_says_so(
    catalog: Callable[[Source, str], list[str] | None] | None,
    reason: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write(tmp_path, {"specs/x.yaml": TABLE_SPEC})
    monkeypatch.chdir(tmp_path)
    report = load_project_report(".", env=ENV, catalog=catalog)
    assert report.skipped == (f"x: column checks skipped (model is table crm.customers; {reason})",)


def test_catalogue_errors_become_a_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def catalog(source: Source, what: str) -> list[str] | None:
        raise SourceError("source 'warehouse': connection refused")

    write(tmp_path, {"specs/x.yaml": TABLE_SPEC})
    monkeypatch.chdir(tmp_path)
    (skip,) = load_project_report(".", env=ENV, catalog=catalog).skipped
    assert skip.endswith("unreachable: source 'warehouse': connection refused)")


def test_offline_never_calls_the_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def catalog(source: Source, what: str) -> list[str] | None:
        raise AssertionError("called")

    write(tmp_path, {"specs/x.yaml": TABLE_SPEC.replace("plan: plan", "plan: plna")})
    monkeypatch.chdir(tmp_path)
    report = load_project_report(".", env=ENV, catalog=catalog, offline=True)
    assert report.skipped == ("x: column checks skipped (model is table crm.customers; offline)",)


def test_the_base_project_is_clean(problems: Callable[..., list[str]]) -> None:
    assert problems({}) == []


def test_valid_variants_pass(problems: Callable[..., list[str]]) -> None:
    head = "source: warehouse\nmodel: {sql: 'select id, email, phone, send_at from t'}\n"
    ident = "identity: {external_id: id}\n"
    files = {
        "specs/a.yaml": "sync: a\n" + head + ident + "schedule: '@hourly'\nafter: [customers]\n",
        "specs/b.yaml": "sync: b\n" + head + ident + "message: {key: id, template_id: t-1}\n",
        "specs/c.yaml": "sync: c\n" + head + ident + (
            "message: {key: id, channel: email, subject: {en: Hi}, contents: {en: Yo},"
            " send_after: send_at}\nmode: mirror\nafter: b\n"
        ),
        "specs/d.yaml": "sync: d\n" + head + ident + (
            "message: {key: id, contents: {en: x}, send_after: '2026-01-31T09:00:00+00:00'}\n"
        ),
        "specs/e.yaml": "sync: e\n" + head + ident + "event: {name: 'yes', key: id}\n",
    }  # fmt: skip
    assert problems(files) == []


def test_max_aliases_can_be_raised_to_twenty(problems: Callable[..., list[str]]) -> None:
    from .conftest import PROJECT

    aliases = ", ".join(f"a{i}: id" for i in range(12))
    spec = "sync: x\nsource: warehouse\nmodel: {sql: select id from t}\n"
    spec += f"identity: {{external_id: id, aliases: {{{aliases}}}}}\n"
    project = PROJECT.replace("app_id: app-1", "app_id: app-1\n  max_aliases: 20")
    assert problems({"specs/x.yaml": spec, "onesync.yaml": project}) == []


def test_spec_error_lists_lines_in_file_order(problems: Callable[..., list[str]]) -> None:
    lines = problems({"specs/z.yaml": "sync: z\n", "specs/a.yaml": "sync: a\nmode: x\n"})
    files = [line.split(":")[0] for line in lines]
    assert files == ["specs/a.yaml"] * 4 + ["specs/z.yaml"] * 3
    assert (
        lines[3]
        == "specs/a.yaml:2:7: error: mode: 'x' is not allowed (expected one of: mirror, upsert)"
    )


def test_every_problem_of_every_file_at_once(problems: Callable[..., list[str]]) -> None:
    assert problems({"specs/x.yaml": "sync: x\n"}, env={}) == [
        "onesync.yaml:5:10: error: environment variable DATABASE_URL is not set "
        "(export DATABASE_URL=..., or give a default: ${env:DATABASE_URL:-value})",
        "onesync.yaml:11:12: error: environment variable ONESIGNAL_API_KEY is not set "
        "(export ONESIGNAL_API_KEY=..., or give a default: ${env:ONESIGNAL_API_KEY:-value})",
        "specs/x.yaml:1:1: error: missing required key 'source' (add 'source: ...')",
        "specs/x.yaml:1:1: error: missing required key 'model' (add 'model: ...')",
        "specs/x.yaml:1:1: error: missing required key 'identity' (add 'identity: ...')",
    ]


@pytest.mark.parametrize(
    ("text", "per_second"),
    [("1000/s", 1000.0), ("600/min", 10.0), ("3600/h", 1.0), ("25", 25.0), (2.5, 2.5)],
)
def test_rate_limit(text: str | float, per_second: float) -> None:
    assert parse_rate(text) == per_second


def test_cron_matches() -> None:
    cron = parse_cron("*/15 9-17 * * mon-fri")
    assert cron.matches(datetime(2026, 11, 23, 9, 45))  # a Monday
    assert not cron.matches(datetime(2026, 11, 22, 9, 45))  # a Sunday
    assert not cron.matches(datetime(2026, 11, 23, 18, 0))
    assert parse_cron("0 0 1 * 0").matches(datetime(2026, 11, 29))  # a Sunday, not the 1st
    assert parse_cron("@daily") == parse_cron("0 0 * * *")


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("* * * * * *", "a cron expression has 5 fields: minute hour day month weekday; found 6"),
        ("60 * * * *", "minute field: 60 is outside 0-59"),
        ("* * 0 * *", "day of month field: 0 is outside 1-31"),
        ("* * * foo *", "month field: 'foo' is not a number"),
        ("*/x * * * *", "minute field: step 'x' must be a positive number"),
        ("1,,2 * * * *", "minute field: empty item in '1,,2'"),
    ],
)
def test_cron_errors(expr: str, message: str) -> None:
    with pytest.raises(CronError, match="^" + message.replace("*", r"\*") + "$"):
        parse_cron(expr)


@pytest.mark.parametrize("name", ["onesync", "sync"])
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    from jsonschema import Draft202012Validator

    from onesync.validate.schema import schema

    Draft202012Validator.check_schema(schema(name))
    assert schema(name)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
