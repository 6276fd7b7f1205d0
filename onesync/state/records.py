"""What apply hands the state once OneSignal confirmed something: three frozen records.

The state knows nothing of the plan's change values; ``onesync.apply.records.record_of`` turns a
confirmed change into one of these, and ``StateWriter.confirm`` takes only these.

    RowUpdate  a profile sync's user: a merge patch of confirmed values, or forget the key
    Missed     a message key that reached nobody (retried once its user is synced)
    Sent       event or message keys sent (and the fixed message batch they finish, if any)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["IMPORTED", "Missed", "Record", "RowUpdate", "Sent"]

IMPORTED = "imported"  # the outcome of the run ``onesync import`` records per sync


@dataclass(frozen=True, slots=True)
class RowUpdate:
    """What OneSignal confirmed for one user: a merge patch of state values, or forget it.

    ``fingerprint`` None stores no fingerprint, so the next plan compares the row again (used
    when a field was refused or only part of a user's calls went through).
    """

    key: str
    fingerprint: str | None
    patch: Mapping[str, str | None] = field(default_factory=dict)
    forget: bool = False
    conflict: str | None = None  # OneSignal's 409, kept until the row (fingerprint) changes
    conflict_fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Missed:
    """A message key that reached nobody: retried with a new key once its user is synced."""

    key: str
    external_id: str


@dataclass(frozen=True, slots=True)
class Sent:
    """Event or message keys OneSignal accepted, never to be sent again.

    ``external_ids`` pairs with ``keys``; ``outbox`` is the id of the fixed message batch this
    send finishes (removed from the outbox), None for events and per-row messages.
    """

    keys: tuple[str, ...]
    external_ids: tuple[str | None, ...]
    kind: Literal["event", "message"] = "event"
    outbox: str | None = None


Record = RowUpdate | Missed | Sent
