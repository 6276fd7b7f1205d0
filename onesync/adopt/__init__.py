"""Adopt: seed onesync's state from what OneSignal already holds, so the first plan after
``onesync import`` shows only drift instead of creating every user again.

    export.py   read a OneSignal CSV export (.csv.gz) into DuckDB, one row per external user id
    seed.py     ``onesync import``: the model's users OneSignal has, written into the state
"""

from onesync.adopt.export import ExportSummary, read_export
from onesync.adopt.seed import IMPORTED, ImportReport, SyncImport, import_state

__all__ = [
    "IMPORTED",
    "ExportSummary",
    "ImportReport",
    "SyncImport",
    "import_state",
    "read_export",
]
