"""Google Sheets as a source, against a local server that answers as Google does.

The story (plan, apply, change rows, re-plan, apply, empty plan) runs on published sheets and on
private ones through the Sheets API v4 with a service-account key; the user-facing failures (a
header typo, an emptied sheet, a sheet not published, not shared, a bad key) run the real CLI as a
process and must be one line, exit 1, with no key or token in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from onesync.api import load_project
from onesync.apply import plan_and_apply
from onesync.errors import SourceError
from onesync.model import Sheet, Source
from onesync.sandbox import Sandbox
from onesync.sources import connect
from onesync.sources.sheets import SheetConnector
from tests.apply.world import API_KEY, APP_ID

from .google_fake import GoogleFake
from .story import tell_story

EMAIL = "onesync-reader@onesync-test.iam.gserviceaccount.com"
BOOK = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"  # the shape of a real spreadsheet id
TYPES = {
    "customers": "{ltv: 'DECIMAL(10,2)'}",
    "orders": "{total: 'DECIMAL(10,2)', placed_at: TIMESTAMP}",
}


@pytest.fixture(scope="module")
def google() -> Iterator[GoogleFake]:
    fake = GoogleFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def g(google: GoogleFake) -> GoogleFake:
    google.reset()
    return google


@pytest.fixture(scope="module")
def key_file(google: GoogleFake, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A service-account key the fake trusts (one RSA key pair per module: they are slow)."""
    return google.service_account(EMAIL)


