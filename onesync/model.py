"""The typed model (IR) every stage after validation works on.

Frozen, slotted dataclasses with no I/O: the validator builds them from checked YAML, the compiler
reads them, and nothing downstream ever looks at YAML again. Values here are already resolved
(``${env:...}`` interpolated, defaults applied, ``file:`` models read).
"""

from __future__ import annotations

import graphlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, unquote_plus

from onesync.errors import REDACTED, Diagnostic

__all__ = [
    "CHANNELS",
    "Channel",
    "ON_LEAVE",
    "TAG_TYPES",
    "Column",
    "CompiledSync",
    "Destination",
    "Event",
    "Field",
    "Identity",
    "Message",
    "Model",
    "Pos",
    "Project",
    "Source",
    "StateConfig",
    "Sync",
    "SECRET_KEYS",
    "dsn_secrets",
    "redact_dsn",
    "redact_url",
]

TagType = Literal["string", "number", "boolean", "unix_time", "date"]
TAG_TYPES: tuple[str, ...] = ("string", "number", "boolean", "unix_time", "date")
Channel = Literal["push", "email", "sms"]
CHANNELS: tuple[str, ...] = ("push", "email", "sms")
SyncKind = Literal["profile", "event", "message"]
OnLeave = Literal["keep", "clear", "delete_user"]
ON_LEAVE: tuple[str, ...] = ("keep", "clear", "delete_user")


@dataclass(frozen=True, slots=True)
class Pos:
    """Where a value came from, 1-based, so errors after validation can still point at it."""

    file: str
    line: int
    col: int
    # For a text that starts here and was folded or indented in its file (a model's SQL): where
    # each source line went, (value line, value col, file line, file col); see load.yaml.Layout.
    layout: tuple[tuple[int, int, int, int], ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


# Keys whose value is a credential, in URL queries (?password=), libpq / ODBC key=value strings
# (host=h password=p, Server=s;Pwd=p) and JDBC URLs; matched case-insensitively.
SECRET_KEYS: tuple[str, ...] = (
    "password",
    "passwd",
    "pass",
    "pwd",
    "sslpassword",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "auth_token",
    "api_key",
    "apikey",
    "private_key",
    "sas",
    "sig",
)
_KEYS = "|".join(sorted(SECRET_KEYS, key=len, reverse=True))
# key=value where value is already ***, 'quoted', "quoted", or runs to the next space, ;, & or #
_KV_RE = re.compile(
    rf"(?<![A-Za-z0-9_])({_KEYS})(\s*=\s*)"
    r"(\*\*\*|'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?|[^\s;&#'\"]*)",
    re.IGNORECASE,
)
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]*")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _userinfo_password(url: str) -> tuple[int, int] | None:
    """(start, end) of the password in ``scheme://user:password@host...``, or None.

    Hand-parsed, not ``urlsplit``: that raises on a bad port and splits an unencoded ``/`` or
    ``@`` in the password in the wrong place; here the password runs to the last ``@`` before
    the query, so an odd password is over-redacted rather than leaked.
    """
    start = url.find("://")
    if start < 0:
        return None
    start += 3
    end = len(url)
    for stop in ("?", "#"):
        i = url.find(stop, start)
        if i >= 0:
            end = min(end, i)
    at = url.rfind("@", start, end)
    if at < 0:
        return None
    colon = url.find(":", start, at)
    return (colon + 1, at) if colon >= 0 else None


def _redact_one_url(url: str) -> str:
    span = _userinfo_password(url)
    if span is not None:
        url = url[: span[0]] + REDACTED + url[span[1] :]
    return url


def redact_dsn(text: str | None) -> str | None:
    """``text`` with every connection password replaced by ``***``: safe to print and store.

    Covers ``user:password@`` in any URL (postgres, mysql, ...), credential query parameters
    (``?password=``, ``&sslpassword=``, ``?token=``) and libpq / ODBC key=value strings
    (``host=h password=p``, ``Server=s;Pwd=p``), also inside a longer message such as a driver's
    error, which often echoes the DSN it was given.
    """
    if not text:
        return text
    text = _URL_RE.sub(lambda m: _redact_one_url(m.group(0)), text)
    return _KV_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def redact_url(url: str | None) -> str | None:
    """A configured URL (or key=value connection string) with any password replaced by ``***``.

    Unlike ``redact_dsn`` on a message, the whole value is the URL, so a password with a space
    or a quote in it is still found.
    """
    if url and _SCHEME_RE.match(url):
        url = _redact_one_url(url)
    return redact_dsn(url)


def dsn_secrets(text: str | None) -> list[str]:
    """The passwords in a URL or connection string, as written and percent-decoded, so they
    can be registered (``onesync.errors.register_secret``) before a driver ever sees them."""
    if not text:
        return []
    found: list[str] = []
    urls = [text] if _SCHEME_RE.match(text) else [m.group(0) for m in _URL_RE.finditer(text)]
    for url in urls:
        span = _userinfo_password(url)
        if span is not None:
            found.append(url[span[0] : span[1]])
    for m in _KV_RE.finditer(text):
        value = m.group(3)
        if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        found.append(value)
    out: list[str] = []
    for value in found:
        for v in (value, unquote(value), unquote_plus(value)):
            if v and v not in out:
                out.append(v)
    return out


