"""The /_sandbox/ page, rendered by a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from .helpers import users_path


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("chromium is missing (CI=true: apt-get install -y chromium)")
    pytest.skip("chromium is not installed")


@pytest.mark.browser
def test_page_lists_users_in_a_real_browser(sb, api: httpx.Client, tmp_path: Path) -> None:
    browser = chromium()
    body = {
        "identity": {"external_id": "page-user-1"},
        "properties": {"tags": {"tier": "<gold>"}},
        "subscriptions": [{"type": "Email", "token": "page@x.com"}],
    }
    assert api.post(users_path(), json=body).status_code == 201
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            f"{sb.url}/_sandbox/",
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    dom = done.stdout
    assert '<table id="users">' in dom or "<table id='users'>" in dom, done.stderr[-2000:]
    assert "page-user-1" in dom
    assert "tier=&lt;gold&gt;" in dom  # escaped, not injected
    assert "Email:page@x.com" in dom
