"""legacy_edit_device against a real HTTP server on 127.0.0.1 that answers as OneSignal's docs say.

``PUT /players/{player_id}`` ("Edit device", docs reference/edit-device; v1.4 spec op
``update_player``): ``app_id`` is required, "Fields left out will not be modified", a tag set to
``""`` or null is removed ("100 tags per call", v7.0 docs), ``external_user_id: ""`` unlinks the
device (v9.0 Identity Verification docs); the answer is ``200 {"success": true}``, an unknown id
``404`` ("Device with player_id not found"), the header ``Authorization: Basic <legacy REST key>``
(an App API key goes as ``Key``, reference §6); 429 with ``Retry-After`` (§6)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import unquote

import pytest

from onesync.destination import (
    AsyncOneSignalClient,
    InvalidCall,
    OneSignalClient,
    RetryPolicy,
    calls,
)
from onesync.errors import DestinationError
from onesync.model import Destination
from tests.destination.docserver import JsonHandler, serving

APP_ID = "0f0e0d0c-1111-4222-8333-444455556666"
LEGACY_KEY = "legacyrestkey123"
APP_KEY = "os_v2_app_devicesecretkey"
PLAYER = "6d1c0f7e-93c4-4d1b-a3e7-2f1d7e0b9c11"
FAST = RetryPolicy(max_attempts=3, base=0.01, cap=0.05, jitter=False)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Device:
    tags: dict[str, str] = field(default_factory=dict)
    external_user_id: str | None = None


@dataclass
class Players:
    """The server's devices, scripted answers given before the real one, and what it saw."""

    devices: dict[str, Device] = field(default_factory=dict)
    script: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: Players) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_PUT(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            with state.lock:
                state.seen.append(Seen("PUT", self.path, dict(self.headers), body))
                scripted = state.script.pop(0) if state.script else None
            if self.headers.get("Authorization") not in (f"Basic {LEGACY_KEY}", f"Key {APP_KEY}"):
                return self._json(403, {"errors": ["Access denied.  Please include an "
                                                   "'Authorization: ...' header"]})  # fmt: skip
            if scripted is not None:
                return self._json(*scripted)
            if not self.path.startswith("/players/"):
                return self._json(404, {"errors": ["not found"]})
            if not isinstance(body, dict) or body.get("app_id") != APP_ID:
                return self._json(400, {"errors": ["Missing or invalid fields."]})
            with state.lock:
                device = state.devices.get(unquote(self.path[len("/players/") :]))
                if device is None:
                    return self._json(404, {"errors": ["Device with player_id not found"]})
                tags = body.get("tags") or {}
                if len(tags) > 100:
                    return self._json(
                        400, {"errors": ["Please limit your tag updates to 100 per request"]}
                    )
                for key, value in tags.items():
                    if value in ("", None):
                        device.tags.pop(key, None)
                    else:
                        device.tags[key] = str(value)
                if "external_user_id" in body:
                    device.external_user_id = body["external_user_id"] or None
            self._json(200, {"success": True})

    return Handler


@pytest.fixture
def players() -> Iterator[Players]:
    state = Players(devices={PLAYER: Device({"plan": "free", "old": "x"}, "u-0")})
    with serving(_handler(state)) as url:
        state.url = url
        yield state


def _client(
    state: Players, key: str = LEGACY_KEY, api: Literal["current", "legacy"] = "legacy"
) -> OneSignalClient:
    destination = Destination(app_id=APP_ID, api_key=key, api_url=state.url, api=api)
    return OneSignalClient(destination, retry=FAST, seed=1)


def test_tags_and_external_user_id_go_in_one_put_with_basic_auth(players: Players) -> None:
    with _client(players) as c:
        result = c.legacy_edit_device(
            PLAYER, {"plan": "gold", "visits": 3, "vip": True}, external_user_id="u-1"
        )
    assert result.ok and result.http_status == 200 and result.attempts == 1
    (seen,) = players.seen
    assert seen.method == "PUT" and seen.path == f"/players/{PLAYER}"
    assert seen.headers["Authorization"] == f"Basic {LEGACY_KEY}"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.body == {
        "app_id": APP_ID,
        "tags": {"plan": "gold", "visits": "3", "vip": "true"},
        "external_user_id": "u-1",
    }
    device = players.devices[PLAYER]
    assert device.tags == {"plan": "gold", "old": "x", "visits": "3", "vip": "true"}
    assert device.external_user_id == "u-1"


def test_an_app_api_key_goes_as_key_even_for_the_legacy_api(players: Players) -> None:
    with _client(players, key=APP_KEY) as c:
        assert c.legacy_edit_device(PLAYER, {"plan": "gold"}).ok
    with _client(players, key=APP_KEY, api="current") as c:
        assert c.legacy_edit_device(PLAYER, {"plan": "gold"}).ok
    assert [s.headers["Authorization"] for s in players.seen] == [f"Key {APP_KEY}"] * 2


def test_an_empty_tag_value_removes_the_tag(players: Players) -> None:
    with _client(players) as c:
        assert c.legacy_edit_device(PLAYER, {"old": "", "plan": None}).ok
    assert players.seen[0].body == {"app_id": APP_ID, "tags": {"old": "", "plan": ""}}
    assert players.devices[PLAYER].tags == {}
    assert players.devices[PLAYER].external_user_id == "u-0"  # not sent, not modified


def test_external_user_id_is_set_then_removed_with_an_empty_string(players: Players) -> None:
    with _client(players) as c:
        assert c.legacy_edit_device(PLAYER, external_user_id="u-2").ok
        assert players.devices[PLAYER].external_user_id == "u-2"
        assert c.legacy_edit_device(PLAYER, external_user_id="").ok
    assert [s.body for s in players.seen] == [
        {"app_id": APP_ID, "external_user_id": "u-2"},
        {"app_id": APP_ID, "external_user_id": ""},
    ]
    assert players.devices[PLAYER].external_user_id is None
    assert players.devices[PLAYER].tags == {"plan": "free", "old": "x"}  # not sent, kept


def test_an_unknown_player_id_is_not_found_and_not_retried(players: Players) -> None:
    with _client(players) as c:
        result = c.legacy_edit_device("a0a0a0a0-0000-4000-8000-000000000000", {"plan": "gold"})
    assert result.not_found and result.status == "rejected" and not result.conflict
    assert result.http_status == 404 and result.attempts == 1 and len(players.seen) == 1
    assert result.reason == (
        "HTTP 404: Device with player_id not found "
        "(player a0a0a0a0-0000-4000-8000-000000000000: deleted, or an id of another app)"
    )


def test_the_400_no_user_with_this_id_found_is_not_found_too(players: Players) -> None:
    # OneSignal's Android SDK reads a 400 with this error on PUT players/{id} as a deleted player.
    players.script = [(400, {"errors": ["No user with this id found"]}, {})]
    with _client(players) as c:
        result = c.legacy_edit_device(PLAYER, {"plan": "gold"})
    assert result.not_found and result.http_status == 400 and result.status == "rejected"


def test_another_400_is_a_plain_rejection(players: Players) -> None:
    players.script = [(400, {"errors": ["Missing or invalid fields."]}, {})]
    with _client(players) as c:
        result = c.legacy_edit_device(PLAYER, {"plan": "gold"})
    assert result.status == "rejected" and not result.not_found and not result.conflict
    assert result.reason == "HTTP 400: Missing or invalid fields."


def test_a_409_is_a_conflict(players: Players) -> None:
    players.script = [(409, {"errors": ["Conflict"], "success": False}, {})]
    with _client(players) as c:
        result = c.legacy_edit_device(PLAYER, external_user_id="u-9")
    assert result.conflict and result.status == "rejected" and not result.not_found
    assert result.attempts == 1


def test_a_200_saying_success_false_is_rejected(players: Players) -> None:
    players.script = [(200, {"success": False}, {})]
    with _client(players) as c:
        result = c.legacy_edit_device(PLAYER, {"plan": "gold"})
    assert result.status == "rejected" and result.reason == "OneSignal answered success: false"


def test_a_429_is_retried_after_retry_after(players: Players) -> None:
    players.script = [(429, {"errors": ["API rate limit exceeded."]}, {"Retry-After": "0"})]
    with _client(players) as c:
        result = c.legacy_edit_device(PLAYER, {"plan": "gold"}, external_user_id="u-3")
    assert result.ok and result.attempts == 2 and result.retried
    first, second = players.seen
    assert (
        first.body
        == second.body
        == {
            "app_id": APP_ID,
            "tags": {"plan": "gold"},
            "external_user_id": "u-3",
        }
    )
    assert players.devices[PLAYER].external_user_id == "u-3"


def test_the_player_id_is_url_quoted(players: Players) -> None:
    odd = "p/1 +x@y"
    players.devices[odd] = Device()
    with _client(players) as c:
        assert c.legacy_edit_device(odd, {"a": "b"}).ok
    assert players.seen[0].path == "/players/p%2F1%20%2Bx%40y"
    assert players.devices[odd].tags == {"a": "b"}


def test_a_refused_key_raises_without_the_key(players: Players) -> None:
    with _client(players, key="legacyotherkey99") as c, pytest.raises(DestinationError) as info:
        c.legacy_edit_device(PLAYER, {"plan": "gold"})
    assert "legacyotherkey99" not in str(info.value) and "\n" not in str(info.value)
    assert len(players.seen) == 1


@pytest.mark.parametrize(
    ("player_id", "kw", "said"),
    [
        ("", {"tags": {"a": "b"}}, "player_id is empty"),
        (PLAYER, {}, "needs tags or an external_user_id"),
        (PLAYER, {"tags": {}}, "needs tags or an external_user_id"),
        (
            PLAYER,
            {"tags": {f"t{i}": "v" for i in range(101)}},
            "at most 100 tags per call, got 101",
        ),
    ],
)
def test_calls_that_cannot_be_made_send_nothing(
    players: Players, player_id: str, kw: dict[str, Any], said: str
) -> None:
    with pytest.raises(InvalidCall, match=said):
        calls.legacy_edit_device(APP_ID, player_id, **kw)
    with _client(players) as c:
        result = c.legacy_edit_device(player_id, **kw)
    assert result.status == "rejected" and result.attempts == 0 and said in (result.reason or "")
    assert players.seen == []


def test_exactly_100_tags_go_in_one_call(players: Players) -> None:
    tags = {f"t{i}": "v" for i in range(100)}
    with _client(players) as c:
        assert c.legacy_edit_device(PLAYER, tags).ok
    assert len(players.seen[0].body["tags"]) == 100


def test_the_async_client_has_the_same_method(players: Players) -> None:
    destination = Destination(app_id=APP_ID, api_key=LEGACY_KEY, api_url=players.url, api="legacy")

    async def go() -> Any:
        async with AsyncOneSignalClient(destination, retry=FAST) as c:
            return await c.legacy_edit_device(PLAYER, tags={"plan": "gold"}, external_user_id="")

    assert asyncio.run(go()).ok
    assert players.seen[0].body == {
        "app_id": APP_ID,
        "tags": {"plan": "gold"},
        "external_user_id": "",
    }


def test_identity_reads_are_views_and_writes_are_not() -> None:
    # §6: view endpoints (user) 1 req/s per app; create/update users or subscriptions 1,000/s.
    assert calls.get_subscription_identity(APP_ID, "s-1").view
    assert not calls.set_subscription_identity(APP_ID, "s-1", {"crm_id": "c1"}).view
    assert not calls.legacy_edit_device(APP_ID, PLAYER, tags={"a": "b"}).view
