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
from collections.abc import Callable

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
    """Snowflake (tested on fakesnow, which runs Snowflake SQL on DuckDB).

    REGEXP_LIKE matches the whole string in Snowflake, so a pattern not anchored at an end gets
    ``.*`` there (and the ``s`` flag, so ``.`` also takes a newline). Epochs are DATEDIFF in
    seconds from 1970, which counts whole seconds crossed: the floor, also before 1970. Types
    are explicit (TIMESTAMP alone follows the account's TIMESTAMP_TYPE_MAPPING), and formatted
    times are built from their parts, so no session format or TO_CHAR model is involved.
    The connector pins the session's output formats, which CAST(... AS VARCHAR) follows.
    """

    # spelled as Snowflake's docs do (sqlglot would print the synonyms TIMESTAMPNTZ, TIMESTAMPTZ)
    _NTZ = exp.DataType(this=exp.DataType.Type.USERDEFINED, kind="TIMESTAMP_NTZ")
    _TZ = exp.DataType(this=exp.DataType.Type.USERDEFINED, kind="TIMESTAMP_TZ")

    def matches(self, t: exp.Expression, pattern: str) -> exp.Expression:
        whole = ("" if pattern.startswith("^") else ".*") + pattern
        whole += "" if pattern.endswith("$") else ".*"
        return exp.RegexpLike(this=t, expression=_s(whole), flag=_s("s"))

    def _since_epoch(self, ntz: exp.Expression) -> exp.Expression:
        start = exp.cast(_s("1970-01-01 00:00:00"), self._NTZ)
        return exp.cast(_fn("DATEDIFF", exp.var("SECOND"), start, ntz), exp.DataType.Type.BIGINT)

    def naive_epoch(self, t: exp.Expression) -> exp.Expression:
        return self._since_epoch(exp.TryCast(this=t, to=self._NTZ.copy()))

    def zoned_epoch(self, t: exp.Expression) -> exp.Expression:
        tz = exp.TryCast(this=t, to=self._TZ.copy())
        utc = exp.cast(_fn("CONVERT_TIMEZONE", _s("UTC"), tz), self._NTZ)
        return self._since_epoch(utc)

    def local_epoch(self, t: exp.Expression, zone: str) -> exp.Expression:
        ntz = exp.TryCast(this=t, to=self._NTZ.copy())
        return self._since_epoch(_fn("CONVERT_TIMEZONE", _s(zone), _s("UTC"), ntz))

    def format_epoch(self, e: exp.Expression, fmt: str) -> exp.Expression:
        start = exp.cast(_s("1970-01-01 00:00:00"), self._NTZ)
        ts = _fn("DATEADD", exp.var("SECOND"), exp.cast(e, exp.DataType.Type.BIGINT), start)

        def part(name: str, width: int) -> exp.Expression:
            text = exp.cast(_fn(name, ts), exp.DataType.Type.VARCHAR)
            return _fn("LPAD", text, _n(width), _s("0"))

        date_sep, end = ("T", "Z") if fmt == _ISO else (" ", "")
        pieces: list[exp.Expression] = [
            part("YEAR", 4), _s("-"), part("MONTH", 2), _s("-"), part("DAY", 2), _s(date_sep),
            part("HOUR", 2), _s(":"), part("MINUTE", 2), _s(":"), part("SECOND", 2),
        ]  # fmt: skip
        if end:
            pieces.append(_s(end))
        out = pieces[0]
        for piece in pieces[1:]:
            out = exp.DPipe(this=out, expression=piece, safe=True)
        return out


