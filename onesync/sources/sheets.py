"""Google Sheets source: one sheet (tab) read into a private DuckDB table the model queries.

On open the sheet is fetched into a CSV file in a temporary directory, then loaded into a DuckDB
database file next to it (a file, so memory stays flat for a big sheet); ``close`` deletes both.
After that the connector is a ``DuckDBConnector``: the model is DuckDB SQL over ``sheet.table``.

Two ways in:

* a sheet published to the web as CSV (``url``): the download is streamed to disk, following
  Google's redirect to ``*.googleusercontent.com``. A web page instead of CSV means the sheet is
  not published (or the link is the editor's): the error says how to publish it.
* a private sheet (``spreadsheet_id``) through the Sheets API v4 with a service-account key file:
  a JWT signed with the key (google-auth, the ``sheets`` extra) is exchanged for a read-only
  bearer token; ``spreadsheets.values.get`` is read in pages of ``PAGE_ROWS`` rows, so no answer
  holds the whole sheet. Values are ``FORMATTED_VALUE``, the text the user sees, which is also
  what the published CSV holds: both ways give the same table, and no number goes through a
  binary float (``UNFORMATTED_VALUE`` would send ``0.1`` as a double and dates as day serials).

The first row names the columns (trimmed); an empty or repeated name is refused with its column
letter, except an unnamed column with no value at all, which is dropped. Every column is text
unless ``types`` declares a DuckDB type. A declared column is cast strictly: a cell that does not
fit stops the read with its address. ``TRY_CAST`` would turn it into NULL, which the plan reads
as "no value" and would unset the tag in OneSignal; an undeclared text column instead lets the
compiler flag the one bad row as invalid (``state.max_invalid_share``). Empty cells are NULL, and
rows with no value at all are skipped.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import duckdb
import httpx
from sqlglot import exp
from sqlglot.errors import SqlglotError

from onesync.errors import register_secret
from onesync.escape import quoted
from onesync.model import Sheet, Source
from onesync.sources.base import Connector, resolve_path
from onesync.sources.duckdb import DuckDBConnector
from onesync.validate.suggest import did_you_mean

__all__ = ["SheetConnector"]

SCOPE = "https://www.googleapis.com/auth/spreadsheets.readonly"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PUBLISH_HINT = (
    "publish the sheet to the web as CSV (File > Share > Publish to web > the sheet > "
    "Comma-separated values) and use that link"
)
_RETRY_STATUS = (429, 500, 502, 503, 504)
_LOAD = "onesync_sheet_load"  # the schema the raw text rows pass through
MEMORY = os.environ.get("ONESYNC_DUCKDB_MEMORY", "512MB")  # as the state's DuckDB


def column_letter(index: int) -> str:
    """The sheet's name of the 1-based column ``index``: 1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """The 1-based index of column ``letters``: A -> 1, AA -> 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