@dataclass(frozen=True, slots=True)
class Sheet:
    """A Google Sheet read as one table: its published CSV ``url``, or ``spreadsheet_id`` (with
    ``range`` and a service-account ``credentials`` file) through the Sheets API v4."""

    url: str | None = None
    spreadsheet_id: str | None = None
    range: str | None = None
    credentials: str | None = field(default=None, repr=False)
    table: str = "sheet"  # the table name the model queries
    types: tuple[tuple[str, str], ...] = ()  # column -> DuckDB type; the others are text
    api_url: str = "https://sheets.googleapis.com"


SECRET_OPTION_WORDS = ("password", "pwd", "token", "secret", "private_key", "passphrase")


@dataclass(frozen=True, slots=True)
class Source:
    """A database a sync reads from; ``dialect`` is a sqlglot dialect and picks the connector.

    ``options`` are the connector's settings besides the URL (Snowflake's warehouse and role,
    Spark configuration, ...), as text; ``sheet`` makes it a Google Sheet (dialect duckdb).
    """

    name: str
    dialect: str
    url: str | None = field(default=None, repr=False)
    path: str | None = None
    timezone: str | None = None  # the zone naive timestamps are in; None means UTC
    pos: Pos | None = None
    options: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    sheet: Sheet | None = None

    def option(self, name: str, default: str | None = None) -> str | None:
        """One of ``options`` by name."""
        return next((v for k, v in self.options if k == name), default)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The option values that are secrets (their key names a password, token or key)."""
        return tuple(
            v for k, v in self.options if v and any(w in k.lower() for w in SECRET_OPTION_WORDS)
        )

    @property
    def display(self) -> str:
        """A description of the connection without secrets."""
        if self.sheet is not None:
            return f"table {self.sheet.table}"
        return self.path or redact_url(self.url) or self.dialect

    @property
    def kind(self) -> str:
        """What messages call the source: its dialect, or ``sheet`` (whose model is DuckDB SQL)."""
        return "sheet" if self.sheet is not None else self.dialect


@dataclass(frozen=True, slots=True)
class Destination:
    """The OneSignal app to write to. ``api_key`` is never printed (``repr=False``)."""

    app_id: str
    api_key: str = field(repr=False)
    api_url: str = "https://api.onesignal.com"
    api: Literal["current", "legacy"] = "current"
    rate_limit: float = 1000.0  # requests per second for the whole app
    max_recipients: int = 2000  # per create-notification call (API spec; docs allow 20,000)
    max_aliases: int = 10  # per user (safe side of the 10 vs 20 disagreement)
    max_tags: int = 100  # per user: tags past it are refused at plan time (plan-dependent cap)
    max_subscriptions: int = 20  # per user (OneSignal docs: users / create-user)
    concurrency: int = 64


@dataclass(frozen=True, slots=True)
class StateConfig:
    """Where onesync remembers what OneSignal confirmed: a DuckDB file, a PostgreSQL or a
    Snowflake URL, or ``spark://SOURCE/DATABASE`` (tables in a Spark source's warehouse)."""

    url: str = ".onesync/state.duckdb"
    max_destructive_share: float = 0.1  # refuse plans that unset/remove more than this share
    max_invalid_share: float = 0.5  # plan and apply exit 1 when more rows than this are invalid
    source: Source | None = None  # ``spark://NAME``: the Spark source NAME, whose session it uses

    @property
    def backend(self) -> Literal["duckdb", "postgres", "snowflake", "spark"]:
        if self.url.startswith("snowflake://"):
            return "snowflake"
        if self.url.startswith("spark://"):
            return "spark"
        return "postgres" if self.url.startswith(("postgres://", "postgresql://")) else "duckdb"


@dataclass(frozen=True, slots=True)
class Model:
    """The query behind a sync; exactly one of sql / table is set after ``file:`` is read."""

    sql: str | None = None
    table: str | None = None
    file: str | None = None  # the path it was read from, for messages
    sql_pos: Pos | None = None  # where the SQL text starts, to map parse errors to file lines


@dataclass(frozen=True, slots=True)
class Field:
    """One value taken from a model column: a tag, an alias, a subscription, an event property."""

    name: str  # tag key, alias label, subscription type, property or variable name
    column: str  # the model's output column
    type: TagType = "string"


IdentityKind = Literal["external_id", "alias", "subscription_id", "email", "phone"]


