"""Apply: send a plan to OneSignal, record what it confirmed, report what it rejected.

Library API::

    from onesync.apply import apply_plan, plan_and_apply, export_csv
    report = apply_plan(plan, project)              # a plan from make_plan or read_plan
    plan, report = plan_and_apply(project, confirm=lambda plan: True)
    report.exit_code                                # 0, or 3 when rows were rejected
    report.sync("customers").rejected               # (Rejected(sync, key, reason), ...)
    export_csv(plan, project, "out/")               # OneSignal CSV import files instead
    state.confirm(sync, [record_of(c) for c in confirmed])  # a confirmed change as a state record

See docs/apply.md.
"""

from onesync.apply.export import ExportReport, export_csv
from onesync.apply.records import record_of
from onesync.apply.report import ApplyReport, ProgressUpdate, Rejected, SyncReport
from onesync.apply.runner import apply_plan, plan_and_apply

__all__ = [
    "ApplyReport",
    "ExportReport",
    "ProgressUpdate",
    "Rejected",
    "SyncReport",
    "apply_plan",
    "export_csv",
    "plan_and_apply",
    "record_of",
]
