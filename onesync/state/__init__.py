"""State: what OneSignal confirmed, so a plan shows only what changed.

Library API::

    from onesync.state import open_state
    with open_state(project.state, project.root) as state:   # takes the lock
        state.serial, state.row_count("customer_profile")
        state.confirm("customer_profile", records)           # after OneSignal confirmed them
        eng = state.diff_engine()                            # the planner's SQL next to the state

``confirm`` takes ``RowUpdate``, ``Sent`` and ``Missed`` records (``onesync.state.records``;
``onesync.apply.record_of`` makes them from confirmed plan changes). The default store is an
embedded DuckDB file (``.onesync/state.duckdb`` under the project root, ``duckdb.py``);
``state.url: postgresql://...`` keeps it in PostgreSQL for teams and CI (``postgres.py``). Each
backend opens, locks and sets up its connection and loads incoming rows for the diff
(``Engine.load``); ``store.py`` holds the queries over either. The schema is versioned
(``onesync_schema_version``) and migrated on open; see ``onesync.state.schema`` for the tables.
"""

from onesync.state.engine import Engine
from onesync.state.lock import LockInfo
from onesync.state.records import Missed, Record, RowUpdate, Sent
from onesync.state.store import (
    StateReader,
    StateStore,
    StateWriter,
    open_state,
    unlock_state,
)

__all__ = [
    "Engine",
    "LockInfo",
    "Missed",
    "Record",
    "RowUpdate",
    "Sent",
    "StateReader",
    "StateStore",
    "StateWriter",
    "open_state",
    "unlock_state",
]
