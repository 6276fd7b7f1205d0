"""A copy of the repository's demo project, seeded, pointed at a sandbox running in a thread."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from onesync import api
from onesync.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(ROOT / "onesync.yaml", root)
    shutil.copytree(ROOT / "specs", root / "specs")
    (root / "data").mkdir()
    shutil.copy(ROOT / "data" / "seed.sql", root / "data")
    api.seed_demo(root)
    # a yearly schedule, so a second pass in the same test is never due by accident
    spec = root / "specs" / "customer_profile.yaml"
    spec.write_text(spec.read_text().replace('"*/30 * * * *"', '"0 0 1 1 *"'))
    with Sandbox(SandboxConfig()) as sandbox:
        monkeypatch.setenv("ONESIGNAL_API_URL", sandbox.url)
        monkeypatch.setenv("ONESIGNAL_APP_ID", sandbox.config.app_id)
        monkeypatch.setenv("ONESIGNAL_API_KEY", sandbox.config.api_key)
        yield root, sandbox
