"""The layering rule (ARCHITECTURE.md, "Layers"): each package imports only the shared leaves and
the packages before it. ruff enforces it per package folder (a ``ruff.toml`` with TID251
``banned-api``); these tests keep those lists equal to the table, check the top-level modules
that ruff's per-folder bans cannot reach, and prove the rule fires."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "onesync"
LEAVES = {"errors", "model", "escape"}
PIPELINE = ["load", "validate", "compile", "sources", "state", "plan"]
# ARCHITECTURE.md's table: what each package may import besides itself and the shared leaves.
STAGES: dict[str, list[str]] = {
    "load": [],
    "validate": ["load"],
    "compile": ["load", "validate"],
    "sources": ["load", "validate", "compile"],
    "state": ["load", "validate", "compile", "sources"],
    "plan": PIPELINE[:5],
    "destination": [],
    "apply": [*PIPELINE, "destination"],
    "adopt": [*PIPELINE, "destination"],
    "render": [*PIPELINE, "destination", "apply", "adopt"],
    "testing": PIPELINE,
    "sandbox": [],
}
FACADES = {"api", "run"}
MESSAGE = "layering: {stage} may not import {later} (ARCHITECTURE.md, Layers)"
EVERYTHING = [*STAGES, *sorted(FACADES), "cli"]
TOP_LEVEL: dict[str, set[str]] = {
    "errors": set(),
    "escape": set(),
    "model": {"errors"},
    **{name: LEAVES | set(STAGES) | FACADES - {name} for name in sorted(FACADES)},
}


def _banned(stage: str) -> dict[str, dict[str, str]]:
    config = tomllib.loads((PACKAGE / stage / "ruff.toml").read_text())
    assert config["extend"] == "../../pyproject.toml"
    return config["lint"]["flake8-tidy-imports"]["banned-api"]


@pytest.mark.parametrize("stage", STAGES)
def test_each_package_bans_what_its_row_leaves_out(stage: str) -> None:
    banned = _banned(stage)
    expected = {f"onesync.{m}" for m in EVERYTHING if m != stage and m not in STAGES[stage]}
    assert set(banned) == expected
    for name, ban in banned.items():
        later = name.removeprefix("onesync.")
        assert ban["msg"] == MESSAGE.format(stage=stage, later=later)


def test_every_package_has_a_row() -> None:
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages == {*STAGES, "cli"}


def _imported(module: Path) -> set[str]:
    """The onesync modules ``module`` imports anywhere (lazy imports too), by their first part."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found.update(n.split(".")[1] for n in names if n.startswith("onesync."))
    return found


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_the_top_level_modules_follow_their_rows(name: str) -> None:
    assert _imported(PACKAGE / f"{name}.py") - {name} <= TOP_LEVEL[name]


def _ruff(path: str, code: str) -> list[tuple[int, str]]:
    """(line, message) of every TID251 that ruff reports for ``code`` as the file ``path``.

    The code goes in on stdin with ``--stdin-filename``: ruff picks the configuration of that
    folder as for a file there, and nothing is written into the package."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "json"]
        + ["--stdin-filename", path, "-"],
        input=code,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 1), done.stderr
    return [
        (d["location"]["row"], d["message"])
        for d in json.loads(done.stdout)
        if d["code"] == "TID251"
    ]


def _ban(stage: str, later: str) -> str:
    return f"`onesync.{later}` is banned: " + MESSAGE.format(stage=stage, later=later)


def test_importing_a_later_stage_fails_the_lint() -> None:
    code = (
        "from onesync.apply import apply_plan\n"
        "from onesync.state import open_state\n"
        "\n"
        "\n"
        "def later():\n"
        "    from onesync import cli\n"
        "\n"
        "    return cli, apply_plan, open_state\n"
    )
    assert _ruff("onesync/plan/probe.py", code) == [
        (1, _ban("plan", "apply")),
        (6, _ban("plan", "cli")),
    ]


def test_the_same_imports_are_fine_where_the_table_allows_them() -> None:
    code = (
        "from onesync.apply import apply_plan\n"
        "from onesync.plan import make_plan\n"
        "\n"
        "__all__ = ['apply_plan', 'make_plan']\n"
    )
    assert _ruff("onesync/render/probe.py", code) == []
    assert _ruff("onesync/cli/probe.py", code) == []
