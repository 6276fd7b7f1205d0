"""Databricks source over databricks-sql-connector: a SQL warehouse or a cluster's SQL endpoint.

``url: databricks://token:${env:DATABRICKS_TOKEN}@HOST/HTTP_PATH?catalog=main&schema=crm``, or
the same as ``options:`` (``server_hostname``, ``http_path``, ``access_token``, ``catalog``,
``schema``); options win. ``auth_type`` and driver settings that start with ``_``
(``_retry_stop_after_attempts_count``, ``_tls_no_verify``, ...) go to the driver as they are.
The session runs in the source's ``timezone:`` (``SET TIME ZONE``). Telemetry to Databricks is
off.

The driver retries a refused connection for up to 15 minutes (it waits that long for a warehouse
to start), so the host's port is tried first: a wrong host fails in seconds, not in 15 minutes.
Rows come by ``fetchmany``, which reads Arrow batches (or cloud-fetch files) underneath.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from onesync.model import Source
from onesync.sources.base import Connector, strip_sql

__all__ = ["DatabricksConnector", "connection_args"]

_NAMED = ("server_hostname", "http_path", "access_token", "catalog", "schema", "auth_type", "port")
URL_HINT = "url: databricks://token:${env:DATABRICKS_TOKEN}@HOST/HTTP_PATH"


def connection_args(source: Source) -> dict[str, Any]:
    """The driver's keyword arguments from the source's url and options.

    Raises:
        ValueError: a setting is missing or unknown (the message says which).
    """
    args: dict[str, Any] = {}
    if source.url:
        parts = urlsplit(source.url)
        if parts.scheme != "databricks":
            raise ValueError(f"the url must start with databricks:// ({URL_HINT})")
        if parts.hostname:
            args["server_hostname"] = parts.hostname
        if parts.port:
            args["port"] = str(parts.port)
        if parts.password:
            args["access_token"] = unquote(parts.password)
        if parts.path.strip("/"):
            args["http_path"] = unquote(parts.path)
        for key, value in parse_qsl(parts.query):
            if key in ("catalog", "schema", "http_path"):
                args[key] = value
            else:
                raise ValueError(f"unknown url parameter {key!r} (catalog, schema, http_path)")
    for key, value in source.options:
        if key not in _NAMED and not key.startswith("_"):
            known = ", ".join(_NAMED)
            raise ValueError(f"unknown option {key!r} (known: {known}, or a driver _setting)")
        args[key] = _typed(value) if key.startswith("_") else value
    for key in ("server_hostname", "http_path"):
        if not args.get(key):
            raise ValueError(f"no {key}: set {URL_HINT}, or options: {{{key}: ...}}")
    if not args.get("access_token") and not args.get("auth_type"):
        raise ValueError(
            "no access token: put it in the url (token:${env:DATABRICKS_TOKEN}@) or in"
            " options: {access_token: ...}; auth_type: databricks-oauth opens a browser"
        )
    port = args.pop("port", None)
    if port is not None:
        args["_port"] = int(port)
    args["server_hostname"] = str(args["server_hostname"]).removeprefix("https://").strip("/")
    return args


def _typed(value: str) -> Any:
    """Driver settings are ints, floats and booleans; options arrive as text."""
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    if re.fullmatch(r"-?[0-9]*[.][0-9]+", value):
        return float(value)
    return value


class DatabricksConnector(Connector):
    dialect = "databricks"

    def __init__(self, source: Source, root: Path | str = ".", context: str | None = None):
        super().__init__(source, root, context)
        try:
            from databricks import sql
        except ImportError:
            self.fail(
                "cannot connect",
                "databricks-sql-connector is not installed: pip install 'onesync[databricks]'",
            )
        self._error: tuple[type[BaseException], ...] = (sql.exc.Error, OSError, ValueError)
        # the driver logs each failed request on stderr; the SourceError line says it once
        logging.getLogger("databricks.sql").setLevel(logging.CRITICAL)
        try:
            args = connection_args(source)
        except ValueError as e:
            self.fail("cannot connect", e)
        self._reach(args["server_hostname"], int(args.get("_port", 443)))
        try:
            self.conn = sql.connect(enable_telemetry=False, user_agent_entry="onesync", **args)
        except self._error as e:
            self.fail("cannot connect", _words(e))
        try:
            with self.conn.cursor() as cur:
                cur.execute(f"SET TIME ZONE '{_zone(source.timezone)}'")
        except self._error as e:
            self.conn.close()
            self.fail("cannot connect", _words(e))

    def _reach(self, host: str, port: int) -> None:
        """A refused or unknown host fails now; behind a proxy only the driver can tell."""
        if any(os.environ.get(k) for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY")):
            return
        try:
            socket.create_connection((host, port), timeout=15).close()
        except OSError as e:
            self.fail("cannot connect", f"cannot reach {host}:{port}: {e}")

    def columns(self, sql: str) -> list[tuple[str, str]]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(f"SELECT * FROM (\n{strip_sql(sql)}\n) AS q LIMIT 0")
                description = cur.description or []
        except self._error as e:
            self.fail("query failed", _words(e))
        return [(str(d[0]), _type_name(d)) for d in description]

    def stream(self, sql: str, batch_size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
        try:
            with self.conn.cursor(arraysize=batch_size) as cur:
                cur.execute(strip_sql(sql))
                while rows := cur.fetchmany(batch_size):
                    yield [tuple(r) for r in rows]
        except self._error as e:
            self.fail("query failed", _words(e))

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] | None = None) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, list(params) if params is not None else None)
        except self._error as e:
            self.fail("statement failed", _words(e))

    def close(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None and conn.open:
            with contextlib.suppress(*self._error):
                conn.close()


def _zone(timezone: str | None) -> str:
    """The zone for SET TIME ZONE (a region or a +HH:MM offset), quoted for a literal."""
    return (timezone or "UTC").replace("'", "")


def _type_name(description: tuple[Any, ...]) -> str:
    """``decimal(10,2)``, ``timestamp``...: the DB-API type code, with precision and scale."""
    name = str(description[1] or "")
    if name == "decimal" and len(description) > 5 and description[4] is not None:
        return f"decimal({description[4]},{description[5]})"
    return name


def _words(error: BaseException) -> str:
    """The server's message; for an HTTP failure, its status (the driver says only 'Error
    during request to server')."""
    lines = str(error).strip().splitlines()
    text = lines[0].strip() if lines else type(error).__name__
    context = getattr(error, "context", None)
    if isinstance(context, dict) and context.get("http-code"):
        detail = str(context.get("error-message") or "").strip()
        text = text.rstrip(". ")
        if detail and detail not in text:
            text += f": {detail}"
        text += f" (HTTP {context['http-code']})"
    return text
