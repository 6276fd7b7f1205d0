"""The state lock: one writer (or planner) at a time, with a holder a human can read.

DuckDB state: ``flock`` on ``<state file>.lock``, whose content names the holder. A lock held by a
hung process is broken by ``onesync state unlock --force``, which unlinks the file; a new locker
creates a new file, and every locker checks after locking that its file is still the one on disk.

PostgreSQL state: a session-level ``pg_try_advisory_lock`` (keyed by the schema) plus a row in
``onesync_lock`` naming the holder (user@host, pid, since); ``--force`` terminates the session
that holds the advisory lock.

Snowflake state has no advisory lock: a lease row in ``onesync_lock``, see
``onesync.state.snowflake``.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from onesync.errors import StateError, redact

LOCK_KEY = 0x6F6E6573  # "ones": the advisory lock id of the onesync state in a database
_POLL = 0.05


def who() -> str:
    """``user@host``, for run history and lock holders."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class LockInfo:
    """Who holds (or held) the state lock."""

    holder: str
    pid: int
    since: str

    def __str__(self) -> str:
        return f"{self.holder} pid {self.pid} since {self.since}"


def _locked_message(where: str, info: LockInfo | None, timeout: float) -> str:
    by = f" by {info}" if info else ""
    return redact(
        f"state {where} is locked{by}; waited {timeout:g}s (wait for it to finish, or run "
        "`onesync state unlock --force` if that process is stuck)"
    )


def check_unlock(where: str, info: LockInfo, alive: bool, force: bool) -> None:
    """A lease still running is only broken with ``--force`` (its run stops at its next write)."""
    if alive and not force:
        raise StateError(
            f"state {where} is locked by {info}; its lease is still running, so unlock "
            "refuses (add --force to break it)"
        )


class FileLock:
    """An exclusive ``flock`` on ``path`` that records its holder in the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def read_holder(self) -> LockInfo | None:
        try:
            data = json.loads(self.path.read_text() or "null")
            return LockInfo(data["holder"], int(data["pid"]), data["since"]) if data else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def acquire(self, timeout: float = 0.0) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise StateError(
                        _locked_message(str(self.path.with_suffix("")), self.read_holder(), timeout)
                    ) from None
                time.sleep(_POLL)
                continue
            try:  # the file may have been unlinked by `unlock --force` while we waited
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            info = {"holder": who(), "pid": os.getpid(), "since": now()}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
            self._fd = fd
            return

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def unlock(self, force: bool = False) -> LockInfo | None:
        """Clear a stale lock; a live one only with ``force``. Returns the holder it cleared."""
        if not self.path.exists():
            return None
        info = self.read_holder()
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not force:
                raise StateError(
                    redact(
                        f"state lock {self.path} is held by {info or 'an unknown process'}; "
                        "it is alive, so unlock refuses (add --force to break it)"
                    )
                ) from None
            self.path.unlink(missing_ok=True)
            return info
        else:
            self.path.unlink(missing_ok=True)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return info
        finally:
            os.close(fd)


class PgLock:
    """A session advisory lock on a psycopg connection (autocommit) plus a holder row."""

    def __init__(self, conn: Any, where: str) -> None:
        self.conn = conn
        self.where = where
        self.held = False

    def read_holder(self) -> LockInfo | None:
        try:
            row = self.conn.execute(
                "SELECT holder, pid, since FROM onesync_lock WHERE name = 'state'"
            ).fetchone()
        except Exception:  # the holder is still creating the schema
            return None
        return LockInfo(row[0], int(row[1]), row[2]) if row else None

    def _try(self) -> bool:
        row = self.conn.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(current_schema()))", (LOCK_KEY,)
        ).fetchone()
        return bool(row[0])

    def acquire(self, timeout: float = 0.0, record: bool = True) -> None:
        deadline = time.monotonic() + timeout
        while not self._try():
            if time.monotonic() >= deadline:
                raise StateError(_locked_message(self.where, self.read_holder(), timeout))
            time.sleep(_POLL)
        self.held = True
        if record:
            self.record()

    def record(self) -> None:
        """Write the holder row (needs the schema, so it may come after the migration)."""
        self.conn.execute(
            "INSERT INTO onesync_lock (name, holder, pid, since) "
            "VALUES ('state', %s, %s, %s) ON CONFLICT (name) DO UPDATE "
            "SET holder = EXCLUDED.holder, pid = EXCLUDED.pid, since = EXCLUDED.since",
            (who(), os.getpid(), now()),
        )

    def release(self) -> None:
        if not self.held:
            return
        self.conn.execute("DELETE FROM onesync_lock WHERE name = 'state'")
        self.conn.execute("SELECT pg_advisory_unlock(%s, hashtext(current_schema()))", (LOCK_KEY,))
        self.held = False

    def unlock(self, force: bool = False) -> LockInfo | None:
        info = self.read_holder()
        if self._try():
            self.conn.execute("DELETE FROM onesync_lock WHERE name = 'state'")
            self.conn.execute(
                "SELECT pg_advisory_unlock(%s, hashtext(current_schema()))", (LOCK_KEY,)
            )
            return info
        if not force:
            raise StateError(
                f"state {self.where} is locked by {info or 'an unknown session'}; it is alive, "
                "so unlock refuses (add --force to end that session)"
            )
        self.conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = %s "
            "AND objid::bigint = (hashtext(current_schema())::bigint & 4294967295) "
            "AND pid <> pg_backend_pid()",
            (LOCK_KEY,),
        )
        self.conn.execute("DELETE FROM onesync_lock WHERE name = 'state'")
        return info
