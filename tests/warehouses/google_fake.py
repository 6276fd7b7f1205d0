"""A local HTTP server that answers the way Google does, for the Google Sheets source.

Written from Google's documentation, not from our client:

* Publish to web: ``GET /spreadsheets/d/e/<key>/pub?output=csv`` answers ``307`` with a
  ``Location`` on another path (Google sends it to ``*.googleusercontent.com``), which serves
  ``text/csv`` with RFC 4180 quoting and CRLF line ends. A sheet that is not published answers
  ``200`` with an HTML sign-in page, as Google does; an unknown key a ``404`` HTML page.
* OAuth 2.0 for service accounts (``POST /token``): the body is
  ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>``; the JWT is RS256,
  its claims ``iss`` (the client_email), ``scope``, ``aud`` (this endpoint), ``iat`` and ``exp``
  (at most an hour later). The signature is checked with the public half of the key pair made by
  ``service_account``. Errors are ``400 {"error": "invalid_grant", "error_description": ...}``.
* Sheets API v4: ``GET /v4/spreadsheets/<id>?fields=sheets.properties`` (titles, index, grid
  size) and ``GET /v4/spreadsheets/<id>/values/<A1 range>`` -> ``{"range", "majorDimension":
  "ROWS", "values"}`` with trailing empty cells and rows left out (no ``values`` at all for an
  empty range), values as text (``FORMATTED_VALUE``, the default) or numbers
  (``UNFORMATTED_VALUE``). A missing or unknown bearer token is ``401 UNAUTHENTICATED``, an id
  not shared with the token's service account ``403 PERMISSION_DENIED``, an unknown id
  ``404 NOT_FOUND``, a range it cannot read ``400 INVALID_ARGUMENT``; every error has Google's
  shape ``{"error": {"code", "message", "status"}}``.

Test knobs: ``faults`` ((path prefix, status) pairs: the next request under the prefix gets
the status, e.g. a 429), ``delay`` (seconds before a CSV
answer), ``echo_token`` (a 403 that quotes the bearer token, to prove the client scrubs it), and
``calls`` (every request, as ``METHOD path``).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SHEETS_SCOPES = {
    "https://www.googleapis.com/auth/spreadsheets.readonly",
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.readonly",
    "https://www.googleapis.com/auth/drive",
}
SIGN_IN_PAGE = (
    "<!DOCTYPE html><html><head><title>Google Sheets - Sign in</title></head>"
    "<body><form action='https://accounts.google.com/ServiceLogin'>Sign in</form></body></html>"
)
NOT_FOUND_PAGE = "<!DOCTYPE html><html><body><p>Sorry, unable to open the file.</p></body></html>"


@dataclass
class Spreadsheet:
    """A private spreadsheet: its tabs in order (title -> rows of display text)."""

    sheets: dict[str, list[list[str]]]
    shared_with: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)
    grids: dict[str, tuple[int, int]] = field(default_factory=dict)  # title -> (rows, cols)

    def grid(self, title: str) -> tuple[int, int]:
        """(rowCount, columnCount): a new sheet is 1000 x 26 and grows to hold its data; a
        user may also have deleted rows or columns (``grids``)."""
        rows = self.sheets[title]
        n_rows, n_cols = self.grids.get(title, (1000, 26))
        return max(n_rows, len(rows)), max(n_cols, max((len(r) for r in rows), default=0))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def csv_text(rows: list[list[str]]) -> str:
    """RFC 4180: CRLF line ends, fields with , " or a line break quoted, quotes doubled."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _letters_to_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - ord("A") + 1)
    return n


def _index_to_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("A") + r) + out
    return out


