"""The Snowflake state backend (``state.url: snowflake://USER:PASSWORD@ACCOUNT/DATABASE/SCHEMA``).

The URL is the Snowflake source's form (``?warehouse=WH&role=R``, and ``host``, ``port``,
``protocol`` to reach another endpoint); its SCHEMA holds the ``onesync_`` tables and is created
when missing. The session is pinned like the source's (``onesync.sources.snowflake.SESSION``), so
a model pushed down here prints values exactly as it would when read from the source.

Snowflake has no advisory lock, so the lock is a lease: one row in ``onesync_lock`` (holder, pid,
since, a random token, an expiry in epoch seconds of the server's clock) taken by a MERGE that
inserts the row, or takes it over once it expired, and then read back: the lock is held when the
row carries this run's token. Every write transaction first extends the lease by an UPDATE that
matches the token (so a run whose lease was broken by ``state unlock --force``, or lapsed and
taken, stops before writing), and any statement extends it once a third of it has passed. A run
that dies leaves the row; it lapses after ``LEASE`` seconds, or ``unlock --force`` deletes it.

Incoming rows reach the diff by running the model here when the source is the same account and
database (pushdown: ``CREATE TEMPORARY TABLE onesync_incoming AS <model>``, its tables qualified
with the source's database and schema), else by array-bound INSERTs of the source's batches.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlglot import exp, parse_one

from onesync.errors import SourceError, StateError, register_secret
from onesync.model import CompiledSync, Source, StateConfig, dsn_secrets, redact_url
from onesync.state.backend import Backend, BackendName, scrub
from onesync.state.engine import (
    INCOMING,
    INVALID,
    Engine,
    ReadBy,
    _database_words,
    _spec_place,
    read_source,
)
from onesync.state.lock import LockInfo, _locked_message, check_unlock, now, who

__all__ = ["SnowflakeBackend", "SnowflakeEngine", "open_backend", "same_place", "unlock"]

LEASE = 600  # seconds a lock lives without being renewed
_POLL = 0.5
_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_CLOCK = "DATE_PART(epoch_second, CURRENT_TIMESTAMP())"
LOCK_TABLE = (
    "CREATE TABLE IF NOT EXISTS onesync_lock (name TEXT PRIMARY KEY, holder TEXT, pid BIGINT, "
    "since TEXT, token TEXT, expires_at BIGINT)"
)


def _ident(name: str) -> str:
    """A database or schema name as Snowflake resolves the connector's: unquoted when plain."""
    return name if _SIMPLE.match(name) else exp.to_identifier(name, quoted=True).sql("snowflake")


def _norm(name: str | None) -> str:
    return (name or "").upper() if _SIMPLE.match(name or "") else (name or "")


def _lit(value: str) -> str:
    return exp.Literal.string(value).sql("snowflake")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def state_where(config: StateConfig) -> str:
    for secret in dsn_secrets(config.url):
        register_secret(secret)
    return scrub(redact_url(config.url) or "snowflake", config.url)


def _parts(url: str, where: str) -> dict[str, str]:
    from onesync.sources.snowflake import parse_url

    try:
        parts = parse_url(url)
    except ValueError as e:
        raise StateError(f"state {where}: bad url: {e}") from None
    for needed in ("account", "user", "database", "schema"):
        if not parts.get(needed):
            raise StateError(
                f"state {where}: no {needed} in the url (snowflake://USER:PASSWORD@ACCOUNT/"
                "DATABASE/SCHEMA?warehouse=WH; the schema holds the state tables)"
            )
    if parts.get("private_key_file"):
        raise StateError(
            f"state {where}: key-pair auth (private_key_file) is not supported for state yet; "
            "use a password or an authenticator"
        )
    return parts


