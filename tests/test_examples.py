"""The README's first command and the shipped examples work as documented."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from onesync.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _copy_demo(tmp_path: Path) -> Path:
    project = tmp_path / "demo"
    project.mkdir()
    shutil.copy(ROOT / "onesync.yaml", project)
    shutil.copytree(ROOT / "specs", project / "specs")
    (project / "data").mkdir()
    shutil.copy(ROOT / "data" / "seed.sql", project / "data")
    return project


def test_demo_rehearses_every_sync_against_the_sandbox(tmp_path: Path) -> None:
    project = _copy_demo(tmp_path)
    result = CliRunner().invoke(main, ["demo", "-p", str(project)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "ok: 3 syncs valid" in out
    assert "+ user c-1001" in out and '+ tag ltv = "1249.5"' in out
    assert "baseline: 3 existing rows recorded, nothing sent" in out
    assert '~ tag plan: "free" -> "team"' in out
    assert "Thanks Grace, order o-5004 is on its way" in out
    assert "5 users, 4 events, 1 notification, " in out
    assert "c-1002 tags: {'first_name': 'Grace', 'plan': 'team', 'ltv': '20.5'}" in out


def test_init_scaffolds_a_project_that_validates_and_plans(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "new"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "data" / "demo.duckdb").exists()
    assert runner.invoke(main, ["validate", "-p", str(target)]).exit_code == 0
    plan = runner.invoke(main, ["plan", "-p", str(target)])
    assert plan.exit_code == 2, plan.output  # changes to make: every demo user is new
    assert "+ user c-1001" in plan.output
    again = runner.invoke(main, ["init", str(target)])
    assert again.exit_code == 1 and "a project already exists here" in again.output


def test_csv_example_reads_a_spreadsheet_export(tmp_path: Path) -> None:
    project = tmp_path / "csv"
    shutil.copytree(ROOT / "examples" / "csv", project)
    result = CliRunner().invoke(main, ["plan", "-p", str(project), "--json"])
    assert result.exit_code == 2, result.output
    assert '"has_changes": true' in result.output
    text = CliRunner().invoke(main, ["plan", "-p", str(project)]).output
    assert '+ tag joined_on = "2024-03-01"' in text and '+ tag points = "1200"' in text


def test_bad_spec_is_one_line_with_position_and_exit_1(tmp_path: Path) -> None:
    project = _copy_demo(tmp_path)
    spec = project / "specs" / "customer_profile.yaml"
    spec.write_text(spec.read_text().replace("mode: upsert", "mode: upsret"))
    # offline: the copied demo has no data/demo.duckdb yet, which validate would also report
    result = CliRunner().invoke(main, ["validate", "-p", str(project), "--offline"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "customer_profile.yaml:" in lines[0]
    assert "upsret" in lines[0] and "upsert" in lines[0] and "Traceback" not in result.output


# -- onesync test: every demo spec and every example carries tests, and they pass -------------

EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "onesync.yaml").exists())
DESIGN_ENV = {  # examples/design is DESIGN.md verbatim: its project file reads these
    "DATABASE_URL": "postgresql://app@db.invalid/warehouse",
    "ONESIGNAL_APP_ID": "00000000-0000-4000-8000-00000000abcd",
    "ONESIGNAL_API_KEY": "os_v2_app_example",
}


@pytest.mark.parametrize("name", ["demo", *EXAMPLES])
def test_every_spec_carries_tests_and_onesync_test_passes(name: str) -> None:
    import yaml

    project = ROOT if name == "demo" else ROOT / "examples" / name
    specs = sorted((project / "specs").glob("*.yaml"))
    assert specs
    for spec in specs:
        assert yaml.safe_load(spec.read_text()).get("tests"), f"{spec} declares no tests"
    result = CliRunner().invoke(main, ["test", "-p", str(project)], env=DESIGN_ENV)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ") and "no tests" not in result.output


def test_audience_example_sets_the_tag_on_enter_and_clears_it_on_leave(tmp_path: Path) -> None:
    import duckdb

    from onesync.sandbox import Sandbox, SandboxConfig

    project = tmp_path / "audience"
    shutil.copytree(ROOT / "examples" / "audience", project)
    db = project / "data" / "audience.duckdb"
    with duckdb.connect(str(db)) as conn:
        conn.execute((project / "data" / "seed.sql").read_text())
    runner = CliRunner()
    with Sandbox(SandboxConfig()) as sandbox:
        env = {
            "ONESIGNAL_APP_ID": sandbox.config.app_id,
            "ONESIGNAL_API_KEY": sandbox.config.api_key,
            "ONESIGNAL_API_URL": sandbox.url,
        }
        first = runner.invoke(main, ["apply", "-p", str(project), "--yes"], env=env)
        assert first.exit_code == 0, first.output
        assert "+ user c-1001" in first.output and "+ user c-1002" in first.output
        assert "c-1003" not in first.output and "c-1004" not in first.output  # refunded, deleted
        with duckdb.connect(str(db)) as conn:
            conn.execute("update shop.orders set status = 'refunded' where customer_id = 'c-1001'")
        left = runner.invoke(main, ["apply", "-p", str(project), "--yes"], env=env)
        assert left.exit_code == 0, left.output
        assert '- tag big_spender: "true" -> (unset)' in left.output
        ada = sandbox.user("external_id", "c-1001") or {}
        grace = sandbox.user("external_id", "c-1002") or {}
    assert ada["properties"]["tags"] == {}  # left: the tag is gone, the user stays
    assert grace["properties"]["tags"] == {"big_spender": "true"}
