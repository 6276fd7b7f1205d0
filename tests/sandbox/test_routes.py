"""The route table: what is served is what is counted; prefixes, unknown paths, the observer."""

from __future__ import annotations

import httpx
import pytest

from onesync.sandbox import Faults, Sandbox, SandboxConfig
from onesync.sandbox.routes import ROUTES

from .helpers import API_KEY, APP_ID, AUTH, spec_text, user_path, users_path


def test_every_request_is_counted_under_its_route(api: httpx.Client, sb: Sandbox) -> None:
    api.post(users_path(), json={"identity": {"external_id": "u-1"}})
    api.patch(user_path("u-1"), json={"properties": {"tags": {"a": "1"}}})
    api.get(f"/api/v1{user_path('u-1')}")  # §3: the legacy /api/v1 prefix reaches the same route
    api.get(user_path("ghost"))
    counted = sb.snapshot()["requests_by_endpoint"]
    names = {r.name: r for r in ROUTES}
    assert counted == {
        "POST /apps/{app_id}/users": 1,
        "PATCH /apps/{app_id}/users/by/{alias_label}/{alias_id}": 1,
        "GET /apps/{app_id}/users/by/{alias_label}/{alias_id}": 2,
    }
    assert set(counted) <= set(names)


def test_route_names_are_the_spec_paths() -> None:
    # §0: the paths of the current spec, relative to https://api.onesignal.com
    spec = spec_text()
    legacy = {"/apps/{app_id}/users/{external_user_id}", "/players/{player_id}"}  # §5, v1.4
    for route in ROUTES:
        if route.template not in legacy:
            assert f"\n  {route.template}:\n" in spec, route.template
    assert len({r.name for r in ROUTES}) == len(ROUTES)


def test_unknown_paths_and_methods(api: httpx.Client, sb: Sandbox) -> None:
    missing = api.get(f"/apps/{APP_ID}/segments")
    assert missing.status_code == 404
    assert missing.json()["errors"][0].startswith("No such endpoint: GET /apps/")
    wrong = api.put(user_path("u-1"), json={})
    assert wrong.status_code == 404
    assert "(this path takes GET, PATCH, DELETE)" in wrong.json()["errors"][0]
    counted = sb.snapshot()["requests_by_endpoint"]
    assert counted == {
        "GET (no such endpoint)": 1,
        "PUT /apps/{app_id}/users/by/{alias_label}/{alias_id}": 1,
    }


def test_wrong_app_id_on_the_new_routes(api: httpx.Client) -> None:
    reply = api.delete("/apps/not-mine/subscriptions/x")
    assert reply.status_code == 400
    assert reply.json()["errors"][0].startswith("app_id not found")


@pytest.mark.parametrize("path", ["/", "/_sandbox"])
def test_root_and_bare_sandbox_lead_to_the_page(sb: Sandbox, path: str) -> None:
    reply = httpx.get(f"{sb.url}{path}", follow_redirects=True)
    assert reply.status_code == 200
    assert str(reply.url) == f"{sb.url}/_sandbox/"
    assert "<h1>onesync sandbox</h1>" in reply.text
    assert sb.snapshot()["requests"] == 0  # not API requests


def test_observer_sees_every_api_request_before_it_is_handled() -> None:
    seen: list[tuple[str, str, bytes, int]] = []
    box: Sandbox

    def observe(method: str, target: str, body: bytes) -> None:
        seen.append((method, target, body, len(box.store.users)))
        if target.endswith("/boom"):
            raise RuntimeError("observer bug")

    config = SandboxConfig(app_id=APP_ID, api_key=API_KEY, faults=Faults())
    box = Sandbox(config, observer=observe)
    with box, httpx.Client(base_url=box.url, headers=AUTH) as client:
        created = client.post(users_path(), json={"identity": {"external_id": "u-1"}})
        assert created.status_code == 201
        client.get("/_sandbox/state")
        assert client.get(f"/apps/{APP_ID}/boom").status_code == 404  # still answered
        box.set_faults(Faults(rate_5xx=1.0))
        assert client.get(user_path("u-1")).status_code >= 500
    assert [(m, t) for m, t, _, _ in seen] == [
        ("POST", users_path()),
        ("GET", f"/apps/{APP_ID}/boom"),
        ("GET", user_path("u-1")),
    ]
    assert seen[0][2] == b'{"identity":{"external_id":"u-1"}}'
    assert seen[0][3] == 0  # called before the user was created
    assert [str(e) for e in box.observer_errors] == ["observer bug"]
