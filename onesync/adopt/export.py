"""Read a OneSignal CSV export (``.csv.gz``) into DuckDB: one row per external user id.

The export has one row per device / subscription (OneSignal docs, "Export subscriptions CSV",
reference/csv-export; OpenAPI op ``export_subscriptions``). ``read_export`` turns it into the
TEMP table ``onesync_export_users`` on the caller's connection, in four steps:

1. Python reads the gzip to its end (fixed memory) and takes the header: DuckDB's gzip reader
   does not check the CRC or length trailer, so a damaged file would otherwise pass;
2. DuckDB's CSV reader (which streams gzip) loads the devices into a TEMP table in one scan,
   with the columns named and the dialect fixed, so a broken row fails with its line number;
3. one query checks the values (device_type an integer, invalid_identifier t/f, tags an object);
4. one statement groups the devices by external user id.

Every table is TEMP (connection-local, never in a database file), and a refusal drops what was
made, so nothing is written anywhere unless the whole file was read. Errors are
``DestinationError`` with one line: the file, the line or device, what to do.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from onesync.errors import DestinationError

__all__ = [
    "EMAIL_DEVICE_TYPE",
    "REQUIRED_COLUMNS",
    "SMS_DEVICE_TYPE",
    "USERS_TABLE",
    "ExportSummary",
    "read_export",
]

USERS_TABLE = "onesync_export_users"
_DEVICES = "onesync_export_devices"
# The columns the import needs; external_user_id is an "extra field" the export has only when
# asked for (OpenAPI export_subscriptions: extra_fields). last_active is optional (see below).
REQUIRED_COLUMNS = ("id", "identifier", "device_type", "tags", "invalid_identifier")
EXTRA_COLUMNS = ("external_user_id",)
# device_type codes (docs csv-export): 0 iOSPush, 1 AndroidPush, 2 FireOSPush, 5 ChromePush,
# 7/17 SafariPush, 11 Email, 14 SMS. Every code but Email and SMS is a push subscription.
EMAIL_DEVICE_TYPE = 11
SMS_DEVICE_TYPE = 14
# invalid_identifier: "t = unsubscribed, f = subscribed" (OpenAPI export_subscriptions).
_UNSUBSCRIBED = ("t", "true", "1")
_SUBSCRIBED = ("f", "false", "0", "")
MEMORY = os.environ.get("ONESYNC_DUCKDB_MEMORY", "512MB")  # as the state's DuckDB
_CHUNK = 1 << 20
_HEADER_MAX = 1 << 20  # a header line longer than this is not an export


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What ``read_export`` read.

    ``rows`` counts the devices (subscriptions) in the file; ``users`` the rows of
    ``onesync_export_users``; ``without_external_id`` the devices no user id was set on (they
    are left out of the users table; the CLI reports them); ``push`` / ``email`` / ``sms``
    split ``rows`` by device_type.
    """

    path: Path
    rows: int
    users: int
    without_external_id: int
    push: int
    email: int
    sms: int


