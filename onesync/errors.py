"""One error tree for the whole pipeline; positions are data, not text.

    OnesyncError                 exit_code 1 unless said otherwise
    ├── SpecError                one or more Diagnostics from load / validate / compile
    ├── SourceError              a database could not be reached or a query failed
    ├── StateError               the state store is unreachable, locked, or of another version
    ├── PlanError                a plan was refused (stale, destructive without --allow-destructive)
    └── DestinationError         OneSignal (or the sandbox) answered with something we cannot use

The CLI is the only place that turns these into a line on stderr and an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "REDACTED",
    "Diagnostic",
    "DestinationError",
    "OnesyncError",
    "PlanError",
    "SourceError",
    "SpecError",
    "StateError",
    "redact",
    "register_secret",
]

REDACTED = "***"
_SECRETS: set[str] = set()
MIN_SECRET = 4  # shorter values would blank out ordinary words


def register_secret(value: str | None) -> None:
    """Remember a value that must never be printed or written (an API key, a password, any
    ``${env:...}`` value in a secret position); ``redact`` replaces it everywhere."""
    if value and len(value) >= MIN_SECRET:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``: the last step before any
    message, plan file, state value or log line leaves onesync."""
    for secret in sorted(_SECRETS, key=len, reverse=True):  # longest first: no partial leaks
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a spec, pointing at the place a user has to edit.

    ``severity`` "warning" marks something that is allowed but probably wrong (an email without
    an unsubscribe link): it is printed, and never fails validation.
    """

    file: str
    line: int
    col: int
    message: str
    hint: str | None = None
    code: str = "error"
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class OnesyncError(Exception):
    """Root of every error onesync raises on purpose; anything else is a bug."""

    exit_code: int = 1


class SpecError(OnesyncError):
    """Problems in the project file or the sync specs, all collected before raising.

    ``diagnostics`` holds every one; the message shows the first ``MAX_SHOWN`` and then
    "... and N more" (sqlglot's ``check_errors``), so a broken tree of specs stays readable.
    """

    MAX_SHOWN = 50

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(sorted(diagnostics, key=lambda d: (d.file, d.line, d.col)))
        lines = [str(d) for d in self.diagnostics[: self.MAX_SHOWN]]
        if len(self.diagnostics) > self.MAX_SHOWN:
            lines.append(f"... and {len(self.diagnostics) - self.MAX_SHOWN} more")
        super().__init__("\n".join(lines))


class SourceError(OnesyncError):
    """A source database failed; the message names the source and the spec file."""


class StateError(OnesyncError):
    """The state store failed, is locked by someone else, or has an unknown schema version."""


class PlanError(OnesyncError):
    """A plan cannot be made or applied as asked (stale plan, destructive change, bad file)."""


class DestinationError(OnesyncError):
    """OneSignal could not be reached or answered in a way that stops the whole apply."""
