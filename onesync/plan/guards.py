"""The guards a plan must pass before it is shown as applicable: counts, never rows.

A plan is refused (``PlanError``) when it would send a message to more recipients than
``message.max_sends``, remove more than ``state.max_destructive_share`` of a sync's users'
values (unless allowed), or when more than ``state.max_invalid_share`` of the rows are invalid.
Each check reads the sync's tallies, made by SQL over the changes.
"""

from __future__ import annotations

from onesync.escape import escaped, shown
from onesync.model import Sync
from onesync.plan.changes import SyncPlan

_LEAVE_NOTE = {
    "clear": " (on_leave: clear would clear all their tags, aliases and subscriptions)",
    "delete_user": " (on_leave: delete_user would delete them all from OneSignal)",
}


def send_problem(sp: SyncPlan, sync: Sync) -> str | None:
    """Why a message plan is refused by ``message.max_sends``, or None."""
    cap = sync.message.max_sends if sync.message is not None else None
    recipients = sp.tally("recipients")
    if cap is None or recipients <= cap:
        return None
    return (
        f"sync {sync.name}: the plan would send to {recipients:,} recipients, more than "
        f"message.max_sends ({cap:,}); check the model, or raise max_sends in {sync.file}"
    )


def destructive_problem(sp: SyncPlan, share: float, sync: Sync) -> str | None:
    """Why a profile plan is refused without --allow-destructive, or None."""
    if sync.kind != "profile" or sp.state_rows == 0:
        return None
    if sp.rows == 0:
        return (
            f"sync {sync.name}: the model returned no rows but state knows {sp.state_rows} users"
            f"{_LEAVE_NOTE.get(sync.on_leave, '')}; "
            "check the model and its source, or run with --allow-destructive"
        )
    hit = sp.tally("destructive")
    if hit / sp.state_rows > share:
        return (
            f"sync {sync.name}: the plan would remove tags, aliases or subscriptions of (or "
            f"delete) {hit} of {sp.state_rows} "
            f"users ({hit / sp.state_rows:.0%}), more than state.max_destructive_share "
            f"({share:.0%}); check the model, or run with --allow-destructive"
        )
    return None


def invalid_problem(sp: SyncPlan, limit: float) -> str | None:
    """Why a plan is refused by ``state.max_invalid_share``, or None.

    A model that suddenly returns mostly invalid rows (a renamed column, a broken join) would
    otherwise plan as "nothing to send" and exit 0, and CI would never notice.
    """
    bad = sp.invalid_count
    if not sp.rows or not bad or bad / sp.rows <= limit:
        return None
    first = next((r for r in sp.invalid[:50] if r.field is None), None)
    example = ""
    if first is not None:
        where = "a row" if first.key is None else f"key {shown(first.key)}"
        example = f" (e.g. {where}: {escaped(first.reason)})"
    return (
        f"sync {sp.name}: {bad:,} of {sp.rows:,} rows ({_pct(bad / sp.rows)}) are invalid"
        f"{example}, more than state.max_invalid_share ({_pct(limit)}); fix the rows in the "
        "source (the model or its data), or raise state.max_invalid_share in onesync.yaml"
    )


def _pct(share: float) -> str:
    return f"{share:.1%}".replace(".0%", "%")
