"""The /_sandbox/ page, rendered by a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from .helpers import APP_ID, user_path, users_path

PROBE = (
    "<script>document.body.dataset.overflow ="
    " String(document.documentElement.scrollWidth > window.innerWidth);</script>"
)
"""Added to a saved copy of the page: does anything stick out past the window's right edge?"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("chromium is missing (CI=true: apt-get install -y chromium)")
    pytest.skip("chromium is not installed")


def dump_dom(url: str, tmp_path: Path, width: int = 1280) -> str:
    """The DOM after Chromium loaded ``url`` (redirects followed, scripts run)."""
    done = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--window-size={width},800",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.stdout, done.stderr[-2000:]
    return done.stdout


def fill(api: httpx.Client) -> None:
    """A user with an alias, an enabled and a disabled subscription; another user, deleted."""
    body = {
        "identity": {"external_id": "page-user-1", "crm_id": "crm-77"},
        "properties": {"tags": {"tier": "<gold>"}},
        "subscriptions": [
            {"type": "Email", "token": "page@x.com"},
            {"type": "SMS", "token": "+15555550123", "enabled": False},
        ],
    }
    assert api.post(users_path(), json=body).status_code == 201
    assert api.post(users_path(), json={"identity": {"external_id": "gone-user"}}).is_success
    assert api.delete(user_path("gone-user")).status_code == 200


@pytest.mark.browser
def test_page_lists_users_in_a_real_browser(sb, api: httpx.Client, tmp_path: Path) -> None:
    fill(api)
    dom = dump_dom(f"{sb.url}/_sandbox/", tmp_path)
    assert '<table id="users">' in dom or "<table id='users'>" in dom
    assert "page-user-1" in dom
    assert "crm_id=crm-77" in dom  # aliases
    assert "tier=&lt;gold&gt;" in dom  # escaped, not injected
    assert "Email:page@x.com (enabled)" in dom
    assert "SMS:+15555550123 (disabled)" in dom
    assert 'id="deleted-users"' in dom and "gone-user" in dom


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/_sandbox"])
def test_root_and_bare_path_open_the_page(sb, api: httpx.Client, tmp_path: Path, path: str) -> None:
    fill(api)
    dom = dump_dom(f"{sb.url}{path}", tmp_path)
    assert "page-user-1" in dom and "<h1>onesync sandbox</h1>" in dom


@pytest.mark.browser
def test_long_values_wrap_inside_the_window(sb, api: httpx.Client, tmp_path: Path) -> None:
    long_tag = "x" * 400
    body = {"identity": {"external_id": "e" * 120}, "properties": {"tags": {"blob": long_tag}}}
    assert api.post(users_path(), json=body).status_code == 201
    events = {"events": [{"name": "big", "external_id": "e" * 120, "properties": {"k": long_tag}}]}
    assert api.post(f"/apps/{APP_ID}/custom_events", json=events).status_code == 200
    page = httpx.get(f"{sb.url}/_sandbox/").text
    unwrapped = page.replace("overflow-wrap: anywhere;", "").replace("word-break: break-word;", "")
    for name, html in [("page", page), ("unwrapped", unwrapped)]:
        saved = tmp_path / f"{name}.html"
        saved.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
        dom = dump_dom(saved.as_uri(), tmp_path, width=800)
        overflow = 'data-overflow="true"' in dom
        # the page as served fits an 800 px window; without its wrap rule it would not
        assert overflow is (name == "unwrapped"), name
        assert "blob=" + long_tag in dom