class Spark(Family):
    """Spark SQL (tested on a local Spark); Databricks SQL is the same dialect.

    ANSI mode (on by default since Spark 4, and on Databricks SQL) makes a bad cast fail the
    query, so every cast of text the patterns have not vetted is a TRY_CAST. Times never go
    through the session time zone (the source's ``timezone:``): naive text is read as
    TIMESTAMP_NTZ and counted from the epoch with NTZ arithmetic, and epochs are formatted as
    NTZ, so the result is the same whatever zone the session runs in.
    """

    _EPOCH = "1970-01-01 00:00:00"

    def _try_cast(self, e: exp.Expression, to: str) -> exp.Expression:
        return exp.TryCast(this=e, to=exp.DataType.build(to, dialect="spark"), safe=True)

    def matches(self, t: exp.Expression, pattern: str) -> exp.Expression:
        # Java's `$` also matches before a final line break ('42\n'); `\z` is the very end,
        # as `$` is in RE2 (DuckDB) and PostgreSQL.
        if pattern.endswith("$"):
            pattern = pattern[:-1] + r"\z"
        return exp.RegexpLike(this=t, expression=_s(pattern))

    def number_text(self, e: exp.Expression) -> exp.Expression:
        # DuckDB prints the shortest digits that read back as the same double (or float), the
        # Python repr way: plain in [1e-4, 1e16), else 1e+16 / 1.5e-05. Java 17 prints doubles
        # outside [1e-3, 1e7) as 1.0E7, and not always shortest: from 2^53 up it rounds the
        # integer's digits to 17 (-9.9275260829721165E17, shortest ...116E17), and floats get
        # up to 9 digits (-2.32539095E10, shortest -2.325391E10). So plain doubles are the
        # decimal of Java's text (exact: it is the text), and the others are rounded to the
        # fewest digits that read back, from the exact integer where a BIGINT holds it.
        # Values used many times are bound once with a lambda (_let), which also keeps the
        # generated code small enough for Spark to compile.
        kind, text = _fn("typeof", e), self.cast_text(e)
        plain = exp.not_(exp.RegexpLike(this=text, expression=_s("E")))  # most values: as is
        return _case(
            (
                exp.EQ(this=kind, expression=_s("double")),
                _case((plain, text), default=self._let(text, self._double)),
            ),
            (exp.EQ(this=kind, expression=_s("float")), self._let(self.cast_text(e), self._float)),
            default=self.text(e),
        )

    _depth = 0  # lambdas being built around the current one; names them onesync_1, _2...

    def _let(
        self, value: exp.Expression, body: Callable[[exp.Column], exp.Expression]
    ) -> exp.Expression:
        """``body(v)`` with ``v`` computed once: element_at(transform(array(value), v -> ...), 1).

        A lambda variable hides a column of the same name inside it; ``onesync_<depth>`` is
        unique among the lambdas around it, and the SQL stays the same run after run.
        """
        return _fn("element_at", self._map(exp.Array(expressions=[value]), body), _n(1))

    def _double(self, s: exp.Column) -> exp.Expression:
        """Java's text of a double with an exponent (1.0E-5, -9.9275260829721165E17)."""
        outside = r"E(-0*([5-9]|[1-9][0-9]+)|0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\z"
        whole = self._try_cast(self._try_cast(s, "DOUBLE"), "BIGINT")
        exact = exp.and_(  # 1e16 <= |x| < 2^63: the BIGINT holds every digit
            exp.RegexpLike(this=s, expression=_s(r"E1[6-8]\z")),
            exp.not_(exp.Is(this=whole, expression=exp.Null())),
        )

        def parts(w: exp.Column) -> exp.Expression:  # -992...648 -> {m: -9.92...648, p: 17}
            digits = _fn("replace", self.cast_text(w), _s("-"), _s(""))
            sign = _case((exp.LT(this=w, expression=_n(0)), _s("-")), default=_s(""))
            head = exp.Substring(this=digits, start=_n(1), length=_n(1))
            tail = exp.Substring(this=digits, start=_n(2))
            mantissa = _fn("concat", sign, head, _s("."), tail)
            power = exp.Sub(this=exp.Length(this=digits), expression=_n(1))
            return exp.Struct(
                expressions=[
                    exp.PropertyEQ(
                        this=exp.to_identifier("m"),
                        expression=self._try_cast(mantissa, "DECIMAL(38, 20)"),
                    ),
                    exp.PropertyEQ(this=exp.to_identifier("p"), expression=power),
                ]
            )

        def shortest(v: exp.Column) -> exp.Expression:
            m, p = exp.column("m", table=v.name), exp.column("p", table=v.name)

            def spelled(r: exp.Column) -> exp.Expression:  # 9.99.. rounded up to 10.0 is 1E(p+1)
                up = self.cast_text(exp.Add(this=p, expression=_n(1)))
                minus = _case((exp.LT(this=r, expression=_n(0)), _s("-1E")), default=_s("1E"))
                return _case(
                    (
                        exp.GTE(this=exp.Abs(this=r), expression=_n(10)),
                        _fn("concat", minus, up),
                    ),
                    default=_fn("concat", self.cast_text(r), _s("E"), self.cast_text(p)),
                )

            # 15, 16, 17 significant digits, rounded half up; the first that reads back
            rounded = [exp.Round(this=m, decimals=_n(places)) for places in (14, 15, 16)]
            return self._first_back(self._map(exp.Array(expressions=rounded), spelled), s, "DOUBLE")

        return _case(
            (exact, self._respell(self._let(self._let(whole, parts), shortest))),
            # tiny, or past 2^63: Java's digits are the shortest there (but for 1e23-like cases)
            (exp.RegexpLike(this=s, expression=_s(outside)), self._respell(s)),
            default=self._decimal(s),
        )

    def _float(self, s: exp.Column) -> exp.Expression:
        outside = r"e(-0*([5-9]|[1-9][0-9]+)|[+]0*(1[6-9]|[2-9][0-9]|[1-9][0-9]{2,}))\z"
        value = self._try_cast(s, "FLOAT")  # %e widens it to its exact double
        tries = [_fn("format_string", _s(f"%.{n - 1}e"), value) for n in (6, 7, 8, 9)]

        def spelled(t: exp.Column) -> exp.Expression:
            respelled = self._respell(t)
            return _case(
                (exp.RegexpLike(this=t, expression=_s(outside)), respelled),
                default=self._decimal(t),
            )

        return _case(
            (exp.EQ(this=s, expression=_s("-0.0")), s),  # DuckDB keeps the sign: -0
            default=self._let(self._first_back(exp.Array(expressions=tries), s, "FLOAT"), spelled),
        )

    def _map(
        self, array: exp.Expression, body: Callable[[exp.Column], exp.Expression]
    ) -> exp.Expression:
        self._depth += 1
        try:
            name = f"onesync_{self._depth}"
            lam = exp.Lambda(this=body(exp.column(name)), expressions=[exp.to_identifier(name)])
        finally:
            self._depth -= 1
        return _fn("transform", array, lam)

    def _first_back(self, texts: exp.Expression, s: exp.Column, to: str) -> exp.Expression:
        """The first of ``texts`` whose ``to`` prints as ``s`` (reads back as the same value);
        the last one always does."""
        self._depth += 1
        try:
            name = f"onesync_{self._depth}"
            c = exp.column(name)
            same = exp.EQ(this=self.cast_text(self._try_cast(c, to)), expression=s)
            lam = exp.Lambda(this=same, expressions=[exp.to_identifier(name)])
        finally:
            self._depth -= 1
        picked = _fn("try_element_at", _fn("filter", texts, lam), _n(1))
        return exp.Coalesce(this=picked, expressions=[s])

    def _decimal(self, t: exp.Expression) -> exp.Expression:
        """A number in e-notation written out (the number rule strips the zeros after)."""
        return self.cast_text(self._try_cast(t, "DECIMAL(38, 20)"))

    def _respell(self, t: exp.Expression) -> exp.Expression:
        """Java's 1.50E-5 / 1.0E20, or %e's 1.50000e-05, as DuckDB writes them: 1.5e-05, 1e+20."""
        t = _fn("regexp_replace", t, _s("[.]?0*[eE]"), _s("E"))
        t = _fn("regexp_replace", t, _s("E([+-]?)([0-9])$"), _s("E$10$2"))
        t = _fn("regexp_replace", t, _s("E[+]?([0-9])"), _s("e+$1"))
        return _fn("replace", t, _s("E-"), _s("e-"))

    def _ntz(self, value: str) -> exp.Expression:
        return exp.cast(_s(value), exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))

    def _ntz_epoch(self, ntz: exp.Expression) -> exp.Expression:
        """Whole seconds (floor) from the epoch to a TIMESTAMP_NTZ, as if it were UTC."""
        micros = _fn("timestampdiff", exp.var("MICROSECOND"), self._ntz(self._EPOCH), ntz)
        below = _fn("pmod", micros, _n(1_000_000))
        return exp.IntDiv(
            this=exp.Paren(this=exp.Sub(this=micros, expression=below)), expression=_n(1_000_000)
        )

    def naive_epoch(self, t: exp.Expression) -> exp.Expression:
        return self._ntz_epoch(self._try_cast(t, "TIMESTAMP_NTZ"))

    def zoned_epoch(self, t: exp.Expression) -> exp.Expression:
        # the text carries its offset, so the session zone plays no part in the cast
        return _fn("unix_seconds", self._try_cast(t, "TIMESTAMP"))

    def local_epoch(self, t: exp.Expression, zone: str) -> exp.Expression:
        wall = self._try_cast(t, "TIMESTAMP_NTZ")
        return self._ntz_epoch(_fn("convert_timezone", _s(zone), _s("UTC"), wall))

    def format_epoch(self, e: exp.Expression, fmt: str) -> exp.Expression:
        pattern = "yyyy-MM-dd HH:mm:ss" if fmt == _PLAIN else "yyyy-MM-dd'T'HH:mm:ss'Z'"
        ntz = _fn("timestampadd", exp.var("SECOND"), e, self._ntz(self._EPOCH))
        return _fn("date_format", ntz, _s(pattern))


