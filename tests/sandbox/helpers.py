"""Constants and path builders shared by the sandbox tests."""

from __future__ import annotations

from urllib.parse import quote

APP_ID = "2f1e7c9a-4b3d-4e5f-8a6b-0c1d2e3f4a5b"
API_KEY = "os_v2_app_testkey"
AUTH = {"Authorization": f"Key {API_KEY}"}


def users_path(suffix: str = "") -> str:
    return f"/apps/{APP_ID}/users{suffix}"


def user_path(external_id: str, suffix: str = "") -> str:
    return f"/apps/{APP_ID}/users/by/external_id/{quote(external_id, safe='')}{suffix}"
