"""Spark source over pyspark: a local master, a cluster (``spark://``, ``yarn``) or Spark Connect.

``url:`` is the master (``local[*]``, ``spark://host:7077``, ``yarn``, ``sc://host:15002``) and
``options:`` are Spark settings (``spark.sql.warehouse.dir``, ``spark.sql.catalogImplementation``,
...). The session runs in the source's ``timezone:`` (``spark.sql.session.timeZone``).

One process holds one SparkContext. The first connector starts it (UI off, driver bound to
127.0.0.1 for a local master, the JVM's stderr kept out of the terminal) and the last one to close
stops it; a SparkContext someone else started (a notebook, a test) is used as it is and never
stopped. Either way each connector works in a session of its own (``newSession``: own settings and
time zone, shared catalogue), so two sources cannot change each other's time zone. Spark Connect
gets a fresh remote session per connector, stopped on close.

``stream`` reads with ``toLocalIterator``: one partition at a time reaches Python (measured flat
over 1M rows). Arrow (``toArrow`` / ``_collect_as_arrow``) collects the whole result first, so it
is not used.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from onesync.model import Source
from onesync.sources.base import Connector, resolve_path, strip_sql

__all__ = ["SparkConnector"]

JRE_HINT = (
    "java was not found: Spark needs a Java runtime (17 or 21) on the PATH or in JAVA_HOME;"
    " on Debian/Ubuntu: apt-get install openjdk-17-jre-headless"
)
# settings the source block says elsewhere, so the compiled SQL and the session agree
_RESERVED = {"spark.master": "url:", "spark.sql.session.timeZone": "timezone:"}
_PATH_SETTINGS = ("spark.sql.warehouse.dir",)
# Each partition of a result reaches the driver whole before Python reads it; smaller file
# splits than the 128 MB default keep that (and the driver's 1 GB heap) out of trouble.
_SESSION_DEFAULTS = {"spark.sql.files.maxPartitionBytes": "16m"}
_MEMORY_HINT = (
    " (the Spark driver ran out of memory: raise spark.driver.memory, or lower"
    " spark.sql.files.maxPartitionBytes)"
)
_JAVA_CLASS = re.compile(r"^(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*(?:Exception|Error): ")

_lock = threading.Lock()
_started: Any = None  # the SparkContext onesync started, if one is running
_users = 0  # open connectors on it


class SparkConnector(Connector):
    dialect = "spark"

    def __init__(self, source: Source, root: Path | str = ".", context: str | None = None):
        super().__init__(source, root, context)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pyspark warns about pandas versions on import
                from py4j.protocol import Py4JError  # type: ignore[import-untyped]
                from pyspark.errors import PySparkException
                from pyspark.sql import SparkSession
        except ImportError:
            self.fail("cannot connect", "pyspark is not installed: pip install 'onesync[spark]'")
        self._errors: tuple[type[BaseException], ...] = (PySparkException, Py4JError)
        _quiet_python_loggers()
        self.master = (source.url or "local[*]").strip()
        self.settings = self._settings()
        self._shared: Any = None  # the SparkContext this connector counts itself on
        self._closed = False
        try:
            if self.master.startswith("sc://"):
                self.session = self._remote(SparkSession)
            else:
                self.session = self._local(SparkSession)
            self.session.conf.set("spark.sql.session.timeZone", source.timezone or "UTC")
            for key, value in _SESSION_DEFAULTS.items():
                if key not in self.settings:
                    self.session.conf.set(key, value)
        except self._errors as e:
            self._release()
            self.fail("cannot start Spark", _words(e))

    # -- sessions ---------------------------------------------------------------------------
    def _settings(self) -> dict[str, str]:
        settings: dict[str, str] = {}
        for key, value in self.source.options:
            if key in _RESERVED:
                self.fail("bad option", f"set {_RESERVED[key]} in the source, not {key}")
            if not key.startswith("spark."):
                self.fail(
                    "bad option",
                    f"{key!r} is not a Spark setting (they start with spark.; Hadoop ones with"
                    " spark.hadoop.)",
                )
            if key in _PATH_SETTINGS and not re.match(r"^[A-Za-z][\w+.-]*:", value):
                value = resolve_path(value, self.root)  # relative to the project, like path:
            settings[key] = value
        return settings

    def _remote(self, session_type: Any) -> Any:
        import importlib.util

        # Checked here, not left to pyspark: its own check exits the process (SystemExit) when
        # __main__ has no file, as under a test runner's worker or an embedded interpreter.
        missing = [m for m in ("grpc", "google.protobuf") if importlib.util.find_spec(m) is None]
        if missing:
            self.fail(
                "cannot connect",
                f"Spark Connect needs pip install 'pyspark[connect]' (no module {missing[0]})",
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas version warnings of the connect client
                builder = session_type.builder.remote(self.master)
                for key, value in self.settings.items():
                    builder = builder.config(key, value)
                return builder.create()
        except ImportError as e:  # grpcio and friends are the [connect] extra of pyspark
            self.fail("cannot connect", f"Spark Connect needs pip install 'pyspark[connect]' ({e})")

    def _local(self, session_type: Any) -> Any:
        global _started, _users
        from pyspark import SparkConf, SparkContext

        with _lock:
            running = SparkContext._active_spark_context
            if running is None:
                running = self._start(SparkConf, SparkContext)
                _started, _users = running, 0
            elif running.master != self.master:
                self.fail(
                    "cannot start Spark",
                    f"Spark already runs in this process with master {running.master}, and one"
                    f" process holds one SparkContext: set url: {running.master}",
                )
            if running is _started:
                _users += 1
            self._shared = running
        session = session_type.builder.getOrCreate().newSession()
        if running is not _started:
            self._adopt(session, running)
        return session

    def _start(self, conf_type: Any, context_type: Any) -> Any:
        """Start the SparkContext: quiet, local-only for a local master, stderr kept aside."""
        conf = conf_type().setMaster(self.master).setAppName("onesync")
        defaults = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
        if self.master.startswith("local"):
            defaults |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
        for key, value in (defaults | self.settings).items():
            conf.set(key, value)
        gateway = None
        if context_type._gateway is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
            gateway = self._launch(conf)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sc = context_type(conf=conf, gateway=gateway)
        sc.setLogLevel("ERROR")
        return sc

    def _launch(self, conf: Any) -> Any:
        """The JVM, its stderr in a file (Spark's banner, log4j lines and warnings stay out of
        plan output); ``ONESYNC_SPARK_LOG`` names a file to keep it in, for debugging.
        Its working directory is the project's."""
        from pyspark.java_gateway import launch_gateway

        java_home = os.environ.get("JAVA_HOME")
        java = Path(java_home, "bin", "java") if java_home else shutil.which("java")
        if java is None or not Path(java).exists():
            self.fail("cannot start Spark", JRE_HINT)
        keep = os.environ.get("ONESYNC_SPARK_LOG")
        with open(keep, "ab") if keep else tempfile.TemporaryFile() as log:
            try:
                # run from the project, so parquet.`data/x.parquet` in a model means the
                # project's data/ (as for DuckDB), and Hive's metastore_db lands there too
                where = {"stderr": log, "stdout": log, "cwd": str(self.root.resolve())}
                return launch_gateway(conf, popen_kwargs=where)  # type: ignore[no-untyped-call]
            except Exception as e:  # JAVA_GATEWAY_EXITED: the JVM's own words are in its log
                log.seek(0)
                self.fail("cannot start Spark", _jvm_words(log.read()) or _words(e))

    def _adopt(self, session: Any, running: Any) -> None:
        """Apply our settings to a session on someone else's SparkContext; a static setting
        that differs from the running one is an error, not a silent other warehouse."""
        for key, value in self.settings.items():
            try:
                session.conf.set(key, value)
            except self._errors:
                current = session.conf.get(key, None) or running.getConf().get(key)
                if _plain(current) != _plain(value):
                    self.fail(
                        "cannot start Spark",
                        f"Spark already runs in this process with {key}={current}; it cannot"
                        f" change to {value} until that session stops",
                    )

    def _release(self) -> None:
        global _started, _users
        with _lock:
            if self._shared is not None and self._shared is _started:
                _users -= 1
                if _users <= 0:
                    _started.stop()
                    _started, _users = None, 0
            self._shared = None

    # -- interface --------------------------------------------------------------------------
    def columns(self, sql: str) -> list[tuple[str, str]]:
        # a subquery, so a DDL statement cannot run here (spark.sql runs commands eagerly);
        # the schema comes from the analysed plan, no job runs
        try:
            schema = self.session.sql(f"SELECT * FROM (\n{strip_sql(sql)}\n) AS q").schema
        except self._errors as e:
            self.fail("query failed", _words(e))
        return [(f.name, _type_name(f.dataType)) for f in schema.fields]

    def stream(self, sql: str, batch_size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
        from pyspark.sql.types import TimestampType

        try:
            df = self.session.sql(strip_sql(sql))
            zoned = [i for i, f in enumerate(df.schema.fields) if f.dataType == TimestampType()]
            batch: list[tuple[Any, ...]] = []
            for row in df.toLocalIterator(prefetchPartitions=True):
                values = tuple(row)
                if zoned:
                    values = _utc(values, zoned)
                batch.append(values)
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch
        except self._errors as e:
            self.fail("query failed", _words(e))

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] | None = None) -> None:
        try:  # spark.sql runs commands (DDL, INSERT) when called; ? markers take params
            self.session.sql(sql, args=list(params) if params is not None else None)
        except self._errors as e:
            self.fail("statement failed", _words(e))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.master.startswith("sc://"):
            with contextlib.suppress(*self._errors):
                self.session.stop()
        self._release()


