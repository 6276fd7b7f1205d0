"""``export --csv``: a plan's user changes as files in OneSignal's CSV import format.

For bulk onboarding (millions of users) the dashboard importer is faster than the API. Format
(OneSignal docs, "Import"): UTF-8 without BOM, comma separated, no quotes, unique headers; the
identifier columns ``external_id``, ``email``, ``phone_number`` (E.164) first, then one column per
tag. A tag key that collides with a property column (``country``, ``language``...) is written as
``{{key}}``. An empty cell means "no value": with the importer's option "Delete tags for empty
cells" it removes the tag, which is what onesync's plan asks for (a NULL tag, a mirror unset).
Nothing is sent and the state is not advanced: OneSignal has not confirmed anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onesync.apply.report import Rejected
from onesync.errors import OnesyncError
from onesync.model import Project
from onesync.plan.changes import Plan, ProfileChange, SyncPlan
from onesync.plan.store import ChangeList
from onesync.state import StateReader, open_state

__all__ = ["ExportError", "ExportReport", "export_csv"]

IDENTIFIERS = ("external_id", "email", "phone_number")
PROPERTY_COLUMNS = frozenset(
    {
        "external_id",
        "email",
        "phone_number",
        "subscription_id",
        "subscribed",
        "country",
        "timezone_id",
        "language",
        "suppressed",
        "suppression_status",
    }
)
_UNSAFE = (",", '"', "\n", "\r")


class ExportError(OnesyncError):
    """The CSV folder or a file in it cannot be written (missing, not a folder, read-only)."""


@dataclass(frozen=True, slots=True)
class ExportReport:
    """Files written, rows per file, and rows left out (values the format cannot carry)."""

    files: tuple[tuple[str, Path, int], ...] = ()  # (sync, path, rows)
    skipped: tuple[Rejected, ...] = ()
    not_exported: tuple[str, ...] = ()  # events, messages, users not named by external_id

    @property
    def rows(self) -> int:
        return sum(n for _, _, n in self.files)


def _header(label: str) -> str:
    return "{{" + label + "}}" if label in PROPERTY_COLUMNS else label


BATCH = 5_000  # users per state query


def _with_confirmed(
    state: StateReader, sp: SyncPlan
) -> Iterator[tuple[ProfileChange, dict[str, Any]]]:
    """Each change with what OneSignal last confirmed for its key (state keys ``tag:<key>``,
    ``sub:<type>``), one state query per batch of users, streamed from the plan."""
    profiles = sp.profiles
    batches = profiles.stream(BATCH) if isinstance(profiles, ChangeList) else [list(profiles)]
    for batch in batches:
        old = state.values_of(sp.name, [p.key for p in batch if p.action != "create"])
        for p in batch:
            yield p, old.get(p.key, {})


def _row(p: ProfileChange, tags: list[str], old: dict[str, Any]) -> list[str]:
    """The user's full desired values: an empty cell is a tag onesync wants removed."""
    if p.action == "unset":
        return [p.external_id, "", "", *["" for _ in tags]]
    subs = {k[4:]: v for k, v in old.items() if k.startswith("sub:") and v}
    subs.update((s["type"], s["token"]) for s in p.add_subscriptions)
    current: dict[str, Any] = {t: old.get(f"tag:{t}") for t in tags}
    current.update(p.set_tags)
    current.update((t, None) for t in p.unset_tags)
    values = [subs.get("email") or "", subs.get("sms") or ""]
    return [p.external_id, *values, *[str(current.get(t) or "") for t in tags]]


def _tag_labels(sp: SyncPlan, project: Project) -> list[str]:
    return [f.name for f in project.sync(sp.name).tags]


def export_csv(
    plan: Plan, project: Project, directory: str | Path, *, state: StateReader | None = None
) -> ExportReport:
    """Write ``<sync>.csv`` per profile sync with changes; returns what was written and skipped.

    Each row holds the user's full tag values (unchanged ones come from ``state``, opened
    read-only here when None), so an empty cell always means "remove this tag".

    Rows whose values hold a comma, a double quote or a line break are left out (the importer
    takes no quotes) and listed in ``skipped`` with the reason; send those with ``apply``.
    """
    if state is None:
        with open_state(project.state, project.root, lock=False) as st:
            return export_csv(plan, project, directory, state=st)
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied", str(out))
        return _export(plan, project, out, state)
    except OSError as exc:
        where = exc.filename or out
        raise ExportError(
            f"cannot write the CSV files to {out}: {where}: {exc.strerror or exc}"
        ) from None


def _export(plan: Plan, project: Project, out: Path, state: StateReader) -> ExportReport:
    files: list[tuple[str, Path, int]] = []
    skipped: list[Rejected] = []
    others: list[str] = []
    for sp in plan.syncs:
        # the dashboard's import names users by external_id only (reference §7)
        by_external_id = project.sync(sp.name).identity.kind == "external_id"
        if sp.kind != "profile" or not by_external_id:
            if sp.has_changes:
                others.append(sp.name)
            continue
        if not any(sp.tally(a) for a in ("create", "update", "unset", "delete")):
            continue
        tags = _tag_labels(sp, project)
        bad_tags = [t for t in tags if any(c in t for c in _UNSAFE)]
        tags = [t for t in tags if t not in bad_tags]
        path = out / f"{sp.name}.csv"
        tmp = path.with_name(path.name + ".tmp")
        n = 0
        with open(tmp, "w", encoding="utf-8", newline="") as f:  # utf-8: no BOM
            f.write(",".join([*IDENTIFIERS, *(_header(t) for t in tags)]) + "\n")
            for p, old in _with_confirmed(state, sp):
                row = _row(p, tags, old)
                if any(c in v for v in row for c in _UNSAFE):
                    skipped.append(
                        Rejected(
                            sp.name,
                            p.key,
                            "a value holds a comma, quote or line break, "
                            "which OneSignal's CSV import cannot take; use apply",
                        )
                    )
                    continue
                f.write(",".join(row) + "\n")
                n += 1
        os.replace(tmp, path)
        files.append((sp.name, path, n))
        for t in bad_tags:
            skipped.append(Rejected(sp.name, "*", f"tag {t!r} cannot be a CSV header; use apply"))
    return ExportReport(tuple(files), tuple(skipped), tuple(others))
