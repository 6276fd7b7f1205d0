"""Exact value normalisation in SQL: every tag value leaves the database as OneSignal text.

The compiler wraps each model column in one of these expressions, so the database itself turns
decimals, booleans, dates and timestamps into the text OneSignal takes, and the same diff can later
run inside DuckDB or PostgreSQL. DuckDB, SQLite, PostgreSQL and MySQL/MariaDB give identical text
for the same values (tests/sources/test_golden.py); Snowflake, BigQuery, Trino and Spark get valid
SQL built from sqlglot's typed expressions. The rules per source type are in docs/types.md.

What this module provides:

* ``normalize(expr, type, dialect, *, timezone=None, source_type=None)``: the OneSignal text of
  ``expr`` for a tag type (string, number, boolean, unix_time, date), or NULL. A value that does
  not fit the type (``'abc'`` in a number tag) becomes NULL instead of failing the query; an empty
  or blank string is NULL too (no value) for every type but string.
* ``invalid(expr, type, dialect, ...)``: a boolean predicate, true when ``expr`` is non-NULL and
  not blank but ``normalize`` turned it into NULL. The compiler can use it to fill an ``__invalid``
  column naming the bad field, e.g. ``CASE WHEN invalid(...) THEN 'ltv' END``.
* ``timestamp_iso(expr, dialect, *, timezone=None)``: ISO 8601 UTC text
  (``2024-05-01T12:00:00Z``) for event timestamps; accepts what unix_time accepts.
* ``unix_seconds(expr, dialect, *, timezone=None)``: integer seconds since the epoch (BIGINT).

``timezone`` is the source's ``timezone:``: the zone naive timestamps are in (None means UTC);
either an IANA name or a fixed offset like ``+02:00``. ``source_type`` is the database type of the
column when the caller knows it (``Connector.columns``): with it, a *string* tag of a timestamp,
date, boolean or numeric column gets that type's canonical text instead of the engine's own.

SQLite has no regexp() and no time zones: ``onesync.sources`` registers ``regexp`` and
``onesync_epoch`` (named zones) on every SQLite connection, next to ``md5``.
"""

from __future__ import annotations

import re

from sqlglot import exp

__all__ = [
    "DIALECTS",
    "invalid",
    "normalize",
    "timestamp_iso",
    "unix_seconds",
]

DIALECTS: tuple[str, ...] = (
    "duckdb",
    "sqlite",
    "postgres",
    "mysql",
    "snowflake",
    "bigquery",
    "trino",
    "spark",
    "databricks",
    "clickhouse",
)

# Patterns are applied to the trimmed text form; they must mean the same in RE2, POSIX ARE,
# PCRE/ICU and Python's re, so they use nothing beyond classes, groups and counted repeats.
NUMBER_RE = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"
# Epoch seconds as text: at most 12 significant digits, so the cast to BIGINT cannot overflow
# on any engine (a 20-digit value would abort the whole query in DuckDB and PostgreSQL).
INTEGER_RE = r"^-?0*[0-9]{1,12}$"
_MONTH_DAY = r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_DATE = "[0-9]{4}" + _MONTH_DAY
_YEAR = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"  # 0001-9999: PostgreSQL has no 0
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?"
# offsets up to 14:59, what SQLite reads (real ones end at +14:00); PostgreSQL would refuse
# +16:00 with an error that aborts the query, not a NULL
_OFFSET = r"(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)"
DATE_PREFIX_RE = "^" + _DATE
TIMESTAMP_RE = f"^{_YEAR}{_MONTH_DAY}([ T]{_TIME}{_OFFSET}?)?$"
# Seconds from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z: the instants every engine can
# print; a value outside (a year-9999 time west of UTC) is invalid rather than engine-specific.
EPOCH_MIN, EPOCH_MAX = -62135596800, 253402300799
# a timestamp with an explicit offset; the time is required so '2000-01-01' is not '-01'
OFFSET_RE = f"[0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?{_OFFSET}$"
_FIXED_ZONE = re.compile(r"^(UTC|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")

TRUE_WORDS = ("true", "t", "1", "yes", "y")
FALSE_WORDS = ("false", "f", "0", "no", "n")

_ISO = "%Y-%m-%dT%H:%M:%SZ"
_PLAIN = "%Y-%m-%d %H:%M:%S"


