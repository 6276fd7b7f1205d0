"""The connector interface every source dialect implements, and the one way they fail.

A connector is small on purpose (like httpx's transports): open in the constructor, ``columns``
and ``table_columns`` to look at shapes without reading rows, ``stream`` to read batches, and
``close``. Every database error leaves as one ``SourceError`` line that names the source (and the
spec file when the caller gave a ``context``) and carries the database's own first line, with every
password scrubbed: the source's own (drivers echo the DSN they were given), any ``password=`` or
``user:password@`` in the text, and every secret registered with ``onesync.errors``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from sqlglot import exp

from onesync.errors import REDACTED, SourceError, redact, register_secret
from onesync.model import Source, dsn_secrets, redact_dsn

__all__ = ["Connector", "fail", "register_source", "resolve_path", "scrub"]


def register_source(source: Source) -> None:
    """Register the source's passwords as secrets, before a driver can echo them."""
    for secret in (*dsn_secrets(source.url), *source.secrets):
        register_secret(secret)


def scrub(text: str, source: Source | None = None) -> str:
    """``text`` safe to show: no password of ``source``, of any DSN in it, or registered."""
    if source is not None:
        secrets = (*dsn_secrets(source.url), *source.secrets)
        for secret in sorted(secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, REDACTED)
    return redact(redact_dsn(text) or "")


def fail(
    source: Source, what: str, error: BaseException | str, context: str | None = None
) -> NoReturn:
    """Raise the one-line SourceError for ``source``; never shows a password or secret."""
    text = str(error).strip()
    detail = text.splitlines()[0] if text else type(error).__name__
    where = f"{context}: " if context else ""
    name = f"source '{source.name}' ({source.kind}: {source.display})"
    raise SourceError(scrub(f"{where}{name}: {what}: {detail}", source)) from None


def resolve_path(path: str, root: Path | str) -> str:
    """``path`` relative to the project root, except ``:memory:`` and absolute paths."""
    if path == ":memory:" or path.startswith(":memory:"):
        return path
    p = Path(path).expanduser()
    return str(p if p.is_absolute() else Path(root) / p)


def quote_table(table: str, dialect: str) -> str:
    """A table name as the dialect quotes it (schema.table kept apart), never pasted raw."""
    return exp.to_table(table, dialect=dialect).sql(dialect, identify=True)


class Connector(ABC):
    """One open connection to one source; a context manager.

    Subclasses set ``self.conn`` in ``__init__`` and run the session setup (UTC or the source's
    time zone); the base class turns their errors into ``SourceError``.
    """

    dialect: str = ""

    def __init__(self, source: Source, root: Path | str = ".", context: str | None = None):
        register_source(source)
        self.source = source
        self.root = Path(root)
        self.context = context

    # -- errors -----------------------------------------------------------------------------
    def fail(self, what: str, error: BaseException | str) -> NoReturn:
        fail(self.source, what, error, self.context)

    # -- interface --------------------------------------------------------------------------
    @abstractmethod
    def columns(self, sql: str) -> list[tuple[str, str]]:
        """(name, database type) of each output column of ``sql``, without reading rows."""

    def table_columns(self, table: str) -> list[tuple[str, str]]:
        """(name, database type) of each column of ``table`` (``schema.table`` allowed)."""
        return self.columns(f"SELECT * FROM {quote_table(table, self.dialect)}")

    @abstractmethod
    def stream(self, sql: str, batch_size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of ``sql`` in lists of at most ``batch_size``; memory stays flat."""

    @abstractmethod
    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] | None = None) -> None:
        """Run one statement and commit (setup in tests, small writes)."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection; safe to call twice."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def strip_sql(sql: str) -> str:
    """The statement without trailing semicolons, so it can be wrapped as a subquery."""
    return sql.strip().rstrip(";").strip()
