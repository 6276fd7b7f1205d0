"""Building the IR from checked YAML: sources, destination, state, and each sync's model."""

from __future__ import annotations

import ipaddress
import re
import stat
import uuid
import zoneinfo
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from onesync.errors import Diagnostic
from onesync.load.yaml import Document
from onesync.model import (
    Destination,
    Event,
    Field,
    Identity,
    Message,
    Model,
    OnLeave,
    Pos,
    Sheet,
    Source,
    StateConfig,
    Sync,
    redact_url,
)
from onesync.validate.context import Context, Spec, get
from onesync.validate.reach import check_model
from onesync.validate.rules import template_variables
from onesync.validate.sql import DIALECTS, SqlProblem, parse_model, select_columns
from onesync.validate.suggest import did_you_mean, one_of
from onesync.validate.times import send_after_time, zone

__all__ = [
    "build_destination",
    "build_sources",
    "build_state",
    "build_sync",
    "parse_rate",
    "read_model",
]

_RATE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(?:/\s*(s|sec|second|m|min|minute|h|hour))?\s*\Z")
_PER = {
    None: 1.0,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hour": 3600.0,
}
FILE_DIALECTS = ("duckdb", "sqlite", "clickhouse")  # clickhouse: a chDB folder


def parse_rate(value: str | float) -> float:
    """Requests per second from ``1000/s``, ``600/min``, ``10/h`` or a bare number (per second)."""
    m = _RATE.match(str(value))
    if not m or float(m.group(1)) <= 0:
        raise ValueError(value)
    return float(m.group(1)) / _PER[m.group(2)]


def build_sources(doc: Document) -> tuple[dict[str, Source], list[Diagnostic]]:
    sources: dict[str, Source] = {}
    diags: list[Diagnostic] = []
    raw = doc.data.get("sources") if isinstance(doc.data, dict) else None
    for name, spec in (raw or {}).items() if isinstance(raw, dict) else ():
        if not isinstance(spec, dict):
            continue
        sheet = _sheet(name, spec.get("sheet"))
        if sheet is None and not isinstance(spec.get("dialect"), str):
            continue
        path = ("sources", name)
        dialect = str(spec.get("dialect") or "duckdb").lower()
        if sheet is not None:
            diags += _sheet_problems(doc, path, spec, dialect)
            line, col = doc.at(path, key=True)
            tz = spec.get("timezone") if isinstance(spec.get("timezone"), str) else None
            sources[name] = Source(
                name, "duckdb", None, None, tz, Pos(doc.file, line, col), sheet=sheet
            )
            continue
        if dialect not in DIALECTS:
            diags.append(
                doc.diag(
                    (*path, "dialect"),
                    f"unknown SQL dialect '{spec['dialect']}'",
                    one_of(dialect, DIALECTS, limit=40),
                )
            )
        url, file = spec.get("url"), spec.get("path")
        if url is not None and file is not None:
            diags.append(
                doc.diag(path, f"source '{name}' has both url and path", "keep one of them")
            )
        elif url is None and file is None and not _named_by_options(dialect, spec):
            hint: str | None = (
                "add path: data/file.db, or path: ':memory:'"
                if dialect in FILE_DIALECTS
                else ("add url: ${env:DATABASE_URL}")
            )
            diags.append(doc.diag(path, f"source '{name}' needs a url or a path", hint))
        elif file is not None and dialect not in FILE_DIALECTS and dialect in DIALECTS:
            diags.append(
                doc.diag(
                    (*path, "path"),
                    f"a {dialect} source connects by url, not path",
                    "write url: ... instead of path:",
                )
            )
        tz = spec.get("timezone")
        if isinstance(tz, str) and zone(tz) is None:
            hint = did_you_mean(tz, zoneinfo.available_timezones())
            diags.append(
                doc.diag(
                    (*path, "timezone"),
                    f"unknown time zone '{tz}'",
                    hint or "use an IANA name like Europe/Paris, or an offset like +01:00",
                )
            )
        line, col = doc.at(path, key=True)
        options = tuple((str(k), _option_text(v)) for k, v in (spec.get("options") or {}).items())
        sources[name] = Source(
            name, dialect, url, file, tz, Pos(doc.file, line, col), options=options
        )
    return sources, diags


