"""Checks outside the catalogue: the catalogue hook, output columns, cron, rates, defaults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from onesync.errors import SourceError, SpecError
from onesync.model import Source
from onesync.validate import CronError, SqlProblem, load_project_report, output_columns, parse_cron
from onesync.validate.build import parse_rate

from .conftest import ENV, write

TID = "be4a8044-bbd6-11e4-a581-000c2940e62c"  # a template id is a UUID
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
    # every model is described, also the one whose SQL names its columns (it must run there)
    assert calls == [
        ("warehouse", "select id, sf_id, email, first_name, plan\nfrom crm.customers\n"),
        ("warehouse", "crm.customers"),
    ]
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


def test_a_model_the_database_rejects_is_an_error_at_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def catalog(source: Source, what: str) -> list[str] | None:
        if what == "crm.customers":
            raise SourceError(
                "source 'warehouse' (postgres: postgresql://app@db.example/prod): query failed: "
                'relation "crm.customers" does not exist'
            )
        raise SourceError(
            "source 'warehouse' (postgres: postgresql://app@db.example/prod): query failed: "
            'column "sf_id" does not exist'
        )

    write(tmp_path, {"specs/x.yaml": TABLE_SPEC})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as err:
        load_project_report(".", env=ENV, catalog=catalog)
    assert [str(d) for d in err.value.diagnostics] == [
        "specs/customers.yaml:5:16: error: model: source 'warehouse' (postgres): column "
        '"sf_id" does not exist (the model\'s tables and columns must exist in the database)',
        "specs/x.yaml:3:16: error: model: source 'warehouse' (postgres) cannot read table "
        "'crm.customers': relation \"crm.customers\" does not exist (check the table's name and "
        "schema in the database)",
    ]


def test_a_source_the_catalogue_cannot_open_is_one_error_at_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Closed:
        """A catalogue whose source refuses connections, saying why (as Catalog does)."""

        def __call__(self, source: Source, what: str) -> list[str] | None:
            return None

        def failure(self, source: Source) -> str | None:
            return (
                "source 'warehouse' (postgres: postgresql://app@db.example/prod): cannot "
                "connect: connection refused"
            )

    write(tmp_path, {"specs/x.yaml": TABLE_SPEC})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as err:
        load_project_report(".", env=ENV, catalog=Closed())
    assert [str(d) for d in err.value.diagnostics] == [
        "onesync.yaml:5:10: error: source 'warehouse' (postgres) cannot be reached: connection "
        "refused (check its url or path, the credentials, and that the database runs; validate "
        "--offline skips connection checks)"
    ]


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
        "specs/b.yaml": "sync: b\n" + head + ident + f"message: {{key: id, template_id: {TID}}}\n",
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
    project = PROJECT.replace(
        "app_id: 5eb5a37e-0000-4000-8000-0000000000a1",
        "app_id: 5eb5a37e-0000-4000-8000-0000000000a1\n  max_aliases: 20",
    )
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


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 0 30 2 *", "it never fires: February never has a day 30"),
        ("0 0 31 4 *", "it never fires: April never has a day 31"),
        ("0 0 31 2,4 *", "it never fires: February and April never have a day 31"),
        ("0 0 31 4,6,9,11 *",
         "it never fires: April, June, September and November never have a day 31"),
    ],
)  # fmt: skip
def test_cron_that_never_fires(expr: str, message: str) -> None:
    with pytest.raises(CronError, match="^" + message + "$"):
        parse_cron(expr)


@pytest.mark.parametrize(
    "expr",
    ["0 0 29 2 *", "0 0 31 * *", "0 0 31 4,5 *", "0 0 31 4 1", "0 0 30 2 mon", "0 0 */31 2 *"],
)
def test_cron_that_fires_sometimes(expr: str) -> None:
    parse_cron(expr)  # leap days, a month that has it, or a weekday (cron's OR rule) fire


def _state(problems: Callable[..., list[str]], state: str) -> list[str]:
    from .conftest import PROJECT

    return problems({"onesync.yaml": PROJECT + f"state: {state}\n"})


@pytest.mark.parametrize(
    "url",
    [
        ".onesync/state.duckdb",
        "/var/lib/onesync/state.duckdb",
        "state",
        "postgresql://ci@db.example/onesync",
        "postgres://ci@db.example/onesync",
    ],
)
def test_state_urls_that_are_stores(problems: Callable[..., list[str]], url: str) -> None:
    assert _state(problems, f"{{url: '{url}'}}") == []


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "sqlite:///state.db", "s3://bucket/state.duckdb", "duckdb:///x"]
)
def test_state_urls_with_another_scheme_are_refused(
    problems: Callable[..., list[str]], url: str
) -> None:
    scheme = url.split("://")[0]
    (line,) = _state(problems, f"{{url: '{url}'}}")
    assert f"state.url: the scheme '{scheme}://' is not a state store" in line


def test_max_invalid_share_reaches_the_ir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import PROJECT

    write(tmp_path, {"onesync.yaml": PROJECT + "state: {max_invalid_share: 0.05}\n"})
    monkeypatch.chdir(tmp_path)
    project = load_project_report(".", env=ENV).project
    assert project.state.max_invalid_share == 0.05
    assert project.state.max_destructive_share == 0.1


@pytest.mark.parametrize(
    "url",
    [
        "https://api.onesignal.com",
        "http://127.0.0.1:4000",
        "http://localhost:4000/",
        "http://[::1]:4000",
        "http://127.0.0.9",
        "https://sandbox.example:8443/base",
    ],
)
def test_api_urls_that_keep_the_key_safe(problems: Callable[..., list[str]], url: str) -> None:
    from .conftest import PROJECT

    text = PROJECT.replace(
        "  app_id: 5eb5a37e-0000-4000-8000-0000000000a1\n",
        f"  app_id: 5eb5a37e-0000-4000-8000-0000000000a1\n  api_url: '{url}'\n",
    )
    assert problems({"onesync.yaml": text}) == []


@pytest.mark.parametrize(
    "url",
    ["api.onesignal.com", "https://", "mailto:x@y.z", "http://h:99999", "//api.onesignal.com"],
)
def test_api_urls_without_scheme_or_host(problems: Callable[..., list[str]], url: str) -> None:
    from .conftest import PROJECT

    text = PROJECT.replace(
        "  app_id: 5eb5a37e-0000-4000-8000-0000000000a1\n",
        f"  app_id: 5eb5a37e-0000-4000-8000-0000000000a1\n  api_url: '{url}'\n",
    )
    (line,) = problems({"onesync.yaml": text})
    assert "is not an http(s) URL with a host" in line


def test_template_ids_in_any_case_are_uuids(problems: Callable[..., list[str]]) -> None:
    head = "source: warehouse\nmodel: {sql: 'select id from t'}\nidentity: {external_id: id}\n"
    body = "message: {key: id, template_id: BE4A8044-BBD6-11E4-A581-000C2940E62C}\n"
    assert problems({"specs/x.yaml": "sync: x\n" + head + body}) == []


def test_model_file_outside_the_project_with_allow_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onesync.load import read_documents
    from onesync.validate import validate_project

    outside = tmp_path / "shared.sql"
    outside.write_text("select id, plan from crm.customers\n")
    root = tmp_path / "p"
    spec = "sync: x\nsource: warehouse\nmodel: {file: ../shared.sql}\nidentity: {external_id: id}\n"
    write(root, {"specs/x.yaml": spec})
    monkeypatch.chdir(root)
    project_doc, docs, found, shown, specs_dir, diags = read_documents(".", env=ENV)
    with pytest.raises(SpecError, match="is outside the project"):
        validate_project(project_doc, docs, root=found.resolve(), diagnostics=diags)
    report = validate_project(
        project_doc, docs, root=found.resolve(), diagnostics=diags, allow_outside=True
    )
    assert report.project.sync("x").model.sql == "select id, plan from crm.customers\n"


def test_an_empty_specs_folder_is_an_error(problems: Callable[..., list[str]]) -> None:
    assert problems({"specs/customers.yaml": None, "specs/README.md": "none yet"}) == [
        "onesync.yaml:12:8: error: specs folder 'specs/' holds no sync specs (*.yaml) "
        "(add one *.yaml file per sync, or fix specs: in onesync.yaml)"
    ]


def test_a_missing_default_specs_folder_is_an_error(problems: Callable[..., list[str]]) -> None:
    from .conftest import PROJECT

    files = {"onesync.yaml": PROJECT.replace("specs: specs/\n", ""), "specs/customers.yaml": None}
    assert problems(files) == [
        "onesync.yaml:1:1: error: specs folder 'specs/' does not exist (create it with one *.yaml "
        "file per sync, or set specs: in onesync.yaml)"
    ]


def test_spec_error_shows_fifty_lines_and_how_many_more() -> None:
    from onesync.errors import Diagnostic

    err = SpecError([Diagnostic("specs/x.yaml", i, 1, f"problem {i}") for i in range(1, 61)])
    lines = str(err).splitlines()
    assert len(err.diagnostics) == 60 and len(lines) == 51
    assert lines[49] == "specs/x.yaml:50:1: error: problem 50"
    assert lines[50] == "... and 10 more"
    assert "more" not in str(SpecError([Diagnostic("a", 1, 1, "one")]))
