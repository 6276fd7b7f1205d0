"""The Databricks source without a Databricks: settings, the missing driver, and error lines.

No Databricks workspace is reachable from here (no internet), so nothing reads a row. What runs
for real: the URL and options parsing, the driver's absence, a refused port on 127.0.0.1, and the
real driver talking TLS to a local server that refuses the token and echoes it back (the token
must not reach the error line). The SQL side (Databricks SQL is Spark SQL) is checked on a local
Spark in test_spark.py.
"""

from __future__ import annotations

import datetime
import http.server
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onesync.errors import SourceError
from onesync.model import Source
from onesync.sources import connect
from onesync.sources.databricks import connection_args

TOKEN = "dapi-canary-5e3cr3t-0042"
HOST = "dbc-1234.cloud.databricks.com"
PATH = "/sql/1.0/warehouses/abc123"


def source(url: str | None = None, **options: str) -> Source:
    return Source("lake", "databricks", url=url, options=tuple(options.items()))


def error_line(call: Callable[[], object]) -> str:
    with pytest.raises(SourceError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    assert TOKEN not in message
    return message


# -- settings -------------------------------------------------------------------------------
def test_the_url_holds_host_path_token_catalog_and_schema() -> None:
    url = f"databricks://token:{TOKEN}@{HOST}{PATH}?catalog=main&schema=crm"
    assert connection_args(source(url)) == {
        "server_hostname": HOST,
        "http_path": PATH,
        "access_token": TOKEN,
        "catalog": "main",
        "schema": "crm",
    }


def test_options_complete_and_override_the_url() -> None:
    args = connection_args(
        source(
            f"databricks://{HOST}:8443",
            http_path=PATH,
            access_token=TOKEN,
            schema="crm",
            _retry_stop_after_attempts_count="3",
            _tls_no_verify="true",
        )
    )
    assert args == {
        "server_hostname": HOST,
        "http_path": PATH,
        "access_token": TOKEN,
        "schema": "crm",
        "_port": 8443,
        "_retry_stop_after_attempts_count": 3,
        "_tls_no_verify": True,
    }
    # everything in options; a host copied from the browser keeps working
    args = connection_args(
        source(
            "databricks://", server_hostname=f"https://{HOST}/", http_path=PATH, access_token=TOKEN
        )
    )
    assert (args["server_hostname"], args["http_path"]) == (HOST, PATH)


@pytest.mark.parametrize(
    ("url", "options", "words"),
    [
        (f"https://{HOST}{PATH}", {}, "the url must start with databricks://"),
        (f"databricks://token:{TOKEN}@{HOST}", {}, "no http_path: set url: databricks://"),
        (f"databricks://{HOST}{PATH}", {}, "no access token: put it in the url"),
        (f"databricks://token:{TOKEN}@{HOST}{PATH}", {"warehouse": "x"}, "unknown option"),
        (f"databricks://token:{TOKEN}@{HOST}{PATH}?cluster=1", {}, "unknown url parameter"),
    ],
)
def test_a_bad_setting_is_one_line(url: str, options: dict[str, str], words: str) -> None:
    line = error_line(lambda: connect(source(url, **options)))
    assert line.startswith("source 'lake' (databricks: ") and ": cannot connect: " in line
    assert words in line


def test_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import databricks

    monkeypatch.delattr(databricks, "sql", raising=False)
    monkeypatch.setitem(sys.modules, "databricks.sql", None)  # import fails as if not installed
    line = error_line(lambda: connect(source(f"databricks://token:{TOKEN}@{HOST}{PATH}")))
    assert line == (
        f"source 'lake' (databricks: databricks://token:***@{HOST}{PATH}): cannot connect: "
        "databricks-sql-connector is not installed: pip install 'onesync[databricks]'"
    )


# -- the network ----------------------------------------------------------------------------
def test_a_refused_port_fails_at_once() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"databricks://token:{TOKEN}@127.0.0.1:{port}{PATH}"
    line = error_line(lambda: connect(source(url), context="specs/x.yaml"))
    assert line.startswith(
        f"specs/x.yaml: source 'lake' (databricks: databricks://token:***@127.0.0.1:{port}{PATH}):"
        f" cannot connect: cannot reach 127.0.0.1:{port}: "
    )
    assert "refused" in line


class _Refuser(http.server.BaseHTTPRequestHandler):
    """A server that refuses every token, and says which one it got."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        said = f"Invalid access token: {self.headers.get('Authorization')}"
        self.send_response(403)
        self.send_header("x-thriftserver-error-message", said)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def refuser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A TLS server on 127.0.0.1 with a certificate made for the test; yields its port."""
    pytest.importorskip("databricks.sql")
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    d: Path = tmp_path_factory.mktemp("tls")
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refuser)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(d / "cert.pem", d / "key.pem")
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_refused_token_is_one_line_without_the_token(refuser: int) -> None:
    url = f"databricks://token:{TOKEN}@127.0.0.1:{refuser}{PATH}"
    src = source(url, _tls_no_verify="true", _retry_stop_after_attempts_count="1")
    line = error_line(lambda: connect(src))
    assert line == (
        f"source 'lake' (databricks: databricks://token:***@127.0.0.1:{refuser}{PATH}):"
        " cannot connect: Error during request to server: Invalid access token: Bearer ***"
        " (HTTP 403)"
    )


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_token_in_options_is_hidden_too(refuser: int) -> None:
    src = source(
        f"databricks://127.0.0.1:{refuser}{PATH}", access_token=TOKEN, _tls_no_verify="true"
    )
    line = error_line(lambda: connect(src))
    assert line.endswith(": Invalid access token: Bearer *** (HTTP 403)")
