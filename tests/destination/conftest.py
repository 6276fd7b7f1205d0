"""Fixtures for the destination tests: the scripted stand-in server (see scripted_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripted_server import Scripted, start


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    """A running scripted server on 127.0.0.1 (a random port)."""
    state = Scripted(url="")
    server, thread = start(state)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
