"""Apply stops at once on failures no retry can fix, and stops cleanly on SIGTERM.

A TLS certificate that does not verify (a real loopback TLS server with a self-signed
certificate), an API host DNS does not know, or a refused API key end apply with exit 1 and the
reason after at most one attempt per call in flight, not 8 retries per row ending as "rejected
rows". SIGTERM (CI cancel, Kubernetes) stops sending, lets the requests in flight be answered,
records what OneSignal confirmed, and exits 143; the next plan resends nothing of it.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from onesync.apply.wire import LeanTransport
from onesync.destination import AsyncOneSignalClient, Halted, RetryPolicy
from onesync.destination.client import permanent_failure
from onesync.errors import DestinationError
from onesync.model import Destination
from onesync.plan import make_plan
from onesync.sandbox import Faults, RateLimits, Sandbox, SandboxConfig
from onesync.state import open_state
from tests.apply.world import API_KEY, APP_ID, World


@pytest.fixture(autouse=True)
def api_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The World projects read their key from the environment (loaded here in process too)."""
    monkeypatch.setenv("TEST_ONESIGNAL_KEY", API_KEY)


# -- a real TLS server whose certificate nobody trusts -----------------------------------------


class TlsServer:
    """A loopback TLS server with a fresh self-signed certificate; counts handshakes."""

    def __init__(self, tmp: Path) -> None:
        cert, key = tmp / "cert.pem", tmp / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.settimeout(5)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1024)  # never reached: the client refuses the certificate
            except (ssl.SSLError, OSError):
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        self._thread.join(5)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TlsServer]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (needed to make a self-signed certificate)")
    server = TlsServer(tmp_path)
    yield server
    server.close()


def _dest(url: str) -> Destination:
    return Destination(APP_ID, API_KEY, api_url=url, concurrency=2)


@pytest.mark.parametrize("transport", ["lean", "httpx"])
def test_an_untrusted_certificate_raises_at_once(tls_server: TlsServer, transport: str) -> None:
    async def go() -> None:
        t = LeanTransport() if transport == "lean" else None
        async with AsyncOneSignalClient(_dest(tls_server.url), transport=t) as client:
            await client.create_user({"external_id": "u1"}, {"plan": "pro"})

    with pytest.raises(DestinationError, match="TLS certificate of 127.0.0.1 is not trusted"):
        asyncio.run(go())
    assert tls_server.connections == 1  # one attempt, no retries


def test_apply_against_an_untrusted_certificate_stops_with_exit_1(
    tmp_path: Path, tls_server: TlsServer
) -> None:
    world = World(tmp_path / "p", tls_server.url, events=False, messages=False, concurrency=1)
    world.customers(40)
    r = world.cli("apply", "--yes")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "rejected" not in r.stdout
    (line,) = r.stderr.strip().split("\n")
    assert "TLS certificate of 127.0.0.1 is not trusted" in line and "self-signed" in line
    assert "Apply stopped at once; the 0 changes OneSignal confirmed before" in line
    assert tls_server.connections <= 4  # the jobs in flight (window of 4), not 8 x 40 rows


# -- DNS ---------------------------------------------------------------------------------------


class _Raising(httpx.AsyncBaseTransport):
    """A transport that fails every request the way a resolver or TLS stack does."""

    def __init__(self, cause: BaseException) -> None:
        self.cause = cause
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        try:
            raise self.cause
        except BaseException as exc:
            raise httpx.ConnectError(f"cannot connect: {exc}") from exc


@pytest.mark.parametrize(
    ("errno", "final"),
    [(socket.EAI_NONAME, True), (socket.EAI_AGAIN, False)],
    ids=["unknown-host", "temporary-failure"],
)
def test_dns_failures_stop_unless_temporary(errno: int, final: bool) -> None:
    transport = _Raising(socket.gaierror(errno, "resolver says no"))

    async def go() -> object:
        retry = RetryPolicy(max_attempts=3, base=0.0)
        async with AsyncOneSignalClient(
            _dest("https://api.example.test"), transport=transport, retry=retry
        ) as client:
            return await client.update_user("external_id", "u1", {"plan": "pro"})

    if final:
        with pytest.raises(DestinationError, match="api.example.test is not known to DNS"):
            asyncio.run(go())
        assert transport.calls == 1
    else:
        result = asyncio.run(go())
        assert result.status == "exhausted" and transport.calls == 3  # retried


def test_permanent_failure_sees_through_the_exception_chain() -> None:
    err = ssl.SSLCertVerificationError(1, "certificate verify failed")
    err.verify_message = "self-signed certificate"
    try:
        try:
            raise err
        except ssl.SSLError as inner:
            raise httpx.ConnectError("boom") from inner
    except httpx.ConnectError as outer:
        assert "self-signed certificate" in (permanent_failure(outer, "h") or "")
    assert permanent_failure(httpx.ConnectError("refused"), "h") is None
    assert permanent_failure(httpx.ReadTimeout("slow"), "h") is None


def _resolver_says_unknown(host: str) -> bool:
    try:
        socket.getaddrinfo(host, 443)
    except socket.gaierror as exc:
        return exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME))
    return False


