"""Plan: what apply would change in OneSignal, as a value; nothing is sent or written.

Library API::

    from onesync.plan import make_plan, read_plan, write_plan, check_fresh
    with make_plan(project, syncs=None, allow_destructive=False, state=None) as plan:
        plan.has_changes                  # exit code 2 in the CLI
        plan.sync("customers").counts     # SQL over the changes
        write_plan(plan, "plan.parquet")  # one Parquet file with a manifest, no secrets
    plan = read_plan("plan.parquet")      # checks the format version; changes stay in the file
    check_fresh(plan, project, state)     # [] or the reasons the plan may not be applied

The change values (``ProfileChange``, ``EventChange``, ``MessageChange``, ``InvalidRow``,
``SyncPlan``, ``Plan``) are documented in ``onesync.plan.changes`` and docs/plan.md; a
sync's changes are lazy sequences over the plan's store (``onesync.plan.store``).
"""

from onesync.plan.changes import (
    EventChange,
    InvalidRow,
    MessageChange,
    Plan,
    ProfileChange,
    SyncPlan,
)
from onesync.plan.planfile import read_plan, write_plan
from onesync.plan.planner import check_fresh, compile_all, make_plan, spec_fingerprint

__all__ = [
    "EventChange",
    "InvalidRow",
    "MessageChange",
    "Plan",
    "ProfileChange",
    "SyncPlan",
    "check_fresh",
    "compile_all",
    "make_plan",
    "read_plan",
    "spec_fingerprint",
    "write_plan",
]
