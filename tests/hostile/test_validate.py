"""`onesync validate` catches what `plan` would (issue 13): one broken project per case.

Each case writes the harness's small DuckDB project with some files replaced, runs
``onesync validate`` as a real process and expects exit 1, a message at ``file:line:col``
naming the problem, no traceback and no canary secret. ``offline`` says what
``validate --offline`` does with the same project: 0 when the problem needs a connection to
find (it is skipped), 1 when it does not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .harness import PROJECT, SYNC, assert_user_error, make_project, run

PG = "postgresql://postgres:${env:DB_PASSWORD}@127.0.0.1:5432"
TID = "be4a8044-bbd6-11e4-a581-000c2940e62c"


def project(*, sources: str = "", destination: str = "", state: str = "", specs: str = "") -> str:
    """The harness project with lines added under ``sources:`` / ``destination:``, or with its
    ``state:`` / ``specs:`` line replaced."""
    text = PROJECT.replace("sources:\n", "sources:\n" + sources)
    text = text.replace("destination:\n", "destination:\n" + destination)
    if state:
        text = text.replace("state: {url: .onesync/state.duckdb}\n", state)
    if specs:
        text = text.replace("specs: specs/\n", specs)
    return text


def sync(model: str = "model: {table: customers}\n", body: str = "", source: str = "db") -> str:
    """A sync spec like the harness's, with another model, source, or extra lines."""
    text = SYNC.replace("model: {table: customers}\n", model).replace(
        "source: db", f"source: {source}"
    )
    return text + body


S = "specs/customers.yaml"


@dataclass(frozen=True)
class Case:
    files: dict[str, str]
    where: str  # file:line:col the error must name
    says: tuple[str, ...]  # substrings of that error line
    offline: int  # exit code of validate --offline
    rows: bool = True  # write data/src.duckdb
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())


