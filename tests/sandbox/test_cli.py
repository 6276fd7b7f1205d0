"""`onesync sandbox` as a user runs it: a real subprocess, real signals, real output."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from onesync.cli import main
from onesync.sandbox import DEFAULT_API_KEY, DEFAULT_APP_ID

from .helpers import AUTH, users_path

ROOT = Path(__file__).resolve().parents[2]


def start(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    """Run the CLI; return the process, its URL and the banner it printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "from onesync.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    banner = ""
    while "Ctrl-C" not in banner and proc.poll() is None:
        banner += proc.stdout.readline()
    match = re.search(r"listening on (http://\S+) ", banner)
    if not match:
        proc.kill()
        pytest.fail(f"no URL printed: {banner!r} {proc.communicate()}")
    return proc, match.group(1), banner


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_url_and_stops_cleanly(sig: signal.Signals) -> None:
    proc, url, banner = start("--port", "0")
    try:
        headers = {"Authorization": f"Key {DEFAULT_API_KEY}"}
        body = {"identity": {"external_id": "cli-user"}}
        created = httpx.post(f"{url}/apps/{DEFAULT_APP_ID}/users", json=body, headers=headers)
        assert created.status_code == 201
        assert httpx.get(f"{url}/_sandbox/state").json()["users"][0]["identity"]["external_id"]
    finally:
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert DEFAULT_APP_ID in banner and DEFAULT_API_KEY in banner
    assert "onesync sandbox stopped" in out
    assert "Traceback" not in err


def test_serve_with_db_and_faults_then_show_reads_the_file(tmp_path: Path) -> None:
    db = tmp_path / "box.db"
    proc, url, banner = start(
        "serve",
        "--port",
        "0",
        "--db",
        str(db),
        "--app-id",
        "a1",
        "--api-key",
        "k1",
        "--rate-429",
        "1",
        "--seed",
        "5",
    )
    try:
        headers = {"Authorization": "Key k1"}
        faulted = httpx.post(f"{url}/apps/a1/users", json={"identity": {"x": "1"}}, headers=headers)
        assert faulted.status_code == 429
        httpx.post(f"{url}/_sandbox/faults", json={})
        ok = httpx.post(
            f"{url}/apps/a1/users", json={"identity": {"external_id": "kept"}}, headers=headers
        )
        assert ok.status_code == 201
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
    result = CliRunner().invoke(main, ["sandbox", "show", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Users (1)" in result.output and "kept" in result.output
    assert "status 429" in result.output


def test_port_in_use_is_one_line_and_exit_1(sb) -> None:
    port = sb.url.rsplit(":", 1)[1]
    result = CliRunner().invoke(main, ["sandbox", "--port", port])
    assert result.exit_code == 1
    assert "cannot listen on 127.0.0.1:" in result.output
    assert "Traceback" not in result.output


def test_show_from_a_running_sandbox(sb, api: httpx.Client) -> None:
    body = {"identity": {"external_id": "shown"}, "properties": {"tags": {"tier": "gold"}}}
    api.post(users_path(), json=body)
    text = CliRunner().invoke(main, ["sandbox", "show", "--url", sb.url])
    assert text.exit_code == 0
    assert re.search(r"shown\s+\S+\s+tier=gold", text.output)
    raw = CliRunner().invoke(main, ["sandbox", "show", "--url", sb.url, "--json"])
    assert json.loads(raw.output)["users"][0]["properties"]["tags"] == {"tier": "gold"}


def test_show_without_a_sandbox_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sandbox", "show", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot read the sandbox state" in result.output
    missing = CliRunner().invoke(main, ["sandbox", "show", "--db", str(tmp_path / "no.db")])
    assert missing.exit_code == 1
    assert "no such sandbox database" in missing.output


def test_auth_constant_matches_default_header() -> None:
    assert AUTH["Authorization"].startswith("Key ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate-5xx", "3"], "--rate-5xx is a share of requests between 0 and 1, not 3.0"),
        (["--rate-429", "0.6", "--drop-rate", "0.6"], "must not exceed 1"),
        (["--per-user-rate", "fast"], "--per-user-rate must be a number of requests per second"),
        (["--latency-ms", "-5"], "--latency-ms must not be negative"),
    ],
)
def test_bad_options_are_one_line_and_exit_1(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sandbox", "--port", "0", *args])
    assert result.exit_code == 1
    assert message in result.output


def test_show_lists_subscriptions_deleted_users_and_wraps(sb, api: httpx.Client) -> None:
    long_tag = "v" * 150
    body = {
        "identity": {"external_id": "shown", "crm_id": "c-9"},
        "properties": {"tags": {"blob": long_tag}},
        "subscriptions": [
            {"type": "Email", "token": "on@x.com"},
            {"type": "Email", "token": "off@x.com", "enabled": False},
        ],
    }
    api.post(users_path(), json=body)
    api.post(users_path(), json={"identity": {"external_id": "left"}})
    api.delete(f"{users_path()}/by/external_id/left")
    result = CliRunner().invoke(main, ["sandbox", "show", "--url", sb.url], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80  # long values wrap instead of widening rows
    pieces = [m for line in lines for m in re.findall(r"v{3,}", line)]
    assert len(pieces) > 1 and "".join(pieces) == long_tag  # all of it, over several lines
    assert "crm_id=c-9" in result.output
    assert re.search(r"shown\s+Email\s+on@x\.com\s+enabled", result.output)
    assert re.search(r"shown\s+Email\s+off@x\.com\s+disabled", result.output)
    assert "Deleted users (1)" in result.output and "left" in result.output


def test_export_readiness_options_reach_the_sandbox() -> None:
    proc, url, _ = start(
        "--port", "0", "--export-ready-after", "1", "--export-not-ready-status", "404"
    )
    try:
        headers = {"Authorization": f"Key {DEFAULT_API_KEY}"}
        body = {"identity": {"external_id": "exported"}}
        httpx.post(f"{url}/apps/{DEFAULT_APP_ID}/users", json=body, headers=headers)
        asked = httpx.post(
            f"{url}/players/csv_export?app_id={DEFAULT_APP_ID}", json={}, headers=headers
        )
        assert asked.status_code == 200, asked.text
        file_url = asked.json()["csv_file_url"]
        assert httpx.get(file_url).status_code == 404  # not ready once, as asked
        ready = httpx.get(file_url)
        assert ready.status_code == 200 and ready.content.startswith(b"\x1f\x8b")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