class SheetConnector(DuckDBConnector):
    """A Google Sheet, fetched on open into a private DuckDB file as table ``sheet.table``."""

    dialect = "duckdb"
    PAGE_ROWS = 10_000  # rows per spreadsheets.values.get call
    TIMEOUT = 30.0  # seconds per HTTP call
    RETRIES = 3  # tries of a call Google answers 429 or 5xx

    def __init__(self, source: Source, root: Path | str = ".", context: str | None = None):
        Connector.__init__(self, source, root, context)
        if source.sheet is None:
            self.fail("cannot open", "the source has no sheet:")
        self.sheet: Sheet = source.sheet
        self._dir: str | None = tempfile.mkdtemp(prefix="onesync-sheet-")
        self.path = os.path.join(self._dir, "sheet.duckdb")
        self.conn: Any = None
        try:
            data = Path(self._dir) / "sheet.csv"
            if self.sheet.url:
                self._download(self.sheet.url, data)
                width, first_col, first_row = 0, 1, 1  # Google's CSV is as wide as its header
            else:
                width, first_col, first_row = self._read_api(data)
            try:
                self.conn = duckdb.connect(
                    self.path, config={"autoinstall_known_extensions": False}
                )
                self._session(self.conn)
                # a bounded buffer pool: a big sheet spills to the file, not to memory
                self.conn.execute(f"SET memory_limit = {_lit(MEMORY)}")
            except duckdb.Error as e:
                self.fail("cannot open", e)
            _Loader(self, data, width, first_col, first_row).run()
            data.unlink()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    # -- published CSV ----------------------------------------------------------------------
    def _download(self, url: str, dest: Path) -> None:
        """Stream the published CSV to ``dest``."""
        host = urlsplit(url).hostname or url
        what = "cannot download the sheet"
        try:
            with (
                _client(self.TIMEOUT, follow_redirects=True) as client,
                client.stream("GET", url) as r,
            ):
                if r.status_code >= 400:
                    hint = (
                        "; check the link (Publish to web gives it)" if r.status_code == 404 else ""
                    )
                    self.fail(what, f"HTTP {r.status_code} {r.reason_phrase} from {host}{hint}")
                if "html" in r.headers.get("content-type", "").lower():
                    self.fail(what, f"{host} answered with a web page, not CSV: {PUBLISH_HINT}")
                with dest.open("wb") as f:
                    first = True
                    for chunk in r.iter_bytes(1 << 16):
                        if first and _looks_like_html(chunk):
                            self.fail(
                                what, f"{host} answered with a web page, not CSV: {PUBLISH_HINT}"
                            )
                        first = False
                        f.write(chunk)
        except httpx.TimeoutException:
            self.fail(what, f"no answer from {host} within {self.TIMEOUT:g} s")
        except httpx.HTTPError as e:
            self.fail(what, f"{host}: {e}")
        except OSError as e:
            self.fail(what, e)

    # -- private sheet through the Sheets API v4 --------------------------------------------
    def _read_api(self, dest: Path) -> tuple[int, int, int]:
        """Write the sheet's rows to ``dest`` as CSV, page by page; returns (width, first
        column, first row) of what was written."""
        sheet = self.sheet
        account = _ServiceAccount.load(self, sheet.credentials)
        with _client(self.TIMEOUT, follow_redirects=False) as client:
            token = account.token(self, client)
            api = _Api(self, client, sheet, token, account.email)
            meta = api.get("", {"fields": "sheets.properties"})
            pages = _Pages.of(self, sheet.range, meta.get("sheets") or [])
            width = 0
            with dest.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, lineterminator="\n")
                written = pages.first_row  # the next sheet row to write
                for start, rng in pages:
                    answer = api.get(f"/values/{quote(rng, safe='')}", _VALUES_PARAMS)
                    if pages.unbounded:  # a named range: its place is in the answer
                        pages.place(answer.get("range"))
                        start = written = pages.first_row
                    for i, row in enumerate(answer.get("values") or []):
                        cells = [_cell_text(v) for v in row]
                        while cells and not cells[-1]:
                            cells.pop()
                        if not cells:
                            continue
                        while written < start + i:  # blank rows keep row numbers exact
                            w.writerow([""])
                            written += 1
                        w.writerow(cells)
                        written += 1
                        width = max(width, len(cells))
        return width, pages.first_col, pages.first_row


_VALUES_PARAMS = {"majorDimension": "ROWS", "valueRenderOption": "FORMATTED_VALUE"}


def _client(timeout: float, *, follow_redirects: bool) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=follow_redirects,
        headers={"User-Agent": "onesync (Google Sheets source)"},
    )


def _looks_like_html(chunk: bytes) -> bool:
    head = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml"))


