"""The README's first command and the shipped examples work as documented."""

from __future__ import annotations

import shutil
from pathlib import Path

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
    assert "5 users, 4 events, 1 notifications" in out
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