class GoogleFake:
    """Start with ``start()``; ``url`` is its base. Thread-safe enough for one test client."""

    def __init__(self) -> None:
        self.published: dict[str, list[list[str]]] = {}
        self.unpublished: set[str] = set()
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.public_keys: dict[str, Any] = {}  # client_email -> RSA public key
        self.tokens: dict[str, str] = {}  # access token -> client_email
        self.calls: list[str] = []
        self.faults: list[tuple[str, int]] = []
        self.delay = 0.0
        self.echo_token = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> GoogleFake:
        fake = self

        class Handler(_Handler):
            google = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.faults.clear()
            self.delay = 0.0
            self.echo_token = False

    # -- content ---------------------------------------------------------------------------
    def publish(self, key: str, rows: list[list[str]]) -> str:
        """Publish ``rows`` as CSV under ``key``; returns the link Publish to web gives."""
        with self._lock:
            self.published[key] = rows
            self.unpublished.discard(key)
        return self.csv_link(key)

    def unpublish(self, key: str) -> str:
        with self._lock:
            self.published.pop(key, None)
            self.unpublished.add(key)
        return self.csv_link(key)

    def csv_link(self, key: str) -> str:
        return f"{self.url}/spreadsheets/d/e/{key}/pub?gid=0&single=true&output=csv"

    def put_sheet(
        self,
        spreadsheet_id: str,
        title: str,
        rows: list[list[str]],
        *,
        shared_with: str = "",
        grid: tuple[int, int] | None = None,
    ) -> None:
        with self._lock:
            book = self.spreadsheets.setdefault(spreadsheet_id, Spreadsheet({}))
            book.sheets[title] = rows
            if shared_with:
                book.shared_with.add(shared_with)
            if grid is not None:
                book.grids[title] = grid

    def service_account(self, email: str, *, register: bool = True) -> dict[str, Any]:
        """A new service-account key file (as a dict); its public key is trusted here only
        with ``register`` (otherwise its signatures are refused, like a deleted key)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        if register:
            with self._lock:
                self.public_keys[email] = key.public_key()
        return {
            "type": "service_account",
            "project_id": "onesync-test",
            "private_key_id": secrets.token_hex(20),
            "private_key": pem,
            "client_email": email,
            "client_id": "1" * 21,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_url,
        }

    # -- token endpoint --------------------------------------------------------------------
    def issue_token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        grant = (form.get("grant_type") or [""])[0]
        if grant != JWT_GRANT:
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": f"Invalid grant_type: {grant}",
            }
        assertion = (form.get("assertion") or [""])[0]
        parts = assertion.split(".")
        if len(parts) != 3:
            return 400, {"error": "invalid_request", "error_description": "Invalid JWT."}
        try:
            header = json.loads(_unb64url(parts[0]))
            claims = json.loads(_unb64url(parts[1]))
            signature = _unb64url(parts[2])
        except ValueError:
            return 400, {"error": "invalid_request", "error_description": "Invalid JWT."}
        if header.get("alg") != "RS256":
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        email = claims.get("iss")
        public = self.public_keys.get(email) if isinstance(email, str) else None
        try:
            if public is None:
                raise InvalidSignature
            public.verify(
                signature,
                f"{parts[0]}.{parts[1]}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if claims.get("aud") != self.token_url:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT: aud."}
        if (
            not isinstance(iat, int)
            or not isinstance(exp, int)
            or not (iat - 300 <= now < exp and exp - iat <= 3600)
        ):
            return 400, {
                "error": "invalid_grant",
                "error_description": "Invalid JWT: Token must be a short-lived token (60 "
                "minutes) and in a reasonable timeframe.",
            }
        scopes = set(str(claims.get("scope") or "").split())
        if not scopes & SHEETS_SCOPES:
            return 400, {"error": "invalid_scope", "error_description": "Invalid scope."}
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = email
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    # -- Sheets API ------------------------------------------------------------------------
    def api(self, path: str, query: dict[str, list[str]], auth: str) -> tuple[int, dict[str, Any]]:
        m = re.fullmatch(r"/v4/spreadsheets/([^/]+)(?:/values/(.+))?", path)
        if m is None:
            return _error(404, "Requested entity was not found.", "NOT_FOUND")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        email = self.tokens.get(token)
        if email is None:
            return _error(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
            )
        book = self.spreadsheets.get(unquote(m.group(1)))
        if book is None:
            return _error(404, "Requested entity was not found.", "NOT_FOUND")
        if email not in book.shared_with:
            extra = f" (request had Authorization: Bearer {token})" if self.echo_token else ""
            return _error(403, "The caller does not have permission" + extra, "PERMISSION_DENIED")
        if m.group(2) is None:
            return 200, self._metadata(book)
        return self._values(book, unquote(m.group(2)), query)

    def _metadata(self, book: Spreadsheet) -> dict[str, Any]:
        sheets = []
        for index, title in enumerate(book.sheets):
            n_rows, n_cols = book.grid(title)
            props: dict[str, Any] = {
                "sheetId": index * 1000,
                "title": title,
                "index": index,
                "sheetType": "GRID",
                "gridProperties": {"rowCount": n_rows, "columnCount": n_cols},
            }
            if title in book.hidden:
                props["hidden"] = True
            sheets.append({"properties": props})
        return {"sheets": sheets}

    def _values(
        self, book: Spreadsheet, a1: str, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, Any]]:
        parsed = self._parse_a1(book, a1)
        if parsed is None:
            return _error(400, f"Unable to parse range: {a1}", "INVALID_ARGUMENT")
        title, (c0, r0, c1, r1) = parsed
        rows = book.sheets[title]
        n_rows, n_cols = book.grid(title)
        c1, r1 = min(c1, n_cols), min(r1, n_rows)
        render = (query.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        values: list[list[Any]] = []
        for r in range(r0, r1 + 1):
            row = rows[r - 1] if r - 1 < len(rows) else []
            cells = [row[c - 1] if c - 1 < len(row) else "" for c in range(c0, c1 + 1)]
            while cells and cells[-1] == "":
                cells.pop()
            values.append([_render(v, render) for v in cells])
        while values and not values[-1]:
            values.pop()
        name = title if re.fullmatch(r"[A-Za-z0-9_]+", title) else _quote_title(title)
        body: dict[str, Any] = {
            "range": f"{name}!{_index_to_letters(c0)}{r0}:{_index_to_letters(c1)}{r1}",
            "majorDimension": "ROWS",
        }
        if values:
            body["values"] = values
        return 200, body

    def _parse_a1(self, book: Spreadsheet, a1: str) -> tuple[str, tuple[int, int, int, int]] | None:
        """(title, (first col, first row, last col, last row)) of an A1 range, Google's way:
        no sheet name means the first sheet; a bare sheet name means all of it."""
        titles = list(book.sheets)
        q = re.fullmatch(r"'((?:[^']|'')+)'(?:!(.*))?", a1)
        if q:
            title, cells = q.group(1).replace("''", "'"), q.group(2) or ""
        elif "!" in a1:
            title, cells = a1.split("!", 1)
        elif a1 in book.sheets:
            title, cells = a1, ""
        else:
            title, cells = titles[0], a1
        if title not in book.sheets:
            return None
        n_rows, n_cols = book.grid(title)
        if cells == "":
            return title, (1, 1, n_cols, n_rows)
        m = re.fullmatch(r"([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?", cells)
        if m is None or not (m.group(1) or m.group(2)):
            return None
        a, b, c, d = m.groups()
        if c is None and d is None:
            if not (a and b):
                return None
            c, d = a, b
        return title, (
            _letters_to_index(a) if a else 1,
            int(b) if b else 1,
            _letters_to_index(c) if c else n_cols,
            int(d) if d else n_rows,
        )


def _quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _render(value: str, how: str) -> Any:
    if how == "UNFORMATTED_VALUE" and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value) if "." in value else int(value)
    return value


def _error(code: int, message: str, status: str) -> tuple[int, dict[str, Any]]:
    return code, {"error": {"code": code, "message": message, "status": status}}


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout test) is not an error worth printing."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    google: GoogleFake
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once (no delayed-ACK stall)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass

    def _send(
        self, code: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, body: dict[str, Any]) -> None:
        self._send(code, json.dumps(body).encode(), "application/json; charset=UTF-8")

    def _fault(self) -> bool:
        g = self.google
        path = urlsplit(self.path).path
        with g._lock:
            hit = next((f for f in g.faults if path.startswith(f[0])), None)
            if hit is None:
                return False
            g.faults.remove(hit)
        code = hit[1]
        status = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}.get(code, "")
        body = {"error": {"code": code, "message": "Fault injected by the test", "status": status}}
        self._send(code, json.dumps(body).encode(), "application/json", {"Retry-After": "0"})
        return True

    def do_GET(self) -> None:
        g = self.google
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        g.calls.append(f"GET {url.path}")
        if self._fault():
            return
        if m := re.fullmatch(r"/spreadsheets/d/e/([^/]+)/pub", url.path):
            key = m.group(1)
            output = (query.get("output") or ["html"])[0]
            if key in g.published and output == "csv":
                where = f"/pub-csv/{key}?{url.query}"
                self._send(307, b"", "text/html; charset=UTF-8", {"Location": where})
            elif key in g.published or key in g.unpublished:
                self._send(200, SIGN_IN_PAGE.encode(), "text/html; charset=utf-8")
            else:
                self._send(404, NOT_FOUND_PAGE.encode(), "text/html; charset=utf-8")
            return
        if m := re.fullmatch(r"/pub-csv/([^/]+)", url.path):
            rows = g.published.get(m.group(1))
            if rows is None:
                self._send(404, NOT_FOUND_PAGE.encode(), "text/html; charset=utf-8")
                return
            time.sleep(g.delay)
            self._send(200, csv_text(rows).encode(), "text/csv; charset=utf-8")
            return
        if url.path.startswith("/v4/"):
            code, body = g.api(url.path, query, self.headers.get("Authorization", ""))
            self._json(code, body)
            return
        self._send(404, NOT_FOUND_PAGE.encode(), "text/html; charset=utf-8")

    def do_POST(self) -> None:
        g = self.google
        url = urlsplit(self.path)
        g.calls.append(f"POST {url.path}")
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        if url.path != "/token":
            self._send(404, NOT_FOUND_PAGE.encode(), "text/html; charset=utf-8")
            return
        if self._fault():
            return
        code, body = g.issue_token(form)
        self._json(code, body)