def _cell_text(value: Any) -> str:
    """FORMATTED_VALUE cells are strings; anything else as the sheet would show it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "" if value is None else str(value)


class _ServiceAccount:
    """A service-account key file: its email, token endpoint and signer. The key is a secret
    from the moment it is read; no message ever quotes the file."""

    def __init__(self, email: str, token_uri: str, signer: Any) -> None:
        self.email, self.token_uri, self.signer = email, token_uri, signer

    @classmethod
    def load(cls, conn: SheetConnector, credentials: str | None) -> _ServiceAccount:
        what = "cannot read the credentials"
        if not credentials:
            conn.fail(what, "a private sheet (spreadsheet_id) needs credentials: a key file")
        path = Path(resolve_path(credentials, conn.root))
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            conn.fail(what, f"{path} does not exist")
        except (OSError, UnicodeDecodeError) as e:
            conn.fail(what, f"{path}: {type(e).__name__}")
        except ValueError:
            conn.fail(what, f"{path} is not JSON; download a JSON key of the service account")
        key = info.get("private_key") if isinstance(info, dict) else None
        if isinstance(key, str):
            register_secret(key)
            for line in key.splitlines():  # a library that quotes part of it is scrubbed too
                register_secret(line.strip() if len(line.strip()) >= 16 else None)
        email = info.get("client_email") if isinstance(info, dict) else None
        if not isinstance(info, dict) or info.get("type") != "service_account" or not key:
            conn.fail(
                what,
                f"{path} is not a service-account key (type service_account, with client_email "
                "and private_key); create one in Google Cloud console > IAM > Service accounts "
                "> Keys > Add key > JSON",
            )
        if not isinstance(email, str) or not email:
            conn.fail(what, f"{path} has no client_email")
        try:
            from google.auth import crypt
        except ImportError:
            conn.fail(what, "google-auth signs the token request: pip install 'onesync[sheets]'")
        try:
            rsa: Any = crypt.RSASigner  # google-auth has no type hints
            signer = rsa.from_service_account_info(info)
        except (ValueError, TypeError, KeyError):
            conn.fail(what, f"the private_key in {path} is not a readable RSA key")
        token_uri = info.get("token_uri") or "https://oauth2.googleapis.com/token"
        return cls(email, str(token_uri), signer)

    def token(self, conn: SheetConnector, client: httpx.Client) -> str:
        """A read-only access token: the OAuth 2 JWT bearer grant (RFC 7523)."""
        from google.auth import jwt

        encode: Any = jwt.encode  # google-auth has no type hints
        now = int(time.time())
        claims = {"iss": self.email, "scope": SCOPE, "aud": self.token_uri}
        assertion = encode(self.signer, {**claims, "iat": now, "exp": now + 3600})
        register_secret(assertion.decode())
        what = "cannot get an access token"
        host = urlsplit(self.token_uri).hostname or self.token_uri
        form = {"grant_type": JWT_GRANT, "assertion": assertion.decode()}
        r = _call(conn, what, client, "POST", self.token_uri, data=form)
        body = _json(r)
        token = body.get("access_token") if r.status_code == 200 else None
        if isinstance(token, str) and token:
            register_secret(token)
            return token
        error = body.get("error")
        if isinstance(error, str):
            detail = f"{error}: {body.get('error_description') or ''}".rstrip(": ")
            hint = (
                "; the key may have been deleted or replaced (make a new one), or this "
                "machine's clock is off"
                if error == "invalid_grant"
                else ""
            )
            conn.fail(what, f"{host} refused {self.email}: {detail}{hint}")
        conn.fail(what, f"HTTP {r.status_code} {r.reason_phrase} from {host} for {self.email}")


class _Api:
    """GET calls to one spreadsheet with the bearer token; Google's errors as one line."""

    def __init__(
        self, conn: SheetConnector, client: httpx.Client, sheet: Sheet, token: str, email: str
    ) -> None:
        self.conn, self.client, self.email = conn, client, email
        self.base = f"{sheet.api_url}/v4/spreadsheets/{quote(sheet.spreadsheet_id or '', safe='')}"
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        r = _call(
            self.conn,
            "cannot read the sheet",
            self.client,
            "GET",
            self.base + path,
            params=params,
            headers=self.headers,
        )
        body = _json(r)
        if r.status_code == 200:
            return body
        self._refused(r, body)

    def _refused(self, r: httpx.Response, body: dict[str, Any]) -> NoReturn:
        raw = body.get("error")
        error: dict[str, Any] = raw if isinstance(raw, dict) else {}
        message = str(error.get("message") or f"HTTP {r.status_code} {r.reason_phrase}")
        status = str(error.get("status") or "")
        detail = f"{message} ({status})" if status else message
        hint = ""
        if r.status_code == 403 and re.search(r"has not been used|is disabled", message):
            hint = "enable the Google Sheets API in the service account's Google Cloud project"
        elif r.status_code == 403:
            hint = f"share the sheet with the service account {self.email} (Viewer is enough)"
        elif r.status_code == 404:
            hint = "check spreadsheet_id: the part of the sheet's URL between /d/ and /edit"
        elif r.status_code == 401:
            hint = "the access token was refused; check the credentials file"
        elif r.status_code == 429:
            hint = "the Sheets API read quota (per minute) is used up; try again in a minute"
        elif r.status_code == 400 and "range" in message.lower():
            hint = "check range: (A1 notation, such as Leads!A1:F)"
        tail = f"; {hint}" if hint else ""
        self.conn.fail("cannot read the sheet", f"Google Sheets API: {detail}{tail}")


