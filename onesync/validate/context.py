"""What the semantic rules share: the project being checked and one sync spec at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onesync.errors import Diagnostic
from onesync.load.yaml import Document, Path_
from onesync.model import Destination, Model, Source
from onesync.validate.suggest import did_you_mean

__all__ = ["Catalog", "Context", "Spec", "get"]

# ``catalog(source, table_or_sql)``: output column names; raises OnesyncError when the database
# rejects the query, returns None when it cannot tell. A catalogue may also have
# ``failure(source) -> str | None``: why it could not open the source, reported at the source.
Catalog = Callable[[Source, str], "list[str] | None"]


def get(data: Any, path: Path_, default: Any = None) -> Any:
    """The value at ``path`` inside nested dicts/lists, or ``default``."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return default
    return data


@dataclass(slots=True)
class Spec:
    """One schema-valid sync spec while it is being checked."""

    doc: Document
    name: str
    source: Source | None = None
    model: Model | None = None
    columns: list[str] | None = None  # the model's output columns; None when unknown
    pruned: dict[str, Any] | None = None  # the data without what the schema refused

    @property
    def data(self) -> dict[str, Any]:
        """What the rules read: the document, minus values the schema already reported."""
        return self.doc.data if self.pruned is None else self.pruned

    def column(self, path: Path_, what: str | None = None) -> Diagnostic | None:
        """A diagnostic when the column named at ``path`` is not in the model's output."""
        name = get(self.data, path)
        if self.columns is None or not isinstance(name, str) or name in self.columns:
            return None
        if tuple(path) in self.doc.unresolved:
            return None
        where = what or ".".join(str(p) for p in path)
        hint = did_you_mean(name, self.columns) or f"the model has: {', '.join(self.columns)}"
        return self.doc.diag(path, f"{where}: column '{name}' is not in the model's output", hint)


@dataclass(slots=True)
class Context:
    """The project-wide facts rules read: sources, destination, every spec, and the catalogue."""

    root: Path
    display_root: str
    sources: dict[str, Source]
    destination: Destination | None
    specs: list[Spec] = field(default_factory=list)
    catalog: Catalog | None = None
    offline: bool = False
    skipped: list[str] = field(default_factory=list)
    project: Document | None = None  # onesync.yaml, to point at a source that fails
    allow_outside: bool = False  # model.file may name a file outside the project
    # source name -> its connection problem (None: reachable), found once per source
    reached: dict[str, Diagnostic | None] = field(default_factory=dict)

    def display(self, rel: str) -> str:
        """How a project-relative path is shown in messages: as the user named the project."""
        return str(Path(self.display_root) / rel) if self.display_root else rel
