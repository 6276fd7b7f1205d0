"""Read a sandbox's state from a running server or straight from its SQLite file."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from onesync.errors import OnesyncError
from onesync.sandbox.store import Store

__all__ = ["load_state"]


_MAGIC = b"SQLite format 3\x00"


def _check_sandbox_db(db: str) -> None:
    """Refuse, before opening it for writing, a file that is not a sandbox's SQLite database:
    ``Store`` would add its tables to any SQLite file, and fail with a traceback on others."""
    path = Path(db)
    if not path.is_file():
        raise OnesyncError(f"{db}: no such sandbox database (start one with --db {db})")
    try:
        with open(path, "rb") as f:
            head = f.read(len(_MAGIC))
    except OSError as exc:
        raise OnesyncError(f"{db}: cannot read it ({exc.strerror or exc})") from None
    if head != _MAGIC:
        raise OnesyncError(f"{db}: not an SQLite database (a sandbox --db file is one)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise OnesyncError(f"{db}: cannot read the sandbox database ({exc})") from None
    if "users" not in names:
        raise OnesyncError(f"{db}: an SQLite database, but not a sandbox's (no users table)")


def load_state(url: str | None = None, db: str | None = None) -> dict[str, Any]:
    """The snapshot of the sandbox at ``url``, or of the SQLite file ``db``.

    Raises OnesyncError with a one-line reason when neither can be read.
    """
    if db is not None:
        _check_sandbox_db(db)
        try:
            store = Store(db)
            try:
                return store.snapshot("(from file)")
            finally:
                store.close()
        except sqlite3.Error as exc:
            raise OnesyncError(f"{db}: cannot read the sandbox database ({exc})") from None
    base = (url or "http://127.0.0.1:4000").rstrip("/")
    try:
        with urllib.request.urlopen(f"{base}/_sandbox/state", timeout=10) as reply:
            state: dict[str, Any] = json.loads(reply.read())
            return state
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OnesyncError(
            f"{base}: cannot read the sandbox state ({reason}); is `onesync sandbox` running "
            "there? (use --url or --db)"
        ) from None
