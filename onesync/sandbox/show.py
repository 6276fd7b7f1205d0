"""Read a sandbox's state from a running server or straight from its SQLite file."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from onesync.errors import OnesyncError
from onesync.sandbox.store import Store

__all__ = ["load_state"]


def load_state(url: str | None = None, db: str | None = None) -> dict[str, Any]:
    """The snapshot of the sandbox at ``url``, or of the SQLite file ``db``.

    Raises OnesyncError with a one-line reason when neither can be read.
    """
    if db is not None:
        if not Path(db).is_file():
            raise OnesyncError(f"{db}: no such sandbox database (start one with --db {db})")
        store = Store(db)
        try:
            state = store.snapshot("(from file)")
        finally:
            store.close()
        return state
    base = (url or "http://127.0.0.1:4000").rstrip("/")
    try:
        with urllib.request.urlopen(f"{base}/_sandbox/state", timeout=10) as reply:
            return json.loads(reply.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OnesyncError(
            f"{base}: cannot read the sandbox state ({reason}); is `onesync sandbox` running "
            "there? (use --url or --db)"
        ) from None
