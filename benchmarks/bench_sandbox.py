"""Throughput of `onesync sandbox` for PATCH user updates over loopback keep-alive connections.

The server runs as its own process (`onesync sandbox --port 0`, rate limits off). The client is
this process: asyncio streams speaking plain HTTP/1.1 on CONNECTIONS keep-alive sockets, so that
the client costs far less CPU per request than the server and is not what gets measured.

    .venv/bin/python benchmarks/bench_sandbox.py [--seconds 5] [--connections 32]

Prints requests per second and the ratio to the 2,000 req/s target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

TARGET = 2000
APP_ID = "bench-app"
API_KEY = "bench-key"
ROOT = Path(__file__).resolve().parents[1]


def start_server(db: str | None) -> tuple[subprocess.Popen[str], str, int]:
    cmd = [
        sys.executable,
        "-c",
        "from onesync.cli import main; main()",
        "sandbox",
        "--port",
        "0",
        "--app-id",
        APP_ID,
        "--api-key",
        API_KEY,
        "--users-rate",
        "off",
        "--per-user-rate",
        "off",
        *(["--db", db] if db else []),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    match = re.search(r"http://([\d.]+):(\d+)", proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit("the sandbox did not start")
    return proc, match.group(1), int(match.group(2))


def request(method: str, path: str, body: dict) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Key {API_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    await reader.readexactly(length)
    return status


async def worker(host: str, port: int, users: int, until: float, counts: dict[int, int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    rng = random.Random()
    while time.perf_counter() < until:
        user = rng.randrange(users)
        body = {"properties": {"tags": {"score": str(rng.randrange(1000)), "plan": "pro"}}}
        raw = request("PATCH", f"/apps/{APP_ID}/users/by/external_id/user-{user}", body)
        status = await exchange(reader, writer, raw)
        counts[status] = counts.get(status, 0) + 1
    writer.close()


async def drive(host: str, port: int, seconds: float, connections: int, users: int) -> dict:
    reader, writer = await asyncio.open_connection(host, port)
    for i in range(users):
        body = {"identity": {"external_id": f"user-{i}"}, "properties": {"tags": {"n": str(i)}}}
        assert await exchange(reader, writer, request("POST", f"/apps/{APP_ID}/users", body)) == 201
    writer.close()
    counts: dict[int, int] = {}
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(worker(host, port, users, until, counts) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--db", help="keep sandbox state in this SQLite file (default: memory)")
    args = parser.parse_args()
    proc, host, port = start_server(args.db)
    try:
        result = asyncio.run(drive(host, port, args.seconds, args.connections, args.users))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    total = sum(result["counts"].values())
    ok = result["counts"].get(202, 0)
    rate = total / result["elapsed"]
    print(
        f"sandbox PATCH /users/by/external_id: {total} requests in {result['elapsed']:.1f} s "
        f"over {args.connections} keep-alive connections ({ok} answered 202; "
        f"state {'in ' + args.db if args.db else 'in memory'})"
    )
    print(f"{rate:,.0f} req/s; target {TARGET:,} req/s; ratio {rate / TARGET:.2f}x")
    if ok != total:
        raise SystemExit(f"unexpected statuses: {result['counts']}")


if __name__ == "__main__":
    main()
