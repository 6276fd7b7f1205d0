"""The small interface a state backend implements (``duckdb.py``, ``postgres.py``,
``snowflake.py``).

A backend is one open connection, holding the state lock when it was asked to, plus the bits
of SQL that differ between engines: placeholders, an array-of-text parameter, the JSON merge
patch of confirmed values, how a transaction is opened, and the ``Engine`` the planner diffs
in (with the backend's own loader of incoming rows). ``StateReader`` and ``StateWriter`` in
``store.py`` hold every query over it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from onesync.errors import REDACTED, StateError, redact
from onesync.model import dsn_secrets, redact_dsn

if TYPE_CHECKING:
    from onesync.state.engine import Engine

__all__ = ["Backend", "BackendName", "scrub"]

BackendName = Literal["duckdb", "postgres", "snowflake", "spark"]


def scrub(text: str, url: str | None = None) -> str:
    """``text`` safe to show: no password of ``url``, of any DSN in it, or registered.

    Drivers put the connection string they were given into their errors; this is applied to
    every StateError line.
    """
    for secret in sorted(dsn_secrets(url), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return redact(redact_dsn(text) or "")


class Backend:
    """An open state connection; subclasses fill in what differs between engines.

    Class attributes: ``name`` (``duckdb`` | ``postgres`` | ``snowflake``, also the sqlglot
    dialect),
    ``array`` (SQL for one list-of-text parameter, used as ``unnest(<array>)``) and ``merge``
    (the JSON merge patch of ``onesync_rows.data`` with ``EXCLUDED.data``, as text).
    """

    name: ClassVar[BackendName]
    array: ClassVar[str]
    merge: ClassVar[str]

    def __init__(self, conn: Any, where: str) -> None:
        self.conn = conn
        self.where = where  # how the store is named in messages: never a password

    def keys_in(self) -> str:
        """A subquery of the values of one list parameter (``list_param``), for ``IN (...)``."""
        return f"SELECT unnest({self.array})"

    def list_param(self, values: Sequence[str]) -> Any:
        """A list of text as the driver binds the parameter ``keys_in`` reads."""
        return list(values)

    def placeholders(self, sql: str) -> str:
        """``sql`` written with ``?`` placeholders, in the driver's own."""
        return sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run ``sql`` (``?`` placeholders) and return the cursor; errors name the store."""
        try:
            return self.conn.execute(self.placeholders(sql), params)
        except Exception as exc:  # driver errors become one line naming the store
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            text = f"state {self.where}: {type(exc).__name__}: {first}".strip()
            raise StateError(scrub(text)) from exc

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        raise NotImplementedError

    def migration(self, sql: str) -> str:
        """A migration statement as this engine runs it (Snowflake: made re-runnable)."""
        return sql

    def diff_engine(self) -> Engine:
        """The planner's SQL next to the state, with this backend's loader of incoming rows."""
        raise NotImplementedError

    def compact(self) -> None:
        """Let the database give back the memory a long run of writes holds (no-op here)."""

    def ready(self) -> None:
        """Called once the schema is migrated (the PostgreSQL lock records its holder then)."""

    def abort(self) -> None:
        """Give up a store that failed to open: close it and release what it holds."""
        self.conn.close()

    def close(self) -> None:
        """Close the connection and release the lock."""
        raise NotImplementedError