def _quiet_python_loggers() -> None:
    """pyspark logs every failed query as a JSON line on stderr; ours is the SourceError line."""
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def _words(error: BaseException) -> str:
    """Spark's own first line: ``[TABLE_OR_VIEW_NOT_FOUND] The table or view ...``, not
    ``An error occurred while calling o73.sql.`` and a Java stack trace."""
    java = getattr(error, "java_exception", None)
    text = str(error)
    if java is not None:
        with contextlib.suppress(Exception):  # the JVM is gone: str(error) is all there is
            text = _java_words(java)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if lines and lines[0].startswith("An error occurred while calling") and len(lines) > 1:
        lines = lines[1:]
    first = _JAVA_CLASS.sub("", lines[0].lstrip(": ") if lines else type(error).__name__)
    if "TaskResultLost" in text or "OutOfMemoryError" in text:
        first += _MEMORY_HINT
    return first


def _java_words(throwable: Any) -> str:
    """A task's failure reaches the driver wrapped (``Exception thrown in awaitResult``, ``Job
    aborted due to stage failure``): the first cause with an error class says what happened."""
    chain: list[Any] = []
    while throwable is not None and len(chain) < 16:
        chain.append(throwable)
        throwable = throwable.getCause()
    for t in chain:
        message = str(t.getMessage() or "").strip()
        if message.startswith("["):
            return message
    return str(chain[-1].toString())


