"""The lean transport against a real loopback server that answers in the shapes HTTP allows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from onesync.apply import plan_and_apply, runner
from onesync.apply.wire import LeanTransport
from onesync.sandbox import Sandbox

from .world import World, actual_users, expected_users

ANSWERS = {
    b"/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
    b'5\r\n{"a":\r\n4;ext=1\r\n 42}\r\n0\r\nTrailer: x\r\n\r\n',
    b"/length": b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
    b"/close": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-eof",
    b"/empty": b"HTTP/1.1 204 No Content\r\n\r\n",
    b"/cut": b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort",
}


async def _serve(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[bytes]
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ")[1]
            length = [int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(
                b"content-length")]  # fmt: skip
            body = await reader.readexactly(length[0]) if length else b""
            seen.append(head.split(b"\r\n")[0] + b" " + body)
            writer.write(ANSWERS[path])
            await writer.drain()
            if path in (b"/close", b"/cut"):
                break
    except asyncio.IncompleteReadError:
        pass
    writer.close()


def test_lean_transport_reads_every_body_shape() -> None:
    async def main() -> list[tuple[int, bytes]]:
        seen: list[bytes] = []
        server = await asyncio.start_server(lambda r, w: _serve(r, w, seen), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        out = []
        async with httpx.AsyncClient(
            transport=LeanTransport(), base_url=f"http://127.0.0.1:{port}"
        ) as client:
            for path in ("/chunked", "/length", "/close", "/empty", "/length"):
                r = await client.post(path, json={"x": 1})
                out.append((r.status_code, r.content))
            assert r.headers.get("content-length") == "2"
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/cut")
        server.close()
        await server.wait_closed()
        assert seen[0] == b'POST /chunked HTTP/1.1 {"x":1}'
        return out

    assert asyncio.run(main()) == [
        (200, b'{"a": 42}'),
        (201, b"{}"),
        (200, b"until-eof"),
        (204, b""),
        (201, b"{}"),  # on a new connection: the server closed the other one
    ]


def test_with_a_proxy_configured_apply_uses_httpx_transport(
    world: World, sb: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # not used for the http sandbox
    clients = runner._clients(world.project())
    assert len(clients) > 1
    assert not any(isinstance(c._http._transport, LeanTransport) for c in clients)

    async def close() -> None:
        for c in clients:
            await c.aclose()

    asyncio.run(close())
    world.customers(30)
    _, report = plan_and_apply(world.project())
    assert report is not None and report.exit_code == 0
    assert actual_users(sb.snapshot()) == expected_users(world)
