"""The CLI as a shell runs it: a subprocess (or a pseudo-terminal) against a project that
``onesync init`` made."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

# The console script's entry point, run by this venv's Python (no reliance on PATH).
ONESYNC = [sys.executable, "-c", "from onesync.cli import main; main()"]


def environ(**overrides: str | None) -> dict[str, str]:
    """os.environ without colour settings, with ``overrides`` (None removes a variable)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM", "COLUMNS")}
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``onesync args`` in a subprocess, stdout and stderr captured (pipes: not a terminal)."""
    return subprocess.run(
        [*ONESYNC, *args],
        cwd=cwd,
        env=dict(env) if env is not None else environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_in_pty(
    argv: list[str], *, cwd: Path | None = None, env: Mapping[str, str], timeout: float = 120
) -> tuple[int, str]:
    """``argv`` with stdin, stdout and stderr on a pseudo-terminal; (exit code, what it showed),
    line ends as ``\\n``."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=dict(env), stdin=slave, stdout=slave, stderr=slave, close_fds=True
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        else:
            proc.kill()
            pytest.fail(f"{argv} did not finish in {timeout} s")
    finally:
        os.close(master)
    code = proc.wait(timeout=10)
    return code, b"".join(chunks).decode().replace("\r\n", "\n")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh demo project, made by ``onesync init``."""
    where = tmp_path_factory.mktemp("cli") / "shop"
    done = run("init", str(where))
    assert done.returncode == 0, done.stderr
    return where