CASES: dict[str, Case] = {
    "missing_table": Case(
        {S: sync("model: {table: customerz}\n")},
        f"{S}:3:16:",
        ("cannot read table 'customerz'", "customerz does not exist"),
        offline=0,
    ),
    "missing_table_in_sql": Case(
        {S: sync("model:\n  sql: |\n    select id, email, plan\n    from crm_customers\n")},
        f"{S}:6:10:",
        ("source 'db' (duckdb)", "crm_customers"),
        offline=0,
    ),
    "missing_column_in_sql": Case(
        {
            S: sync(
                "model:\n  sql: |\n    select id, email,\n      nope as plan\n    from customers\n"
            )
        },
        f"{S}:6:7:",
        ('column "nope" not found',),
        offline=0,
    ),
    "missing_column_in_inline_sql": Case(
        {S: sync('model: {sql: "select id, email, plna as plan from customers"}\n')},
        f"{S}:3:33:",
        ('"plna" not found',),
        offline=0,
    ),
    "missing_column_of_table_model": Case(
        {S: sync(body="").replace("plan: plan", "plan: plna")},
        f"{S}:7:9:",
        ("column 'plna' is not in the model's output", "did you mean 'plan'?"),
        offline=0,
    ),
    "missing_table_in_model_file": Case(
        {
            S: sync("model: {file: models/x.sql}\n"),
            "models/x.sql": "select id, email, plan\nfrom nope\n",
        },
        "models/x.sql:2:6:",
        ("nope does not exist",),
        offline=0,
    ),
    "missing_duckdb_file": Case(
        {},
        "onesync.yaml:3:31:",
        ("source 'db': database file data/src.duckdb does not exist",),
        offline=0,
        rows=False,
    ),
    "postgres_closed_port": Case(
        {
            "onesync.yaml": project(
                sources="  pg: {dialect: postgres, url: 'postgresql://postgres@127.0.0.1:9/test'}\n"
            ),
            S: sync(source="pg"),
        },
        "onesync.yaml:3:32:",
        ("source 'pg' (postgres) cannot be reached", "Connection refused"),
        offline=0,
    ),
    "postgres_unknown_database": Case(
        {
            "onesync.yaml": project(
                sources=f"  pg: {{dialect: postgres, url: '{PG}/no_such_db'}}\n"
            ),
            S: sync(source="pg"),
        },
        "onesync.yaml:3:32:",
        ("source 'pg' (postgres) cannot be reached", 'database "no_such_db" does not exist'),
        offline=0,
        marks=(pytest.mark.postgres,),
    ),
    "postgres_unknown_role": Case(
        {
            "onesync.yaml": project(
                sources="  pg: {dialect: postgres, url: 'postgresql://nobody:${env:DB_PASSWORD}@127.0.0.1:5432/test'}\n"
            ),
            S: sync(source="pg"),
        },
        "onesync.yaml:3:32:",
        ("cannot be reached", 'role "nobody" does not exist'),
        offline=0,
        marks=(pytest.mark.postgres,),
    ),
    "postgres_missing_table": Case(
        {
            "onesync.yaml": project(sources=f"  pg: {{dialect: postgres, url: '{PG}/test'}}\n"),
            S: sync(
                "model:\n  sql: |\n    select 'u1' as id, 'a@x.io' as email, plan\n"
                "    from no_such_table\n",
                source="pg",
            ),
        },
        f"{S}:6:10:",
        ("source 'pg' (postgres)", 'relation "no_such_table" does not exist'),
        offline=0,
        marks=(pytest.mark.postgres,),
    ),
    "mysql_closed_port": Case(
        {
            "onesync.yaml": project(
                sources="  my: {dialect: mysql, url: 'mysql://root@127.0.0.1:9/test'}\n"
            ),
            S: sync(source="my"),
        },
        "onesync.yaml:3:29:",
        ("source 'my' (mysql) cannot be reached", "Can't connect", "Connection refused"),
        offline=0,
    ),
    "mysql_unknown_database": Case(
        {
            "onesync.yaml": project(
                sources="  my: {dialect: mysql, url: 'mysql://root@127.0.0.1:3306/no_such_db'}\n"
            ),
            S: sync(source="my"),
        },
        "onesync.yaml:3:29:",
        ("cannot be reached", "Unknown database 'no_such_db'"),
        offline=0,
        marks=(pytest.mark.mysql,),
    ),
    "api_url_without_scheme": Case(
        {"onesync.yaml": PROJECT.replace("http://127.0.0.1:9", "api.onesignal.com")},
        "onesync.yaml:7:12:",
        ("destination.api_url 'api.onesignal.com' is not an http(s) URL with a host",),
        offline=1,
    ),
    "api_url_http_to_a_remote_host": Case(
        {"onesync.yaml": PROJECT.replace("http://127.0.0.1:9", "http://api.onesignal.com")},
        "onesync.yaml:7:12:",
        ("would send the API key unencrypted to api.onesignal.com", "use https://"),
        offline=1,
    ),
    "api_url_other_scheme": Case(
        {"onesync.yaml": PROJECT.replace("http://127.0.0.1:9", "ftp://api.onesignal.com")},
        "onesync.yaml:7:12:",
        ("is not an http(s) URL",),
        offline=1,
    ),
    "template_id_not_a_uuid": Case(
        {
            S: sync(body="").split("subscriptions")[0]
            + "message: {key: id, template_id: welcome-email}\n"
        },
        f"{S}:5:33:",
        ("template_id 'welcome-email' is not a OneSignal template id (a UUID)",),
        offline=1,
    ),
    "cron_never_fires_february_30": Case(
        {S: sync(body='schedule: "0 0 30 2 *"\n')},
        f"{S}:8:11:",
        ("schedule: it never fires: February never has a day 30",),
        offline=1,
    ),
    "cron_never_fires_april_31": Case(
        {S: sync(body='schedule: "0 0 31 4,6 *"\n')},
        f"{S}:8:11:",
        ("April and June never have a day 31",),
        offline=1,
    ),
    "empty_specs_folder": Case(
        {"onesync.yaml": project(specs="specs: syncs/\n"), "syncs/README.md": "nothing here\n"},
        "onesync.yaml:9:8:",
        ("specs folder 'syncs/' holds no sync specs (*.yaml)",),
        offline=1,
    ),
    "state_url_mysql": Case(
        {"onesync.yaml": project(state="state: {url: 'mysql://root@127.0.0.1/state'}\n")},
        "onesync.yaml:8:14:",
        ("state.url: the scheme 'mysql://' is not a state store", "postgresql://"),
        offline=1,
    ),
    "state_url_s3": Case(
        {"onesync.yaml": project(state="state: {url: 's3://bucket/state.duckdb'}\n")},
        "onesync.yaml:8:14:",
        ("the scheme 's3://' is not a state store",),
        offline=1,
    ),
    "max_invalid_share_over_one": Case(
        {
            "onesync.yaml": project(
                state="state: {url: .onesync/state.duckdb, max_invalid_share: 2}\n"
            )
        },
        "onesync.yaml:8:56:",
        ("state.max_invalid_share must be at most 1, not 2",),
        offline=1,
    ),
    "model_file_in_parent_folders": Case(
        {S: sync("model: {file: ../../etc/passwd}\n")},
        f"{S}:3:15:",
        ("model file '../../etc/passwd' is outside the project", "--allow-outside"),
        offline=1,
    ),
    "model_file_absolute": Case(
        {S: sync("model: {file: /etc/passwd}\n")},
        f"{S}:3:15:",
        ("model file '/etc/passwd' is outside the project", "move the file into the project"),
        offline=1,
    ),
}

# Six mistakes in one file, of both kinds: schema (a tag's type, the mode, an unknown key) and
# semantic (a column, a reserved tag, a cron field). All six are reported, in line order.
SIX = """\
sync: customers
source: db
model: {table: customers}
identity: {external_id: idd}
tags:
  message: plan
  t: {column: n, type: numbr}
mode: upsrt
schedule: "0 25 * * *"
colour: red
"""


def _params() -> list[object]:
    return [pytest.param(name, marks=case.marks, id=name) for name, case in sorted(CASES.items())]


