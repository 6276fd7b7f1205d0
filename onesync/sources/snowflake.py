"""Snowflake source over snowflake-connector-python, streaming the result as Arrow batches.

Configured by ``url: snowflake://USER:PASSWORD@ACCOUNT/DATABASE/SCHEMA?warehouse=WH&role=ROLE``
and/or ``options:`` (account, user, password, database, schema, warehouse, role, authenticator,
private_key_file, private_key_file_pwd; host, port and protocol to reach another endpoint); an
option wins over the same part of the URL. Key-pair auth reads the PEM (or DER) key here, with
its passphrase, through ``cryptography`` (a dependency of the connector), so a wrong passphrase
is one clear line before any network call.

The session is pinned at login (``session_parameters``, no extra round trip) so the SQL of
``onesync.compile.values`` reads the same on every account: TIMEZONE is the source's zone, the
date and timestamp output formats are ISO text with the offset right after the time (an account
default like ``... TZHTZM`` with a space would not parse back), and the input formats are AUTO.
Unquoted names live in upper case in Snowflake; ``columns`` reports those in lower case, the way
models and specs write them (``ID`` -> ``id``), and keeps quoted mixed-case names as they are.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from sqlglot import exp
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from onesync.model import Source
from onesync.sources.base import Connector, resolve_path, strip_sql

__all__ = ["SnowflakeConnector", "parse_url"]

# what the url's query and the options may set, besides account/user/password/database/schema
SETTINGS = (
    "warehouse",
    "role",
    "authenticator",
    "private_key_file",
    "private_key_file_pwd",
    "host",
    "port",
    "protocol",
)
KEYS = ("account", "user", "password", "database", "schema", *SETTINGS)

# Pinned so CAST(... AS VARCHAR) gives text that onesync.compile.values parses the same way on
# every account (9 fractional digits keep what the column holds; the rules floor to seconds).
SESSION = {
    "DATE_OUTPUT_FORMAT": "YYYY-MM-DD",
    "TIME_OUTPUT_FORMAT": "HH24:MI:SS.FF9",
    "TIMESTAMP_NTZ_OUTPUT_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF9",
    "TIMESTAMP_LTZ_OUTPUT_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF9TZH:TZM",
    "TIMESTAMP_TZ_OUTPUT_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF9TZH:TZM",
    "DATE_INPUT_FORMAT": "AUTO",
    "TIME_INPUT_FORMAT": "AUTO",
    "TIMESTAMP_INPUT_FORMAT": "AUTO",
    "CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False,
}
_UPPER_NAME = re.compile(r"^[A-Z_][A-Z0-9_$]*$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def parse_url(url: str) -> dict[str, str]:
    """The parts of ``snowflake://user:password@account/database/schema?warehouse=...``.

    Hand-parsed like onesync.model's redaction: the password runs to the last ``@`` before
    the query, so one with an unencoded ``/`` or ``@`` still splits where the user meant.
    Raises ValueError naming what is wrong (never the password).
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() != "snowflake":
        raise ValueError("the url must start with snowflake://")
    rest, _, query = rest.partition("?")
    userinfo, at, where = rest.rpartition("@")
    if not at:
        where = rest
    parts: dict[str, str] = {}
    if userinfo:
        user, colon, password = userinfo.partition(":")
        parts["user"] = unquote(user)
        if colon:
            parts["password"] = unquote(password)
    account, _, path = where.partition("/")
    if account:
        parts["account"] = unquote(account)
    names = [unquote(p) for p in path.split("/") if p]
    if len(names) > 2:
        raise ValueError("the url's path is /DATABASE/SCHEMA; found more parts")
    for key, value in zip(("database", "schema"), names):
        parts[key] = value
    for key, value in parse_qsl(query, keep_blank_values=True):
        k = key.lower()
        if k not in SETTINGS:
            raise ValueError(f"unknown url parameter {key!r} (known: {', '.join(SETTINGS)})")
        parts[k] = value
    return parts


