"""Run onesync as a real process on a hostile project and judge what it printed and wrote.

Every case in ``tests/hostile`` goes through ``run``: a fresh process (so a hang or a runaway
allocation is the process's, not pytest's), bounded in time and address space, whose stdout,
stderr and every file it left under the project are searched for the canary secrets.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.plantext import plan_text

# Canaries: never to appear in any output or file, whatever a spec says.
CANARY_KEY = "os_v2_app_CANARYKEY7f3a9"
CANARY_PASSWORD = "Canary-Pa55word-91c"
CANARIES = (CANARY_KEY, CANARY_PASSWORD)

TIME_LIMIT = 60.0  # seconds per command
MEMORY_LIMIT = 2 << 30  # bytes of address space per command (DuckDB reserves generously)

REPO = Path(__file__).resolve().parents[2]

PROJECT = """\
version: 1
sources:
  db: {dialect: duckdb, path: data/src.duckdb}
destination:
  app_id: 5eb5a37e-0000-4000-8000-000000000001
  api_key: ${env:ONESIGNAL_API_KEY}
  api_url: http://127.0.0.1:9
state: {url: .onesync/state.duckdb}
specs: specs/
"""

SYNC = """\
sync: customers
source: db
model: {table: customers}
identity: {external_id: id}
subscriptions: {email: email}
tags:
  plan: plan
"""


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def make_project(
    root: Path, files: dict[str, str | bytes] | None = None, *, rows: bool = True
) -> Path:
    """A project (onesync.yaml, one sync, a DuckDB source) with ``files`` written over it."""
    import duckdb

    base: dict[str, str | bytes] = {"onesync.yaml": PROJECT, "specs/customers.yaml": SYNC}
    base.update(files or {})
    for rel, text in base.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    if rows:
        (root / "data").mkdir(exist_ok=True)
        conn = duckdb.connect(str(root / "data" / "src.duckdb"))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS customers (id TEXT, email TEXT, plan TEXT, n BIGINT)"
            )
            conn.execute(
                "INSERT INTO customers VALUES ('u1', 'a@x.io', 'free', 1), ('u2', NULL, 'pro', 2)"
            )
        finally:
            conn.close()
    return root


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    out = dict(os.environ)
    out.pop("CI", None)  # apply must not take CI=true as --yes here
    out["PYTHONPATH"] = str(REPO)
    out["ONESIGNAL_API_KEY"] = CANARY_KEY
    out["DB_PASSWORD"] = CANARY_PASSWORD
    out.update(extra or {})
    return out


def run(
    root: Path, *args: str, extra_env: dict[str, str] | None = None, timeout: float = TIME_LIMIT
) -> Outcome:
    """``onesync ARGS`` in ``root`` as a fresh process, bounded in time and memory."""
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", "from onesync.cli import main; main()", *args],
            cwd=root,
            env=env(extra_env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_limits,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"onesync {' '.join(args)} ran over {timeout:.0f} s") from exc
    return Outcome(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


def leaked(root: Path, outcome: Outcome | None = None) -> list[str]:
    """Where a canary secret shows up: in the output, or in any file under ``root``."""
    found = []
    if outcome is not None:
        found += [f"output contains {c!r}" for c in CANARIES if c in outcome.output]
    for path in root.rglob("*"):
        if not path.is_file() or path.suffix == ".yaml" or path.name == ".env":
            continue  # the specs themselves may name the variables
        data = path.read_bytes()
        if data[:4] == b"PAR1":  # a plan file: compressed, so read it back as text
            data = plan_text(path).encode()
        found += [
            f"{path.relative_to(root)} contains {c!r}" for c in CANARIES if c.encode() in data
        ]
    return found


def assert_user_error(outcome: Outcome, *, where: str | None = None) -> None:
    """Exit 1, one clear message (naming ``where`` when given), no traceback, no secret."""
    assert outcome.code == 1, (outcome.code, outcome.output)
    assert "Traceback" not in outcome.output, outcome.output
    assert outcome.stderr.strip(), "an error must say what went wrong"
    assert not [c for c in CANARIES if c in outcome.output], outcome.output
    if where is not None:
        assert where in outcome.stderr, outcome.stderr
