"""Constants and path builders shared by the sandbox tests."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest

APP_ID = "2f1e7c9a-4b3d-4e5f-8a6b-0c1d2e3f4a5b"
API_KEY = "os_v2_app_testkey"
AUTH = {"Authorization": f"Key {API_KEY}"}


def users_path(suffix: str = "") -> str:
    return f"/apps/{APP_ID}/users{suffix}"


def user_path(external_id: str, suffix: str = "") -> str:
    return f"/apps/{APP_ID}/users/by/external_id/{quote(external_id, safe='')}{suffix}"


def spec_text() -> str:
    """OneSignal's OpenAPI spec as text: ``$ONESYNC_OPENAPI``, else where CI puts it beside the
    repository (``../shared/reference/``); skipped when absent locally, a failure on CI."""
    override = os.environ.get("ONESYNC_OPENAPI")
    root = Path(__file__).resolve().parents[2]
    path = Path(override) if override else root.parent / "shared/reference/onesignal-openapi.yaml"
    if not path.is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"OneSignal's OpenAPI spec is missing at {path}")
        pytest.skip(f"OneSignal's OpenAPI spec is not at {path}")
    return path.read_text(encoding="utf-8")
