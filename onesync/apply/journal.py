"""Confirmed changes go to the state store in small batches, so a crash loses little.

Every change OneSignal confirmed is buffered as a state record (``RowUpdate``, ``Sent`` or
``Missed``; ``records.record_of`` makes one from a plan change) and written with
``StateWriter.confirm`` once 500 have piled up or a second has passed, whichever comes first;
``close`` writes the rest. A crash therefore loses at most the confirmations of the last second
(and the requests in flight): the next plan sees those rows as still to do and sends them again,
which is harmless because creates are upserts, tag PATCHes are idempotent, and events and
messages carry idempotency keys.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple

from onesync.state import Record, StateWriter

__all__ = ["Journal"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

BATCH = 500
INTERVAL = 1.0
COMPACT_EVERY = 50_000  # confirmations between ``StateWriter.compact`` calls


class Journal:
    """Buffers confirmed changes of one sync and commits them off the event loop."""

    def __init__(
        self, state: StateWriter, sync: str, *, batch: int = BATCH, interval: float = INTERVAL
    ) -> None:
        self.state = state
        self.sync = sync
        self.batch = batch
        self.interval = interval
        self.committed = 0
        self._buffer: list[Record] = []
        self._last = time.monotonic()
        self._lock = asyncio.Lock()
        self._db = threading.Lock()  # the state connection is never used by two threads at once
        self._stop = asyncio.Event()
        self._ticker: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Flush every ``interval`` even when no confirmation arrives (slow retries)."""
        self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.interval)
            except TimeoutError:
                if self._buffer:
                    await self.flush()

    def write(self, fn: Callable[[*Ts], T], *args: *Ts) -> T:
        """Run a state write, serialised with the journal's own commits."""
        with self._db:
            return fn(*args)

    async def add(self, record: Record) -> None:
        self._buffer.append(record)
        if len(self._buffer) >= self.batch or time.monotonic() - self._last >= self.interval:
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            if not self._buffer:
                return
            batch, self._buffer = self._buffer, []
            self._last = time.monotonic()
            # DuckDB and psycopg release the GIL while they work: keep the loop sending meanwhile.
            # Shielded: a cancelled apply still records what OneSignal already confirmed.
            await asyncio.shield(
                asyncio.to_thread(self.write, self.state.confirm, self.sync, batch)
            )
            before, self.committed = self.committed, self.committed + len(batch)
            if before // COMPACT_EVERY != self.committed // COMPACT_EVERY:
                await asyncio.shield(asyncio.to_thread(self.write, self.state.compact))

    async def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            await self._ticker
            self._ticker = None
        await self.flush()
