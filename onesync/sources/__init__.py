"""sources stage: read rows from the databases the syncs name.

``connect(source, root)`` picks the connector by ``source.dialect``::

    with connect(source, project.root, context=sync.file) as conn:
        names = conn.columns(compiled.sql)
        for batch in conn.stream(compiled.sql, batch_size=10_000):
            ...

duckdb, sqlite, postgres and mysql ship with onesync; snowflake, spark, databricks and clickhouse
are extras (``pip install 'onesync[snowflake]'``: a connector whose driver is missing says which
extra to install); a source with ``sheet:`` is a Google Sheet loaded into DuckDB. bigquery, trino
and the other sqlglot dialects compile but cannot be read. ``catalog(root)`` gives the validator
a cached ``(source, table_or_sql) -> column names | None`` lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from onesync.errors import SourceError
from onesync.model import Source, Sync
from onesync.sources.base import Connector, fail

__all__ = ["EXTRAS", "Catalog", "Connector", "catalog", "connect"]

EXTRAS: dict[str, str] = {
    "snowflake": "snowflake",
    "spark": "spark",
    "databricks": "databricks",
    "clickhouse": "clickhouse",
}
_ALIASES = {"postgresql": "postgres", "mariadb": "mysql"}


def _factory(dialect: str) -> Callable[..., Connector] | None:
    if dialect == "duckdb":
        from onesync.sources.duckdb import DuckDBConnector

        return DuckDBConnector
    if dialect == "sqlite":
        from onesync.sources.sqlite import SQLiteConnector

        return SQLiteConnector
    if dialect == "postgres":
        from onesync.sources.postgres import PostgresConnector

        return PostgresConnector
    if dialect == "mysql":
        from onesync.sources.mysql import MySQLConnector

        return MySQLConnector
    if dialect == "snowflake":
        from onesync.sources.snowflake import SnowflakeConnector

        return SnowflakeConnector
    if dialect == "spark":
        from onesync.sources.spark import SparkConnector

        return SparkConnector
    if dialect == "databricks":
        from onesync.sources.databricks import DatabricksConnector

        return DatabricksConnector
    if dialect == "clickhouse":
        from onesync.sources.clickhouse import ClickHouseConnector

        return ClickHouseConnector
    return None


def connect(source: Source, root: Path | str = ".", context: str | None = None) -> Connector:
    """Open ``source``; relative paths are resolved against the project ``root``.

    Args:
        source: the source from the project file.
        root: the project directory.
        context: what to name in error lines besides the source (usually the spec file).

    Raises:
        SourceError: the dialect has no connector, or the database cannot be reached.
    """
    if source.sheet is not None:
        from onesync.sources.sheets import SheetConnector

        return SheetConnector(source, root, context)
    dialect = _ALIASES.get(source.dialect, source.dialect)
    factory = _factory(dialect)
    if factory is None:
        hint = (
            "onesync has no connector for it (no engine to test one against runs offline);"
            " `onesync compile` prints its SQL, and plan/apply read duckdb, sqlite, postgres,"
            " mysql, snowflake, spark, databricks, clickhouse and Google Sheets"
        )
        fail(
            source,
            "no connector",
            f"dialect {source.dialect!r} cannot be read yet; {hint}",
            context,
        )
    return factory(source, root, context)


def _describe(conn: Connector, table_or_sql: str) -> list[tuple[str, str]]:
    """Columns of a query, or of a table when given a bare name."""
    text = table_or_sql.strip()
    is_query = any(ch.isspace() for ch in text) or text.startswith("(")
    return conn.columns(text) if is_query else conn.table_columns(text)


class Catalog:
    """Column names of tables and queries, one connection per source, for the validator.

    ``catalog(src, "crm.customers")`` or ``catalog(src, "select ...")`` returns the names, or
    None when the source cannot be reached (validation then skips column checks). A table or
    query the database rejects raises SourceError, whose message the validator can report.
    """

    def __init__(self, root: Path | str = ".") -> None:
        self.root = Path(root)
        self._open: dict[str, Connector | None] = {}
        self._failed: dict[str, SourceError] = {}

    def __call__(self, source: Source, table_or_sql: str) -> list[str] | None:
        conn = self._connector(source)
        if conn is None:
            return None
        return [name for name, _ in _describe(conn, table_or_sql)]

    def types(self, source: Source, table_or_sql: str) -> dict[str, str] | None:
        """Column name -> database type of a table or query, or None when it cannot be told.

        The compiler uses these so a string tag of a decimal, boolean or timestamp column gets
        the same canonical text on every engine; a lookup that fails only loses that.
        """
        conn = self._connector(source)
        if conn is None:
            return None
        try:
            cols = _describe(conn, table_or_sql)
        except SourceError:
            return None
        return {name: type_ for name, type_ in cols if type_}

    def describe(self, sync: Sync, source: Source) -> dict[str, str] | None:
        """The column types of a sync's model (``compile_project``'s ``describe``)."""
        return self.types(source, sync.model.table or sync.model.sql or "")

    def failure(self, source: Source) -> str | None:
        """Why ``source`` could not be opened (its SourceError line), or None when it opened
        or its dialect has no connector to try; the validator reports it at the source."""
        self._connector(source)
        error = self._failed.get(source.name)
        return str(error) if error is not None else None

    def _connector(self, source: Source) -> Connector | None:
        if source.name not in self._open:
            try:
                self._open[source.name] = connect(source, self.root)
            except SourceError as e:
                self._open[source.name] = None
                if _factory(_ALIASES.get(source.dialect, source.dialect)) is not None:
                    self._failed[source.name] = e
        return self._open[source.name]

    def close(self) -> None:
        for conn in self._open.values():
            if conn is not None:
                conn.close()
        self._open.clear()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def catalog(root: Path | str = ".") -> Catalog:
    """A ``(source, table_or_sql) -> list[str] | None`` lookup; close it when done."""
    return Catalog(root)
