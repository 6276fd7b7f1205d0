"""A confirmed plan change as the state record that remembers it (``onesync.state.records``).

The state knows nothing of the plan's values; apply hands it records only, made here.
"""

from __future__ import annotations

from onesync.plan.changes import EventChange, MessageChange, ProfileChange
from onesync.state.records import RowUpdate, Sent

__all__ = ["record_of"]


def record_of(change: ProfileChange | EventChange | MessageChange) -> RowUpdate | Sent:
    """What the state keeps once OneSignal confirmed ``change`` whole.

    Args:
        change: a plan change OneSignal confirmed (for a message: with ``keys`` and
            ``external_ids`` cut to the recipients it reached).

    Returns:
        A profile change: ``RowUpdate`` of its fingerprint and ``state_patch()``, or forget the
        key when the row left the model (``unset``, ``delete``). An event: ``Sent`` of its key.
        A message: ``Sent`` of its keys, finishing its fixed batch when it is ``batched``.
    """
    if isinstance(change, ProfileChange):
        if change.action in ("unset", "delete"):
            return RowUpdate(change.key, None, forget=True)
        return RowUpdate(change.key, change.fingerprint, change.state_patch())
    if isinstance(change, EventChange):
        return Sent((change.key,), (change.external_id,), "event")
    if isinstance(change, MessageChange):
        outbox = change.idempotency_key if change.batched else None
        return Sent(change.keys, change.external_ids, "message", outbox)
    raise TypeError(f"not a plan change: {type(change).__name__}")