def _jvm_words(log: bytes) -> str:
    """The line of a dead JVM's stderr that says why (not the incubator-module warning)."""
    for line in log.decode(errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith(("WARNING:", "Using Spark's default")):
            return _JAVA_CLASS.sub("", line)
    return ""


def _plain(value: str | None) -> str:
    """A setting as compared: Spark writes a warehouse dir ``/x`` back as ``file:/x``."""
    text = (value or "").strip()
    text = re.sub(r"^file:(//)?", "", text)
    return text.rstrip("/") or text


def _type_name(data_type: Any) -> str:
    """``decimal(10,2)``, ``timestamp_ntz``...; nested types by their kind (``array``), so a
    column of ``array<int>`` never looks numeric to the compiler."""
    from pyspark.sql.types import ArrayType, MapType, StructType

    if isinstance(data_type, ArrayType | MapType | StructType):
        return str(data_type.typeName())
    return str(data_type.simpleString())


def _utc(values: tuple[Any, ...], zoned: list[int]) -> tuple[Any, ...]:
    """pyspark hands TIMESTAMP values over as naive local time of this process; make them
    aware instants so nothing downstream reads them in the wrong zone."""
    out = list(values)
    for i in zoned:
        value = out[i]
        if isinstance(value, datetime) and value.tzinfo is None:
            out[i] = value.astimezone(UTC)
    return tuple(out)