def session_timezone(tz: str | None) -> str:
    """Snowflake's TIMEZONE takes IANA names only: +02:00 is Etc/GMT-2 (POSIX signs).

    An offset with minutes has no IANA name; the session then stays in UTC, which changes only
    how TIMESTAMP_LTZ values print (with their offset, so the instant is the same) — naive
    values are read at the offset by the compiled SQL itself.
    """
    if not tz or tz.upper() == "UTC":
        return "UTC"
    m = _OFFSET.match(tz)
    if m is None:
        return tz
    sign, hours, minutes = m.groups()
    if minutes != "00":
        return "UTC"
    if int(hours) == 0:
        return "UTC"
    return f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"


def _type_name(meta: Any, names: dict[int, str]) -> str:
    name = names.get(meta.type_code, "TEXT")
    if name == "FIXED":
        return f"NUMBER({meta.precision},{meta.scale})"
    return {"REAL": "FLOAT", "TEXT": "VARCHAR"}.get(name, name)


def _column_name(name: str) -> str:
    """An unquoted name as models write it: ``CUSTOMER_ID`` -> ``customer_id``."""
    return name.lower() if _UPPER_NAME.match(name) else name


class SnowflakeConnector(Connector):
    dialect = "snowflake"

    def __init__(self, source: Source, root: Path | str = ".", context: str | None = None):
        super().__init__(source, root, context)
        try:
            import snowflake.connector as sf
            from snowflake.connector import constants
        except ImportError:
            self.fail(
                "cannot connect",
                "snowflake-connector-python is not installed: pip install 'onesync[snowflake]'",
            )
        self._sf: Any = sf
        self._types: dict[int, str] = dict(getattr(constants, "FIELD_ID_TO_NAME", {}))
        kwargs = self._connect_args()
        try:
            self.conn: Any = sf.connect(**kwargs)
        except sf.Error as e:
            self.fail("cannot connect", _one_line(e))

    def _connect_args(self) -> dict[str, Any]:
        source = self.source
        try:
            parts = parse_url(source.url) if source.url else {}
        except ValueError as e:
            self.fail("cannot connect", f"bad url: {e}")
        for key, value in source.options:
            if key not in KEYS:
                self.fail("cannot connect", f"unknown option {key!r} (known: {', '.join(KEYS)})")
            parts[key] = value
        for needed in ("account", "user"):
            if not parts.get(needed):
                self.fail(
                    "cannot connect",
                    f"no {needed}: set url: snowflake://USER:PASSWORD@ACCOUNT/DATABASE/SCHEMA"
                    f" or options: {{{needed}: ...}}",
                )
        zone = session_timezone(source.timezone)
        kwargs: dict[str, Any] = {
            "application": "onesync",
            "session_parameters": {**SESSION, "TIMEZONE": zone},
            "login_timeout": 60,
        }
        if int(self._sf.__version__.split(".")[0]) >= 5:
            # explicit, or connector 5 warns at every connect: no async queries to keep alive
            kwargs["enable_server_session_keep_alive_auto_detection"] = False
        for key in ("account", "user", "password", "database", "schema", "warehouse", "role"):
            if parts.get(key):
                kwargs[key] = parts[key]
        if parts.get("authenticator"):
            kwargs["authenticator"] = parts["authenticator"]
        if parts.get("host"):
            kwargs["host"] = parts["host"]
        if parts.get("protocol"):
            kwargs["protocol"] = parts["protocol"]
        if parts.get("port"):
            try:
                kwargs["port"] = int(parts["port"])
            except ValueError:
                self.fail("cannot connect", f"port {parts['port']!r} is not a number")
        if parts.get("private_key_file"):
            path = resolve_path(parts["private_key_file"], self.root)
            kwargs["private_key"] = self._private_key(path, parts.get("private_key_file_pwd"))
            kwargs.pop("password", None)
            kwargs.setdefault("authenticator", "SNOWFLAKE_JWT")
        elif "password" not in kwargs and "authenticator" not in kwargs:
            self.fail(
                "cannot connect",
                "no credentials: give a password (in the url or options), or private_key_file"
                " for key-pair auth, or an authenticator",
            )
        return kwargs

    def _private_key(self, path: str, passphrase: str | None) -> bytes:
        """The key as unencrypted PKCS#8 DER, what every connector version takes."""
        from cryptography.hazmat.primitives import serialization

        try:
            data = Path(path).read_bytes()
        except OSError as e:
            self.fail("cannot connect", f"private_key_file: {e.strerror}: {path}")
        secret = passphrase.encode() if passphrase else None
        try:
            if data.lstrip().startswith(b"-----"):
                key = serialization.load_pem_private_key(data, password=secret)
            else:
                key = serialization.load_der_private_key(data, password=secret)
        except (ValueError, TypeError) as e:
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
            self.fail("cannot connect", f"private_key_file {path}: cannot read the key: {why}")
        return key.private_bytes(
            encoding=serialization.Encoding.DER,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )

    # -- interface --------------------------------------------------------------------------
    def columns(self, sql: str) -> list[tuple[str, str]]:
        # describeOnly: Snowflake compiles the query and returns its row type, reading no rows
        try:
            with self.conn.cursor() as cur:
                described = cur.describe(strip_sql(sql)) or []
        except self._sf.Error as e:
            self.fail("query failed", _one_line(e))
        return [(_column_name(m.name), _type_name(m, self._types)) for m in described]

    def table_columns(self, table: str) -> list[tuple[str, str]]:
        """Unquoted parts of ``table`` are upper-cased before quoting, as Snowflake does."""
        try:
            node = normalize_identifiers(exp.to_table(table, dialect="snowflake"), "snowflake")
        except Exception as e:  # sqlglot's ParseError or TokenError: not a table name
            self.fail("query failed", f"not a table name: {table!r} ({type(e).__name__})")
        return self.columns(f"SELECT * FROM {node.sql('snowflake', identify=True)}")

    def stream(self, sql: str, batch_size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(strip_sql(sql))
                tables = _arrow_batches(cur, self._sf)
                if tables is None:
                    while batch := cur.fetchmany(batch_size):
                        yield [tuple(r) for r in batch]
                    return
                for table in tables:
                    for rb in table.to_batches(max_chunksize=batch_size):
                        if rb.num_rows:
                            yield list(zip(*(_pylist(c) for c in rb.columns)))
        except self._sf.Error as e:
            self.fail("query failed", _one_line(e))

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] | None = None) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
        except self._sf.Error as e:
            self.fail("statement failed", _one_line(e))

    def close(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None and not conn.is_closed():
            conn.close()


def _arrow_batches(cur: Any, sf: Any) -> Iterator[Any] | None:
    """The result's Arrow tables, or None without pyarrow (an optional extra of the connector)
    or for a result that is not Arrow (SHOW ...); fetchmany then reads it."""
    try:
        importlib.import_module("pyarrow")
    except ImportError:
        return None
    try:
        tables: Iterator[Any] = iter(cur.fetch_arrow_batches())
        return tables
    except (sf.NotSupportedError, ImportError):
        return None


def _pylist(column: Any) -> list[Any]:
    """Python values of an Arrow column; nanosecond times become microseconds (Python's)."""
    pa: Any = importlib.import_module("pyarrow")
    kind = column.type
    if pa.types.is_timestamp(kind) and kind.unit == "ns":
        column = column.cast(pa.timestamp("us", kind.tz), safe=False)
    elif pa.types.is_time64(kind) and kind.unit == "ns":
        column = column.cast(pa.time64("us"), safe=False)
    result: list[Any] = column.to_pylist()
    return result


_REQUEST_ID = re.compile(r"\s*\(request_id=[^)]*\)")


def _one_line(error: BaseException) -> str:
    """Snowflake puts the useful part after 'SQL compilation error:', on the next line; the
    connector's ``(request_id=...)`` is noise in a message for the user."""
    return " ".join(_REQUEST_ID.sub("", str(error)).split())
