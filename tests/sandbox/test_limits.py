"""Auth, wrong app ids, body sizes and rate limits (per app, per endpoint, per user)."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from onesync.sandbox import RateLimits

from .helpers import API_KEY, APP_ID, AUTH, user_path, users_path

ACCESS_DENIED = "Access denied.  Please include an 'Authorization: ...' header"


@pytest.mark.parametrize("header", [None, "Key wrong", "Bearer", "Token " + API_KEY])
def test_missing_or_wrong_key_is_403(sb, header: str | None) -> None:
    # §6: "Bad key today ⇒ HTTP 403 "Access denied.  Please include an 'Authorization: ...'"
    headers = {"Authorization": header} if header else {}
    reply = httpx.post(f"{sb.url}{users_path()}", json={"identity": {"a": "b"}}, headers=headers)
    assert reply.status_code == 403
    assert reply.json()["errors"][0].startswith(ACCESS_DENIED)
    assert sb.snapshot()["users"] == []


@pytest.mark.parametrize("scheme", ["Key", "key", "Basic", "Bearer"])
def test_accepted_auth_schemes(sb, scheme: str) -> None:
    # §6: "Authorization: Key <APP_API_KEY>" (docs show lower-case key); legacy "Basic <key>"
    headers = {"Authorization": f"{scheme} {API_KEY}"}
    reply = httpx.post(f"{sb.url}{users_path()}", json={"identity": {"x": "1"}}, headers=headers)
    assert reply.status_code == 201


def test_other_app_id_is_refused(api: httpx.Client) -> None:
    reply = api.post("/apps/not-my-app/users", json={"identity": {"external_id": "u"}})
    assert reply.status_code == 400
    assert reply.json()["errors"][0].startswith("app_id not found")


def test_bad_json_and_big_bodies(api: httpx.Client, make_sandbox) -> None:
    # §4: "Maximum size of request is 1 MB" (max_body_bytes, here 1000)
    reply = api.post(
        users_path(), content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 400
    assert "not valid JSON" in reply.json()["errors"][0]
    box = make_sandbox(max_body_bytes=1000)
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        big = client.post(users_path(), json={"identity": {"external_id": "x" * 2000}})
        assert big.status_code == 413
        # the connection stays usable after a refused body
        assert client.post(users_path(), json={"identity": {"external_id": "u"}}).is_success


def test_per_user_limit_is_one_write_per_second(make_sandbox) -> None:
    # §6: "1 req/s per user or subscription"; §8.4: limit "Subscription/User Update Per Device"
    box = make_sandbox(rate_limits=RateLimits())
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        assert client.post(users_path(), json={"identity": {"external_id": "u"}}).is_success
        reply = client.patch(user_path("u"), json={"properties": {"tags": {"a": "1"}}})
        assert reply.status_code == 429
        assert reply.json() == {
            "errors": ["API rate limit exceeded."],
            "limit": "Subscription/User Update Per Device",
        }
        assert reply.headers["Retry-After"] == "1"
        # another user is not affected
        assert client.post(users_path(), json={"identity": {"external_id": "v"}}).is_success
    assert box.user("external_id", "u")["properties"]["tags"] == {}


def test_per_user_limit_can_be_turned_off(make_sandbox) -> None:
    box = make_sandbox(rate_limits=RateLimits(per_user=None))
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        client.post(users_path(), json={"identity": {"external_id": "u"}})
        for i in range(5):
            body = {"properties": {"tags": {"n": str(i)}}}
            assert client.patch(user_path("u"), json=body).status_code == 202


def test_app_wide_limits_per_endpoint(make_sandbox) -> None:
    # §6: "Evaluated when the request is received; per app and per endpoint"; 429 with
    # {"errors": ["API rate limit exceeded."]} and Retry-After
    box = make_sandbox(rate_limits=RateLimits(users=3, per_user=None, notifications=2, views=1))
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        codes = [
            client.post(users_path(), json={"identity": {"external_id": f"u{i}"}}).status_code
            for i in range(10)
        ]
        assert codes[:3] == [201, 201, 201] and 429 in codes  # 7 unless the machine stalls
        note = {"app_id": APP_ID, "included_segments": ["All"], "contents": {"en": "x"}}
        sent = [client.post("/notifications", json=note) for _ in range(6)]
        limited = [r for r in sent if r.status_code == 429]
        assert limited and limited[0].json()["limit"] == "Create Notification Per App"
        views = [client.get(user_path("u0")).status_code for _ in range(3)]
        assert views[0] == 200 and 429 in views


def test_expect_continue_and_chunked_bodies(sb) -> None:
    """What curl sends for bigger bodies: Expect: 100-continue, or a chunked body."""
    body = json.dumps({"identity": {"external_id": "raw"}}).encode()
    with socket.create_connection(("127.0.0.1", int(sb.url.rsplit(":", 1)[1]))) as conn:
        head = (
            f"POST {users_path()} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {API_KEY}\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
        )
        conn.sendall(head.encode())
        assert conn.recv(100).startswith(b"HTTP/1.1 100 Continue")
        conn.sendall(body)
        assert conn.recv(4096).startswith(b"HTTP/1.1 201 Created")
        chunked = (
            f"PATCH {user_path('raw')} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {API_KEY}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
        payload = b'{"properties": {"tags": {"via": "chunks"}}}'
        chunked += b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
        conn.sendall(chunked)
        assert conn.recv(4096).startswith(b"HTTP/1.1 202 Accepted")
    assert sb.user("external_id", "raw")["properties"]["tags"] == {"via": "chunks"}