def read_export(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    memory_limit: str | None = MEMORY,
    temp_directory: Path | None = None,
) -> ExportSummary:
    """Read the export at ``path`` into the TEMP table ``onesync_export_users`` on ``conn``.

    The table has one row per external user id:

    - ``external_id`` (text),
    - ``tags``: a JSON object (text, keys sorted) of the tags of all that user's devices. When
      two devices disagree on a tag, the most recently active device wins (``last_active``;
      a device without one counts as the oldest; between equally recent devices, or when the
      file has no such column, the greater device ``id`` wins). Values are text, as OneSignal
      keeps them: a JSON number or boolean becomes its JSON text, a JSON null no tag;
    - ``emails`` / ``phones``: JSON arrays (text) of ``{"token", "id", "enabled"}`` for the
      Email (device_type 11) and SMS (14) subscriptions, ordered by token; ``enabled`` is false
      when ``invalid_identifier`` is ``t`` (unsubscribed). Rows with an empty token are left out;
    - ``devices``: how many devices (subscriptions of any kind) the user has.

    Memory stays flat however long the file: DuckDB streams the gzip and spills past
    ``memory_limit`` into ``temp_directory``. Both are settings of the whole database behind
    ``conn`` (as is ``preserve_insertion_order = false``, which is set too); ``None`` leaves the
    current value (a state store has set them already; an in-memory connection spills into
    ``./.tmp`` unless given a ``temp_directory``).

    Args:
        conn: the DuckDB connection the table is made on (an in-memory one, or the state's).
        path: the ``.csv.gz`` file, downloaded or exported from the dashboard.
        memory_limit: DuckDB's ``memory_limit`` for the read (default ``ONESYNC_DUCKDB_MEMORY``).
        temp_directory: where DuckDB spills; it must outlive the table.

    Returns:
        The counts, for the CLI to report.

    Raises:
        DestinationError: the file is missing, not a complete gzip, lacks a needed column, has a
            broken row or a value that is not what the export documents; nothing was made then.
    """
    name = str(path)
    _drop(conn)  # a table from an earlier read must not outlive a refusal of this one
    header = _check_gzip(path, name)
    _check_header(header, name)
    try:
        _configure(conn, memory_limit, temp_directory)
        _load_devices(conn, path, header)
        counts = _check_values(conn, name)
        conn.execute(_users_sql())
        users = _scalar(conn, f"SELECT count(*) FROM temp.main.{USERS_TABLE}")
    except duckdb.Error as exc:
        _drop(conn)
        raise DestinationError(_duckdb_reason(exc, name)) from exc
    except BaseException:
        _drop(conn)
        raise
    finally:
        _drop_devices(conn)
    rows, without, email, sms = counts
    return ExportSummary(
        path=path,
        rows=rows,
        users=users,
        without_external_id=without,
        push=rows - email - sms,
        email=email,
        sms=sms,
    )


# -- 1. the gzip and the header ----------------------------------------------------------------


def _check_gzip(path: Path, name: str) -> list[str]:
    """The header's column names, after reading the whole gzip once (CRC and length checked)."""
    damaged = f"{name} is not a complete gzip file"
    again = "download the export again (or export it again from the dashboard)"
    try:
        with gzip.open(path, "rb") as f:
            first = f.readline(_HEADER_MAX)
            while f.read(_CHUNK):
                pass
    except FileNotFoundError:
        raise DestinationError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise DestinationError(f"{name} is a directory, not an export file") from None
    except PermissionError as exc:
        raise DestinationError(f"{name}: cannot read it ({exc.strerror})") from None
    except EOFError:
        raise DestinationError(f"{damaged}: it ends early (truncated); {again}") from None
    except gzip.BadGzipFile as exc:
        if "Not a gzipped file" in str(exc):  # the first bytes already
            raise DestinationError(
                f"{name} is not gzip-compressed (a OneSignal export is a .csv.gz file)"
            ) from None
        raise DestinationError(f"{damaged} ({_one_line(exc)}); {again}") from None
    except zlib.error as exc:
        raise DestinationError(f"{damaged} ({_one_line(exc)}); {again}") from None
    except OSError as exc:
        raise DestinationError(f"{name}: cannot read it ({_one_line(exc)})") from None
    if not first.strip():
        raise DestinationError(f"{name} is empty (no header line); {again}")
    if not first.endswith(b"\n") and len(first) >= _HEADER_MAX:
        raise DestinationError(f"{name}: the first line is not a CSV header; {again}")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DestinationError(f"{name}: the header is not UTF-8 text; {again}") from None
    return [c.strip() for c in next(csv.reader(io.StringIO(text)), [])]


def _check_header(header: list[str], name: str) -> None:
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise DestinationError(f"{name}: the column {column!r} appears twice in the header")
        seen.add(column)
    for column in REQUIRED_COLUMNS:
        if column not in seen:
            raise DestinationError(
                f"{name} has no {column!r} column, so it is not a OneSignal CSV export "
                "(the header needs id, identifier, device_type, tags, invalid_identifier)"
            )
    for column in EXTRA_COLUMNS:
        if column not in seen:
            raise DestinationError(
                f"{name} has no {column!r} column; request the export with "
                f'"extra_fields": ["{column}"] (onesync import does when it downloads)'
            )


# -- 2. the devices ------------------------------------------------------------------------------


def _configure(
    conn: duckdb.DuckDBPyConnection, memory_limit: str | None, temp_directory: Path | None
) -> None:
    if memory_limit is not None:
        conn.execute(f"SET memory_limit = {_lit(memory_limit)}")
    if temp_directory is not None:
        conn.execute(f"SET temp_directory = {_lit(str(temp_directory))}")
    # Rows need no order: without this a parallel scan buffers to keep the file's order.
    conn.execute("SET preserve_insertion_order = false")