def _named_by_options(dialect: str, spec: dict[str, Any]) -> bool:
    """A Snowflake source may give its account in options: instead of a url."""
    options = spec.get("options")
    return dialect == "snowflake" and isinstance(options, dict) and "account" in options


def _option_text(value: Any) -> str:
    """An option as the drivers take it: booleans as true/false, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sheet(name: str, raw: Any) -> Sheet | None:
    """The ``sheet:`` of a source (a published CSV URL or a mapping), or None."""
    if isinstance(raw, str):
        return Sheet(url=raw, table=name)
    if not isinstance(raw, dict):
        return None
    types = raw.get("types")
    types = types if isinstance(types, dict) else {}
    return Sheet(
        url=raw.get("url"),
        spreadsheet_id=raw.get("spreadsheet_id"),
        range=raw.get("range"),
        credentials=raw.get("credentials"),
        table=str(raw.get("table") or name),
        types=tuple((str(k), str(v)) for k, v in types.items()),
        api_url=str(raw.get("api_url") or "https://sheets.googleapis.com").rstrip("/"),
    )


def _sheet_problems(
    doc: Document, path: tuple[str, ...], spec: dict[str, Any], dialect: str
) -> list[Diagnostic]:
    """A sheet is read into DuckDB: no url/path of its own, one way to find it."""
    diags = []
    name = path[-1]
    if dialect != "duckdb":
        diags.append(
            doc.diag(
                (*path, "dialect"),
                f"a sheet source's model is DuckDB SQL, not {dialect}",
                "drop dialect: (or write dialect: duckdb)",
            )
        )
    for key in ("url", "path"):
        if key in spec:
            diags.append(
                doc.diag(
                    (*path, key),
                    f"source '{name}' is a sheet; {key}: belongs under sheet:",
                    "write sheet: {url: ...} or sheet: {spreadsheet_id: ...}",
                )
            )
    raw = spec.get("sheet")
    if isinstance(raw, dict):
        has_url, has_id = "url" in raw, "spreadsheet_id" in raw
        if has_url == has_id:
            diags.append(
                doc.diag(
                    (*path, "sheet"),
                    f"sheet '{name}' needs exactly one of url and spreadsheet_id",
                    "url: for a sheet published to the web as CSV, spreadsheet_id: for a"
                    " private one",
                )
            )
        elif has_id and "credentials" not in raw:
            diags.append(
                doc.diag(
                    (*path, "sheet", "spreadsheet_id"),
                    f"sheet '{name}' is private (spreadsheet_id) and has no credentials",
                    "add credentials: ${env:GOOGLE_APPLICATION_CREDENTIALS} (a service-account"
                    " key file)",
                )
            )
        for key in ("range", "credentials") if has_url else ():
            if key in raw:
                diags.append(
                    doc.diag(
                        (*path, "sheet", key),
                        f"{key}: applies to a private sheet (spreadsheet_id), not a published URL",
                        f"remove {key}:, or use spreadsheet_id: instead of url:",
                    )
                )
    return diags


def build_destination(doc: Document) -> tuple[Destination | None, list[Diagnostic]]:
    d = get(doc.data, ("destination",))
    if not isinstance(d, dict) or not all(isinstance(d.get(k), str) for k in ("app_id", "api_key")):
        return None, []
    diags = []
    for key in ("app_id", "api_key"):
        if not d[key].strip():
            diags.append(
                doc.diag(
                    ("destination", key),
                    f"destination.{key} is empty",
                    "set it, e.g. from ${env:ONESIGNAL_" + key.upper() + "}",
                )
            )
    if d["app_id"].strip() and not _is_uuid(d["app_id"]):  # also keeps secrets out of plans
        diags.append(
            doc.diag(
                ("destination", "app_id"),
                "destination.app_id is not a OneSignal app id (a UUID)",
                "copy the App ID from the app's Settings > Keys & IDs in OneSignal",
            )
        )
    url = d.get("api_url")
    resolved = ("destination", "api_url") not in doc.unresolved
    if isinstance(url, str) and resolved and (problem := _api_url_problem(url)):
        diags.append(doc.diag(("destination", "api_url"), *problem))
    rate = 1000.0
    if isinstance(d.get("rate_limit"), str | int | float):
        try:
            rate = parse_rate(d["rate_limit"])
        except ValueError:
            diags.append(
                doc.diag(
                    ("destination", "rate_limit"),
                    f"rate_limit {d['rate_limit']!r} is not a rate",
                    "write N/s or N/min, e.g. 1000/s",
                )
            )
    try:
        dest = Destination(
            app_id=d["app_id"],
            api_key=d["api_key"],
            api_url=str(d.get("api_url", "https://api.onesignal.com")).rstrip("/"),
            api=d.get("api", "current"),
            rate_limit=rate,
            max_recipients=int(d.get("max_recipients", 2000)),
            max_aliases=int(d.get("max_aliases", 10)),
            max_tags=int(d.get("max_tags", 100)),
            max_subscriptions=int(d.get("max_subscriptions", 20)),
            concurrency=int(d.get("concurrency", 64)),
        )
    except (TypeError, ValueError):  # wrong types are already schema diagnostics
        return None, diags
    return dest, diags


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True


def _api_url_problem(url: str) -> tuple[str, str] | None:
    """Why ``destination.api_url`` cannot carry the API key, as (message, hint), or None.

    Plain http is refused except to this machine (a local sandbox): the key travels in every
    request's Authorization header.
    """
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        scheme, host, _ = parts.scheme, parts.hostname, parts.port  # a bad port raises
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        return (
            f"destination.api_url {shown!r} is not an http(s) URL with a host",
            "write https://api.onesignal.com, or http://127.0.0.1:4000 for a local sandbox",
        )
    if scheme == "http" and not _loopback(host):
        return (
            f"destination.api_url {shown!r} would send the API key unencrypted to {host}",
            "use https://; plain http is only for this machine (localhost, 127.0.0.1, ::1)",
        )
    return None


STATE_SCHEMES = ("postgresql://", "postgres://", "snowflake://", "spark://")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def build_state(
    doc: Document, sources: dict[str, Source] | None = None
) -> tuple[StateConfig, list[Diagnostic]]:
    """The state config, and a refusal of a ``state.url`` whose scheme no store speaks.

    Anything else is a file path, so ``mysql://...`` would quietly become a local file named
    ``mysql:`` and every machine would keep its own state. ``spark://NAME/DATABASE`` must name
    a Spark source of ``sources``: the state lives in that source's warehouse.
    """
    s = get(doc.data, ("state",), {})
    s = s if isinstance(s, dict) else {}
    default = StateConfig()
    url = s.get("url", default.url)
    destructive = s.get("max_destructive_share", default.max_destructive_share)
    invalid = s.get("max_invalid_share", default.max_invalid_share)
    diags: list[Diagnostic] = []
    if (
        isinstance(url, str)
        and _SCHEME.match(url)
        and not url.startswith(STATE_SCHEMES)
        and ("state", "url") not in doc.unresolved
    ):
        scheme = url.split("://", 1)[0]
        diags.append(
            doc.diag(
                ("state", "url"),
                f"state.url: the scheme '{scheme}://' is not a state store",
                "use a DuckDB file path (.onesync/state.duckdb) or postgresql://user@host/db",
            )
        )
    spark: Source | None = None
    if isinstance(url, str) and url.startswith("spark://") and sources is not None:
        spark, problem = _spark_state(url, sources)
        if problem:
            diags.append(doc.diag(("state", "url"), *problem))
    shares = (destructive, invalid)
    ok = isinstance(url, str) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in shares
    )
    if not ok:
        return default, diags
    return StateConfig(url, float(destructive), float(invalid), spark), diags


def _spark_state(
    url: str, sources: dict[str, Source]
) -> tuple[Source | None, tuple[str, str] | None]:
    """The Spark source a ``spark://NAME/DATABASE`` state names, or why it cannot be."""
    name, _, database = url[len("spark://") :].partition("/")
    spark = sorted(n for n, s in sources.items() if s.dialect == "spark")
    hint = (
        f"use spark://{spark[0]}/onesync (the name of a Spark source, then a database)"
        if spark
        else "add a source with dialect: spark and name it here: spark://SOURCE/onesync"
    )
    source = sources.get(name)
    if source is None or source.dialect != "spark":
        what = "is not a source" if source is None else f"is a {source.kind} source"
        if ":" in name:
            what = "looks like a Spark master URL"
        message = f"state.url: spark://{name} {what}; state in Spark names a Spark source"
        return None, (message, hint)
    if database.strip("/") and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", database.strip("/")):
        return None, (
            f"state.url: the database {database!r} is not a plain name",
            "use letters, digits and _ (spark://NAME/onesync)",
        )
    return source, None


