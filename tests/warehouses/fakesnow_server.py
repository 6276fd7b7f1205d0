"""A fakesnow server on a loopback port: the Snowflake the real connector talks HTTP to in tests.

fakesnow pins its own sqlglot and DuckDB, so it runs from its own venv (``.venv-fakesnow``, made
by ``make install``) in a subprocess. This file is both halves: ``serve()`` (pytest side) starts
and stops it, and run as a script with that venv's Python it is the server. The script half
imports only the standard library at the top, so pytest can import this module.

fakesnow 0.12.1 in server mode does not serve everything snowflake-connector-python 5 (the Rust
core) needs, so the script wraps fakesnow's own Starlette routes, here in the test setup only:

* its login response has no ``masterToken``; the connector refuses it ("Failed to login: Missing
  response field: master token"), so the wrapper adds one;
* it accepts any credentials; the wrapper checks the user and password, or the key-pair JWT's
  RS256 signature against the public key, and answers a wrong one with Snowflake's own error
  (390100 "Incorrect username or password was specified.");
* it has no ``/telemetry/send``; the wrapper answers it, so the connector's close is quiet;
* it sends a whole result inline in one response; the wrapper splits one of more than
  ``CHUNK_ROWS`` rows into chunks the client downloads one by one, as Snowflake does (its
  ``chunks`` list of URLs), so a test or benchmark sees the client's memory over a long result.

And three of its SQL translations are fixed (``_patch_fakesnow``), so the golden test checks
Snowflake's semantics rather than fakesnow's slips:

* ``RTRIM(x, '0')`` lost its characters (``trim_cast_varchar`` rebuilt the TRIM without them);
* ``TRY_CAST(x AS TIMESTAMP_NTZ)`` became a plain cast that fails on a bad value instead of NULL;
* a NULL in a timestamp column came back as a struct with unmasked nulls, which connector 5
  refuses ("Found unmasked nulls for non-nullable StructArray field").

Every login's request (password and token left out) is appended to ``logins.jsonl`` in the
server's folder, so a test can see the session parameters the connector sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FAKESNOW_PYTHON = ROOT / ".venv-fakesnow" / "bin" / "python"
CHUNK_ROWS = 50_000
USER = "onesync"
PASSWORD = "fake-snow-pw"


@dataclass(frozen=True)
class FakeSnow:
    """A running server: where it listens and what it accepts."""

    host: str
    port: int
    user: str
    password: str
    folder: Path

    def logins(self) -> list[dict[str, Any]]:
        """The login requests so far (without password or token), oldest first."""
        path = self.folder / "logins.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]


@contextmanager
def serve(
    folder: Path, *, public_key: Path | None = None, timeout: float = 60.0
) -> Iterator[FakeSnow]:
    """Start the server (logs and logins in ``folder``), yield it once it answers, stop it."""
    if not FAKESNOW_PYTHON.exists():
        raise FileNotFoundError(f"{FAKESNOW_PYTHON} is missing: run `make install`")
    folder.mkdir(parents=True, exist_ok=True)
    args = [str(FAKESNOW_PYTHON), __file__, str(folder), USER, PASSWORD]
    if public_key is not None:
        args.append(str(public_key))
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed below, after the process
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    try:
        port = _wait_ready(proc, folder, timeout)
        yield FakeSnow("127.0.0.1", port, USER, PASSWORD, folder)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        log.close()


def _wait_ready(proc: subprocess.Popen[bytes], folder: Path, timeout: float) -> int:
    """The port from the server's ``READY <port>`` line, printed once uvicorn accepts."""
    import selectors

    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if sel.select(timeout=0.5):
                line = proc.stdout.readline().decode()
                if line.startswith("READY "):
                    return int(line.split()[1])
                if not line:  # the process ended
                    break
    tail = (folder / "server.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"fakesnow server did not start (exit {proc.poll()}):\n{tail}")


# -- the server, run by .venv-fakesnow's Python ---------------------------------------------------


def _patch_fakesnow() -> None:
    """Fix the three translations named in the module docstring, in this process only."""
    import fakesnow.arrow as arrow
    import fakesnow.transforms as transforms
    import pyarrow as pa
    import pyarrow.compute as pc
    from sqlglot import exp

    text = (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT)

    def trim_cast_varchar(expression: Any) -> Any:
        if not isinstance(expression, exp.Trim):
            return expression
        operand = expression.this
        if isinstance(operand, exp.Cast) and operand.to.this in text:
            return expression
        fixed = expression.copy()
        fixed.set("this", exp.Cast(this=operand, to=exp.DataType(this=exp.DataType.Type.VARCHAR)))
        return fixed

    to_timestamp = transforms.to_timestamp

    def keep_try_cast(expression: Any) -> Any:
        return expression if isinstance(expression, exp.TryCast) else to_timestamp(expression)

    struct = arrow.timestamp_to_sf_struct

    def masked_struct(ts: Any) -> Any:
        if isinstance(ts, pa.ChunkedArray):
            ts = ts.combine_chunks()
        if not ts.null_count:
            return struct(ts)
        plain = struct(ts)
        children = [plain.field(i).fill_null(0) for i in range(plain.type.num_fields)]
        fields = [plain.type.field(i) for i in range(plain.type.num_fields)]
        return pa.StructArray.from_arrays(children, fields=fields, mask=pc.is_null(ts))

    transforms.trim_cast_varchar = trim_cast_varchar
    transforms.to_timestamp = keep_try_cast
    arrow.timestamp_to_sf_struct = masked_struct


def _main(folder: str, user: str, password: str, public_key: str | None) -> None:
    import base64
    import contextlib
    import gzip
    import socket
    import uuid

    import fakesnow.server as fs
    import pyarrow as pa
    import uvicorn
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    _patch_fakesnow()
    key = None
    if public_key:
        key = serialization.load_pem_public_key(Path(public_key).read_bytes())

    def b64(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    def jwt_ok(token: str) -> bool:
        """RS256 signature by the fixture's key, for ACCOUNT.USER (what Snowflake checks)."""
        if key is None:
            return False
        try:
            head, body, sig = token.split(".")
            key.verify(  # type: ignore[union-attr]
                b64(sig), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:
            return False
        claims = json.loads(b64(body))
        return str(claims.get("sub", "")).upper().endswith("." + user.upper())

    def refused() -> JSONResponse:
        return JSONResponse(
            {
                "data": {"nextAction": None, "authnMethod": "USERNAME_PASSWORD"},
                "code": "390100",
                "message": "Incorrect username or password was specified.",
                "success": False,
                "headers": None,
            }
        )

    async def login(request: Request) -> Any:
        body = await request.body()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        data = json.loads(body)["data"]
        seen = {k: v for k, v in data.items() if k not in ("PASSWORD", "TOKEN")}
        seen["query"] = dict(request.query_params)
        with open(Path(folder) / "logins.jsonl", "a") as f:
            f.write(json.dumps(seen) + "\n")
        if data.get("LOGIN_NAME", "").upper() != user.upper():
            return refused()
        if data.get("AUTHENTICATOR") == "SNOWFLAKE_JWT":
            if not jwt_ok(str(data.get("TOKEN", ""))):
                return JSONResponse(
                    {
                        "data": None,
                        "code": "390144",
                        "message": "JWT token is invalid.",
                        "success": False,
                    }
                )
        elif data.get("PASSWORD") != password:
            return refused()
        response = await fs.login_request(request)  # reads the body Starlette cached
        out = json.loads(bytes(response.body))
        token = out["data"]["token"]
        out["data"].update(
            masterToken=f"master-{token}",
            validityInSeconds=3600,
            masterValidityInSeconds=14400,
            displayUserName=user,
            sessionId=abs(hash(token)) % 10**12,
        )
        return JSONResponse(out)

    chunks: dict[str, bytes] = {}

    def ipc(table: Any) -> bytes:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return bytes(sink.getvalue())

    def split(data: dict[str, Any], base: str) -> None:
        """The first CHUNK_ROWS rows inline, the others as chunk URLs (Snowflake's shape)."""
        table = pa.ipc.open_stream(base64.b64decode(data["rowsetBase64"])).read_all()
        data["rowsetBase64"] = base64.b64encode(ipc(table.slice(0, CHUNK_ROWS))).decode()
        data["chunks"] = []
        for start in range(CHUNK_ROWS, table.num_rows, CHUNK_ROWS):
            part = table.slice(start, CHUNK_ROWS)
            name = uuid.uuid4().hex
            chunks[name] = body = ipc(part)
            data["chunks"].append(
                {
                    "url": f"{base}/fakesnow-chunks/{name}",
                    "rowCount": part.num_rows,
                    "uncompressedSize": len(body),
                    "compressedSize": len(body),
                }
            )

    async def query(request: Request) -> Any:
        response = await fs.query_request(request)
        if len(response.body) < 100_000:  # fewer than CHUNK_ROWS rows; not worth parsing
            return response
        out = json.loads(bytes(response.body))
        data = out.get("data") or {}
        if data.get("rowsetBase64") and int(data.get("total") or 0) > CHUNK_ROWS:
            await run_in_threadpool(split, data, f"http://127.0.0.1:{port}")
            return JSONResponse(out)
        return response

    async def chunk(request: Request) -> Response:
        body = chunks.pop(request.path_params["name"], None)
        if body is None:
            return Response(status_code=404)
        return Response(body, media_type="application/octet-stream")

    async def telemetry(request: Request) -> JSONResponse:
        return JSONResponse({"success": True, "data": None})

    mine = [
        Route("/session/v1/login-request", login, methods=["POST"]),
        Route("/queries/v1/query-request", query, methods=["POST"]),
        Route("/fakesnow-chunks/{name}", chunk, methods=["GET"]),
        Route("/telemetry/send", telemetry, methods=["POST"]),
    ]
    taken = {r.path for r in mine}
    routes = mine + [r for r in fs.routes if getattr(r, "path", None) not in taken]

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections queue from here on, before uvicorn accepts them
    port = sock.getsockname()[1]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        print(f"READY {port}", flush=True)
        yield

    app = Starlette(routes=routes, lifespan=lifespan)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
