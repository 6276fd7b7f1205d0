"""The state lock: one holder at a time, a timeout naming the holder, unlock and --force."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from onesync.errors import StateError
from onesync.model import StateConfig
from onesync.state import open_state, unlock_state


@pytest.fixture(params=["duckdb", "postgres"])
def config(request: pytest.FixtureRequest) -> StateConfig:
    if request.param == "duckdb":
        return StateConfig()
    url = request.getfixturevalue("pg_url")
    schema = request.getfixturevalue("pg_schema")
    return StateConfig(url=f"{url}?options=-csearch_path%3D{schema}")


def test_second_holder_times_out_naming_the_first(config: StateConfig, tmp_path: Path) -> None:
    with open_state(config, tmp_path):
        start = time.monotonic()
        with pytest.raises(StateError, match=r"is locked by .*@.* pid \d+ since .*waited 0.3s"):
            open_state(config, tmp_path, lock_timeout=0.3)
        assert 0.3 <= time.monotonic() - start < 3
    with open_state(config, tmp_path, lock_timeout=0):  # released on close
        pass


def test_unlock_refuses_a_live_lock_without_force(config: StateConfig, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, config.url, str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StateError, match="add --force"):
            unlock_state(config, tmp_path)
        info = unlock_state(config, tmp_path, force=True)
        assert info is not None and "@" in info.holder
        if config.backend == "postgres":  # the stuck session was ended
            with open_state(config, tmp_path, lock_timeout=5):
                pass
        else:  # our lock is broken; DuckDB's own file lock still names the live process
            with pytest.raises(StateError, match=rf"open in another process \(pid {holder.pid}\)"):
                open_state(config, tmp_path, lock_timeout=5)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_unlock_of_a_free_store_is_harmless(config: StateConfig, tmp_path: Path) -> None:
    with open_state(config, tmp_path):
        pass
    assert unlock_state(config, tmp_path) is None


_HOLD = """
import sys, time
from pathlib import Path
from onesync.model import StateConfig
from onesync.state.store import open_state
st = open_state(StateConfig(url=sys.argv[1]), Path(sys.argv[2]))
print("locked", flush=True)
time.sleep(60)
"""
