"""HTTP/1.1 with keep-alive on asyncio streams, fault injection, and the ``Sandbox`` handle.

The server runs its own event loop in a background thread; ``Sandbox`` methods called from other
threads hop onto that loop, so handlers never need locks.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import asdict
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from onesync.sandbox.app import Response, SandboxApp, error, rate_limited
from onesync.sandbox.config import Faults, SandboxConfig
from onesync.sandbox.export import PREFIX as _EXPORTS
from onesync.sandbox.export import FileBody, exports_of, serve
from onesync.sandbox.store import Store, public_user
from onesync.sandbox.ui import render_page

__all__ = ["Observer", "Sandbox"]

T = TypeVar("T")

_DISCARD_LIMIT = 16_000_000
_CHUNK = 1 << 16
_PAGE = "/_sandbox/"

Observer = Callable[[str, str, bytes], object]
"""Called as ``observer(method, target, body)`` for every API request, before it is handled."""


class Sandbox:
    """A local OneSignal-compatible API server for one app.

    Use it as a context manager (or call ``start()``/``stop()``); ``url`` is the ``api_url`` to
    give onesync. ``port=0`` picks a free port.

    ``observer(method, target, body)``, if given, sees every API request (not the ``/_sandbox/``
    ones) before it is handled, faulted or not, on the sandbox's own thread: contract tests use
    it to check what a client sends. What it raises is kept in ``observer_errors`` and the
    request is answered as if there were no observer.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        observer: Observer | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.observer = observer
        self.observer_errors: list[Exception] = []
        self.host = host
        self.port = port
        self.store = Store(self.config.db_path)
        self.app = SandboxApp(self.config, self.store)
        self._faults = self.config.faults
        self._rng = random.Random(self._faults.seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. ``http://127.0.0.1:4000``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Sandbox:
        """Start serving in a background thread; returns once the socket listens."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="onesync-sandbox", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self._thread.join()
            self._thread = None
            raise self._failure
        return self

    def stop(self) -> None:
        """Close every connection, stop the loop, and flush the SQLite file."""
        if self._thread is None or self._loop is None:
            self.store.close()
            exports_of(self.app).clear()
            return
        self._loop.call_soon_threadsafe(self._shutdown)
        self._thread.join()
        self._thread = None
        self.store.close()
        exports_of(self.app).clear()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- inspection and control ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Users, events, notifications and request counts, as ``GET /_sandbox/state``."""
        return self._call(lambda: self.store.snapshot(self.config.app_id))

    def user(self, label: str, value: str) -> dict[str, Any] | None:
        """One user (identity, properties, subscriptions) by alias, or None."""

        def find() -> dict[str, Any] | None:
            user = self.store.find(label, value)
            return public_user(user) if user else None

        return self._call(find)

    def reset(self) -> None:
        """Forget all users, events, notifications, counts and CSV exports."""
        self._call(self._reset)

    def _reset(self) -> None:
        self.store.reset()
        exports_of(self.app).clear()

    def set_faults(self, faults: Faults) -> None:
        """Replace the fault settings; the random sequence restarts from ``faults.seed``."""

        def apply() -> None:
            self._faults = faults
            self._rng = random.Random(faults.seed)

        self._call(apply)

    @property
    def faults(self) -> Faults:
        return self._faults

    def _call(self, fn: Callable[[], T]) -> T:
        loop = self._loop
        if loop is None or self._thread is None or not loop.is_running():
            return fn()

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), loop).result()

    # -- the loop ------------------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._connection, self.host, self.port, backlog=1024)
            )
        except OSError as exc:
            self._failure = exc
            self._ready.set()
            loop.close()
            return
        self.port = self._server.sockets[0].getsockname()[1]
        exports_of(self.app).base_url = self.url  # csv_file_url points back at this server
        self._loop = loop
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._server.wait_closed())
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def _shutdown(self) -> None:
        assert self._server is not None and self._loop is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._loop.stop()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Read and answer one request; False when the connection should end."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            await _write(writer, error(400, "Malformed request line"), keep_alive=False)
            return False
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        keep_alive = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # curl waits for this on big bodies
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        else:
            length = int(headers.get("content-length") or 0)
            if length > self.config.max_body_bytes:
                if length > _DISCARD_LIMIT:
                    await _write(writer, _too_large(self.config.max_body_bytes), keep_alive=False)
                    return False
                await reader.readexactly(length)
                await _write(writer, _too_large(self.config.max_body_bytes), keep_alive)
                return keep_alive
            body = await reader.readexactly(length) if length else b""
        response = await self._dispatch(method, target, headers, body)
        if response is None:
            writer.transport.abort()
            return False
        await _write(writer, response, keep_alive)
        return keep_alive

    async def _dispatch(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> Response | None:
        """Inspection endpoints, or an API request with faults; None means drop the connection."""
        path = target.split("?", 1)[0]
        if path in ("/", "/_sandbox"):
            return Response(302, None, (("Location", _PAGE),))
        if path.startswith("/_sandbox/"):
            return self._inspect(method, path, body)
        if self.observer is not None:
            try:
                self.observer(method, target, body)
            except Exception as exc:  # the observer's bug is the test's to report, not ours
                self.observer_errors.append(exc)
        routed = self.app.route(method, target)
        faults = self._faults
        draw, pick = self._rng.random(), self._rng.random()
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        fault = None
        if draw < faults.rate_429:
            fault = "429"
        elif draw < faults.rate_429 + faults.rate_5xx:
            fault = "5xx"
        elif draw < faults.rate_429 + faults.rate_5xx + faults.drop_rate:
            fault = "drop"
        failed: Response | None = None
        if fault == "5xx":
            failed = (
                error(500, "Internal server error (sandbox fault injection)")
                if pick < 0.5
                else error(503, "Service temporarily unavailable")
            )
        if fault == "429":
            response: Response | None = rate_limited("Sandbox fault injection")
        elif fault and not faults.apply_then_fail:
            response = failed
        else:
            try:
                query = dict(parse_qsl(target.partition("?")[2]))
                response = self.app.handle(method, routed, headers, body, query)
            except Exception:  # a sandbox bug must not kill the connection loop
                traceback.print_exc(file=sys.stderr)
                response = error(500, "sandbox bug; see the sandbox's stderr")
            if fault:
                response = failed
        self.store.count(routed.name, response.status if response else 0)
        self.store.flush()
        return response

    def _inspect(self, method: str, path: str, body: bytes) -> Response:
        if path.startswith(_EXPORTS):
            return serve(self.app, method, path)
        if method == "GET" and path == _PAGE:
            page = render_page(self.store.snapshot(self.config.app_id))
            return Response(200, page, (("Content-Type", "text/html; charset=utf-8"),))
        if method == "GET" and path == "/_sandbox/state":
            return Response(200, self.store.snapshot(self.config.app_id))
        if method == "POST" and path == "/_sandbox/reset":
            self._reset()
            return Response(200, {"reset": True})
        if method == "GET" and path == "/_sandbox/faults":
            return Response(200, asdict(self._faults))
        if method == "POST" and path == "/_sandbox/faults":
            try:
                faults = Faults(**json.loads(body or b"{}"))
            except (ValueError, TypeError) as exc:
                return error(400, f"Bad faults: {exc}")
            self._faults, self._rng = faults, random.Random(faults.seed)
            return Response(200, asdict(faults))
        return error(404, f"No sandbox endpoint {method} {path}")


def _too_large(limit: int) -> Response:
    return error(413, f"Request body is larger than {limit} bytes")


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _write(writer: asyncio.StreamWriter, response: Response, keep_alive: bool) -> None:
    if isinstance(response.body, FileBody):
        await _write_file(writer, response, response.body, keep_alive)
        return
    if response.body is None:
        payload = b""
    elif isinstance(response.body, str):
        payload = response.body.encode()
    else:
        payload = json.dumps(response.body).encode()
    reason = HTTPStatus(response.status).phrase
    names = {name.lower() for name, _ in response.headers}
    head = [f"HTTP/1.1 {response.status} {reason}", f"Content-Length: {len(payload)}"]
    if "content-type" not in names and response.body is not None:
        head.append("Content-Type: application/json; charset=utf-8")
    head.extend(f"{name}: {value}" for name, value in response.headers)
    head.append("Connection: keep-alive" if keep_alive else "Connection: close")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
    await writer.drain()


async def _write_file(
    writer: asyncio.StreamWriter, response: Response, body: FileBody, keep_alive: bool
) -> None:
    """Send a file in chunks: a CSV export of a large app is far bigger than any API answer."""
    with body.path.open("rb") as file:
        reason = HTTPStatus(response.status).phrase
        head = [f"HTTP/1.1 {response.status} {reason}", f"Content-Length: {body.size}"]
        head.extend(f"{name}: {value}" for name, value in response.headers)
        head.append("Connection: keep-alive" if keep_alive else "Connection: close")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        while chunk := file.read(_CHUNK):
            writer.write(chunk)
            await writer.drain()