def _sql_start(doc: Document, path: tuple[str, ...]) -> Pos:
    span = doc.spans[path]
    line, col = span.map(1, 1)
    return Pos(doc.file, line, col, span.layout)


MAX_MODEL_BYTES = 1 << 20  # a model file is a query, not a data set


def _read_sql(path: Path) -> str:
    """A model file's text; never blocks on a pipe or device, never reads more than the cap."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise OSError(0, "it is not a regular file")
    with path.open("rb") as f:
        data = f.read(MAX_MODEL_BYTES + 1)
    if len(data) > MAX_MODEL_BYTES:
        raise OSError(0, f"it is larger than {MAX_MODEL_BYTES // 1024} KB")
    return data.decode("utf-8")


def _outside(ctx: Context, rel: str) -> bool:
    """True when ``model.file`` resolves (symlinks followed) to a file outside the project."""
    root = ctx.root.resolve()
    try:
        return not (root / rel).resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symlink loop: reading it fails with its own message
        return False


def read_model(ctx: Context, spec: Spec) -> list[Diagnostic]:
    """Read the model (``file:`` from disk), parse its SQL, and find its output columns."""
    doc, m = spec.doc, spec.data["model"]
    source = spec.source = ctx.sources.get(spec.data["source"])  # the rules read its zone
    given = [k for k in ("sql", "table", "file") if k in m]
    if len(given) != 1:
        what = "none" if not given else " and ".join(given)
        return [
            doc.diag(
                ("model",),
                f"a model needs exactly one of sql, table or file, found {what}",
                "keep one of them",
            )
        ]
    kind = given[0]
    sql: str | None = None
    table: str | None = None
    if kind == "file":
        rel = m["file"]
        if not ctx.allow_outside and _outside(ctx, rel):
            return [
                doc.diag(
                    ("model", "file"),
                    f"model file '{rel}' is outside the project",
                    "move the file into the project, or run with --allow-outside",
                )
            ]
        try:
            sql = _read_sql(ctx.root / rel)
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            return [
                doc.diag(
                    ("model", "file"),
                    f"cannot read model file '{rel}': {reason}",
                    "the path is relative to the project root",
                )
            ]
        pos = Pos(ctx.display(rel), 1, 1)
    elif kind == "sql":
        sql, pos = m["sql"], _sql_start(doc, ("model", "sql"))
    else:
        table, pos = m["table"], _sql_start(doc, ("model", "table"))
    spec.model = Model(sql=sql, table=table, file=m.get("file"), sql_pos=pos)
    if source is None or source.dialect not in DIALECTS:
        return []  # the source itself is reported elsewhere
    if ("model", kind) in doc.unresolved:
        return []  # the missing variable is reported; parsing the rest would only add noise
    columns: list[str] | None
    if sql is not None:
        try:
            columns = select_columns(parse_model(sql, source.dialect))
        except SqlProblem as e:
            if kind == "file":
                line, col = e.line, e.col
                file = pos.file
            else:
                line, col = doc.spans[("model", "sql")].map(e.line, e.col)
                file = doc.file
            return [Diagnostic(file, line, col, e.message, e.hint)]
    else:
        try:
            sqlglot.parse_one(table or "", into=exp.Table, read=source.dialect)
        except SqlglotError:
            return [
                doc.diag(
                    ("model", "table"),
                    f"'{table}' is not a table name in {source.dialect}",
                    "write schema.table",
                )
            ]
        columns = None
    found, problems = check_model(ctx, spec, source, known=columns is not None)
    spec.columns = columns if columns is not None else found
    return problems


def _fields(d: dict[str, Any] | None) -> tuple[Field, ...]:
    """``name: column`` or ``name: {column, type}`` entries (tags, properties, custom_data)."""
    return tuple(
        Field(k, v) if isinstance(v, str) else Field(k, v["column"], v.get("type", "string"))
        for k, v in (d or {}).items()
    )


def _on_leave(d: dict[str, Any]) -> OnLeave:
    """What happens to a row that leaves the model: written, else the mode's default.

    Event and message syncs send once per key and undo nothing, so theirs is always keep.
    """
    if "event" in d or "message" in d:
        return "keep"
    default: OnLeave = "clear" if d.get("mode") == "mirror" else "keep"
    return cast(OnLeave, d.get("on_leave", default))  # the schema allows only the three


def _send_after(value: str | None, source: Source | None) -> str | None:
    """A literal time as RFC 3339 UTC (naive ones read in the source's zone); else as written."""
    if value is None or not value[:1].isdigit():
        return value  # a delay (+1h) or a column
    name = source.timezone if source else None
    return send_after_time(value, zone(name), name) or value


def _texts(d: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple((d or {}).items())


def _identity(d: dict[str, Any]) -> Identity:
    """The identity of a valid spec: its one key, or a link's subscription and external id."""
    if "link" in d:
        link = d["link"]
        return Identity(
            link["subscription_id"],
            (Field("external_id", link["external_id"]),),
            kind="subscription_id",
            label="subscription_id",
        )
    ident = d["identity"]
    aliases = _fields(ident.get("aliases"))
    if "alias" in ident:
        ((label, column),) = ident["alias"].items()
        return Identity(column, aliases, kind="alias", label=label)
    for kind in ("subscription_id", "email", "phone"):
        if kind in ident:
            return Identity(ident[kind], aliases, kind=kind, label=kind)
    return Identity(ident["external_id"], aliases)


def build_sync(spec: Spec) -> Sync:
    """The IR of a spec that passed every check."""
    d = spec.data
    identity = _identity(d)
    after = d.get("after", ())
    event = message = None
    if "event" in d:
        e = d["event"]
        event = Event(
            e["name"],
            e["key"],
            e.get("timestamp"),
            _fields(e.get("properties")),
            bool(e.get("backfill", False)),
        )
    if "message" in d:
        m = d["message"]
        used: set[str] = set()
        for part in ("headings", "contents", "subject"):
            for text in (m.get(part) or {}).values():
                used |= template_variables(text)
        message = Message(
            key=m["key"],
            channel=m.get("channel", "push"),
            headings=_texts(m.get("headings")),
            contents=_texts(m.get("contents")),
            subject=_texts(m.get("subject")),
            template_id=m.get("template_id"),
            custom_data=_fields(m.get("custom_data")),
            send_after=_send_after(m.get("send_after"), spec.source),
            variables=tuple(sorted(used)),
            backfill=bool(m.get("backfill", False)),
            max_sends=int(m["max_sends"]) if "max_sends" in m else None,
        )
    line, col = spec.doc.at(("sync",))
    assert spec.model is not None
    return Sync(
        name=d["sync"],
        file=spec.doc.file,
        source=d["source"],
        model=spec.model,
        identity=identity,
        subscriptions=_fields(d.get("subscriptions")),
        tags=_fields(d.get("tags")),
        mode=d.get("mode", "upsert"),
        on_leave=_on_leave(d),
        schedule=d.get("schedule"),
        after=(after,) if isinstance(after, str) else tuple(after),
        event=event,
        message=message,
        pos=Pos(spec.doc.file, line, col),
        link="link" in d,
    )
