"""onesync: declarative sync from your database to OneSignal.

The public API (loaded on first use, so ``import onesync`` stays cheap):

    onesync.validate(path, offline=False) -> Validation(project, skipped)
    onesync.load_project(path) -> Project
    onesync.compile_project(path, syncs=(), dialect=None) -> tuple[CompiledSync, ...]
    onesync.make_plan(project, ...) -> Plan
    onesync.apply_plan(plan, project, ...) -> ApplyReport
"""

from __future__ import annotations

import logging
from typing import Any

# A library logs, the program decides where it goes (as httpx does): without this, Python's
# last-resort handler would print every retry warning under a command's one-line error.
logging.getLogger("onesync").addHandler(logging.NullHandler())

__version__ = "0.1.0"
__all__ = ["apply_plan", "compile_project", "load_project", "make_plan", "validate"]

_HOMES = {
    "validate": "onesync.api",
    "load_project": "onesync.api",
    "compile_project": "onesync.api",
    "make_plan": "onesync.plan",
    "apply_plan": "onesync.apply",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'onesync' has no attribute {name!r}")