def _call(
    conn: SheetConnector, what: str, client: httpx.Client, method: str, url: str, **kw: Any
) -> httpx.Response:
    """One call, tried again (``RETRIES`` in all) while Google answers 429 or 5xx."""
    host = urlsplit(url).hostname or url
    for attempt in range(conn.RETRIES):
        try:
            r = client.request(method, url, **kw)
        except httpx.TimeoutException:
            conn.fail(what, f"no answer from {host} within {conn.TIMEOUT:g} s")
        except httpx.HTTPError as e:
            conn.fail(what, f"{host}: {e}")
        if r.status_code not in _RETRY_STATUS or attempt + 1 == conn.RETRIES:
            break
        time.sleep(_retry_after(r, attempt))
    return r


def _json(r: httpx.Response) -> dict[str, Any]:
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(r: httpx.Response, attempt: int) -> float:
    try:
        return min(float(r.headers.get("retry-after", "")), 30.0)
    except ValueError:
        return float(2**attempt)


_A1 = re.compile(r"([A-Za-z]{0,3})([0-9]*)(?::([A-Za-z]{0,3})([0-9]*))?")


class _Pages:
    """The A1 ranges that read ``range`` (or the first sheet) ``PAGE_ROWS`` rows at a time.

    ``range`` is ``Title``, ``Title!A1:F``, ``Title!2:500``, ``A1:F`` (the first sheet, as
    Google reads it) or a named range, which is read in one call (its bounds are unknown).
    """

    def __init__(
        self, title: str, cols: tuple[int, int], rows: tuple[int, int], *, named: bool = False
    ) -> None:
        self.title, self.cols, self.rows = title, cols, rows
        self.first_col, self.first_row = cols[0], rows[0]
        self.unbounded = named  # a named range: ``title`` holds its name

    @classmethod
    def of(cls, conn: SheetConnector, range_: str | None, sheets: list[Any]) -> _Pages:
        grids = [
            p
            for s in sheets
            if isinstance(s, dict) and isinstance(p := s.get("properties"), dict)
            if p.get("sheetType", "GRID") == "GRID"
        ]
        titles = [str(p.get("title")) for p in grids]
        text = (range_ or "").strip()
        title, _, cells = _split_title(text)
        if title is None and text:
            match = next((t for t in titles if t.lower() == text.lower()), None)
            if match is not None:
                title, cells = match, ""
            elif not _A1.fullmatch(text):
                return cls(text, (1, 1), (1, 1), named=True)
        if title is None:
            visible = [p for p in grids if not p.get("hidden")] or grids
            if not visible:
                conn.fail("cannot read the sheet", "the spreadsheet has no sheet of cells")
            props = min(visible, key=lambda p: int(p.get("index") or 0))
            title = str(props.get("title"))
        found = next((p for p in grids if str(p.get("title")).lower() == title.lower()), None)
        if found is None:
            known = ", ".join(titles) or "none"
            hint = did_you_mean(title, titles)
            conn.fail(
                "cannot read the sheet",
                f"the spreadsheet has no sheet named {quoted(title)} "
                f"({hint or 'its sheets: ' + known}); check range:",
            )
        grid = found.get("gridProperties") or {}
        n_rows, n_cols = int(grid.get("rowCount") or 1), int(grid.get("columnCount") or 1)
        bounds = _bounds(cells, n_cols, n_rows)
        if bounds is None:
            conn.fail("cannot read the sheet", f"range {quoted(text)} is not A1 notation")
        (c0, c1), (r0, r1) = bounds
        return cls(str(found.get("title")), (c0, c1), (r0, r1))

    def place(self, answered: Any) -> None:
        """Take the first column and row of a named range from Google's answer."""
        _, _, cells = _split_title(str(answered or ""))
        bounds = _bounds(cells, 1, 1)
        if bounds is not None:
            self.first_col, self.first_row = bounds[0][0], bounds[1][0]

    def __iter__(self) -> Iterator[tuple[int, str]]:
        """(first sheet row, A1 range) of each page."""
        if self.unbounded:
            yield 1, self.title
            return
        name = "'" + self.title.replace("'", "''") + "'"
        (c0, c1), (r0, r1) = self.cols, self.rows
        step = max(1, SheetConnector.PAGE_ROWS)
        for start in range(r0, r1 + 1, step):
            end = min(start + step - 1, r1)
            yield start, f"{name}!{column_letter(c0)}{start}:{column_letter(c1)}{end}"


