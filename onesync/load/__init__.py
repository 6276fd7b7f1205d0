"""load stage: YAML files with positions, duplicate keys refused, ``${env:...}`` interpolated.

Public API:
    load_project(path=".", *, env=None, catalog=None, offline=False, allow_outside=False)
        -> Project
    load_project_report(...) -> ValidationReport  (project, skipped checks)
    parse_yaml(text, file, env, *, policy=ANYWHERE) -> (Document | None, diagnostics)

Hostile input is bounded here (``onesync.load.yaml``: size, aliases, nesting) and ``${env:...}``
is allowed only where ``onesync.load.env`` says, its values registered as secrets.
"""

from __future__ import annotations

from onesync.load.project import PROJECT_FILE, load_project, load_project_report, read_documents
from onesync.load.yaml import Document, Span, parse_yaml

__all__ = [
    "PROJECT_FILE",
    "Document",
    "Span",
    "load_project",
    "load_project_report",
    "parse_yaml",
    "read_documents",
]
