"""Projects for ``onesync test``, written from a dict of files into a temp dir."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from onesync.cli import main

PROJECT = """\
version: 1
sources:
  db: {dialect: duckdb, path: data/nothing-here.duckdb}
  pg: {dialect: postgres, url: "postgresql://app@db.invalid/prod"}
destination:
  app_id: 5eb5a37e-0000-4000-8000-0000000000a1
  api_key: os_v2_app_testing
specs: specs/
"""

# line numbers below are part of the tests: keep the head of this spec as it is
PEOPLE = """\
sync: people
source: db
model:
  sql: select id, email, plan, score from crm.people where active
identity: {external_id: id}
subscriptions: {email: email}
tags:
  plan: plan
  score: {column: score, type: number}
"""


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.rstrip("\n").split("\n")


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in {"onesync.yaml": PROJECT, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def onesync_test(tmp_path: Path) -> Callable[..., Result]:
    """Write ``files`` over the base project and run ``onesync test ARGS`` in it."""

    def run(files: dict[str, str], *args: str, command: str = "test") -> Result:
        root = write(tmp_path / "project", files)
        r = CliRunner().invoke(main, [command, "-p", str(root), *args])
        assert "Traceback" not in r.output, r.output
        stdout = r.stdout.replace(str(root) + "/", "")
        return Result(r.exit_code, stdout, r.stderr.replace(str(root) + "/", ""))

    return run