def _split_title(text: str) -> tuple[str | None, str, str]:
    """(sheet title or None, '!', cells) of an A1 range; a quoted title may hold ''."""
    if text.startswith("'"):
        m = re.match(r"'((?:[^']|'')*)'(!?)(.*)$", text, re.DOTALL)
        if m:
            return m.group(1).replace("''", "'"), m.group(2), m.group(3)
    if "!" in text:
        title, bang, cells = text.rpartition("!")
        return title, bang, cells
    return None, "", text


def _bounds(cells: str, n_cols: int, n_rows: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """((first, last) column, (first, last) row) of ``A1:F``, ``A:F``, ``2:9``, ``A2``, ``''``."""
    m = _A1.fullmatch(cells.strip())
    if m is None:
        return None
    col0, row0, col1, row1 = m.group(1), m.group(2), m.group(3), m.group(4)
    if col1 is None:  # one cell, or nothing: the whole grid
        if not cells.strip():
            return (1, n_cols), (1, n_rows)
        if not (col0 and row0):
            return None
        col1, row1 = col0, row0
    c0 = column_index(col0) if col0 else 1
    c1 = column_index(col1) if col1 else n_cols
    r0 = int(row0) if row0 else 1
    r1 = int(row1) if row1 else n_rows
    if c0 > c1 or r0 > r1 or min(c0, r0) < 1:
        return None
    return (c0, c1), (r0, r1)


class _Loader:
    """The fetched CSV file into table ``sheet.table``: header checked, types cast."""

    def __init__(
        self, conn: SheetConnector, path: Path, width: int, first_col: int, first_row: int
    ) -> None:
        self.c, self.db, self.path = conn, conn.conn, path
        self.width, self.first_col, self.first_row = width, first_col, first_row

    def fail(self, error: BaseException | str) -> NoReturn:
        self.c.fail("cannot load the sheet", error)

    def cell(self, i: int, rowid: int) -> str:
        """The address of column ``i`` (0-based) in the file's record ``rowid``."""
        return f"{column_letter(self.first_col + i)}{self.first_row + rowid}"

    def letter(self, i: int) -> str:
        return column_letter(self.first_col + i)

    def run(self) -> None:
        with self.path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
            header = next(csv.reader(f), None)
        if header is None:
            self.fail(
                "the sheet is empty (not even a header row); its first row must name the columns"
            )
        names = [h.strip() for h in header]
        width = max(self.width, len(names))
        names += [""] * (width - len(names))
        if not any(names):
            self.fail(f"row {self.first_row} (the header) is empty; it must name the columns")
        raw = [f"c{i}" for i in range(width)]
        cols = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in raw) + "}"
        self.sql(f"CREATE SCHEMA {_LOAD}")
        try:
            self.db.execute(
                f"CREATE TABLE {_LOAD}.raw AS SELECT * FROM read_csv({_lit(str(self.path))}, "
                f"columns = {cols}, auto_detect = false, header = false, delim = ',', "
                "quote = '\"', escape = '\"', null_padding = true, parallel = false, "
                "strict_mode = true)"
            )
        except duckdb.Error as e:
            # DuckDB's own lines that say where and what, without the offending row's text
            said = re.findall(r"CSV Error on Line: \d+|Expected Number of Columns: .*", str(e))
            self.fail(f"the CSV does not parse: {'; '.join(said) or str(e).splitlines()[0]}")
        keep = self.names(names, raw)
        types = self.types({names[i]: i for i in keep})
        exprs = []
        for i in keep:
            value = f"NULLIF({raw[i]}, '')"
            if i in types:
                value = f"CAST(NULLIF(TRIM({raw[i]}), '') AS {types[i]})"
            exprs.append(f"{value} AS {_q(names[i])}")
        blank = " AND ".join(f"COALESCE(TRIM({r}), '') = ''" for r in raw)
        self.sql(
            f"CREATE TABLE {_q(self.c.sheet.table)} AS SELECT {', '.join(exprs)} "
            f"FROM {_LOAD}.raw WHERE rowid > 0 AND NOT ({blank}) ORDER BY rowid"
        )
        self.sql(f"DROP SCHEMA {_LOAD} CASCADE")

    def names(self, names: list[str], raw: list[str]) -> list[int]:
        """The columns to keep: named ones; an unnamed one only if it is empty (then dropped)."""
        seen: dict[str, int] = {}
        keep = []
        for i, name in enumerate(names):
            if not name:
                row = self.first_value(raw[i])
                if row is not None:
                    self.fail(
                        f"column {self.letter(i)} has no name in the header (row "
                        f"{self.first_row}) but holds values (first at {self.cell(i, row)}); "
                        "name it, or clear the column"
                    )
                continue
            if name.lower() in seen:
                j = seen[name.lower()]
                self.fail(
                    f"columns {self.letter(j)} and {self.letter(i)} are both named "
                    f"{quoted(name)} in the header (row {self.first_row}); rename one"
                )
            seen[name.lower()] = i
            keep.append(i)
        return keep

    def first_value(self, col: str) -> int | None:
        """The first data record with a value in ``col``, or None."""
        row = self.scalar(
            f"SELECT min(rowid) FROM {_LOAD}.raw "
            f"WHERE rowid > 0 AND COALESCE(TRIM({col}), '') <> ''"
        )
        return None if row is None else int(row)

    def types(self, by_name: dict[str, int]) -> dict[int, str]:
        """Column index -> DuckDB type of each ``types:`` entry, every cell checked."""
        lowered = {n.lower(): i for n, i in by_name.items()}
        out: dict[int, str] = {}
        for name, text in self.c.sheet.types:
            i = lowered.get(name.strip().lower())
            if i is None:
                hint = did_you_mean(name, by_name) or f"the header has {', '.join(by_name)}"
                self.fail(f"types: names column {quoted(name)}, which the sheet has not ({hint})")
            try:
                type_ = exp.DataType.build(text, dialect="duckdb").sql("duckdb")
                self.db.execute(f"SELECT CAST(NULL AS {type_})")
            except (SqlglotError, ValueError, duckdb.Error):
                self.fail(f"types: {name}: {quoted(text)} is not a DuckDB type")
            col = f"c{i}"
            bad = self.row(
                f"SELECT rowid, {col}, count(*) OVER () FROM {_LOAD}.raw WHERE rowid > 0 "
                f"AND NULLIF(TRIM({col}), '') IS NOT NULL AND TRY_CAST(TRIM({col}) AS {type_}) "
                "IS NULL ORDER BY rowid LIMIT 1"
            )
            if bad is not None:
                more = f" (and {bad[2] - 1} more)" if bad[2] > 1 else ""
                value = bad[1] if len(bad[1]) <= 40 else bad[1][:40] + "..."
                self.fail(
                    f"cell {self.cell(i, bad[0])} holds {quoted(value)}, which is not {text} "
                    f"(types: {name}){more}; fix the cell, or drop {name} from types: to read "
                    "it as text"
                )
            out[i] = type_
        return out

    def sql(self, sql: str) -> None:
        try:
            self.db.execute(sql)
        except duckdb.Error as e:
            self.fail(e)

    def row(self, sql: str) -> Any:
        try:
            return self.db.execute(sql).fetchone()
        except duckdb.Error as e:
            self.fail(e)

    def scalar(self, sql: str) -> Any:
        row = self.row(sql)
        return row[0] if row else None


def _q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _lit(value: str) -> str:
    return exp.Literal.string(value).sql("duckdb")
