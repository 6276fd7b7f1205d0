"""A lean HTTP/1.1 keep-alive transport for httpx, for apply's bulk traffic.

httpcore's pool re-checks every connection (a ``getpeername`` and a ``poll`` each) and looks for
``sniffio`` on every request; at 1,000 requests per second that client CPU is what caps apply.
This transport keeps idle asyncio stream connections per origin and speaks plain HTTP/1.1
(Content-Length and chunked bodies). TLS always verifies certificates (httpx's default context);
the ``AsyncOneSignalClient`` on top still does rate limiting, retries and error mapping, and its
own gate bounds the number of connections. Apply falls back to httpx's default transport when a
proxy is configured in the environment (this transport does not speak to proxies).
"""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any

import httpx

__all__ = ["LeanTransport", "proxy_configured"]

_NO_BODY = frozenset({204, 304})


def proxy_configured() -> bool:
    """True when an ``*_PROXY`` variable asks httpx to route through a proxy."""
    return any(os.environ.get(n) for n in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"))


class LeanTransport(httpx.AsyncBaseTransport):
    """Keep-alive connections per (scheme, host, port); one request per connection at a time."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int], list[Any]] = {}
        self._ssl: ssl.SSLContext | None = None

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()  # verifies certificates and host names
        return self._ssl

    async def _connect(self, url: httpx.URL, timeout: float | None) -> Any:
        port = url.port or (443 if url.scheme == "https" else 80)
        tls = self._context() if url.scheme == "https" else None
        try:
            return await asyncio.wait_for(
                asyncio.open_connection(
                    url.host,
                    port,
                    ssl=tls,
                    server_hostname=url.host if tls else None,
                    limit=1 << 20,
                ),
                timeout,
            )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {url.host}:{port} timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"cannot connect to {url.host}:{port}: {exc}") from exc

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.scheme, url.host, url.port or 0)
        timeouts = request.extensions.get("timeout", {})
        idle = self._idle.setdefault(key, [])
        conn = None
        while idle:
            candidate = idle.pop()
            if not candidate[0].at_eof():
                conn = candidate
                break
            candidate[1].close()
        if conn is None:
            conn = await self._connect(url, timeouts.get("connect"))
        reader, writer = conn
        body = await request.aread()
        head = [f"{request.method} ".encode() + url.raw_path + b" HTTP/1.1"]
        head += [k + b": " + v for k, v in request.headers.raw]
        try:
            writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
            status, headers, content, keep = await asyncio.wait_for(
                self._read(reader, request.method), timeouts.get("read")
            )
        except TimeoutError as exc:
            writer.close()
            raise httpx.ReadTimeout("OneSignal did not answer in time", request=request) from exc
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            writer.close()
            raise httpx.RemoteProtocolError(
                f"server disconnected without a complete response ({type(exc).__name__})",
                request=request,
            ) from exc
        if keep:
            idle.append(conn)
        else:
            writer.close()
        return httpx.Response(
            status,
            headers=headers,
            content=content,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def _read(
        self, reader: asyncio.StreamReader, method: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw[:-4].split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError("not an HTTP/1.x response")
        status = int(parts[1])
        headers: list[tuple[bytes, bytes]] = []
        length: int | None = None
        chunked = False
        keep = parts[0] == b"HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name, value = name.strip(), value.strip()
            headers.append((name, value))
            low = name.lower()
            if low == b"content-length":
                length = int(value)
            elif low == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif low == b"connection":
                keep = value.lower() != b"close" and (keep or value.lower() == b"keep-alive")
        if method == "HEAD" or status in _NO_BODY or 100 <= status < 200:
            return status, headers, b"", keep
        if chunked:
            headers = [h for h in headers if h[0].lower() != b"transfer-encoding"]
            return status, headers, await _chunks(reader), keep
        if length is not None:
            return status, headers, await reader.readexactly(length), keep
        return status, headers, await reader.read(), False

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for _, writer in conns:
                writer.close()
        self._idle.clear()


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    out = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return bytes(out)
        out += await reader.readexactly(size)
        await reader.readexactly(2)
