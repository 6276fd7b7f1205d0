"""download_export against a real HTTP server on 127.0.0.1 that answers as OneSignal's docs say:
``POST /players/csv_export?app_id=`` answers ``{"csv_file_url"}`` (OpenAPI op
``export_subscriptions``); the file URL answers 403 (404 in the current docs) until the file is
generated, then the .csv.gz itself; a bad key is refused."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from onesync.destination import RetryPolicy
from onesync.destination.export import download_export
from onesync.errors import DestinationError
from onesync.model import Destination
from tests.destination.docserver import JsonHandler, serving

APP_ID = "0f0e0d0c-1111-4222-8333-444455556666"
API_KEY = "os_v2_app_exportsecretkey"
FILE_PATH = "/csv_exports/6d1c0f7e-93c4-4d1b-a3e7-2f1d7e0b9c11/users_export.csv.gz"
CSV = (
    b"id,identifier,device_type,tags,invalid_identifier,external_user_id\r\n"
    b"p1,a@x.com,11,{},f,u1\r\n"
)
GZ = gzip.compress(CSV, mtime=0)  # the same bytes in every xdist worker
FAST = RetryPolicy(max_attempts=3, base=0.01, cap=0.05, jitter=False)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Export:
    """What the server does: a key it accepts, answers for the file URL, what it saw."""

    key: str = API_KEY
    post: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)  # before the 200
    file: list[Any] = field(default_factory=lambda: [403, 403, ("file", GZ)])
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: Export) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                state.seen.append(Seen("POST", self.path, dict(self.headers), json.loads(raw)))
                scripted = state.post.pop(0) if state.post else None
            url = urlsplit(self.path)
            if url.path != "/players/csv_export" or "app_id" not in parse_qs(url.query):
                return self._json(404, {"errors": ["not found"]})
            auth = self.headers.get("Authorization", "")
            if auth not in (f"Key {state.key}", f"Basic {state.key}"):
                # reference §6: "Access denied.  Please include an 'Authorization: ...' header"
                refusal = "Access denied.  Please include an 'Authorization: ...' header"
                return self._json(401, {"errors": [refusal + " with a valid API key"]})
            if scripted is not None:
                return self._json(*scripted)
            self._json(200, {"csv_file_url": state.url + FILE_PATH})

        def do_GET(self) -> None:
            with state.lock:
                state.seen.append(Seen("GET", self.path, dict(self.headers), None))
                answer = state.file.pop(0) if len(state.file) > 1 else state.file[0]
            if self.path != FILE_PATH:
                return self._json(404, {"errors": ["no such file"]})
            if isinstance(answer, int):  # not ready: S3 answers an XML error
                data = b"<Error><Code>AccessDenied</Code></Error>"
                self.send_response(answer)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            kind, data = answer
            self.send_response(200)
            self.send_header("Content-Type", "application/gzip")
            if kind == "short":  # promise more than is sent, then hang up
                self.send_header("Content-Length", str(len(data) + 100))
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def export() -> Iterator[Export]:
    state = Export()
    with serving(_handler(state)) as url:
        state.url = url
        yield state


def _destination(state: Export, **kw: Any) -> Destination:
    kw.setdefault("api_key", API_KEY)
    return Destination(app_id=APP_ID, api_url=state.url, **kw)


def _download(state: Export, dest: Path, **kw: Any) -> Any:
    kw.setdefault("poll", 0.01)
    kw.setdefault("timeout", 10)
    kw.setdefault("retry", FAST)
    destination = kw.pop("destination", None) or _destination(state)
    return download_export(destination, dest, **kw)


def test_waits_while_the_file_answers_403_then_downloads_it(export: Export, tmp_path: Path) -> None:
    lines: list[str] = []
    got = _download(export, tmp_path / "export.csv.gz", progress=lines.append)

    assert got.path.read_bytes() == GZ and got.size == len(GZ) and got.polls == 2
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv.gz"]
    post, *gets = export.seen
    assert post.method == "POST" and post.path == f"/players/csv_export?app_id={APP_ID}"
    assert post.headers["Authorization"] == f"Key {API_KEY}"
    assert post.body == {"extra_fields": ["external_user_id"]}
    assert [g.path for g in gets] == [FILE_PATH] * 3
    # the file URL is the credential: the API key never travels to the storage host
    assert not any("Authorization" in g.headers for g in gets)
    not_ready = [line for line in lines if line.startswith("export not ready yet (HTTP 403)")]
    assert len(not_ready) == 2
    assert FILE_PATH not in repr(got) and all(FILE_PATH not in line for line in lines)


def test_404_also_means_not_ready_as_the_current_docs_say(export: Export, tmp_path: Path) -> None:
    export.file = [404, ("file", GZ)]
    assert _download(export, tmp_path / "e.csv.gz").polls == 1


def test_a_bad_key_is_refused_in_one_line_without_the_key(export: Export, tmp_path: Path) -> None:
    export.key = "os_v2_app_theotherkey"
    with pytest.raises(DestinationError) as info:
        _download(export, tmp_path / "e.csv.gz")
    message = str(info.value)
    assert "refused the API key" in message and "destination.api_key" in message
    assert API_KEY not in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []
    assert [s.method for s in export.seen] == ["POST"]  # no retry, no file request


def test_a_legacy_rest_key_goes_as_basic(export: Export, tmp_path: Path) -> None:
    export.key = "legacyrestkey123"
    destination = _destination(export, api_key="legacyrestkey123", api="legacy")
    _download(export, tmp_path / "e.csv.gz", destination=destination)
    assert export.seen[0].headers["Authorization"] == "Basic legacyrestkey123"


def test_a_429_is_retried_after_retry_after(export: Export, tmp_path: Path) -> None:
    export.post = [(429, {"errors": ["API rate limit exceeded."]}, {"Retry-After": "0"})]
    _download(export, tmp_path / "e.csv.gz", segment_name="Active", last_active_since=1704067200)
    posts = [s for s in export.seen if s.method == "POST"]
    assert len(posts) == 2
    assert posts[1].body == {
        "extra_fields": ["external_user_id"],
        "segment_name": "Active",
        "last_active_since": "1704067200",
    }


def test_a_refused_request_names_the_reason(export: Export, tmp_path: Path) -> None:
    export.post = [(400, {"errors": ["Segment not found"]}, {})]
    with pytest.raises(DestinationError, match=r"refused the CSV export .*Segment not found"):
        _download(export, tmp_path / "e.csv.gz")


def test_a_file_never_ready_times_out_clearly_and_leaves_nothing(
    export: Export, tmp_path: Path
) -> None:
    export.file = [403]
    with pytest.raises(DestinationError) as info:
        _download(export, tmp_path / "e.csv.gz", timeout=0.2, poll=0.05)
    message = str(info.value)
    assert message.startswith("the CSV export was not ready after")
    assert "still answers HTTP 403" in message and "longer timeout" in message
    assert "\n" not in message and FILE_PATH not in message
    assert list(tmp_path.iterdir()) == []


def test_a_download_that_breaks_off_is_retried_and_only_the_whole_file_is_kept(
    export: Export, tmp_path: Path
) -> None:
    export.file = [("short", GZ[:20]), ("file", GZ)]
    got = _download(export, tmp_path / "e.csv.gz")
    assert got.path.read_bytes() == GZ
    assert [p.name for p in tmp_path.iterdir()] == ["e.csv.gz"]


def test_a_download_that_keeps_breaking_off_leaves_nothing(export: Export, tmp_path: Path) -> None:
    export.file = [("short", GZ[:20])]
    (tmp_path / "e.csv.gz").write_bytes(b"the previous export")
    with pytest.raises(DestinationError, match="broke off .*3 times in a row"):
        _download(export, tmp_path / "e.csv.gz")
    assert [p.name for p in tmp_path.iterdir()] == ["e.csv.gz"]  # no .part left behind
    assert (tmp_path / "e.csv.gz").read_bytes() == b"the previous export"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>Sign in</html>", "not gzip"),
        (GZ[:-6], "not a complete gzip file"),  # the stored file itself is short: CRC trailer
    ],
)
def test_a_body_that_is_not_a_whole_gzip_is_refused(
    export: Export, tmp_path: Path, body: bytes, reason: str
) -> None:
    export.file = [("file", body)]
    with pytest.raises(DestinationError, match=reason):
        _download(export, tmp_path / "e.csv.gz")
    assert list(tmp_path.iterdir()) == []


# -- against the real sandbox ---------------------------------------------------------------------


@pytest.mark.parametrize("not_ready", [403, 404])
def test_the_sandbox_export_downloads_and_reads_back(tmp_path: Path, not_ready: int) -> None:
    import duckdb

    from onesync.adopt.export import USERS_TABLE, read_export
    from onesync.destination import OneSignalClient
    from onesync.sandbox import RateLimits, Sandbox, SandboxConfig

    config = SandboxConfig(
        app_id=APP_ID,
        api_key=API_KEY,
        rate_limits=RateLimits.unlimited(),
        export_ready_after=2,
        export_not_ready_status=not_ready,
    )
    with Sandbox(config) as box:
        destination = Destination(app_id=APP_ID, api_key=API_KEY, api_url=box.url)
        with OneSignalClient(destination) as client:
            made = client.create_user(
                {"external_id": "u-1"}, {"plan": "gold"}, {"email": "ann@example.com"}
            )
            assert made.ok, made
        lines: list[str] = []
        got = download_export(
            destination, tmp_path / "export.csv.gz", poll=0.01, timeout=10, progress=lines.append
        )
    assert got.polls == 2 and sum("not ready" in line for line in lines) == 2
    conn = duckdb.connect()
    summary = read_export(conn, got.path, temp_directory=tmp_path / "spill")
    assert (summary.rows, summary.users, summary.email) == (1, 1, 1)
    (row,) = conn.sql(f"SELECT external_id, tags, emails FROM {USERS_TABLE}").fetchall()
    assert row[0] == "u-1" and json.loads(row[1]) == {"plan": "gold"}
    assert [e["token"] for e in json.loads(row[2])] == ["ann@example.com"]