def same_place(state: dict[str, str], source: Source) -> bool:
    """True when ``source`` is the state's account and database (and endpoint, if set)."""
    from onesync.sources.snowflake import KEYS, parse_url

    try:
        parts = parse_url(source.url) if source.url else {}
    except ValueError:
        return False
    parts.update((k, v) for k, v in source.options if k in KEYS)

    def place(p: dict[str, str]) -> tuple[str, str, str, str]:
        return (
            p.get("account", "").lower(),
            _norm(p.get("database")),
            p.get("host", "").lower(),
            p.get("port", ""),
        )

    return bool(parts.get("account")) and place(parts) == place(state)


class SnowflakeBackend(Backend):
    name: ClassVar[BackendName] = "snowflake"
    array: ClassVar[str] = "PARSE_JSON(?)"  # a JSON array, read by TABLE(FLATTEN(INPUT => ...))
    merge: ClassVar[str] = ""  # no JSON merge function: store.py merges patches client-side

    def __init__(self, conn: Any, where: str, parts: dict[str, str]) -> None:
        super().__init__(conn, where)
        self.parts = parts
        self.lock: Lease | None = None

    def keys_in(self) -> str:
        return "SELECT value::STRING FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?)))"

    def list_param(self, values: Sequence[str]) -> Any:
        return json.dumps(list(values))

    def cursor_execute(self, sql: str, params: Any = None) -> Any:
        """Run ``sql`` on a new cursor (``?`` placeholders, bound by the server)."""
        cur = self.conn.cursor()
        cur.execute(sql, list(params) if params else None)
        return cur

    def execute(self, sql: str, params: Any = ()) -> Any:
        if self.lock is not None:
            self.lock.keep(self)
        try:
            return self.cursor_execute(sql, params)
        except StateError:
            raise
        except Exception as exc:
            text = f"state {self.where}: {type(exc).__name__}: {_one_line(exc)}"
            raise StateError(scrub(text, None)) from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("BEGIN")
        try:
            if self.lock is not None:
                self.lock.renew(self)  # fencing: a broken or lapsed lease writes nothing
            yield
        except BaseException:
            self.cursor_execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def migration(self, sql: str) -> str:
        # DDL commits the open transaction in Snowflake, so a migration must be re-runnable
        return sql.replace(" ADD COLUMN ", " ADD COLUMN IF NOT EXISTS ")

    def diff_engine(self) -> SnowflakeEngine:
        return SnowflakeEngine(self)

    def ready(self) -> None:
        pass

    def abort(self) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self.lock is not None:
                self.lock.release(self)
        finally:
            self.conn.close()


