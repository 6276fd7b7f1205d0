"""Seeded fault injection: reproducible, never applied unless asked, latency keeps concurrency."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from onesync.sandbox import Faults, Sandbox

from .helpers import AUTH, user_path, users_path

MIXED = Faults(rate_429=0.2, rate_5xx=0.2, drop_rate=0.1, seed=7)


def outcomes(box: Sandbox, n: int = 40) -> list[str]:
    """Send n creates one after another; record each status, or 'drop'."""
    seen = []
    with httpx.Client(base_url=box.url, headers=AUTH, timeout=10) as client:
        for i in range(n):
            try:
                reply = client.post(users_path(), json={"identity": {"external_id": f"u{i}"}})
                seen.append(str(reply.status_code))
            except httpx.TransportError:
                seen.append("drop")
    return seen


def test_same_seed_same_faults(make_sandbox) -> None:
    first = outcomes(make_sandbox(faults=MIXED))
    second = outcomes(make_sandbox(faults=MIXED))
    assert first == second
    assert {"201", "429", "drop"} <= set(first)
    assert {"500", "503"} & set(first)
    other = outcomes(make_sandbox(faults=Faults(rate_429=0.2, rate_5xx=0.2, drop_rate=0.1, seed=8)))
    assert other != first


def test_set_faults_restarts_the_sequence(make_sandbox) -> None:
    box = make_sandbox(faults=MIXED)
    first = outcomes(box, 20)
    box.reset()
    box.set_faults(MIXED)
    assert outcomes(box, 20) == first


def test_faulted_requests_change_nothing(make_sandbox) -> None:
    box = make_sandbox()
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        client.post(users_path(), json={"identity": {"external_id": "u"}})
        box.set_faults(Faults(rate_5xx=1.0))
        patch = {"properties": {"tags": {"a": "1"}}}
        reply = client.patch(user_path("u"), json=patch)
        assert reply.status_code in (500, 503)
        assert reply.json()["errors"]
        box.set_faults(Faults(rate_429=1.0))
        limited = client.patch(user_path("u"), json=patch)
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "1")
        box.set_faults(Faults(drop_rate=1.0))
        with pytest.raises(httpx.TransportError):
            client.patch(user_path("u"), json=patch)
    assert box.user("external_id", "u")["properties"]["tags"] == {}
    assert box.snapshot()["requests_by_status"] == {"0": 1, "201": 1, "429": 1} | {
        str(reply.status_code): 1
    }


def test_apply_then_fail_applies_before_failing(make_sandbox) -> None:
    box = make_sandbox(faults=Faults(rate_5xx=1.0, apply_then_fail=True))
    with httpx.Client(base_url=box.url, headers=AUTH) as client:
        reply = client.post(users_path(), json={"identity": {"external_id": "u"}})
        assert reply.status_code in (500, 503)
        box.set_faults(Faults(drop_rate=1.0, apply_then_fail=True))
        with pytest.raises(httpx.TransportError):
            client.patch(user_path("u"), json={"properties": {"tags": {"a": "1"}}})
    assert box.user("external_id", "u")["properties"]["tags"] == {"a": "1"}


def test_inspection_is_never_faulted(make_sandbox) -> None:
    box = make_sandbox(faults=Faults(drop_rate=1.0))
    assert httpx.get(f"{box.url}/_sandbox/state").json()["users"] == []
    set_back = httpx.post(f"{box.url}/_sandbox/faults", json={"rate_429": 0.5, "seed": 3})
    assert set_back.json()["rate_429"] == 0.5
    assert box.faults == Faults(rate_429=0.5, seed=3)
    bad = httpx.post(f"{box.url}/_sandbox/faults", json={"rate_429": 2})
    assert bad.status_code == 400


def test_latency_does_not_serialise_requests(make_sandbox) -> None:
    box = make_sandbox(faults=Faults(latency_ms=300))

    def one(i: int) -> int:
        body = {"identity": {"external_id": f"u{i}"}}
        return httpx.post(f"{box.url}{users_path()}", json=body, headers=AUTH).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(one, range(8)))
    elapsed = time.perf_counter() - started
    assert codes == [201] * 8
    assert 0.3 <= elapsed < 1.5  # 8 x 300 ms one after another would take 2.4 s
