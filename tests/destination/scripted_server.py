"""A tiny scripted HTTP server in a thread: a stand-in for OneSignal's misbehaviour.

Each test queues the answers it wants (status, headers, JSON body), or ``"drop"`` (close the
connection without answering) or ``("sleep", seconds)`` (answer late); when the script runs out
the server answers ``200 {}``. It records every request it saw, with the raw path.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from onesync.model import Destination


@dataclass
class Seen:
    method: str
    path: str  # raw, still percent-encoded
    headers: dict[str, str]
    body: Any


@dataclass
class Scripted:
    url: str
    script: list[Any] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def then(self, *answers: Any) -> Scripted:
        """Queue answers: (status, body) or (status, body, headers), "drop", ("sleep", s)."""
        with self.lock:
            self.script.extend(answers)
        return self

    def destination(self, **kw: Any) -> Destination:
        kw.setdefault("app_id", "app-1")
        kw.setdefault("api_key", "os_v2_app_secretkey123")
        return Destination(api_url=self.url, **kw)


def _handler(state: Scripted) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            with state.lock:
                state.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                answer = state.script.pop(0) if state.script else (200, {})
            if answer == "drop":
                self.close_connection = True
                return
            if isinstance(answer, tuple) and answer[0] == "sleep":
                time.sleep(answer[1])
                answer = (200, {})
            status, payload, *rest = answer
            headers = rest[0] if rest else {}
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting (timeout tests): nothing to answer
                self.close_connection = True

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    return Handler


def start(state: Scripted) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve ``state``'s script on 127.0.0.1 (a random port) in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    return server, thread
