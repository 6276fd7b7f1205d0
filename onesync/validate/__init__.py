"""validate stage: JSON Schema, then semantic rules, then the typed IR (onesync.model).

Public API:
    validate_project(project_doc, spec_docs, *, root, ...) -> ValidationReport
    ValidationReport(project, skipped)  unpacks as ``project, skipped = report``
    output_columns(sql, dialect) -> list[str] | None
    parse_cron(expr) -> Cron;  RULES: the per-spec semantic checks
"""

from __future__ import annotations

from onesync.validate.cron import Cron, CronError, parse_cron
from onesync.validate.project import ValidationReport, validate_project
from onesync.validate.rules import RULES
from onesync.validate.sql import SqlProblem, output_columns

__all__ = [
    "RULES",
    "Cron",
    "CronError",
    "SqlProblem",
    "ValidationReport",
    "output_columns",
    "parse_cron",
    "validate_project",
]
