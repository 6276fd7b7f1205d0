"""The diff engine: the planner's SQL, run next to the state, over rows loaded beside it.

Only rows whose fingerprint differs (or that are new, invalid or gone) ever reach Python. Each
backend loads the model's rows into the temp table ``onesync_incoming`` its own way
(``Engine.load`` returns the path taken):

* ``attach``   DuckDB state, DuckDB source: the source file is ATTACHed read-only and the compiled
  SQL runs inside the state connection (no row leaves DuckDB). See ``duckdb.py``.
* ``pushdown`` PostgreSQL state in the same database as a postgres source, Snowflake state in
  the same account and database as a snowflake source, or Spark state in the source's own
  Spark: the compiled SQL runs there and the diff too; only changed rows leave the database.
  See ``postgres.py``, ``snowflake.py`` and ``spark.py``.
* ``stream``   anything else: batches from the source are bulk-loaded (a CSV file for DuckDB,
  COPY for PostgreSQL, array-bound INSERTs for Snowflake, DataFrames for Spark).

Every statement is plain ANSI-ish SQL with identifiers and literals quoted by sqlglot for the
engine's dialect, so another warehouse can host the diff by adding a backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlglot import exp

from onesync.errors import SourceError
from onesync.model import CompiledSync, Source
from onesync.validate.sql import model_position

if TYPE_CHECKING:
    from onesync.state.backend import Backend

__all__ = ["BATCH", "INCOMING", "INVALID", "Engine", "ReadBy"]

INCOMING = "onesync_incoming"
INVALID = "onesync_invalid"
BATCH = 50_000

ReadBy = Literal["attach", "pushdown", "stream"]


class Engine:
    """SQL helpers bound to the state connection's dialect, and the loader of incoming rows.

    ``dialect`` is the backend's name; ``conn`` the raw connection (the plan's workspace shares
    it when the state is DuckDB). ``run``, ``rows``, ``scalar`` and ``batches`` take SQL without
    parameters: every value in it is quoted with ``lit``.
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.dialect = backend.name
        self.conn = backend.conn

    def q(self, name: str) -> str:
        """A quoted identifier."""
        return exp.to_identifier(name, quoted=True).sql(self.dialect)

    def lit(self, value: str) -> str:
        """A quoted string literal (values from specs never reach SQL unquoted)."""
        return exp.Literal.string(value).sql(self.dialect)

    def run(self, sql: str) -> Any:
        """Run ``sql``; returns the cursor. Errors are ``StateError`` naming the store."""
        return self._backend.execute(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self.run(sql).fetchall())

    def batches(self, sql: str, size: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
        """Rows in batches, so only one batch of raw tuples is alive at a time."""
        cur = self.run(sql)
        while batch := cur.fetchmany(size):
            yield batch

    def full_match(self, expr: str, pattern: str) -> str:
        """SQL that is true when the whole of ``expr`` matches the regular expression."""
        p = f"^(?:{pattern})$"
        if self.dialect == "duckdb":
            return f"regexp_full_match({expr}, {self.lit(pattern)})"
        if self.dialect == "postgres":
            return f"({expr} ~ {self.lit(p)})"
        if self.dialect == "snowflake":
            return f"REGEXP_LIKE({expr}, {self.lit(pattern)})"  # anchored at both ends
        return f"({expr} RLIKE {self.lit(p)})"  # spark

    def scalar(self, sql: str) -> Any:
        row = self.run(sql).fetchone()
        return row[0] if row else None

    def columns(self, table: str) -> list[str]:
        cur = self.run(f"SELECT * FROM {table} WHERE 1 = 0")
        return [d[0] for d in cur.description]

    def drop(self, *tables: str) -> None:
        for t in tables:
            self.run(f"DROP TABLE IF EXISTS {t}")

    def load(self, compiled: CompiledSync, source: Source, root: Path) -> ReadBy:
        """Fill ``onesync_incoming`` with the compiled model's rows; returns the path taken."""
        raise NotImplementedError

    def _model(self, compiled: CompiledSync, source: Source) -> None:
        """Run the compiled model into the temp table; its errors are the source's."""
        try:
            self.conn.execute(f"CREATE TEMP TABLE {INCOMING} AS {compiled.sql}")
        except Exception as exc:
            msg = _database_words(str(exc))
            raise SourceError(
                f"{_spec_place(compiled, source, msg)}: source {source.name}: the model of sync "
                f"{compiled.sync.name} failed: {msg}"
            ) from exc


def read_source(
    compiled: CompiledSync, source: Source, root: Path
) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of the compiled model's rows from any source; errors name the spec file."""
    sync = compiled.sync
    try:
        from onesync.sources import connect

        with connect(source, root) as conn:
            yield from conn.stream(compiled.sql, BATCH)
    except SourceError as exc:
        msg = _database_words(str(exc))
        if msg.startswith(sync.file):
            raise
        raise SourceError(f"{_spec_place(compiled, source, msg)}: {msg}") from exc


def _database_words(text: str) -> str:
    """A database error on one line, without its excerpt of the compiled SQL (``LINE 72: ...``
    and a caret): that line number is in SQL the user never wrote."""
    return " ".join(re.split(r"\bLINE \d+:", text, maxsplit=1)[0].split())


def _spec_place(compiled: CompiledSync, source: Source, message: str) -> str:
    """``file:line:col`` in the sync's spec of what a database error names (the model's own
    SQL, else where the model starts), or the spec file alone when the sync has no position."""
    sync = compiled.sync
    start = sync.model.sql_pos or sync.pos
    if start is None:
        return sync.file
    if sync.model.sql and sync.model.sql_pos is not None:
        return str(model_position(start, sync.model.sql, source.dialect, message))
    return str(start)