class ClickHouse(Family):
    """ClickHouse (tested on chDB, the embedded ClickHouse).

    Times are integer arithmetic on the checked text, not text casts, which follow
    ``cast_string_to_date_time_mode`` (best effort in chDB, basic on a server). Dates before
    1900 and after 2299, outside Date32 and DateTime64 on most servers, are moved by whole
    400-year cycles (146097 days: the calendar repeats) into that range and back. A value used
    many times is computed once in a lambda, ``arrayElement(arrayMap(x -> ..., [value]), 1)``,
    and arithmetic is written as functions (``plus(a, b)``), so no precedence can go wrong.
    """

    _VAR = exp.column("__onesync_x")  # the lambda variable until ``_bound`` names it
    _FIRST = -2208988800  # 1900-01-01: Date32 and DateTime64 start here on most servers
    _CYCLE = 146097 * 86400  # seconds in 400 years

    def _bound(self, value: exp.Expression, body: exp.Expression) -> exp.Expression:
        """``body`` (written with ``_VAR``, and no outer variable) applied to ``value`` computed
        once. The variable is named by the lambdas inside, so nested ones never share a name
        and the SQL is the same on every run."""
        inner = sum(1 for x in (value, body) for _ in x.find_all(exp.Lambda))
        name = f"__onesync_{inner}"

        def rename(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and node.name == self._VAR.name:
                return exp.column(name)
            return node

        lam = exp.Lambda(this=body.transform(rename), expressions=[exp.to_identifier(name)])
        return _fn("arrayElement", _fn("arrayMap", lam, exp.Array(expressions=[value])), _n(1))

    @staticmethod
    def _at(array: exp.Expression, i: int) -> exp.Expression:
        return _fn("arrayElement", array, _n(i))

    @staticmethod
    def _int(t: exp.Expression, start: int, length: int) -> exp.Expression:
        return _fn("toInt64OrZero", exp.Substring(this=t, start=_n(start), length=_n(length)))

    @staticmethod
    def _op(name: str, a: exp.Expression | int, b: exp.Expression | int) -> exp.Expression:
        """``plus``, ``minus``, ``multiply``, ``intDiv``, ``positiveModulo`` of two values."""
        return _fn(name, *(_n(v) if isinstance(v, int) else v for v in (a, b)))

    def cast_text(self, e: exp.Expression) -> exp.Expression:
        # A DateTime is an instant: its text carries the offset (2024-05-01 14:00:00+0200), so
        # a repeated hour, or a column in a zone of its own (DateTime('UTC')), reads back as
        # the same instant. toTypeName is a constant, so only one branch runs.
        if not isinstance(e, exp.Column):
            return self._bound(e, self.cast_text(self._VAR))  # e is used three times
        is_time = self.matches(_fn("toTypeName", e), r"^(Nullable\()?DateTime")
        moment = _fn("accurateCastOrNull", e, _s("DateTime64(6)"))
        shown = _fn("formatDateTime", moment, _s("%Y-%m-%d %H:%i:%S%z"))
        return _fn("if", is_time, shown, _fn("toString", e))

    def matches(self, t: exp.Expression, pattern: str) -> exp.Expression:
        return _fn("match", t, _s(pattern))  # RE2, found anywhere: the patterns are anchored

    def number_text(self, e: exp.Expression) -> exp.Expression:
        # ClickHouse prints a float's shortest digits the JavaScript way, DuckDB the Python
        # repr way; they differ only in exponents (1e21 / 1e+21, 1e-7 / 1e-07) and where
        # Python switches to them (1e16 is 10000000000000000 in ClickHouse, 0.00001 is 1e-05).
        def sub(t: exp.Expression, pattern: str, to: str) -> exp.Expression:
            return _fn("replaceRegexpOne", t, _s(pattern), _s(to))  # \1 is a group

        t = sub(_fn("toString", e), "e([0-9]+)$", r"e+\1")
        t = sub(t, "e([+-])([0-9])$", r"e\10\2")
        t = sub(t, "^(-?)0[.]00000([1-9])([0-9]*)$", r"\1\2.\3e-06")
        t = sub(t, "^(-?)0[.]0000([1-9])([0-9]*)$", r"\1\2.\3e-05")
        v = self._VAR  # t, bound: a whole number of 17 to 21 digits is 1e+16 and up
        unsigned = exp.Trim(this=v, expression=_s("-"), position="LEADING")
        digits = exp.Trim(this=v, expression=_s("0"), position="TRAILING")
        power = _fn("toString", self._op("minus", _fn("length", unsigned), 1))
        big = _fn("concat", sub(digits, "^(-?[0-9])", r"\1."), _s("e+"), power)
        spelled = _fn("if", self.matches(v, "^-?[0-9]{17,21}$"), big, v)
        python = sub(self._bound(t, spelled), "[.]e", "e")  # 1.e+16
        floating = exp.Like(this=_fn("toTypeName", e), expression=_s("%Float%"))
        return _fn("if", floating, python, self.text(e))

    def _civil_epoch(self, t: exp.Expression) -> exp.Expression:
        """Seconds of 'YYYY-MM-DD[ T]HH:MM[:SS...]' (already checked) read as UTC. The
        fraction is dropped, which is the floor, as it only adds to the time."""
        op, num, s = self._op, self._int, self._VAR
        year = num(s, 1, 4)
        cycle_year = op("plus", 1900, op("positiveModulo", op("minus", year, 1900), 400))
        date = _fn("makeDate32", cycle_year, num(s, 6, 2), num(s, 9, 2))
        cycles = op("intDiv", op("minus", year, cycle_year), 400)  # exact: a multiple of 400
        days = op("plus", _fn("toInt64", date), op("multiply", cycles, 146097))
        has_seconds = exp.EQ(
            this=exp.Substring(this=s, start=_n(17), length=_n(1)), expression=_s(":")
        )
        clock = op(
            "plus",
            op("plus", op("multiply", num(s, 12, 2), 3600), op("multiply", num(s, 15, 2), 60)),
            _fn("if", has_seconds, num(s, 18, 2), _n(0)),
        )
        return self._bound(t, op("plus", op("multiply", days, 86400), clock))

    def naive_epoch(self, t: exp.Expression) -> exp.Expression:
        return self._civil_epoch(t)

    def zoned_epoch(self, t: exp.Expression) -> exp.Expression:
        op, num = self._op, self._int
        bare = _fn("replaceAll", self._VAR, _s(":"), _s(""))  # Z, +HH or +HHMM
        size = op(
            "plus", op("multiply", num(bare, 2, 2), 3600), op("multiply", num(bare, 4, 2), 60)
        )
        signed = _fn("if", _fn("startsWith", bare, _s("-")), _fn("negate", size), size)
        offset = self._bound(_fn("extract", t, _s(_OFFSET + "$")), signed)
        return op("minus", self._civil_epoch(t), offset)

    def local_epoch(self, t: exp.Expression, zone: str) -> exp.Expression:
        # local -> UTC as DuckDB's ICU does it: with the offsets a day before (o1) and after
        # (o2), n - o2 when that instant really has offset o2 (the later of a repeated time),
        # else n - o1 (a skipped time is read with the offset before the change). Servers
        # older than chDB's engine (26.9) clamp DateTime64 to 1900-2299: before and after
        # that, they take the offset at the edge, where DuckDB has local mean time or DST.
        op, at, v = self._op, self._at, self._VAR

        def offset(u: exp.Expression) -> exp.Expression:
            return _fn("timeZoneOffset", _fn("toDateTime64", u, _n(0), _s(zone)))

        n, o1, o2 = at(v, 1), at(v, 2), at(v, 3)
        fits = exp.EQ(this=offset(op("minus", n, o2)), expression=o2)
        utc = _fn("if", fits, op("minus", n, o2), op("minus", n, o1))
        around = exp.Array(
            expressions=[v, offset(op("minus", v, 86400)), offset(op("plus", v, 86400))]
        )
        return self._bound(self._civil_epoch(t), self._bound(around, utc))

    def format_epoch(self, e: exp.Expression, fmt: str) -> exp.Expression:
        op, at, v = self._op, self._at, self._VAR
        # [seconds, whole 400-year cycles to take off to land in 1900-2299]
        ahead = 5  # cycles added first so intDiv never sees a negative (years >= 1)
        cycles = op(
            "minus",
            op("intDiv", op("plus", op("minus", v, self._FIRST), ahead * self._CYCLE), self._CYCLE),
            ahead,
        )
        shifted = op("minus", at(v, 1), op("multiply", at(v, 2), self._CYCLE))
        moment = _fn("toDateTime64", shifted, _n(0), _s("UTC"))
        year = op("plus", _fn("toYear", moment), op("multiply", at(v, 2), 400))
        rest = "-%m-%d %H:%i:%S" if fmt == _PLAIN else "-%m-%dT%H:%i:%SZ"
        text = _fn(
            "concat",
            _fn("leftPad", _fn("toString", year), _n(4), _s("0")),
            _fn("formatDateTime", moment, _s(rest), _s("UTC")),
        )
        pair = exp.Array(expressions=[self._VAR, cycles])
        return self._bound(e, self._bound(pair, text))


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