@pytest.mark.parametrize("name", _params())
def test_validate_refuses(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    root = make_project(tmp_path / "p", case.files, rows=case.rows)
    out = run(root, "validate")
    assert_user_error(out, where=case.where)
    (line,) = [x for x in out.stderr.splitlines() if x.startswith(case.where)]
    assert all(s in line for s in case.says), line
    offline = run(root, "validate", "--offline")
    assert offline.code == case.offline, offline.output
    if case.offline == 1:
        assert_user_error(offline, where=case.where)


def test_the_harness_project_itself_is_valid(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    out = run(root, "validate")
    assert out.code == 0, out.output
    assert "skipped" not in out.output  # the source was reached and every model checked


def test_offline_says_what_it_did_not_check(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", rows=False)
    out = run(root, "validate", "--offline")
    assert out.code == 0, out.output
    assert "customers: column checks skipped (model is table customers; offline)" in out.stdout


def test_a_missing_duckdb_file_is_not_created_by_validate(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", rows=False)
    assert_user_error(run(root, "validate"), where="onesync.yaml:3:")
    assert not (root / "data" / "src.duckdb").exists()


def test_one_file_with_six_errors_reports_all_six(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {S: SIX})
    out = run(root, "validate")
    assert_user_error(out)
    lines = [x for x in out.stderr.splitlines() if x.startswith(S)]
    assert [":".join(x.split(":")[1:3]) for x in lines] == [
        "4:25",  # identity.external_id: column 'idd' (the database's columns)
        "6:3",  # tag key 'message' is reserved
        "7:24",  # tags.t.type: 'numbr'
        "8:7",  # mode: 'upsrt'
        "9:11",  # schedule: hour 25
        "10:1",  # unknown key 'colour'
    ], out.stderr


def test_every_file_reports_every_error(tmp_path: Path) -> None:
    files = {f"specs/s{i:02d}.yaml": f"sync: s{i:02d}\nsource: nowhere\n" for i in range(30)}
    out = run(make_project(tmp_path / "p", files), "validate", "--offline")
    assert_user_error(out)
    for i in range(20):
        assert f"specs/s{i:02d}.yaml:1:1: error: missing required key 'model'" in out.stderr
        assert f"specs/s{i:02d}.yaml:1:1: error: missing required key 'identity'" in out.stderr


def test_a_symlink_out_of_the_project_is_outside(tmp_path: Path) -> None:
    outside = tmp_path / "secret.sql"
    outside.write_text("select 'u1' as id, 'a@x.io' as email, 'free' as plan\n")
    root = make_project(tmp_path / "p", {S: sync("model: {file: models/x.sql}\n")})
    (root / "models").mkdir()
    os.symlink(outside, root / "models" / "x.sql")
    out = run(root, "validate")
    assert_user_error(out, where=f"{S}:3:15:")
    assert "is outside the project" in out.stderr


def test_a_model_file_inside_the_project_is_read(tmp_path: Path) -> None:
    files = {
        S: sync("model: {file: models/x.sql}\n"),
        "models/x.sql": "select id, email, plan\nfrom customers\n",
    }
    out = run(make_project(tmp_path / "p", files), "validate")
    assert out.code == 0, out.output


def test_a_database_error_at_plan_time_names_the_spec_line(tmp_path: Path) -> None:
    # describing the model cannot see a value that fails to convert, so validate passes and
    # plan meets it: the line named is the spec's, never one of the compiled SQL (LINE 72)
    model = "model:\n  sql: |\n    select id, email, plan,\n      cast(email as integer) as n\n"
    spec = sync(model + "    from customers\n", body="  n: n\n")  # a tag, so it is read
    root = make_project(tmp_path / "p", {S: spec})
    assert run(root, "validate").code == 0
    out = run(root, "plan")
    assert_user_error(out, where=f"{S}:5:5: source db: the model of sync customers failed:")
    assert "Conversion Error" in out.stderr and "LINE " not in out.stderr


def test_every_error_of_a_file_is_reported_up_to_a_cap(tmp_path: Path) -> None:
    tags = "".join(f"  t{i}: nope{i}\n" for i in range(70))
    sync = "sync: customers\nsource: db\nmodel: {table: customers}\nidentity: {external_id: id}\n"
    root = make_project(tmp_path, {"specs/customers.yaml": sync + "tags:\n" + tags})
    r = run(root, "validate")
    assert_user_error(r, where="specs/customers.yaml:6:")
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 51 and lines[-1] == "... and 20 more"


def test_an_app_id_that_is_not_a_uuid_is_refused_without_printing_it(tmp_path: Path) -> None:
    project = PROJECT.replace(
        "app_id: 5eb5a37e-0000-4000-8000-000000000001", "app_id: ${env:ONESIGNAL_API_KEY}"
    )
    root = make_project(tmp_path, {"onesync.yaml": project})
    for args in (("validate",), ("plan", "-o", "plan.json")):
        r = run(root, *args)
        assert_user_error(r, where="onesync.yaml:5:11: error: destination.app_id is not a")
    assert not (root / "plan.json").exists()
