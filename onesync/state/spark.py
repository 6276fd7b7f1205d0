"""The Spark state backend (``state.url: spark://SOURCE/DATABASE``): the state in Spark tables.

SOURCE names a Spark source of the project; the state opens a session of its own with that
source's master and settings, and keeps its tables in DATABASE (default ``onesync``, created when
missing). A model of that source is then diffed inside Spark (pushdown): only changed rows reach
Python.

Plain Spark tables take INSERT but no UPDATE, DELETE or MERGE (those need Delta Lake or
Iceberg), so the state is a log. Every logical table (``onesync_rows``, ``onesync_sent``, ...)
is a parquet table ``<table>__log`` of its columns plus ``_txn`` (the writing transaction),
``_i`` (its statement) and ``_gone`` (a tombstone). A transaction appends its rows, then one row
to ``onesync_commits`` (``txn``, its serial ``n``); the session reads each logical table through
a temporary view of the same name holding, per primary key, the newest committed row that is not
a tombstone. A write that dies before its commit row leaves rows nobody reads: all or nothing,
like the other backends. ``open`` compacts a log that grew past twice its live rows (rewritten
under the lock, through a copy kept until the rewrite is done).

The lock is a lease file beside the tables (``<database location>/_onesync_lock.json``), made
with the Hadoop file system's create-if-absent (atomic on local disks and HDFS), holding holder,
pid, a token and an expiry. Every transaction first checks the token is still there (a broken or
lapsed lease writes nothing) and renews it once a third of it has passed. Spark Connect offers
no file system to the client, so state in Spark needs a local or cluster master.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp

from onesync.errors import SourceError, StateError
from onesync.model import CompiledSync, Source, StateConfig
from onesync.state.backend import Backend, BackendName, scrub
from onesync.state.engine import INCOMING, INVALID, Engine, ReadBy, _spec_place, read_source
from onesync.state.lock import LockInfo, _locked_message, check_unlock, now, who
from onesync.state.schema import MIGRATIONS

__all__ = ["SparkBackend", "SparkEngine", "Tables", "open_backend", "parse_url", "unlock"]

LEASE = 600  # seconds a lock lives without being renewed
_POLL = 0.5
DEFAULT_DATABASE = "onesync"
LOCK_FILE = "_onesync_lock.json"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TYPES = {"TEXT": "STRING", "VARCHAR": "STRING", "INTEGER": "INT", "BIGINT": "BIGINT"}


def parse_url(url: str) -> tuple[str, str]:
    """``spark://SOURCE[/DATABASE]`` -> (source name, database)."""
    rest = url[len("spark://") :] if url.startswith("spark://") else url
    name, _, database = rest.partition("/")
    return name, database.strip("/") or DEFAULT_DATABASE


@cache
def logical_tables() -> dict[str, tuple[tuple[tuple[str, str], ...], tuple[str, ...]]]:
    """Each state table's (columns with Spark types, primary key), as the migrations leave it:
    read off a scratch DuckDB that ran them, so this backend can never drift from schema.py."""
    import duckdb

    con = duckdb.connect()
    try:
        for _, statements in MIGRATIONS:
            for sql in statements:
                con.execute(sql)
        con.execute(
            "CREATE TABLE onesync_schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)"
        )
        out = {}
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        for table in sorted(n for n in names if n != "onesync_lock"):
            info = con.execute(f"PRAGMA table_info('{table}')").fetchall()
            cols = tuple((str(r[1]), _TYPES.get(str(r[2]).upper(), "STRING")) for r in info)
            pk = tuple(str(r[1]) for r in info if r[5])
            out[table] = (cols, pk or (cols[0][0],))
        return out
    finally:
        con.close()


@lru_cache(maxsize=512)
def spark_sql(sql: str) -> str:
    """The store's and planner's SQL (``TEXT`` casts, ``?`` markers) as Spark SQL."""
    try:
        return ";\n".join(sqlglot.transpile(sql, read="spark", write="spark"))
    except sqlglot.errors.SqlglotError:
        return sql


def _lit(value: str) -> str:
    return exp.Literal.string(value).sql("spark")