def _load_devices(conn: duckdb.DuckDBPyConnection, path: Path, header: list[str]) -> None:
    """One scan of the file into the devices table; the dialect is fixed, nothing sniffed, so a
    broken row fails with DuckDB's line number instead of a guess about the dialect."""
    columns = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in header) + "}"
    dtype = "try_cast(trim(device_type) AS INTEGER)"
    last_active = (
        # Unix seconds or a date-time text; either way a number that orders the devices.
        "coalesce(try_cast(trim(last_active) AS DOUBLE), "
        "epoch(try_cast(trim(last_active) AS TIMESTAMP)), "
        "epoch(try_cast(trim(last_active) AS TIMESTAMPTZ)))"
        if "last_active" in header
        else "NULL::DOUBLE"
    )
    conn.execute(
        f"""
        CREATE TEMP TABLE {_DEVICES} AS
        SELECT
            nullif(trim(external_user_id), '') AS external_id,
            id,
            device_type AS device_type_text,
            {dtype} AS device_type,
            CASE WHEN {dtype} IN ({EMAIL_DEVICE_TYPE}, {SMS_DEVICE_TYPE})
                THEN nullif(trim(identifier), '') END AS token,
            lower(trim(coalesce(invalid_identifier, ''))) AS invalid_identifier,
            nullif(trim(tags), '') AS tags,
            -- orders a user's devices as text: last_active (fixed width, none first), then id
            coalesce(lpad(printf('%.3f', {last_active} + 1e12), 32, '0'), repeat('0', 32))
                || coalesce(id, '') AS rank
        FROM read_csv(
            {_lit(str(path))}, columns = {columns}, header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', strict_mode = true, compression = 'gzip'
        )
        """
    )


# -- 3. the values -------------------------------------------------------------------------------


def _check_values(conn: duckdb.DuckDBPyConnection, name: str) -> tuple[int, int, int, int]:
    """(rows, rows without external id, email rows, sms rows), or a refusal naming a device."""
    flags = ", ".join(_lit(v) for v in (*_UNSUBSCRIBED, *_SUBSCRIBED))
    bad_type = "device_type IS NULL"
    bad_flag = f"invalid_identifier NOT IN ({flags})"
    # CASE, not OR: json_type must never see text that is not JSON.
    bad_tags = (
        "tags IS NOT NULL AND CASE WHEN json_valid(tags) THEN json_type(tags) <> 'OBJECT' "
        "ELSE true END"
    )
    row = conn.execute(
        f"""
        SELECT
            count(*),
            count(*) FILTER (WHERE external_id IS NULL),
            count(*) FILTER (WHERE device_type = {EMAIL_DEVICE_TYPE}),
            count(*) FILTER (WHERE device_type = {SMS_DEVICE_TYPE}),
            count(*) FILTER (WHERE {bad_type}),
            arg_min({{'id': id, 'value': device_type_text}}, id) FILTER (WHERE {bad_type}),
            count(*) FILTER (WHERE {bad_flag}),
            arg_min({{'id': id, 'value': invalid_identifier}}, id) FILTER (WHERE {bad_flag}),
            count(*) FILTER (WHERE {bad_tags}),
            arg_min(id, id) FILTER (WHERE {bad_tags})
        FROM {_DEVICES}
        """
    ).fetchall()[0]  # fetchall: leave no open result on the caller's connection
    rows, without, email, sms, n_type, first_type, n_flag, first_flag, n_tags, first_tags = row
    again = "the file is not a OneSignal export as documented, or it is damaged"
    if n_type:
        device, value = _pair(first_type)
        raise DestinationError(
            f"{name}: device {device} has device_type {value}, not an integer code"
            f"{_more(n_type)}; {again}"
        )
    if n_flag:
        device, value = _pair(first_flag)
        raise DestinationError(
            f"{name}: device {device} has invalid_identifier {value} (t or f expected)"
            f"{_more(n_flag)}; {again}"
        )
    if n_tags:
        raise DestinationError(
            f"{name}: the tags of device {_short(first_tags)} are not a JSON object"
            f"{_more(n_tags)}; {again}"
        )
    return int(rows), int(without), int(email), int(sms)


