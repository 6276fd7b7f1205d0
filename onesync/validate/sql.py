"""Parse a model's SQL in its source dialect; output columns from sqlglot's projection."""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, Dialects
from sqlglot.errors import ParseError, TokenError

__all__ = [
    "DIALECTS",
    "SqlProblem",
    "known_dialect",
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
