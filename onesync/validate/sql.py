"""Parse a model's SQL in its source dialect; output columns from sqlglot's projection."""

from __future__ import annotations

import functools
import re

import sqlglot
from sqlglot import TokenType, exp
from sqlglot.dialects.dialect import Dialect, Dialects
from sqlglot.errors import ParseError, TokenError

from onesync.load.yaml import map_layout
from onesync.model import Pos

__all__ = [
    "DIALECTS",
    "SqlProblem",
    "database_text",
    "known_dialect",
    "locate",
    "model_position",
    "output_columns",
    "parse_model",
    "select_columns",
]

DIALECTS: tuple[str, ...] = tuple(sorted(d.value for d in Dialects if d.value))


class SqlProblem(Exception):
    """A model's SQL did not parse; line/col are 1-based inside the SQL text."""

    def __init__(self, message: str, line: int = 1, col: int = 1, hint: str | None = None):
        super().__init__(message)
        self.message, self.line, self.col, self.hint = message, line, col, hint


def _friendly(description: str) -> str:
    """sqlglot's parser messages, minus its internals."""
    if description.startswith("Required keyword"):
        return "incomplete expression"
    if description.startswith("Invalid expression / Unexpected token"):
        return "unexpected token"
    return description.replace("Expecting", "expected")


@functools.lru_cache(maxsize=1024)
def parse_model(sql: str, dialect: str) -> exp.Query:
    """The model's single query, or SqlProblem naming where it went wrong.

    Cached, because the compiler reads the same model again: callers must not mutate the tree.
    """
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as e:
        first = e.errors[0] if e.errors else {}
        line, col = first.get("line") or 1, first.get("col") or 1
        token = first.get("highlight") or ""
        col = max(1, col - len(token) + 1)  # sqlglot points at the token's last character
        desc = _friendly(first.get("description") or str(e))
        near = f" near '{token}'" if token else ""
        raise SqlProblem(
            f"SQL syntax error{near}: {desc}", line, col, f"the model must parse as {dialect} SQL"
        ) from None
    except TokenError as e:
        raise SqlProblem(
            f"SQL cannot be tokenized: {e}", hint="look for an unclosed quote"
        ) from None
    if not statements:
        raise SqlProblem("the model SQL is empty", hint="write a select query")
    if len(statements) > 1:
        raise SqlProblem(
            "the model holds more than one SQL statement",
            hint="keep one select query; remove the ';' and what follows",
        )
    query = statements[0]
    if not isinstance(query, exp.Query):
        raise SqlProblem(
            f"the model must be a select query, not {query.key.upper()}", hint="a model only reads"
        )
    return query


def select_columns(query: exp.Query) -> list[str] | None:
    """Output column names of a parsed query, or None when its projection has a ``*``."""
    selects = query.selects
    if any(isinstance(s, exp.Star) or (isinstance(s, exp.Column) and s.is_star) for s in selects):
        return None
    names = []
    for s in selects:
        if isinstance(s, exp.Alias | exp.Column) and s.alias_or_name:
            names.append(s.alias_or_name)
    return names


def output_columns(sql: str, dialect: str) -> list[str] | None:
    """The names of a query's output columns, or None when its projection has a ``*``.

    Raises SqlProblem when the SQL does not parse as ``dialect``.
    """
    return select_columns(parse_model(sql, dialect))


def known_dialect(name: str) -> bool:
    try:
        Dialect.get_or_raise(name)
    except ValueError:
        return False
    return True


# Where database messages name the table or column they could not find, on the four engines:
# DuckDB `Table with name x does not exist`, `Referenced column "x" not found`; PostgreSQL
# `relation "x" does not exist`, `column c.x does not exist`; MySQL `Unknown column 'x'`,
# `Table 'db.x' doesn't exist`; SQLite `no such table: x`, `no such column: x`.
_NAMED = re.compile(
    r""""([^"]+)"|'([^']+)'|`([^`]+)`"""
    r"|Table with name ([\w.$]+)|no such (?:table|column): ([\w.$]+)|column ([\w.$]+) does not"
)
# what follows these is the database's guess, not the name it failed on
_GUESSES = re.compile(r"Candidate bindings|Did you mean|HINT|Perhaps you meant", re.IGNORECASE)
_NAME_TOKENS = (TokenType.STRING, TokenType.NATIONAL_STRING)  # literals are never names


def locate(sql: str, dialect: str, message: str) -> tuple[int, int] | None:
    """The 1-based (line, col) in ``sql`` of the table or column a database error names.

    Databases report positions in the statement they ran, which wraps the model (and differs
    per engine), so the name in the message is looked up among the model's own tokens instead.
    None when the message names nothing found there.
    """
    names: list[str] = []
    for m in _NAMED.finditer(_GUESSES.split(message, maxsplit=1)[0]):
        found = next(g for g in m.groups() if g)
        names += [found, found.rsplit(".", 1)[-1]]
    if not names:
        return None
    try:
        tokens = Dialect.get_or_raise(dialect).tokenize(sql)
    except (TokenError, ValueError):
        return None
    for name in names:
        for t in tokens:
            if t.token_type not in _NAME_TOKENS and t.text.lower() == name.lower():
                line = sql.count("\n", 0, t.start) + 1
                return line, t.start - (sql.rfind("\n", 0, t.start) + 1) + 1
    return None


# "source 'db' (duckdb: data/x.duckdb): query failed: <the database's words>"
def model_position(start: Pos, sql: str, dialect: str, message: str) -> Pos:
    """Where in the spec a database error about the model points: the name it failed on,
    counted from ``start`` (``Model.sql_pos``, where the SQL text begins), else ``start``.

    Exact for ``model.file``, block (``|``, ``>``) and plain SQL, through ``start.layout`` where
    folding moved lines; for a quoted SQL that spans lines, the line is the best guess.
    """
    at = locate(sql, dialect, message)
    if at is None:
        return start
    line, col = at
    if start.layout:
        return Pos(start.file, *map_layout(start.layout, line, col))
    return Pos(start.file, start.line + line - 1, start.col + col - 1)


_PREFIX = re.compile(r"source '[^']*' \(.*?\): ([a-z][a-z ]*(?: '[^']*')?): (.*)\Z", re.DOTALL)
_PLAIN_STEPS = ("query failed", "cannot connect", "cannot open")


def database_text(message: str) -> str:
    """The database's own words in a SourceError line, without the source prefix it carries
    (the diagnostic names the source itself); the whole line when it has another shape."""
    m = _PREFIX.search(message)
    if not m:
        return message
    return m.group(2) if m.group(1) in _PLAIN_STEPS else f"{m.group(1)}: {m.group(2)}"
