"""validate stage: JSON Schema, then semantic rules, the databases, then the typed IR.

Every file is checked whole (schema and semantic problems together), and unless offline every
model is described by its source (``reach.py``), so what ``plan`` would fail on fails here.

Public API:
    load_project(path=".", *, env=None, catalog=None, offline=False, allow_outside=False)
        -> Project  (reads the files through ``onesync.load``, then checks them)
    load_project_report(...) -> ValidationReport  (project, skipped checks)
    validate_project(project_doc, spec_docs, *, root, catalog, offline, allow_outside, ...)
        -> ValidationReport
    ValidationReport(project, skipped)  unpacks as ``project, skipped = report``
    output_columns(sql, dialect) -> list[str] | None
    parse_cron(expr) -> Cron;  RULES: the per-spec semantic checks
"""

from __future__ import annotations

from onesync.validate.cron import Cron, CronError, parse_cron
from onesync.validate.project import (
    ValidationReport,
    load_project,
    load_project_report,
    validate_project,
)
from onesync.validate.rules import RULES
from onesync.validate.sql import SqlProblem, output_columns

__all__ = [
    "RULES",
    "Cron",
    "CronError",
    "SqlProblem",
    "ValidationReport",
    "load_project",
    "load_project_report",
    "output_columns",
    "parse_cron",
    "validate_project",
]
