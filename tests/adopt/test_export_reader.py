"""read_export on export files written here with Python's csv + gzip, quoted like OneSignal's
export (tags as JSON in a quoted field; columns as reference/csv-export documents them)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from onesync.adopt.export import USERS_TABLE, ExportSummary, read_export
from onesync.errors import DestinationError

HEADER = (
    "id", "identifier", "session_count", "language", "timezone", "game_version", "device_os",
    "device_type", "device_model", "ad_id", "tags", "last_active", "playtime", "amount_spent",
    "created_at", "invalid_identifier", "badge_count", "external_user_id",
)  # fmt: skip
IOS, ANDROID, CHROME, EMAIL, SMS = 0, 1, 5, 11, 14


def device(
    id: str,
    identifier: str,
    device_type: int,
    external_user_id: str = "",
    tags: dict[str, Any] | str | None = None,
    last_active: str = "2024-01-01 00:00:00",
    invalid_identifier: str = "f",
) -> dict[str, str]:
    text = tags if isinstance(tags, str) else json.dumps(tags or {})
    return {
        "id": id, "identifier": identifier, "session_count": "3", "language": "en",
        "timezone": "-28800", "game_version": "4.1", "device_os": "17", "device_type":
        str(device_type), "device_model": "iPhone15,2", "ad_id": "", "tags": text,
        "last_active": last_active, "playtime": "120", "amount_spent": "0.0",
        "created_at": "2023-05-01 10:00:00", "invalid_identifier": invalid_identifier,
        "badge_count": "0", "external_user_id": external_user_id,
    }  # fmt: skip


def csv_text(rows: Sequence[dict[str, str]], header: Sequence[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_export(path: Path, rows: Sequence[dict[str, str]], **kw: Any) -> Path:
    path.write_bytes(gzip.compress(csv_text(rows, **kw).encode()))
    return path


@pytest.fixture
def conn() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    yield c
    c.close()


def users(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    rows = conn.sql(f"SELECT * FROM {USERS_TABLE}").fetchall()
    return {
        r[0]: {
            "tags": json.loads(r[1]),
            "emails": json.loads(r[2]),
            "phones": json.loads(r[3]),
            "devices": r[4],
        }
        for r in rows
    }


def read(conn: duckdb.DuckDBPyConnection, path: Path) -> ExportSummary:
    return read_export(conn, path, temp_directory=path.parent / "spill")


SAMPLE = [
    # u1: three devices that disagree on `plan`; the email one is the most recently active
    device("p-ios", "apns-1", IOS, "u1", {"plan": "free", "city": "Paris, FR"},
           "2024-01-02 08:00:00"),
    device("p-mail", "ann@example.com", EMAIL, "u1", {"plan": "gold", "says": 'hi "there"'},
           "2024-03-01 09:00:00"),
    device("p-sms", "+15555550100", SMS, "u1", {}, "2024-02-01 00:00:00", "t"),
    # u2: an unsubscribed email, a second email, and a push device with no tags
    device("q-mail2", "zed@example.com", EMAIL, "u2", None, "1704067200"),
    device("q-mail1", "bob@example.com", EMAIL, "u2", {"n": 5, "vip": True, "gone": None},
           "1704153600", "t"),
    device("q-web", "https://fcm.googleapis.com/fcm/send/abc", CHROME, "u2", ""),
    # no external id: counted, left out
    device("anon-1", "fcm-1", ANDROID),
    device("anon-2", "guest@example.com", EMAIL, "  "),
]  # fmt: skip


def test_one_row_per_external_id_with_merged_tags_and_channels(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    summary = read(conn, write_export(tmp_path / "export.csv.gz", SAMPLE))

    assert summary == ExportSummary(
        path=tmp_path / "export.csv.gz",
        rows=8,
        users=2,
        without_external_id=2,
        push=3,
        email=4,
        sms=1,
    )
    got = users(conn)
    assert set(got) == {"u1", "u2"}
    # the most recently active device wins a disagreement; the others' keys are kept
    assert got["u1"]["tags"] == {"plan": "gold", "city": "Paris, FR", "says": 'hi "there"'}
    assert got["u1"]["emails"] == [{"token": "ann@example.com", "id": "p-mail", "enabled": True}]
    # invalid_identifier t = unsubscribed (OpenAPI export_subscriptions)
    assert got["u1"]["phones"] == [{"token": "+15555550100", "id": "p-sms", "enabled": False}]
    assert got["u1"]["devices"] == 3
    # values are text as OneSignal keeps them; a JSON null is no tag
    assert got["u2"]["tags"] == {"n": "5", "vip": "true"}
    assert got["u2"]["emails"] == [  # sorted by token
        {"token": "bob@example.com", "id": "q-mail1", "enabled": False},
        {"token": "zed@example.com", "id": "q-mail2", "enabled": True},
    ]
    assert got["u2"]["phones"] == [] and got["u2"]["devices"] == 3


def test_tags_text_is_canonical_and_ties_go_to_the_greater_device_id(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    same = "2024-05-05 05:05:05"
    rows = [
        device("a", "t-a", IOS, "u", {"z": "1", "k": "from a"}, same),
        device("b", "t-b", ANDROID, "u", {"k": "from b"}, same),
        device("c", "t-c", ANDROID, "u", {"k": "from c", "y": "old"}, ""),  # no last_active: oldest
    ]
    read(conn, write_export(tmp_path / "e.csv.gz", rows))
    (tags,) = conn.sql(f"SELECT tags FROM {USERS_TABLE}").fetchall()[0]
    assert tags == '{"k":"from b","y":"old","z":"1"}'


def test_a_header_with_a_bom_and_extra_columns_in_another_order_is_read(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    header = ("external_user_id", "country", *reversed(HEADER[:-1]))
    rows = [{**device("p", "x@example.com", EMAIL, "u9"), "country": "FR"}]
    path = tmp_path / "dashboard.csv.gz"
    path.write_bytes(gzip.compress(("\ufeff" + csv_text(rows, header=header)).encode()))
    assert read(conn, path).users == 1
    assert users(conn)["u9"]["emails"][0]["token"] == "x@example.com"


def test_reading_again_replaces_the_table_and_the_connection_stays_usable(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    read(conn, write_export(tmp_path / "a.csv.gz", SAMPLE))
    read(conn, write_export(tmp_path / "b.csv.gz", [device("p", "t", IOS, "only")]))
    assert list(users(conn)) == ["only"]
    tables = conn.sql("SELECT database_name, table_name FROM duckdb_tables()").fetchall()
    assert tables == [("temp", USERS_TABLE)]  # the devices table is gone, the users one TEMP


def test_a_state_database_gets_no_table_in_its_file(tmp_path: Path) -> None:
    state = duckdb.connect(str(tmp_path / "state.duckdb"))
    try:
        state.execute(f"CREATE TABLE {USERS_TABLE} (keep INTEGER)")  # a namesake of the state's
        read(state, write_export(tmp_path / "e.csv.gz", SAMPLE))
        assert state.sql(f"SELECT count(*) FROM temp.main.{USERS_TABLE}").fetchall() == [(2,)]
        main = state.sql(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'state'"
        ).fetchall()
        assert main == [(USERS_TABLE,)]
        assert state.sql(f"SELECT * FROM state.main.{USERS_TABLE}").fetchall() == []
    finally:
        state.close()


def _flip(data: bytes) -> bytes:
    b = bytearray(data)
    b[len(b) // 2] ^= 0x55
    return bytes(b)


def _many(n: int) -> list[dict[str, str]]:
    return [device(f"p{i}", f"tok{i}", ANDROID, f"u{i}", {"i": str(i)}) for i in range(n)]


BIG = gzip.compress(csv_text(_many(3000)).encode())


def _broken_row(line: int, text: str, encoding: str = "utf-8") -> bytes:
    lines = csv_text(_many(3000)).split("\r\n")
    lines[line - 1] = text
    return gzip.compress("\r\n".join(lines).encode(encoding))


GOOD_ROW = csv_text([device("px", "tx", IOS, "ux")]).split("\r\n")[1]

REFUSED = [
    ("truncated", BIG[: len(BIG) // 2], r"not a complete gzip file: it ends early \(truncated\)"),
    ("trailer cut", BIG[:-3], r"is not a complete gzip file"),
    ("corrupt bytes", _flip(BIG), r"is not a complete gzip file \("),
    ("crc", BIG[:-8] + bytes(4) + BIG[-4:], r"is not a complete gzip file \(CRC check failed"),
    ("not gzip", b"id,identifier\n1,2\n",
     r"is not gzip-compressed \(a OneSignal export is a \.csv\.gz file\)$"),
    ("empty gzip", gzip.compress(b""), r"is empty \(no header line\)"),
    ("no external id",
     gzip.compress(csv_text([device("p", "t", IOS)], header=HEADER[:-1]).encode()),
     r"has no 'external_user_id' column; request the export with \"extra_fields\": "
     r"\[\"external_user_id\"\]"),
    ("no tags",
     gzip.compress(csv_text([device("p", "t", IOS)], header=[h for h in HEADER if h != "tags"])
                   .encode()),
     r"has no 'tags' column, so it is not a OneSignal CSV export"),
    ("extra field", _broken_row(2001, GOOD_ROW + ",surplus"),
     r"e\.csv\.gz line 2001: 19 fields where the header has 18; the file is damaged"),
    ("short row", _broken_row(1500, "p,x"), r"line 1500: 2 fields where the header has 18"),
    ("open quote", _broken_row(2500, GOOD_ROW.replace(",ux", ',"ux')),
     r"line 2500: a quoted value that is never closed"),
    ("latin-1", _broken_row(2200, GOOD_ROW.replace("tx,", "t\xe9,"), "latin-1"),
     r"line 2200: bytes that are not UTF-8 text"),
    ("bad tags", gzip.compress(csv_text([device("p7", "t", IOS, "u", "{not json")]).encode()),
     r"the tags of device 'p7' are not a JSON object"),
    ("array tags", gzip.compress(csv_text([device("p8", "t", IOS, "u", "[1]")]).encode()),
     r"the tags of device 'p8' are not a JSON object"),
    ("bad type", gzip.compress(csv_text([{**device("p9", "t", IOS, "u"), "device_type": "ios"}])
                               .encode()),
     r"device 'p9' has device_type 'ios', not an integer code"),
    ("bad flag", gzip.compress(csv_text([device("p6", "t", EMAIL, "u", invalid_identifier="x"),
                                         device("p5", "t", EMAIL, "u", invalid_identifier="?")])
                               .encode()),
     r"device 'p5' has invalid_identifier '\?' \(t or f expected\) \(and 1 more rows\)"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_damaged_file_is_refused_in_one_line_before_anything_is_made(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path, data: bytes, message: str
) -> None:
    read(conn, write_export(tmp_path / "before.csv.gz", SAMPLE))  # a table from an earlier read
    path = tmp_path / "e.csv.gz"
    path.write_bytes(data)
    with pytest.raises(DestinationError, match=message) as info:
        read(conn, path)
    text = str(info.value)
    assert text.startswith(str(path)) and "\n" not in text
    assert "iPhone" not in text and "tok2" not in text  # a row's data is never echoed
    # nothing half made survives: no table at all, and the connection still answers
    assert conn.sql("SELECT table_name FROM duckdb_tables()").fetchall() == []


def test_a_missing_file_is_named(conn: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(DestinationError, match=r"nope\.csv\.gz: no such file$"):
        read(conn, tmp_path / "nope.csv.gz")