def test_apply_to_an_unknown_host_stops_with_exit_1(tmp_path: Path) -> None:
    host = "onesync-no-such-host.invalid"
    if not _resolver_says_unknown(host):
        pytest.skip("this machine's resolver does not answer 'unknown host' for .invalid")
    world = World(tmp_path / "p", f"https://{host}", events=False, messages=False)
    world.customers(20)
    started = time.monotonic()
    r = world.cli("apply", "--yes")
    assert r.returncode == 1, r.stdout + r.stderr
    (line,) = r.stderr.strip().split("\n")
    assert f"the API host {host} is not known to DNS" in line
    assert time.monotonic() - started < 30  # no backoff per row


# -- a refused API key -------------------------------------------------------------------------


def _sandbox(**faults: float) -> Sandbox:
    return Sandbox(
        SandboxConfig(
            app_id=APP_ID,
            api_key=API_KEY,
            rate_limits=RateLimits(per_user=None),
            faults=Faults(**faults),
        )
    ).start()


def test_a_refused_api_key_stops_apply_at_once(tmp_path: Path) -> None:
    sb = _sandbox()
    try:
        world = World(tmp_path / "p", sb.url, events=False, messages=False, concurrency=1)
        world.customers(30)
        r = world.cli("apply", "--yes", env={"TEST_ONESIGNAL_KEY": "os_v2_app_wrong-key-0000"})
        requests = sb.snapshot()["requests"]
    finally:
        sb.stop()
    assert r.returncode == 1, r.stdout + r.stderr
    (line,) = r.stderr.strip().split("\n")
    assert "OneSignal refused the API key" in line and "wrong-key" not in line
    assert requests <= 4  # the window in flight, then nothing


def test_a_halted_client_sends_nothing() -> None:
    transport = _Raising(OSError("must not be reached"))

    async def go() -> None:
        dest = _dest("https://api.example.test")
        async with AsyncOneSignalClient(dest, transport=transport) as c:
            c.halt()
            await c.update_user("external_id", "u1", {"plan": "pro"})

    with pytest.raises(Halted):
        asyncio.run(go())
    assert transport.calls == 0


# -- signals -----------------------------------------------------------------------------------

USERS = 400


def _keys_in_sandbox(sb: Sandbox) -> set[str]:
    return {u["identity"]["external_id"] for u in sb.snapshot()["users"]}


def _state_keys(world: World) -> set[str]:
    project = world.project()
    with open_state(project.state, project.root, lock=False) as st:
        return {k for k in (f"u{i:04d}" for i in range(USERS)) if st.values("customers", k)}


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)],
                         ids=["SIGTERM", "SIGINT"])  # fmt: skip
def test_a_signal_mid_apply_records_exactly_what_was_confirmed(
    tmp_path: Path, sig: int, code: int
) -> None:
    sb = _sandbox(latency_ms=40)
    try:
        world = World(tmp_path / "p", sb.url, events=False, messages=False, rate_limit="100/s")
        world.customers(USERS)
        proc = world.popen("apply", "--yes")
        deadline = time.monotonic() + 60
        while sb.snapshot()["requests"] < 60:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        confirmed = _keys_in_sandbox(sb)
        assert proc.returncode == code, out + err
        assert 60 <= len(confirmed) < USERS  # it really stopped mid-apply
        name = "terminated (SIGTERM)" if sig == signal.SIGTERM else "interrupted (SIGINT)"
        assert f"{name}: apply stopped; the {len(confirmed):,} changes OneSignal confirmed" in err
        assert "Traceback" not in err

        assert _state_keys(world) == confirmed  # exactly what OneSignal confirmed
        plan = make_plan(world.project())
        again = {p.key for p in plan.sync("customers").profiles}
        assert again.isdisjoint(confirmed) and len(again) == USERS - len(confirmed)

        r = world.cli("apply", "--yes")
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(_keys_in_sandbox(sb)) == USERS
    finally:
        sb.stop()


def test_sigterm_stops_run_watch_with_143(tmp_path: Path) -> None:
    sb = _sandbox()
    try:
        world = World(tmp_path / "p", sb.url, events=False, messages=False)
        world.customers(3)
        proc = world.popen("run", "--watch", "--interval", "3600")
        deadline = time.monotonic() + 60
        while len(_keys_in_sandbox(sb)) < 3:  # the first pass applied; now it sleeps
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        sb.stop()
    assert proc.returncode == 143, out + err
    assert "stopped (SIGTERM)" in err and "Traceback" not in err


def test_sigterm_outside_apply_unwinds_with_143(tmp_path: Path) -> None:
    """`sandbox show` against a server that never answers: SIGTERM while it waits."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        world = World(tmp_path / "p", "http://127.0.0.1:9")
        proc = world.popen("sandbox", "show", "--url", f"http://127.0.0.1:{port}")
        time.sleep(1.5)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        server.close()
    assert proc.returncode == 143, out + err
    assert err.strip() == "terminated (SIGTERM): stopped; nothing more was sent"