def text(value: Any) -> str:
    """A cell as Google shows it: decimals as written, times as YYYY-MM-DD HH:MM:SS."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def sheet_rows(columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]) -> list[Any]:
    return [[n for n, _ in columns], *([text(v) for v in row] for row in rows)]


class PublishedSheets:
    """One published sheet per table; ``types`` declared for the number and time columns."""

    def __init__(self, google: GoogleFake) -> None:
        self.google = google

    def source_yaml(self) -> str:
        return self.source_for("customers")[1]

    def source_for(self, table: str) -> tuple[str, str]:
        url = self.google.csv_link(f"2PACX-{table}")
        return table, f"    sheet:\n      url: {url}\n      types: {TYPES[table]}\n"

    def table(self, name: str) -> str:
        return name

    def replace(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        self.google.publish(f"2PACX-{table}", sheet_rows(columns, rows))


class PrivateSheets:
    """One private spreadsheet with a tab per table, read with a service-account key; no
    ``types``: every column is text and the spec's tag types do the rest."""

    def __init__(self, google: GoogleFake, key: Path) -> None:
        self.google, self.key = google, key

    def source_yaml(self) -> str:
        return self.source_for("customers")[1]

    def source_for(self, table: str) -> tuple[str, str]:
        tab = table.capitalize()
        rng = tab if table == "customers" else f"'{tab}'!A1:D"
        return table, (
            f'    sheet:\n      spreadsheet_id: {BOOK}\n      range: "{rng}"\n'
            f"      credentials: {self.key}\n      api_url: {self.google.url}\n"
        )

    def table(self, name: str) -> str:
        return name

    def replace(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        self.google.put_sheet(BOOK, table.capitalize(), sheet_rows(columns, rows))


def check_event_times(sb: Sandbox) -> None:
    """The sheet's placed_at text became each event's timestamp (UTC)."""
    stamps = sorted(e["timestamp"] for e in sb.snapshot()["events"])
    assert stamps == [f"2026-01-01T00:{i:02d}:00Z" for i in range(12)], stamps


def test_the_story_on_published_sheets(tmp_path: Path, sb: Sandbox, g: GoogleFake) -> None:
    read_by = tell_story(tmp_path / "project", sb, PublishedSheets(g))
    assert read_by == ["stream", "stream", "stream"]
    check_event_times(sb)
    # Google answers /pub with a redirect; the CSV itself came from where it pointed
    assert "GET /spreadsheets/d/e/2PACX-customers/pub" in g.calls
    assert "GET /pub-csv/2PACX-customers" in g.calls
    # the declared types reached the compiler: the model's columns are typed
    with connect(load_project(tmp_path / "project").source("orders")) as conn:
        types = dict(conn.table_columns("orders"))
    assert types == {
        "order_id": "VARCHAR",
        "customer_id": "VARCHAR",
        "total": "DECIMAL(10,2)",
        "placed_at": "TIMESTAMP",
    }


def test_the_story_on_private_sheets_in_pages(
    tmp_path: Path,
    sb: Sandbox,
    g: GoogleFake,
    key_file: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "key.json").write_text(json.dumps(key_file))
    g.spreadsheets.pop(BOOK, None)
    # a grid trimmed to 30 rows, read 8 rows a page: 22 customers + header in 3 of 4 pages
    g.put_sheet(BOOK, "Customers", [], shared_with=EMAIL, grid=(30, 6))
    g.put_sheet(BOOK, "Orders", [], grid=(30, 6))
    monkeypatch.setattr(SheetConnector, "PAGE_ROWS", 8)
    read_by = tell_story(root, sb, PrivateSheets(g, Path("key.json")))
    assert read_by == ["stream", "stream", "stream"]
    check_event_times(sb)
    pages = [c for c in g.calls if c.startswith(f"GET /v4/spreadsheets/{BOOK}/values/")]
    assert "GET /v4/spreadsheets/" + BOOK + "/values/%27Customers%27%21A1%3AF8" in pages
    assert "GET /v4/spreadsheets/" + BOOK + "/values/%27Customers%27%21A17%3AF24" in pages
    assert "GET /v4/spreadsheets/" + BOOK + "/values/%27Orders%27%21A1%3AD8" in pages
    assert "POST /token" in g.calls


# -- values ---------------------------------------------------------------------------------

TRICKY = [
    ["  id ", "note", "ltv", "placed_at", "vip", "n"],
    ["u1", 'comma, "quote"\nand a new line', "1.50", "2026-03-01 12:00:00", "TRUE", "7"],
    ["u2", "  spaces kept  ", "", "", "FALSE", ""],
    ["", "", "", "", "", ""],  # a blank row: skipped
    ["u3", "ünïcødé ✓", "-0.25", " 2026-03-02 00:00:01 ", "", "-3"],
    ["u4"],  # Google leaves trailing empty cells out of API answers
]
TRICKY_TYPES = (
    ("ltv", "DECIMAL(10,2)"),
    ("placed_at", "TIMESTAMP"),
    ("VIP", "BOOLEAN"),
    ("n", "INTEGER"),
)
EXPECTED = [
    ("u1", 'comma, "quote"\nand a new line', Decimal("1.50"), datetime(2026, 3, 1, 12), True, 7),
    ("u2", "  spaces kept  ", None, None, False, None),
    ("u3", "ünïcødé ✓", Decimal("-0.25"), datetime(2026, 3, 2, 0, 0, 1), None, -3),
    ("u4", None, None, None, None, None),
]


def published(g: GoogleFake, rows: list[list[str]], **kw: Any) -> Source:
    return Source("dw", "duckdb", sheet=Sheet(url=g.publish("2PACX-t", rows), table="t", **kw))


def private(
    g: GoogleFake, root: Path, key: dict[str, Any], rows: list[list[str]], **kw: Any
) -> Source:
    (root / "key.json").write_text(json.dumps(key))
    g.spreadsheets.pop("book-t", None)
    g.put_sheet("book-t", "Sheet1", rows, shared_with=EMAIL)
    sheet = Sheet(spreadsheet_id="book-t", credentials="key.json", table="t", api_url=g.url, **kw)
    return Source("dw", "duckdb", sheet=sheet)


@pytest.mark.parametrize("way", ["published", "private"])
def test_cells_come_through_exactly(
    way: str, g: GoogleFake, key_file: dict[str, Any], tmp_path: Path
) -> None:
    if way == "published":
        src = published(g, TRICKY, types=TRICKY_TYPES)
    else:
        src = private(g, tmp_path, key_file, TRICKY, types=TRICKY_TYPES)
    with connect(src, tmp_path) as conn:
        assert [n for n, _ in conn.columns("select * from t")] == [
            "id", "note", "ltv", "placed_at", "vip", "n",
        ]  # fmt: skip
        rows = [r for batch in conn.stream("select * from t order by id") for r in batch]
    assert rows == EXPECTED


@pytest.mark.parametrize(
    ("range_", "outcome"),
    [
        ("Sheet1!B2:D", [("u1", "pro")]),
        ("Sheet1!B2:E", 'columns B and E are both named "ID" in the header (row 2)'),
        ("Shet1!A:C", "no sheet named \"Shet1\" (did you mean 'Sheet1'?); check range:"),
        ("C2:C", [("pro",)]),  # no tab: the first one, as Google reads it
    ],
)
def test_a_range_is_read_where_it_says(
    range_: str, outcome: Any, g: GoogleFake, key_file: dict[str, Any], tmp_path: Path
) -> None:
    rows = [["notes"], ["", "id", "plan", "", "ID"], ["", "u1", "pro", "", "x"]]
    src = private(g, tmp_path, key_file, rows, range=range_)
    if isinstance(outcome, str):
        with pytest.raises(SourceError) as e:
            connect(src, tmp_path)
        assert outcome in str(e.value), str(e.value)
        return
    with connect(src, tmp_path) as conn:
        assert [r for b in conn.stream("select * from t") for r in b] == outcome


def test_the_database_is_a_temporary_file_removed_on_close(g: GoogleFake) -> None:
    conn = connect(published(g, [["id"], ["u1"]]))
    assert isinstance(conn, SheetConnector)
    path = Path(conn.path)
    assert path.is_file() and path.name == "sheet.duckdb"
    assert not (path.parent / "sheet.csv").exists()  # the download is gone once loaded
    conn.close()
    conn.close()  # twice is fine
    assert not path.parent.exists()


def test_a_big_sheet_streams_in_batches(g: GoogleFake) -> None:
    rows = [["id", "plan"], *([f"u{i:06d}", "pro"] for i in range(50_000))]
    with connect(published(g, rows)) as conn:
        sizes = [len(b) for b in conn.stream("select * from t", batch_size=10_000)]
    assert sizes == [10_000] * 5


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["id", "email", "x", "Email"], ["u1", "a@b.c", "", ""]],
            "columns B and D are both named",
        ),
        ([["id", "", "plan"], ["u1", "", "pro"], ["u2", "oops", ""]], "column B has no name"),
        ([["", ""], ["u1", "pro"]], "row 1 (the header) is empty"),
        ([], "the sheet is empty (not even a header row)"),
    ],
    ids=["duplicate", "unnamed-with-values", "blank-header", "nothing"],
)
@pytest.mark.parametrize("way", ["published", "private"])
def test_header_problems_name_the_column(
    way: str,
    rows: list[list[str]],
    message: str,
    g: GoogleFake,
    key_file: dict[str, Any],
    tmp_path: Path,
) -> None:
    src = published(g, rows) if way == "published" else private(g, tmp_path, key_file, rows)
    with pytest.raises(SourceError) as e:
        connect(src, tmp_path)
    assert message in str(e.value) and "\n" not in str(e.value)
    if "no name" in message:
        assert "(first at B3)" in str(e.value)