class Lease:
    """The lock row of ``onesync_lock``: taken by MERGE, held while this run's token is there."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.token = secrets.token_hex(16)
        self.renewed = 0.0
        self.held = False

    def _read(self, db: SnowflakeBackend) -> list[tuple[Any, ...]]:
        cur = db.cursor_execute(
            f"SELECT holder, pid, since, token, expires_at, {_CLOCK} FROM onesync_lock "
            "WHERE name = 'state'"
        )
        return list(cur.fetchall())

    def holder(self, db: SnowflakeBackend) -> tuple[LockInfo | None, bool]:
        """Who holds the lock row, and whether its lease is still running."""
        rows = self._read(db)
        if not rows:
            return None, False
        holder, pid, since, _, expires, clock = rows[0]
        info = LockInfo(str(holder), int(pid or 0), str(since))
        return info, expires is not None and int(expires) >= int(clock)

    def _try(self, db: SnowflakeBackend) -> bool:
        values = (
            f"{_lit(who())} AS holder, {os.getpid()} AS pid, {_lit(now())} AS since, "
            f"{_lit(self.token)} AS token"
        )
        # literals, no binds: fakesnow reorders the binds of a MERGE
        db.cursor_execute(
            f"MERGE INTO onesync_lock t USING (SELECT 'state' AS name, {values}) s "
            "ON t.name = s.name "
            f"WHEN MATCHED AND (t.expires_at IS NULL OR t.expires_at < {_CLOCK}) THEN UPDATE SET "
            "holder = s.holder, pid = s.pid, since = s.since, token = s.token, "
            f"expires_at = {_CLOCK} + {LEASE} "
            "WHEN NOT MATCHED THEN INSERT (name, holder, pid, since, token, expires_at) "
            f"VALUES (s.name, s.holder, s.pid, s.since, s.token, {_CLOCK} + {LEASE})"
        )
        rows = self._read(db)
        if len(rows) > 1:  # two first lockers both inserted: both back off, one wins later
            db.cursor_execute(
                f"DELETE FROM onesync_lock WHERE name = 'state' AND token = {_lit(self.token)}"
            )
            return False
        return bool(rows) and rows[0][3] == self.token

    def acquire(self, db: SnowflakeBackend, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self._try(db):
            if time.monotonic() >= deadline:
                info, _ = self.holder(db)
                raise StateError(_locked_message(self.where, info, timeout))
            time.sleep(_POLL)
        self.held = True
        self.renewed = time.monotonic()

    def renew(self, db: SnowflakeBackend) -> None:
        """Extend the lease; raise when the row is no longer this run's."""
        cur = db.cursor_execute(
            f"UPDATE onesync_lock SET expires_at = {_CLOCK} + {LEASE} WHERE name = 'state' AND "
            f"token = {_lit(self.token)}"
        )
        if not cur.rowcount:
            self.held = False
            raise StateError(
                f"state {self.where}: this run lost the state lock (its lease was broken by "
                "`onesync state unlock --force`, or lapsed and another run took it); nothing "
                "more was written"
            )
        self.renewed = time.monotonic()

    def keep(self, db: SnowflakeBackend) -> None:
        if self.held and time.monotonic() - self.renewed > LEASE / 3:
            self.renew(db)

    def release(self, db: SnowflakeBackend) -> None:
        if not self.held:
            return
        self.held = False
        db.cursor_execute(
            f"DELETE FROM onesync_lock WHERE name = 'state' AND token = {_lit(self.token)}"
        )


def _connect_args(parts: dict[str, str]) -> dict[str, Any]:
    import snowflake.connector as sf

    from onesync.sources.snowflake import SESSION

    kwargs: dict[str, Any] = {
        "application": "onesync",
        "paramstyle": "qmark",
        "session_parameters": {**SESSION, "TIMEZONE": "UTC"},
        "login_timeout": 60,
    }
    if int(sf.__version__.split(".")[0]) >= 5:
        kwargs["enable_server_session_keep_alive_auto_detection"] = False
    for key in ("account", "user", "password", "database", "schema", "warehouse", "role"):
        if parts.get(key):
            kwargs[key] = parts[key]
    for key in ("authenticator", "host", "protocol"):
        if parts.get(key):
            kwargs[key] = parts[key]
    if parts.get("port"):
        kwargs["port"] = int(parts["port"])
    return kwargs


def open_backend(
    config: StateConfig, root: Path, *, lock: bool, lock_timeout: float
) -> SnowflakeBackend:
    """Connect, make and use the state schema, and (with ``lock``) take the lease."""
    where = state_where(config)
    try:
        import snowflake.connector as sf
    except ImportError:
        raise StateError(
            f"state {where}: snowflake-connector-python is not installed: "
            "pip install 'onesync[snowflake]'"
        ) from None
    parts = _parts(config.url, where)
    if parts.get("port") and not parts["port"].isdigit():
        raise StateError(f"state {where}: port {parts['port']!r} is not a number")
    try:
        conn = sf.connect(**_connect_args(parts))
    except Exception as exc:
        text = f"state {where}: cannot connect: {_one_line(exc)}"
        raise StateError(scrub(text, config.url)) from None
    backend = SnowflakeBackend(conn, where, parts)
    try:
        schema = f"{_ident(parts['database'])}.{_ident(parts['schema'])}"
        backend.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        backend.execute(f"USE SCHEMA {schema}")
        backend.execute(LOCK_TABLE)  # before the lock, so two first runs can both take it
        if lock:
            lease = Lease(where)
            lease.acquire(backend, lock_timeout)
            backend.lock = lease
    except BaseException:
        conn.close()
        raise
    return backend


