"""What an apply did, as values: per-sync counts, rejected rows with OneSignal's reasons.

Rejected rows are kept apart from the plan's invalid rows: an invalid row never left onesync (its
data is wrong), a rejected row was refused by OneSignal and is *not* recorded in state, so the next
run tries it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onesync.escape import escaped, shown

__all__ = ["ApplyReport", "ProgressUpdate", "Rejected", "SyncReport"]


@dataclass(frozen=True, slots=True)
class Rejected:
    """One row OneSignal refused (or that still failed after every retry), with its reason."""

    sync: str
    key: str
    reason: str

    def __str__(self) -> str:
        """``sync key: reason``, the key and the reason escaped (they quote data, see
        ``onesync.escape``), so a hostile key cannot forge a line of the report."""
        return f"{shown(self.sync)} {shown(self.key)}: {escaped(self.reason)}"


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The outcome of one sync.

    ``sent`` counts changes OneSignal confirmed (users, events, message recipients) and that are
    now recorded in state; ``baseline`` keys were recorded as seen without a call; ``retried``
    counts extra HTTP attempts (429, 5xx, timeouts, dropped connections); ``requests`` counts the
    calls made, retries included; ``missed`` lists message recipients OneSignal could not reach
    (the message was sent to the others and is not sent again).
    """

    name: str
    kind: str
    total: int = 0
    sent: int = 0
    unchanged: int = 0
    invalid: int = 0
    baseline: int = 0
    retried: int = 0
    requests: int = 0
    seconds: float = 0.0
    rejected: tuple[Rejected, ...] = ()
    missed: tuple[Rejected, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "rejected": len(self.rejected),
            "retried": self.retried,
            "baseline": self.baseline,
            "requests": self.requests,
        }

    def line(self) -> str:
        """One structured line for logs and CI (``key=value`` pairs)."""
        c = self.counts
        return (
            f"sync={self.name} sent={c['sent']} unchanged={c['unchanged']} "
            f"invalid={c['invalid']} rejected={c['rejected']} retried={c['retried']} "
            f"seconds={self.seconds:.2f}"
        )


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """A whole apply: one ``SyncReport`` per sync, in the order they ran."""

    syncs: tuple[SyncReport, ...] = ()
    seconds: float = 0.0

    @property
    def rejected(self) -> tuple[Rejected, ...]:
        return tuple(r for s in self.syncs for r in s.rejected)

    @property
    def totals(self) -> dict[str, int]:
        out = {"sent": 0, "unchanged": 0, "invalid": 0, "rejected": 0, "retried": 0}
        for s in self.syncs:
            for k in out:
                out[k] += s.counts[k]
        return out

    @property
    def exit_code(self) -> int:
        """0 when everything was applied, 3 when some rows were rejected (partial apply)."""
        return 3 if self.rejected else 0

    def sync(self, name: str) -> SyncReport:
        for s in self.syncs:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "totals": self.totals,
            "syncs": [
                {
                    "name": s.name,
                    "kind": s.kind,
                    **s.counts,
                    "seconds": round(s.seconds, 3),
                    "rejected_rows": [{"key": r.key, "reason": r.reason} for r in s.rejected],
                    "missed_rows": [{"key": r.key, "reason": r.reason} for r in s.missed],
                }
                for s in self.syncs
            ],
        }


@dataclass(frozen=True, slots=True)
class ProgressUpdate:
    """Handed to a ``progress`` callback a few times a second per sync, and once at its end."""

    sync: str
    done: int
    total: int
    elapsed: float
    final: bool = False
    report: SyncReport | None = field(default=None, compare=False)

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, or None before the first confirmation."""
        if not self.done or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)
