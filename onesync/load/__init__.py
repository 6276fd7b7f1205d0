"""load stage: YAML files with positions, duplicate keys refused, ``${env:...}`` interpolated.

Public API:
    read_documents(path=".", *, env=None, allow_outside=False)
        -> (project doc, spec docs, root, display root, specs dir, diagnostics)
    parse_yaml(text, file, env, *, policy=ANYWHERE) -> (Document | None, diagnostics)

This stage imports nothing from ``onesync.validate``: ``onesync.validate.load_project`` (and
``onesync.api.load_project``) read the documents here, then check them.

Hostile input is bounded here (``onesync.load.yaml``: size, aliases, nesting) and ``${env:...}``
is allowed only where ``onesync.load.env`` says, its values registered as secrets.
"""

from __future__ import annotations

from onesync.load.project import PROJECT_FILE, read_documents
from onesync.load.yaml import Document, Span, parse_yaml

__all__ = [
    "PROJECT_FILE",
    "Document",
    "Span",
    "parse_yaml",
    "read_documents",
]
