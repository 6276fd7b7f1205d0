"""State: what OneSignal confirmed, so a plan shows only what changed.

Library API::

    from onesync.state import open_state
    with open_state(project.state, project.root) as state:   # takes the lock
        state.serial, state.row_count("customer_profile")
        state.confirm("customer_profile", changes)           # after OneSignal confirmed them

The default store is an embedded DuckDB file (``.onesync/state.duckdb`` under the project root);
``state.url: postgresql://...`` keeps it in PostgreSQL for teams and CI. The schema is versioned
(``onesync_schema_version``) and migrated on open; see ``onesync.state.schema`` for the tables.
"""

from onesync.state.lock import LockInfo
from onesync.state.store import (
    Missed,
    RowUpdate,
    StateReader,
    StateStore,
    StateWriter,
    open_state,
    unlock_state,
)

__all__ = [
    "LockInfo",
    "Missed",
    "RowUpdate",
    "StateReader",
    "StateStore",
    "StateWriter",
    "open_state",
    "unlock_state",
]