def test_a_row_wider_than_the_header_is_refused(g: GoogleFake) -> None:
    """Google's CSV is rectangular; another server's may not be."""
    g.published["2PACX-ragged"] = [["id", "plan"], ["u1", "pro", "stray"]]
    src = Source("dw", "duckdb", sheet=Sheet(url=g.csv_link("2PACX-ragged"), table="t"))
    with pytest.raises(SourceError) as e:
        connect(src)
    assert str(e.value).endswith(
        "the CSV does not parse: CSV Error on Line: 2; Expected Number of Columns: 2 Found: 3"
    )


def test_an_unnamed_empty_column_is_dropped(g: GoogleFake) -> None:
    with connect(published(g, [["id", "", "plan"], ["u1", "", "pro"]])) as conn:
        assert conn.columns("select * from t") == [("id", "VARCHAR"), ("plan", "VARCHAR")]


@pytest.mark.parametrize(
    ("types", "message"),
    [
        (
            (("ltv", "DECIMAL(10,2)"),),
            'cell B3 holds "1,234.50", which is not DECIMAL(10,2) (types: ltv) (and 1 more)',
        ),
        ((("ltvv", "DECIMAL(10,2)"),), 'types: names column "ltvv", which the sheet has not'),
        ((("ltv", "DECIML(10,2)"),), 'types: ltv: "DECIML(10,2)" is not a DuckDB type'),
    ],
    ids=["bad-cell", "unknown-column", "unknown-type"],
)
def test_declared_types_are_strict(
    types: tuple[tuple[str, str], ...], message: str, g: GoogleFake
) -> None:
    rows = [["id", "ltv"], ["u1", "1.50"], ["u2", "1,234.50"], ["u3", "$5"]]
    with pytest.raises(SourceError) as e:
        connect(published(g, rows, types=types))
    assert message in str(e.value), str(e.value)
    if "names column" in message:
        assert "did you mean 'ltv'?" in str(e.value)