class Cursor:
    """What the store and the planner read from a statement: DB-API's fetch methods over one
    Spark DataFrame (``fetchmany`` through ``toLocalIterator``: one partition at a time)."""

    def __init__(self, df: Any, errors: tuple[type[BaseException], ...], where: str) -> None:
        self._df = df
        self._it: Iterator[Any] | None = None
        self._errors = errors
        self._where = where
        self.rowcount = -1

    @property
    def description(self) -> list[tuple[str, ...]]:
        return [(name,) for name in (self._df.columns if self._df is not None else [])]

    def _guard(self, call: Any) -> Any:
        try:
            return call()
        except self._errors as exc:
            raise StateError(scrub(f"state {self._where}: {_words(exc)}")) from exc

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._df is None:
            return []
        if self._it is not None:
            return [tuple(r) for r in self._it]
        return [tuple(r) for r in self._guard(self._df.collect)]

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._it is None:  # one job, not one per partition as toLocalIterator runs
            rows = [tuple(r) for r in self._guard(lambda: self._df.take(1))]
        else:
            rows = self.fetchmany(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        """A small result (the usual one: the diff's changed rows) comes back in one job;
        a larger one is read again a partition at a time, so memory stays flat."""
        if self._df is None:
            return []
        if self._it is None:
            first = [tuple(r) for r in self._guard(lambda: self._df.take(size + 1))]
            if len(first) <= size:
                self._it = iter(first)
            else:
                self._it = self._guard(lambda: self._df.toLocalIterator(prefetchPartitions=True))
        out = []
        assert self._it is not None
        for row in self._it:
            out.append(tuple(row))
            if len(out) >= size:
                break
        return out


def _words(exc: BaseException) -> str:
    from onesync.sources.spark import _words as spark_words

    return spark_words(exc)


class Tables:
    """Names and SQL of the log tables in one database."""

    def __init__(self, database: str) -> None:
        self.database = database

    def log(self, table: str) -> str:
        return f"`{self.database}`.`{table}__log`"

    @property
    def commits(self) -> str:
        return f"`{self.database}`.`onesync_commits`"

    def create(self, table: str) -> str:
        cols, _ = logical_tables()[table]
        body = ", ".join(f"`{n}` {t}" for n, t in cols)
        return (
            f"CREATE TABLE IF NOT EXISTS {self.log(table)} ({body}, `_txn` STRING, `_i` INT, "
            "`_gone` BOOLEAN) USING parquet"
        )

    def current(self, table: str) -> str:
        """The newest committed row per key that is not a tombstone."""
        cols, pk = logical_tables()[table]
        names = ", ".join(f"`{n}`" for n, _ in cols)
        part = ", ".join(f"l.`{k}`" for k in pk)
        return (
            f"SELECT {names} FROM (SELECT l.*, row_number() OVER (PARTITION BY {part} ORDER BY "
            f"c.n DESC, l.`_i` DESC) AS `_r` FROM {self.log(table)} l JOIN "
            f"{self.commits} c ON c.txn = l.`_txn`) WHERE `_r` = 1 AND NOT `_gone`"
        )


class SparkBackend(Backend):
    """A Spark session holding the state's views; writes go through ``append`` and ``gone``."""

    name: ClassVar[BackendName] = "spark"
    array: ClassVar[str] = ""  # never used: the Spark store binds lists as one JSON text
    merge: ClassVar[str] = ""  # no JSON merge: confirmed values are merged client-side

    def __init__(self, connector: Any, where: str, source: Source, database: str) -> None:
        super().__init__(connector.session, where)
        self.connector = connector
        self.source = source
        self.tables = Tables(database)
        self.lock: Lease | None = None
        self.txn: str | None = None
        self._stmt = 0
        self._next_n: int | None = None  # the next commit serial, known while we hold the lock
        self._errors: tuple[type[BaseException], ...] = connector._errors

    # -- SQL ----------------------------------------------------------------------------------
    def keys_in(self) -> str:
        return "SELECT explode(from_json(?, 'array<string>'))"

    def list_param(self, values: Sequence[str]) -> Any:
        return json.dumps(list(values))

    def raw(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run Spark SQL as it is; errors name the store."""
        try:
            return self.conn.sql(sql, args=list(params) if params else None)
        except self._errors as exc:
            raise StateError(scrub(f"state {self.where}: {_words(exc)}")) from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self.lock is not None:
            self.lock.keep()
        return Cursor(self.raw(spark_sql(sql), params), self._errors, self.where)

    # -- the log --------------------------------------------------------------------------------
    def _next(self) -> int:
        self._stmt += 1
        return self._stmt

    def append(self, table: str, select: str, params: Sequence[Any] = ()) -> None:
        """Append the rows of ``select`` (the table's columns, in order) to this transaction."""
        if self.txn is None:
            raise StateError(f"state {self.where}: a write outside a transaction (a bug)")
        self.raw(
            f"INSERT INTO {self.tables.log(table)} SELECT s.*, {_lit(self.txn)}, "
            f"{self._next()}, FALSE FROM ({spark_sql(select)}) AS s",
            params,
        )

    def gone(self, table: str, where: str, params: Sequence[Any] = ()) -> None:
        """Tombstones for the live rows of ``table`` that ``where`` selects."""
        if self.txn is None:
            raise StateError(f"state {self.where}: a write outside a transaction (a bug)")
        cols, pk = logical_tables()[table]
        picks = ", ".join(f"t.`{n}`" if n in pk else "NULL" for n, _ in cols)
        self.raw(
            f"INSERT INTO {self.tables.log(table)} SELECT {picks}, {_lit(self.txn)}, "
            f"{self._next()}, TRUE FROM {table} t WHERE {spark_sql(where)}",
            params,
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.txn is not None:  # nested: part of the open one
            yield
            return
        if self.lock is not None:
            self.lock.fence()  # a broken or lapsed lease writes nothing
        self.txn, self._stmt = str(uuid.uuid4()), 0
        try:
            yield
            n = self._next_n
            if n is None or self.lock is None:  # without the lock, someone else may commit
                top = self.raw(f"SELECT COALESCE(max(n), 0) + 1 FROM {self.tables.commits}")
                n = int(top.collect()[0][0])
            self.raw(
                f"INSERT INTO {self.tables.commits} VALUES ({_lit(self.txn)}, {n}, {_lit(now())})"
            )
            self._next_n = n + 1
        finally:
            self.txn = None

    # -- opening ----------------------------------------------------------------------------
    def create(self) -> None:
        """The database, the log tables, the commit table and the session's views."""
        t = self.tables
        self.raw(f"CREATE DATABASE IF NOT EXISTS `{t.database}`")
        self.raw(
            f"CREATE TABLE IF NOT EXISTS {t.commits} (txn STRING, n BIGINT, at STRING) "
            "USING parquet"
        )
        for table in logical_tables():
            self.raw(t.create(table))
            have = {f.name for f in self.conn.table(t.log(table).replace("`", "")).schema.fields}
            cols, _ = logical_tables()[table]
            missing = [(n, ty) for n, ty in cols if n not in have]
            if missing:  # a newer schema version added columns: old rows read them as NULL
                added = ", ".join(f"`{n}` {ty}" for n, ty in missing)
                self.raw(f"ALTER TABLE {t.log(table)} ADD COLUMNS ({added})")
        self.views()

    def views(self) -> None:
        for table in logical_tables():
            self.raw(f"REFRESH TABLE {self.tables.log(table)}")
            self.raw(f"CREATE OR REPLACE TEMPORARY VIEW {table} AS {self.tables.current(table)}")
        self.raw(f"REFRESH TABLE {self.tables.commits}")

    def compact(self) -> None:
        """Nothing per batch: a log is compacted when the store opens (``compact_logs``)."""

    def compact_logs(self, factor: float = 2.0, floor: int = 10_000) -> list[str]:
        """Rewrite each log that holds more than ``factor`` times its live rows (and more than
        ``floor``): a copy first, then the log overwritten from it, then the copy dropped; a copy
        left by a crash is put back first. Returns the tables rewritten."""
        t = self.tables
        done = []
        for table in logical_tables():
            copy = f"`{t.database}`.`{table}__copy`"
            if self._exists(f"{table}__copy"):
                self.raw(f"INSERT OVERWRITE TABLE {t.log(table)} SELECT * FROM {copy}")
                self.raw(f"DROP TABLE {copy}")
        counts = " UNION ALL ".join(
            f"SELECT {_lit(table)}, count(*) FROM {t.log(table)}" for table in logical_tables()
        )
        big = [str(n) for n, total in self.raw(counts).collect() if int(total) > floor]
        for table in big:  # one job for every log; the live rows only of the big ones
            copy = f"`{t.database}`.`{table}__copy`"
            total = int(self.raw(f"SELECT count(*) FROM {t.log(table)}").collect()[0][0])
            live = int(self.raw(f"SELECT count(*) FROM {table}").collect()[0][0])
            if total <= factor * max(live, 1):
                continue
            txn = f"compacted-{uuid.uuid4()}"
            self.raw(
                f"CREATE TABLE {copy} USING parquet AS SELECT v.*, {_lit(txn)} AS `_txn`, 0 AS "
                f"`_i`, FALSE AS `_gone` FROM {table} v"
            )
            self.raw(
                f"INSERT INTO {t.commits} SELECT {_lit(txn)}, COALESCE(max(n), 0) + 1, "
                f"{_lit(now())} FROM {t.commits}"
            )
            self.raw(f"INSERT OVERWRITE TABLE {t.log(table)} SELECT * FROM {copy}")
            self.raw(f"DROP TABLE {copy}")
            self._next_n = None  # a commit row was added here
            done.append(table)
        if done:
            self.views()
        return done

    def _exists(self, table: str) -> bool:
        return bool(self.conn.catalog.tableExists(f"{self.tables.database}.{table}"))

    def location(self) -> str:
        rows = self.raw(f"DESCRIBE DATABASE EXTENDED `{self.tables.database}`").collect()
        for row in rows:
            if str(row[0]).lower() == "location":
                return str(row[1])
        raise StateError(f"state {self.where}: Spark does not say where {self.tables.database} is")

    def diff_engine(self) -> SparkEngine:
        return SparkEngine(self)

    def abort(self) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self.lock is not None:
                self.lock.release()
        finally:
            self.connector.close()


class Lease:
    """The lock file: created only when absent, held while it carries this run's token."""

    def __init__(self, backend: SparkBackend, path: str) -> None:
        self.db = backend
        self.where = backend.where
        self.path = path
        self.token = secrets.token_hex(16)
        self.renewed = 0.0
        self.held = False
        sc = backend.conn.sparkContext
        self._jvm = sc._jvm
        self._p = self._jvm.org.apache.hadoop.fs.Path(path)
        self._fs = self._p.getFileSystem(sc._jsc.hadoopConfiguration())

    def read(self) -> dict[str, Any] | None:
        try:
            if not self._fs.exists(self._p):
                return None
            stream = self._fs.open(self._p)
            try:
                text = self._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
            finally:
                stream.close()
            return dict(json.loads(str(text)))
        except Exception:  # gone between exists and open, or half written: nobody holds it
            return None

    def _write(self, overwrite: bool) -> bool:
        body = json.dumps(
            {
                "holder": who(),
                "pid": os.getpid(),
                "since": now(),
                "token": self.token,
                "expires_at": time.time() + LEASE,
            }
        ).encode()
        try:
            out = self._fs.create(self._p, overwrite)
        except Exception:  # FileAlreadyExistsException: someone else made it first
            return False
        try:
            out.write(bytearray(body))
        finally:
            out.close()
        return True

    def holder(self) -> tuple[LockInfo | None, bool]:
        """Who holds the lock, and whether its lease is still running."""
        data = self.read()
        if data is None:
            return None, False
        info = LockInfo(str(data.get("holder")), int(data.get("pid") or 0), str(data.get("since")))
        return info, float(data.get("expires_at") or 0) >= time.time()

    def _try(self) -> bool:
        if self._write(overwrite=False):
            return (self.read() or {}).get("token") == self.token
        _, alive = self.holder()
        if not alive and self.read() is not None:
            self._fs.delete(self._p, False)  # a lapsed lease: take it over
            return self._write(overwrite=False) and (self.read() or {}).get("token") == self.token
        return False

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self._try():
            if time.monotonic() >= deadline:
                info, _ = self.holder()
                raise StateError(_locked_message(self.where, info, timeout))
            time.sleep(_POLL)
        self.held = True
        self.renewed = time.monotonic()

    def renew(self) -> None:
        """Extend the lease; raise when the file is no longer this run's."""
        if (self.read() or {}).get("token") != self.token:
            self.held = False
            raise StateError(
                f"state {self.where}: this run lost the state lock (its lease was broken by "
                "`onesync state unlock --force`, or lapsed and another run took it); nothing "
                "more was written"
            )
        self._write(overwrite=True)
        self.renewed = time.monotonic()

    def keep(self) -> None:
        if self.held and time.monotonic() - self.renewed > LEASE / 3:
            self.renew()

    def fence(self) -> None:
        """Before a write: the lock file must still be this run's (then kept alive)."""
        if (self.read() or {}).get("token") != self.token:
            self.renew()  # raises: the lease was broken or taken
        self.keep()

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if (self.read() or {}).get("token") == self.token:
            self._fs.delete(self._p, False)


def state_where(config: StateConfig) -> str:
    name, database = parse_url(config.url)
    return f"spark://{name}/{database}"


def open_backend(
    config: StateConfig, root: Path, *, lock: bool, lock_timeout: float
) -> SparkBackend:
    """A session on the named source's Spark, the state database, and (with ``lock``) the lease."""
    where = state_where(config)
    source = config.source
    _, database = parse_url(config.url)
    if source is None or source.dialect != "spark":
        raise StateError(
            f"state {where}: spark://NAME must name a Spark source of this project "
            "(sources: NAME: {dialect: spark, url: local[*], ...})"
        )
    if not _NAME.match(database):
        raise StateError(f"state {where}: the database name {database!r} is not a plain name")
    if (source.url or "").startswith("sc://"):
        raise StateError(
            f"state {where}: state in Spark needs a local or cluster master; Spark Connect "
            "(sc://) gives the client no file system for the state lock"
        )
    from onesync.sources.spark import SparkConnector

    try:
        connector = SparkConnector(source, root, context=f"state {where}")
    except SourceError as exc:
        raise StateError(str(exc)) from None
    backend = SparkBackend(connector, where, source, database)
    try:
        backend.raw(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        if lock:
            lease = Lease(backend, backend.location().rstrip("/") + "/" + LOCK_FILE)
            lease.acquire(lock_timeout)
            backend.lock = lease
        backend.create()
        if lock:
            backend.compact_logs()
    except BaseException:
        backend.close()
        raise
    return backend


def unlock(backend: SparkBackend, *, force: bool) -> LockInfo | None:
    """Delete the lock file: a lapsed lease always, a running one only with ``force``."""
    lease = Lease(backend, backend.location().rstrip("/") + "/" + LOCK_FILE)
    info, alive = lease.holder()
    if info is None:
        return None
    check_unlock(backend.where, info, alive, force)
    lease._fs.delete(lease._p, False)
    return info


def same_place(backend: SparkBackend, source: Source) -> bool:
    """True when ``source`` is the state's Spark (same source, or same master and settings)."""
    mine = backend.source
    return source.dialect == "spark" and (
        source.name == mine.name
        or ((source.url or "local[*]"), source.options) == ((mine.url or "local[*]"), mine.options)
    )


class SparkEngine(Engine):
    """The diff in the state's Spark session; temp tables are cached temporary views."""

    _backend: SparkBackend
    _CREATE = re.compile(r"^\s*CREATE\s+TEMP(?:ORARY)?\s+TABLE\s+(\S+)\s+AS\s+", re.I | re.S)
    _DELETE = re.compile(r"^\s*DELETE\s+FROM\s+(\S+)\s+WHERE\s+(.*)$", re.I | re.S)

    def run(self, sql: str) -> Any:
        if m := self._CREATE.match(sql):
            return self._backend.execute(f"CACHE TABLE {m.group(1)} AS {sql[m.end() :]}")
        if m := self._DELETE.match(sql):  # a cached view cannot be deleted from: refilter it
            table, cond = m.group(1), m.group(2)
            kept = f"{table}__kept"
            self._backend.execute(
                f"CACHE TABLE {kept} AS SELECT * FROM {table} WHERE NOT COALESCE(({cond}), FALSE)"
            )
            self._backend.execute(f"DROP TABLE IF EXISTS {table}")
            self._backend.execute(f"CACHE TABLE {table} AS SELECT * FROM {kept}")
            return self._backend.execute(f"DROP TABLE IF EXISTS {kept}")
        return self._backend.execute(sql)

    def drop(self, *tables: str) -> None:
        for t in tables:
            self._backend.raw(f"DROP VIEW IF EXISTS {t}")

    def load(self, compiled: CompiledSync, source: Source, root: Path) -> ReadBy:
        self.drop(INCOMING, INVALID)
        if same_place(self._backend, source):
            try:
                self._backend.conn.sql(f"CACHE TABLE {INCOMING} AS {compiled.sql}")
            except self._backend._errors as exc:
                msg = _words(exc)
                raise SourceError(
                    f"{_spec_place(compiled, source, msg)}: source {source.name}: the model of "
                    f"sync {compiled.sync.name} failed: {msg}"
                ) from exc
            return "pushdown"
        self._stream([c.name for c in compiled.columns], read_source(compiled, source, root))
        return "stream"

    def _stream(self, names: list[str], batches: Iterator[list[tuple[Any, ...]]]) -> None:
        """Each batch becomes a DataFrame of text columns; their union is cached."""
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(n, StringType()) for n in names])
        session = self._backend.conn
        frame = session.createDataFrame([], schema)
        for batch in batches:
            rows = [tuple(None if v is None else str(v) for v in row) for row in batch]
            if rows:
                frame = frame.unionAll(session.createDataFrame(rows, schema))
                frame = frame.localCheckpoint()  # keep the plan short; the rows live in Spark
        frame.createOrReplaceTempView(f"{INCOMING}__rows")
        self._backend.raw(f"CACHE TABLE {INCOMING} AS SELECT * FROM {INCOMING}__rows")
        self._backend.raw(f"DROP VIEW IF EXISTS {INCOMING}__rows")