def unlock(backend: SnowflakeBackend, *, force: bool) -> LockInfo | None:
    """Delete the lock row: a lapsed lease always, a running one only with ``force`` (its run
    then stops at its next write, when renewing the lease finds the row gone)."""
    lease = Lease(backend.where)
    info, alive = lease.holder(backend)
    if info is None:
        return None
    check_unlock(backend.where, info, alive, force)
    backend.cursor_execute("DELETE FROM onesync_lock WHERE name = 'state'")
    return info


class SnowflakeEngine(Engine):
    """The diff in Snowflake; rows come by pushdown (same account and database) or INSERTs."""

    _backend: SnowflakeBackend

    def load(self, compiled: CompiledSync, source: Source, root: Path) -> ReadBy:
        self.drop(INCOMING, INVALID)
        if source.dialect == "snowflake" and same_place(self._backend.parts, source):
            self._pushdown(compiled, source)
            return "pushdown"
        names = [c.name for c in compiled.columns]
        self._stream(names, read_source(compiled, source, root))
        return "stream"

    def _pushdown(self, compiled: CompiledSync, source: Source) -> None:
        """The model in this session: its tables qualified with the source's database and
        schema (the state session's schema is the state's), its zone the source's."""
        from onesync.sources.snowflake import parse_url, session_timezone

        parts = parse_url(source.url or "")
        parts.update(source.options)
        sql = qualified(compiled.sql, parts.get("database", ""), parts.get("schema") or "PUBLIC")
        zone = session_timezone(source.timezone)
        if zone != "UTC":  # the state session logs in at UTC (fakesnow has no ALTER SESSION)
            self.run(f"ALTER SESSION SET TIMEZONE = {self.lit(zone)}")
        try:
            self._backend.cursor_execute(f"CREATE TEMPORARY TABLE {INCOMING} AS {sql}")
        except Exception as exc:
            msg = _database_words(_one_line(exc))
            raise SourceError(
                f"{_spec_place(compiled, source, msg)}: source {source.name}: the model of sync "
                f"{compiled.sync.name} failed: {msg}"
            ) from exc
        finally:
            if zone != "UTC":
                self.run("ALTER SESSION SET TIMEZONE = 'UTC'")

    def _stream(self, names: list[str], batches: Iterator[list[tuple[Any, ...]]]) -> None:
        cols = ", ".join(f"{self.q(n)} TEXT" for n in names)
        self.run(f"CREATE TEMPORARY TABLE {INCOMING} ({cols})")
        sql = f"INSERT INTO {INCOMING} VALUES ({', '.join('?' for _ in names)})"
        for batch in batches:
            rows = [[None if v is None else str(v) for v in row] for row in batch]
            if rows:
                try:
                    self._backend.conn.cursor().executemany(sql, rows)
                except Exception as exc:
                    text = f"state {self._backend.where}: {type(exc).__name__}: {_one_line(exc)}"
                    raise StateError(scrub(text)) from exc


def qualified(sql: str, database: str, schema: str) -> str:
    """``sql`` with every table that names no schema (or database) given the source's, so it
    reads the same tables from the state's session; CTEs and table functions are left alone."""
    tree = parse_one(sql, read="snowflake")
    ctes = {c.alias_or_name.upper() for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue
        if not table.args.get("db"):
            if table.name.upper() in ctes:
                continue
            table.set("db", exp.to_identifier(schema))
        if not table.args.get("catalog") and database:
            table.set("catalog", exp.to_identifier(database))
    return tree.sql("snowflake")