def _s(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _n(value: int) -> exp.Expression:
    """A number literal (a negative one is ``Neg`` of a literal)."""
    return exp.Literal.number(value)


def _fn(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _case(*whens: tuple[exp.Expr, exp.Expr], default: exp.Expr | None = None) -> exp.Case:
    case = exp.Case()
    for cond, value in whens:
        case = case.when(cond, value)
    return case.else_(default) if default is not None else case


def _offset_seconds(zone: str) -> int:
    if zone == "UTC":
        return 0
    sign = -1 if zone[0] == "-" else 1
    return sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)


class Family:
    """How one dialect family spells the few primitives the rules need.

    The base class uses sqlglot's typed expressions, which sqlglot transpiles to any dialect;
    subclasses pin down the engines we run and test (exact text, no float drift).
    """

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def cast_text(self, e: exp.Expression) -> exp.Expression:
        return exp.cast(e, exp.DataType.Type.TEXT)

    def text(self, e: exp.Expression) -> exp.Expression:
        """The trimmed text form, which every rule starts from."""
        return exp.Trim(this=self.cast_text(e))

    def matches(self, t: exp.Expression, pattern: str) -> exp.Expression:
        return exp.RegexpLike(this=t, expression=_s(pattern))

    def rtrim(self, t: exp.Expression, chars: str) -> exp.Expression:
        return exp.Trim(this=t, expression=_s(chars), position="TRAILING")

    def number_text(self, e: exp.Expression) -> exp.Expression:
        """The text of a number as the engine prints it (floats: shortest round trip)."""
        return self.text(e)

    def naive_epoch(self, t: exp.Expression) -> exp.Expression:
        """Seconds since the epoch of a zone-less timestamp text read as UTC."""
        ts = exp.TryCast(this=t, to=exp.DataType.build("timestamp"))
        return exp.cast(exp.Floor(this=exp.TimeToUnix(this=ts)), exp.DataType.Type.BIGINT)

    def zoned_epoch(self, t: exp.Expression) -> exp.Expression:
        """Seconds since the epoch of a timestamp text that carries its own offset."""
        ts = exp.TryCast(this=t, to=exp.DataType.build("timestamptz"))
        return exp.cast(exp.Floor(this=exp.TimeToUnix(this=ts)), exp.DataType.Type.BIGINT)

    def local_epoch(self, t: exp.Expression, zone: str) -> exp.Expression:
        """Seconds since the epoch of a zone-less timestamp text in the IANA zone ``zone``."""
        ts = exp.TryCast(this=t, to=exp.DataType.build("timestamp"))
        utc = exp.AtTimeZone(this=ts, zone=_s(zone))
        return exp.cast(exp.Floor(this=exp.TimeToUnix(this=utc)), exp.DataType.Type.BIGINT)

    def format_epoch(self, e: exp.Expression, fmt: str) -> exp.Expression:
        return exp.TimeToStr(this=exp.UnixToTime(this=e), format=_s(fmt))


class DuckDB(Family):
    def naive_epoch(self, t: exp.Expression) -> exp.Expression:
        ts = exp.TryCast(this=t, to=exp.DataType.build("timestamp"))
        return exp.cast(exp.Floor(this=_fn("epoch", ts)), exp.DataType.Type.BIGINT)

    def zoned_epoch(self, t: exp.Expression) -> exp.Expression:
        ts = exp.TryCast(this=t, to=exp.DataType.build("timestamptz"))
        return exp.cast(exp.Floor(this=_fn("epoch", ts)), exp.DataType.Type.BIGINT)

    def local_epoch(self, t: exp.Expression, zone: str) -> exp.Expression:
        ts = exp.TryCast(this=t, to=exp.DataType.build("timestamp"))
        return exp.cast(
            exp.Floor(this=_fn("epoch", _fn("timezone", _s(zone), ts))), exp.DataType.Type.BIGINT
        )

    def format_epoch(self, e: exp.Expression, fmt: str) -> exp.Expression:
        micros = exp.Mul(this=exp.cast(e, exp.DataType.Type.BIGINT), expression=_n(1_000_000))
        return _fn("strftime", _fn("make_timestamp", micros), _s(fmt))


class Postgres(Family):
    def _epoch(self, tstz: exp.Expression) -> exp.Expression:
        epoch = exp.Extract(this=exp.var("EPOCH"), expression=tstz)
        return exp.cast(exp.Floor(this=epoch), exp.DataType.Type.BIGINT)

    def naive_epoch(self, t: exp.Expression) -> exp.Expression:
        ts = exp.cast(t, exp.DataType.Type.TIMESTAMP)
        return self._epoch(exp.AtTimeZone(this=ts, zone=_s("UTC")))

    def zoned_epoch(self, t: exp.Expression) -> exp.Expression:
        return self._epoch(exp.cast(t, exp.DataType.Type.TIMESTAMPTZ))

    def local_epoch(self, t: exp.Expression, zone: str) -> exp.Expression:
        ts = exp.cast(t, exp.DataType.Type.TIMESTAMP)
        return self._epoch(exp.AtTimeZone(this=ts, zone=_s(zone)))

    def format_epoch(self, e: exp.Expression, fmt: str) -> exp.Expression:
        pattern = "YYYY-MM-DD HH24:MI:SS" if fmt == _PLAIN else 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
        utc = exp.AtTimeZone(this=_fn("to_timestamp", e), zone=_s("UTC"))
        return _fn("to_char", utc, _s(pattern))


class SQLite(Family):
    def number_text(self, e: exp.Expression) -> exp.Expression:
        # SQLite prints REAL with 15 significant digits (0.1 + 0.2 -> '0.3'); pick the shortest
        # of 15/16/17 digits that reads back as the same double, like the other engines do.
        def g(digits: int) -> exp.Expression:
            return _fn("printf", _s(f"%!.{digits}g"), e)

        shortest = _case(
            *((exp.EQ(this=exp.cast(g(d), "REAL"), expression=e), g(d)) for d in (15, 16)),
            default=g(17),
        )
        is_real = exp.EQ(this=_fn("typeof", e), expression=_s("real"))
        return _case((is_real, shortest), default=self.text(e))

    def naive_epoch(self, t: exp.Expression) -> exp.Expression:
        return exp.cast(_fn("strftime", _s("%s"), t), exp.DataType.Type.BIGINT)

    zoned_epoch = naive_epoch  # SQLite applies a trailing [+-]HH:MM or Z itself

    def local_epoch(self, t: exp.Expression, zone: str) -> exp.Expression:
        return _fn("onesync_epoch", t, _s(zone))  # registered by onesync.sources

    def format_epoch(self, e: exp.Expression, fmt: str) -> exp.Expression:
        return _fn("strftime", _s(fmt), e, _s("unixepoch"))


class MySQL(Family):
    _EPOCH_START = "1970-01-01 00:00:00"

    def _diff(self, dt: exp.Expression) -> exp.Expression:
        start = exp.cast(_s(self._EPOCH_START), exp.DataType.Type.DATETIME)
        return _fn("TIMESTAMPDIFF", exp.var("SECOND"), start, dt)

    def _datetime(self, t: exp.Expression) -> exp.Expression:
        return exp.cast(t, exp.DataType.build("DATETIME(6)", dialect="mysql"))

    def cast_text(self, e: exp.Expression) -> exp.Expression:
        return exp.cast(e, exp.DataType.build("CHAR", dialect="mysql"))

    def matches(self, t: exp.Expression, pattern: str) -> exp.Expression:
        # MariaDB has no REGEXP_LIKE; REGEXP_INSTR exists in MariaDB 10.0.5+ and MySQL 8.
        return exp.GT(this=_fn("REGEXP_INSTR", t, _s(pattern)), expression=_n(0))

    def naive_epoch(self, t: exp.Expression) -> exp.Expression:
        return self._diff(self._datetime(t))

    def zoned_epoch(self, t: exp.Expression) -> exp.Expression:
        # Arithmetic, not CONVERT_TZ: that one leaves times outside the TIMESTAMP range
        # (1970-2038) unconverted and knows no offset past +13:00, silently.
        offset = _fn("REGEXP_SUBSTR", t, _s(_OFFSET + "$"))
        bare = _fn("REPLACE", offset, _s(":"), _s(""))  # Z, +HH or +HHMM

        def digits(start: int) -> exp.Expression:
            part = exp.Substring(this=bare, start=_n(start), length=_n(2))
            return exp.cast(part, exp.DataType.Type.BIGINT)  # SIGNED in MySQL

        minutes = _case(
            (
                exp.EQ(this=exp.Length(this=bare), expression=_n(5)),
                exp.Mul(this=digits(4), expression=_n(60)),
            ),
            default=_n(0),
        )
        size = exp.Add(this=exp.Mul(this=digits(2), expression=_n(3600)), expression=minutes)
        sign = _case(
            (exp.EQ(this=_fn("LEFT", bare, _n(1)), expression=_s("-")), _n(-1)), default=_n(1)
        )
        shift = _case(
            (exp.EQ(this=offset, expression=_s("Z")), _n(0)),
            default=exp.Mul(this=exp.Paren(this=size), expression=sign),
        )
        wall = _fn("LEFT", t, exp.Sub(this=exp.Length(this=t), expression=exp.Length(this=offset)))
        return exp.Sub(this=self._diff(self._datetime(wall)), expression=exp.Paren(this=shift))

    def local_epoch(self, t: exp.Expression, zone: str) -> exp.Expression:
        return self._diff(_fn("CONVERT_TZ", self._datetime(t), _s(zone), _s("+00:00")))

    def format_epoch(self, e: exp.Expression, fmt: str) -> exp.Expression:
        start = exp.cast(_s(self._EPOCH_START), exp.DataType.Type.DATETIME)
        dt = exp.DateAdd(this=start, expression=e, unit=exp.var("SECOND"))
        pattern = "%Y-%m-%d %H:%i:%s" if fmt == _PLAIN else "%Y-%m-%dT%H:%i:%sZ"
        return _fn("DATE_FORMAT", dt, _s(pattern))


class Snowflake(Family):
    """Snowflake (tested on fakesnow, which runs Snowflake SQL on DuckDB)."""


class Spark(Family):
    """Spark SQL (tested on a local Spark); Databricks SQL is the same dialect."""


class ClickHouse(Family):
    """ClickHouse (tested on chDB, the embedded ClickHouse)."""


_FAMILIES: dict[str, type[Family]] = {
    "duckdb": DuckDB,
    "postgres": Postgres,
    "sqlite": SQLite,
    "mysql": MySQL,
    "snowflake": Snowflake,
    "spark": Spark,
    "databricks": Spark,
    "clickhouse": ClickHouse,
}


def family(dialect: str) -> Family:
    """The primitives for ``dialect`` (sqlglot's name; 'postgresql' and 'mariadb' are aliases)."""
    name = {"postgresql": "postgres", "mariadb": "mysql"}.get(dialect, dialect)
    return _FAMILIES.get(name, Family)(name)


def _category(source_type: str | None) -> str | None:
    """Which rule a database type follows when it feeds a string tag."""
    if not source_type:
        return None
    t = source_type.lower()
    if "timestamp" in t or "datetime" in t:
        return "timestamp"
    if t.startswith("date"):
        return "date"
    if t.startswith("bool") or t == "tinyint(1)":  # MySQL's BOOLEAN is TINYINT(1)
        return "boolean"
    numeric = ("int", "decimal", "numeric", "number", "real", "double", "float", "newdecimal")
    if any(w in t for w in numeric) and not any(w in t for w in ("interval", "point", "[")):
        return "number"
    return None


def _blank_to_null(t: exp.Expression) -> exp.Expression:
    return exp.Nullif(this=t, expression=_s(""))


def _number(f: Family, e: exp.Expression) -> exp.Expression:
    t = _blank_to_null(f.number_text(e))
    has_point = exp.Like(this=t, expression=_s("%.%"))
    has_exp = exp.Like(this=exp.Lower(this=t), expression=_s("%e%"))
    # '.0' and '-.0' would strip to nothing: those are zero
    stripped = exp.Coalesce(
        this=exp.Nullif(this=f.rtrim(f.rtrim(t, "0"), "."), expression=_s("")),
        expressions=[_s("0")],
    )
    return _case(
        (exp.not_(f.matches(t, NUMBER_RE)), exp.Null()),
        (exp.and_(has_point, exp.not_(has_exp)), stripped),
        default=t,
    )


def _boolean(f: Family, e: exp.Expression) -> exp.Expression:
    t = exp.Lower(this=f.text(e))

    def words(ws: tuple[str, ...]) -> exp.In:
        return exp.In(this=t, expressions=[_s(w) for w in ws])

    return _case((words(TRUE_WORDS), _s("true")), (words(FALSE_WORDS), _s("false")))


def _day_fits(t: exp.Expression) -> exp.Expression:
    """True when the day of a 'YYYY-MM-DD...' text exists in its month (no 2024-02-30).

    Plain integer arithmetic, so every engine agrees, and PostgreSQL never gets a date it
    would reject with an error that aborts the whole query.
    """

    def part(start: int, length: int) -> exp.Expression:
        return exp.cast(exp.Substring(this=t, start=_n(start), length=_n(length)), "INT")

    year, month, day = part(1, 4), part(6, 2), part(9, 2)

    def divides(n: int) -> exp.Expression:
        return exp.EQ(this=exp.Mod(this=year, expression=_n(n)), expression=_n(0))

    leap = exp.or_(exp.and_(divides(4), exp.not_(divides(100))), divides(400))
    last = _case(
        (exp.In(this=month, expressions=[_n(4), _n(6), _n(9), _n(11)]), _n(30)),
        (exp.and_(exp.EQ(this=month, expression=_n(2)), leap), _n(29)),
        (exp.EQ(this=month, expression=_n(2)), _n(28)),
        default=_n(31),
    )
    return exp.LTE(this=day, expression=last)


def _date(f: Family, e: exp.Expression) -> exp.Expression:
    t = f.text(e)
    # a CASE, not AND: _day_fits casts parts of the text to INT, only safe once the shape matched
    return _case(
        (exp.not_(f.matches(t, DATE_PREFIX_RE)), exp.Null()),
        (_day_fits(t), exp.Substring(this=t, start=_n(1), length=_n(10))),
    )


def _in_epoch_range(seconds: exp.Expression) -> exp.Expression:
    return exp.Between(this=seconds, low=_n(EPOCH_MIN), high=_n(EPOCH_MAX))


def unix_seconds(
    expr: exp.Expression, dialect: str, *, timezone: str | None = None
) -> exp.Expression:
    """Integer seconds since 1970-01-01 UTC of a timestamp, date, ISO text or epoch integer.

    Naive values are read in ``timezone`` (None: UTC); values with an offset keep theirs.
    Returns NULL for values that are not a timestamp, or fall outside the years 0001-9999.
    """
    seconds = _seconds(expr, dialect, timezone)
    return _case((_in_epoch_range(seconds), seconds))


def _seconds(expr: exp.Expression, dialect: str, timezone: str | None) -> exp.Expression:
    """``unix_seconds`` before its range check; never fails, whatever the text."""
    f = family(dialect)
    t = f.text(expr)
    if timezone is None or _FIXED_ZONE.match(timezone):
        naive = f.naive_epoch(t)
        shift = _offset_seconds(timezone or "UTC")
        if shift:
            naive = exp.Sub(this=naive, expression=_n(shift))
    else:
        naive = f.local_epoch(t, timezone)
    return _case(
        (f.matches(t, INTEGER_RE), exp.cast(t, exp.DataType.Type.BIGINT)),
        (exp.not_(f.matches(t, TIMESTAMP_RE)), exp.Null()),
        (exp.not_(_day_fits(t)), exp.Null()),
        (f.matches(t, OFFSET_RE), f.zoned_epoch(t)),
        default=naive,
    )


def _formatted(
    expr: exp.Expression, dialect: str, timezone: str | None, fmt: str
) -> exp.Expression:
    f = family(dialect)
    seconds = _seconds(expr, dialect, timezone)
    # the range check doubles as the NULL check: outside it no engine formats alike
    return _case((_in_epoch_range(seconds), f.format_epoch(seconds, fmt)))


def timestamp_iso(
    expr: exp.Expression, dialect: str, *, timezone: str | None = None
) -> exp.Expression:
    """ISO 8601 UTC text (``2024-05-01T12:00:00Z``) of a timestamp, for event timestamps."""
    return _formatted(expr, dialect, timezone, _ISO)


def normalize(
    expr: exp.Expression,
    type: str,
    dialect: str,
    *,
    timezone: str | None = None,
    source_type: str | None = None,
) -> exp.Expression:
    """The OneSignal text form of ``expr`` for tag type ``type``, or NULL.

    Args:
        expr: the value, usually a column reference of the model.
        type: the tag type: string, number, boolean, unix_time or date.
        dialect: the sqlglot dialect the SQL is generated for.
        timezone: the zone naive timestamps are in (the source's ``timezone:``); None is UTC.
        source_type: the column's database type, when known; only string tags use it.

    Returns:
        An expression of text type; NULL for NULL input and for values that do not fit.
    """
    f = family(dialect)
    if type == "string":
        kind = _category(source_type)
        if kind == "timestamp":
            return _formatted(expr, dialect, timezone, _PLAIN)
        if kind in ("date", "boolean", "number"):
            return normalize(expr, kind, dialect, timezone=timezone)
        return f.cast_text(expr)
    if type == "number":
        return _number(f, expr)
    if type == "boolean":
        return _boolean(f, expr)
    if type == "date":
        return _date(f, expr)
    if type == "unix_time":
        return f.cast_text(unix_seconds(expr, dialect, timezone=timezone))
    raise ValueError(
        f"unknown tag type {type!r} (expected one of string, number, boolean, unix_time, date)"
    )


def invalid(
    expr: exp.Expression,
    type: str,
    dialect: str,
    *,
    timezone: str | None = None,
    source_type: str | None = None,
) -> exp.Expr:
    """True when ``expr`` holds a non-blank value that ``normalize`` had to turn into NULL."""
    f = family(dialect)
    present = exp.and_(
        exp.not_(exp.Is(this=expr, expression=exp.Null())),
        exp.NEQ(this=f.text(expr), expression=_s("")),
    )
    value = normalize(expr, type, dialect, timezone=timezone, source_type=source_type)
    return exp.and_(present, exp.Is(this=value, expression=exp.Null()))