def test_a_busy_api_is_retried(g: GoogleFake, key_file: dict[str, Any], tmp_path: Path) -> None:
    src = private(g, tmp_path, key_file, [["id"], ["u1"]])
    g.faults[:] = [("/token", 503), ("/v4/", 429), ("/v4/", 503)]  # Retry-After: 0
    with connect(src, tmp_path) as conn:
        assert conn.columns("select * from t") == [("id", "VARCHAR")]
    assert g.calls.count("POST /token") == 2
    assert g.calls.count("GET /v4/spreadsheets/book-t") == 3
    g.faults[:] = [("/v4/", 429)] * SheetConnector.RETRIES
    with pytest.raises(SourceError, match=r"RESOURCE_EXHAUSTED\); the Sheets API read quota"):
        connect(src, tmp_path)


def test_http_failures_are_one_line(g: GoogleFake, monkeypatch: pytest.MonkeyPatch) -> None:
    src = published(g, [["id"], ["u1"]])
    g.faults[:] = [("/", 500)]
    with pytest.raises(SourceError, match=r"HTTP 500 Internal Server Error from 127\.0\.0\.1$"):
        connect(src)
    monkeypatch.setattr(SheetConnector, "TIMEOUT", 0.3)
    g.delay = 1.0
    with pytest.raises(SourceError, match=r"no answer from 127\.0\.0\.1 within 0\.3 s"):
        connect(src)
    with pytest.raises(SourceError, match=r"404 Not Found .*Publish to web"):
        connect(Source("dw", "duckdb", sheet=Sheet(url=g.csv_link("2PACX-nobody"), table="t")))


# -- the CLI, as a user runs it ---------------------------------------------------------------

PROFILE = """\
sync: customers
source: crm
model: {table: crm}
identity: {external_id: id}
subscriptions: {email: email}
tags: {plan: plan}
"""