@dataclass(frozen=True, slots=True)
class Identity:
    """How rows name their OneSignal user (or, in a message sync, the recipient).

    ``external_id`` is the identity column whatever its ``kind`` (the field keeps the name of
    the usual case): an external id, the value of alias ``label``, a subscription (player) id,
    or, for messages, an email address or phone number.
    """

    external_id: str  # the identity column
    aliases: tuple[Field, ...] = ()
    kind: IdentityKind = "external_id"
    label: str = "external_id"  # the alias label users are found by (kind alias), else kind

    @property
    def column(self) -> str:
        return self.external_id


@dataclass(frozen=True, slots=True)
class Event:
    """A custom event sent once per ``key``, never updated."""

    name: str
    key: str  # column
    timestamp: str | None = None  # column
    properties: tuple[Field, ...] = ()
    backfill: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """A message sent once per ``key`` when a row first appears in the model."""

    key: str  # column
    channel: Channel = "push"
    headings: tuple[tuple[str, str], ...] = ()  # (language, Jinja template)
    contents: tuple[tuple[str, str], ...] = ()
    subject: tuple[tuple[str, str], ...] = ()  # email subject per language
    template_id: str | None = None
    custom_data: tuple[Field, ...] = ()
    send_after: str | None = None  # "+1h" delay, an RFC 3339 UTC time, or a column name
    variables: tuple[str, ...] = ()  # model columns the templates use
    backfill: bool = False
    max_sends: int | None = None  # refuse a plan that would send to more recipients per apply

    @property
    def per_row(self) -> bool:
        """True when content depends on the row, so each recipient needs its own call.

        A delay (``+1h``) or a literal time (validate leaves it as RFC 3339 UTC, which starts
        with a digit; column names never do) is the same for every row, so it batches.
        """
        at = self.send_after or ""
        column = bool(at) and not (at.startswith("+") or at[:1].isdigit())
        return bool(self.variables or self.custom_data) or column


@dataclass(frozen=True, slots=True)
class Sync:
    """One sync spec, resolved."""

    name: str
    file: str
    source: str
    model: Model
    identity: Identity
    subscriptions: tuple[Field, ...] = ()  # name is "email" or "sms"
    tags: tuple[Field, ...] = ()
    mode: Literal["upsert", "mirror"] = "upsert"
    on_leave: OnLeave = "keep"  # a row that leaves the model; validate makes mirror's "clear"
    schedule: str | None = None
    after: tuple[str, ...] = ()
    event: Event | None = None
    message: Message | None = None
    pos: Pos | None = None
    link: bool = False  # a link sync: identity subscription_id + the external_id alias, only

    @property
    def kind(self) -> SyncKind:
        if self.event is not None:
            return "event"
        if self.message is not None:
            return "message"
        return "profile"

    @property
    def key_column(self) -> str:
        """The column that identifies a row in state: external_id, or the event/message key."""
        if self.event is not None:
            return self.event.key
        if self.message is not None:
            return self.message.key
        return self.identity.external_id


@dataclass(frozen=True, slots=True)
class Project:
    root: Path
    file: str  # path of onesync.yaml, for messages
    sources: tuple[Source, ...]
    destination: Destination
    state: StateConfig
    syncs: tuple[Sync, ...]
    specs_dir: str = "specs"
    warnings: tuple[Diagnostic, ...] = ()  # allowed but probably wrong; never fail validation

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

    def sync(self, name: str) -> Sync:
        for s in self.syncs:
            if s.name == name:
                return s
        raise KeyError(name)

    def run_order(self, names: Iterable[str] | None = None) -> list[str]:
        """The syncs (all, or ``names``) in the order they run: each after the syncs its
        ``after:`` names among them, otherwise by name (validation refused cycles)."""
        wanted = list(names) if names is not None else [s.name for s in self.syncs]
        chosen = set(wanted)
        graph = graphlib.TopologicalSorter(
            {n: [a for a in self.sync(n).after if a in chosen] for n in wanted}
        )
        graph.prepare()
        out: list[str] = []
        while graph.is_active():
            ready = sorted(graph.get_ready())
            out.extend(ready)
            graph.done(*ready)
        return out


ColumnRole = Literal[
    "key",
    "external_id",
    "alias",
    "subscription",
    "tag",
    "property",
    "timestamp",
    "variable",
    "send_after",
    "invalid",
    "fingerprint",
]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a compiled sync's canonical projection.

    Every value in the projection is text or NULL, already in the form OneSignal takes
    (numbers without float drift, unix_time as integer seconds, dates as YYYY-MM-DD).
    """

    name: str  # the output column name in the compiled SQL
    role: ColumnRole
    label: str = ""  # tag key, alias label, subscription type, property / variable name
    type: TagType = "string"


@dataclass(frozen=True, slots=True)
class CompiledSync:
    """What ``compile`` hands to the reader and the planner for one sync."""

    sync: Sync
    dialect: str
    sql: str  # the canonical projection, in the source's dialect
    columns: tuple[Column, ...]

    def index(self, role: str, label: str = "") -> int:
        for i, c in enumerate(self.columns):
            if c.role == role and c.label == label:
                return i
        raise KeyError((role, label))