# -- 4. the users --------------------------------------------------------------------------------


def _users_sql() -> str:
    unsubscribed = ", ".join(_lit(v) for v in _UNSUBSCRIBED)

    def channel(device_type: int) -> str:
        sub = f"{{'token': token, 'id': id, 'enabled': invalid_identifier NOT IN ({unsubscribed})}}"
        where = f"device_type = {device_type} AND token IS NOT NULL"
        # list_sort after, not ORDER BY inside: an ordered aggregate buffers every group
        return f"coalesce(to_json(list_sort(list({sub}) FILTER (WHERE {where})))::VARCHAR, '[]')"

    return f"""
        CREATE TEMP TABLE {USERS_TABLE} AS
        WITH merged AS (
            -- one row per (user, tag key): the value of the device ranked last (most recent)
            SELECT d.external_id, j.key, arg_max(j.value ->> '$', d.rank) AS value
            FROM {_DEVICES} AS d, json_each(d.tags) AS j
            WHERE d.external_id IS NOT NULL AND d.tags IS NOT NULL AND j.type <> 'NULL'
            GROUP BY d.external_id, j.key
        ),
        user_tags AS (
            -- the object's members sorted by key, so the same tags always give the same text
            SELECT external_id,
                   '{{' || array_to_string(list_sort(list(to_json(key) || ':' || to_json(value))),
                                           ',') || '}}' AS tags
            FROM merged GROUP BY external_id
        ),
        user_devices AS (
            SELECT external_id,
                   {channel(EMAIL_DEVICE_TYPE)} AS emails,
                   {channel(SMS_DEVICE_TYPE)} AS phones,
                   count(*) AS devices
            FROM {_DEVICES} WHERE external_id IS NOT NULL GROUP BY external_id
        )
        SELECT u.external_id, coalesce(t.tags, '{{}}') AS tags, u.emails, u.phones, u.devices
        FROM user_devices AS u LEFT JOIN user_tags AS t USING (external_id)
    """


# -- helpers -------------------------------------------------------------------------------------


def _drop(conn: duckdb.DuckDBPyConnection) -> None:
    """Drop our TEMP tables (``temp.main`` only: never a state table of the same name)."""
    _drop_devices(conn)
    with contextlib.suppress(duckdb.Error):
        conn.execute(f"DROP TABLE IF EXISTS temp.main.{USERS_TABLE}")


def _drop_devices(conn: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        conn.execute(f"DROP TABLE IF EXISTS temp.main.{_DEVICES}")


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = conn.execute(sql).fetchall()  # fetchall: leave no open result on the connection
    return int(rows[0][0]) if rows else 0


def _pair(found: Any) -> tuple[str, str]:
    """(device, value) of an ``arg_min({'id', 'value'})`` answer, quoted and shortened."""
    found = found if isinstance(found, dict) else {}
    return _short(found.get("id")), _short(found.get("value"))


def _more(count: int) -> str:
    return f" (and {count - 1} more rows)" if count > 1 else ""


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COLUMNS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _duckdb_reason(exc: duckdb.Error, name: str) -> str:
    """DuckDB's many-line error as one line. The row's text is left out: it holds user data."""
    text = str(exc)
    again = "the file is damaged: download the export again"
    line = _LINE.search(text)
    if line:
        where = f"{name} line {line.group(1)}"
        columns = _COLUMNS.search(text)
        if columns:
            what = f"{columns.group(2)} fields where the header has {columns.group(1)}"
        elif "unterminated quote" in text:
            what = "a quoted value that is never closed"
        elif "unicode" in text.lower() or "utf-8" in text.lower():
            what = "bytes that are not UTF-8 text"
        else:
            what = "a row DuckDB cannot parse"
        return f"{where}: {what}; {again}"
    if "GZIP" in text or "gzip" in text:
        return f"{name} is not a complete gzip file; {again}"
    if isinstance(exc, duckdb.OutOfMemoryException):
        return (
            f"{name}: DuckDB ran out of memory reading it ({_one_line(exc)[:200]}); give it a "
            "temp_directory to spill into, or raise ONESYNC_DUCKDB_MEMORY"
        )
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"{name}: cannot read the export ({first[:200]})"