def cli(root: Path, *args: str, pre: str = "") -> subprocess.CompletedProcess[str]:
    """``onesync ARGS`` as a real process in ``root`` (as tests/apply/world.py's World.cli)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    env["TEST_ONESIGNAL_KEY"] = API_KEY
    env.pop("CI", None)
    code = f"{pre}from onesync.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def project(root: Path, sheet_yaml: str, api_url: str = "http://127.0.0.1:9") -> Path:
    (root / "specs").mkdir(parents=True, exist_ok=True)
    (root / "onesync.yaml").write_text(
        "version: 1\n"
        f"sources:\n  crm:\n    sheet: {sheet_yaml}\n"
        f"destination:\n  app_id: {APP_ID}\n  api_key: ${{env:TEST_ONESIGNAL_KEY}}\n"
        f"  api_url: {api_url}\n"
        "specs: specs/\n"
    )
    (root / "specs" / "customers.yaml").write_text(PROFILE)
    return root


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The error line of a failed run: exit 1, one line on stderr, no traceback."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_a_header_typo_is_named_by_validate_and_plan(g: GoogleFake, tmp_path: Path) -> None:
    url = g.publish("2PACX-typo", [["id", "emial", "plan"], ["u1", "a@b.c", "pro"]])
    root = project(tmp_path, url)
    line = one_line(cli(root, "validate"))
    assert line == (
        "specs/customers.yaml:5:24: error: subscriptions.email: column 'email' is not in the "
        "model's output (did you mean 'emial'?)"
    )
    assert one_line(cli(root, "plan")) == line


@pytest.mark.parametrize("mode", ["upsert", "mirror"])
def test_an_emptied_sheet_is_refused_after_a_first_sync(
    mode: str, g: GoogleFake, tmp_path: Path, sb: Sandbox
) -> None:
    """The destructive guard refuses a model with no rows when state knows users, whatever
    the mode; in mirror mode (on_leave: clear) the message says what would have happened."""
    header = ["id", "email", "plan"]
    url = g.publish("2PACX-empty", [header, *([f"u{i}", f"u{i}@x.io", "pro"] for i in range(5))])
    root = project(tmp_path, url, sb.url)
    spec = root / "specs" / "customers.yaml"
    spec.write_text(spec.read_text() + f"mode: {mode}\n")
    os.environ["TEST_ONESIGNAL_KEY"] = API_KEY
    _, report = plan_and_apply(load_project(root))
    assert report is not None and report.exit_code == 0
    assert len(sb.snapshot()["users"]) == 5

    g.publish("2PACX-empty", [header])  # someone deleted every row
    line = one_line(cli(root, "apply", "--yes"))
    assert "model returned no rows but state knows 5 users" in line, line
    if mode == "mirror":
        assert "(on_leave: clear would clear all their tags, aliases and subscriptions)" in line
    users = sb.snapshot()["users"]
    assert [u["properties"]["tags"] for u in users] == [{"plan": "pro"}] * 5
    assert all(u["subscriptions"] for u in users)
    if mode == "mirror":
        return

    g.publish("2PACX-empty", [])  # ... or the whole sheet
    line = one_line(cli(root, "plan"))
    assert "source 'crm'" in line and "the sheet is empty" in line, line


def private_yaml(g: GoogleFake, book: str = BOOK, key: str = "key.json") -> str:
    return f"{{spreadsheet_id: {book}, credentials: {key}, api_url: '{g.url}'}}"


@pytest.mark.parametrize(
    "case",
    ["unpublished", "not-shared", "unknown-id", "unknown-key", "broken-key", "echoed-token",
     "no-google-auth"],
)  # fmt: skip
def test_user_facing_errors_are_one_line_without_secrets(
    case: str, g: GoogleFake, key_file: dict[str, Any], tmp_path: Path
) -> None:
    key = dict(key_file)
    pre = ""
    g.put_sheet(BOOK, "Customers", [["id", "email", "plan"], ["u1", "a@b.c", "pro"]])
    g.spreadsheets[BOOK].shared_with = {EMAIL}
    sheet = private_yaml(g)
    expect = ""
    if case == "unpublished":
        sheet = g.unpublish("2PACX-private")
        expect = "answered with a web page, not CSV: publish the sheet to the web as CSV"
    elif case == "not-shared":
        g.spreadsheets[BOOK].shared_with = set()
        expect = "The caller does not have permission (PERMISSION_DENIED); share the sheet with "
        expect += f"the service account {EMAIL}"
    elif case == "unknown-id":
        sheet = private_yaml(g, book="1NoSuchSheet")
        expect = "Requested entity was not found. (NOT_FOUND); check spreadsheet_id"
    elif case == "unknown-key":  # a key Google does not know (deleted, or of another account)
        key = g.service_account(EMAIL, register=False)
        expect = f"refused {EMAIL}: invalid_grant: Invalid JWT Signature."
    elif case == "broken-key":
        key["private_key"] = (
            "-----BEGIN PRIVATE KEY-----\nCANARY-PRIVATE-KEY-TEXT-0123456789\n"
            "-----END PRIVATE KEY-----\n"
        )
        expect = "the private_key in"
    elif case == "echoed-token":
        g.spreadsheets[BOOK].shared_with = set()
        g.echo_token = True
        expect = "(request had Authorization: Bearer ***)"
    elif case == "no-google-auth":
        pre = "import sys; sys.modules['google.auth'] = None; "
        expect = "pip install 'onesync[sheets]'"
    (tmp_path / "key.json").write_text(json.dumps(key))
    root = project(tmp_path, sheet)
    result = cli(root, "plan", pre=pre)
    line = one_line(result)
    assert expect in line, line
    assert "source 'crm'" in line
    output = result.stdout + result.stderr
    for secret_line in key["private_key"].splitlines():
        if len(secret_line) > 20:
            assert secret_line not in output
    for token in g.tokens:
        assert token not in output
