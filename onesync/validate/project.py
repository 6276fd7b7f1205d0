"""Checking a whole project: schemas, then per-spec RULES, then rules across syncs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onesync.errors import Diagnostic, SpecError
from onesync.load.yaml import Document
from onesync.model import Project
from onesync.validate.build import (
    build_destination,
    build_sources,
    build_state,
    build_sync,
    read_model,
)
from onesync.validate.context import Catalog, Context, Spec
from onesync.validate.rules import RULES
from onesync.validate.schema import check_schema
from onesync.validate.suggest import one_of

__all__ = ["ValidationReport", "validate_project"]


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """A valid project and the checks that could not run (e.g. columns of ``table:`` models
    when offline). Unpacks as ``project, skipped = report``."""

    project: Project
    skipped: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        return iter((self.project, self.skipped))


def _after(spec: Spec) -> list[tuple[tuple[str | int, ...], str]]:
    after = spec.data.get("after")
    if isinstance(after, str):
        return [(("after",), after)]
    return [(("after", i), a) for i, a in enumerate(after or ())]


def _cross_checks(specs: list[Spec], names: dict[str, Document]) -> list[Diagnostic]:
    """``after:`` names existing syncs and forms no cycle (the message shows the cycle)."""
    diags: list[Diagnostic] = []
    graph: dict[str, list[str]] = {}
    by_name = {s.name: s for s in specs}
    for spec in specs:
        graph[spec.name] = []
        for path, target in _after(spec):
            if target not in names:
                diags.append(
                    spec.doc.diag(path, f"after: no sync named '{target}'", one_of(target, names))
                )
            elif target in by_name:
                graph[spec.name].append(target)
    seen_cycles: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :]
                first = cycle.index(min(cycle))
                cycle = cycle[first:] + cycle[:first]
                if tuple(cycle) not in seen_cycles:
                    seen_cycles.add(tuple(cycle))
                    spec = by_name[cycle[0]]
                    text = " -> ".join([*cycle, cycle[0]])
                    path = next(p for p, t in _after(spec) if t == cycle[1 % len(cycle)])
                    diags.append(
                        spec.doc.diag(
                            path,
                            f"after: the syncs form a cycle: {text}",
                            "remove one of these after: entries",
                        )
                    )
            elif state.get(nxt) is None:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    return diags


def validate_project(
    project_doc: Document,
    spec_docs: Sequence[Document],
    *,
    root: Path,
    display_root: str = "",
    specs_dir: str = "specs/",
    catalog: Catalog | None = None,
    offline: bool = False,
    diagnostics: Sequence[Diagnostic] = (),
) -> ValidationReport:
    """Check parsed documents and build the Project, or raise SpecError with every problem.

    Warnings (severity "warning") never fail: they are returned in ``Project.warnings``, and
    only once there are no errors, so a failing run shows just what must be fixed.

    Args:
        project_doc: the parsed ``onesync.yaml``.
        spec_docs: the parsed sync specs, in file order.
        root: the project directory; ``model.file`` paths are read relative to it.
        display_root: how the user named the project directory, to prefix file names in messages.
        specs_dir: the ``specs:`` value, stored in the Project.
        catalog: ``catalog(source, table_or_sql)`` returns output columns, or None if unreachable.
        offline: never call the catalogue; column checks that need it are skipped and reported.
        diagnostics: problems the loader already found; they are raised together with these.
    """
    diags = list(diagnostics)
    diags += check_schema(project_doc, "onesync")
    sources, more = build_sources(project_doc)
    diags += more
    destination, more = build_destination(project_doc)
    diags += more
    ctx = Context(root, display_root, sources, destination, catalog=catalog, offline=offline)

    names: dict[str, Document] = {}
    for doc in spec_docs:
        schema_diags = check_schema(doc, "sync")
        name = doc.data.get("sync") if isinstance(doc.data, dict) else None
        if isinstance(name, str):
            if name in names:
                diags.append(
                    doc.diag(
                        ("sync",),
                        f"sync name '{name}' is already used in {names[name].file}",
                        "sync names must be unique",
                    )
                )
            else:
                names[name] = doc
        if schema_diags:
            diags += schema_diags
            continue
        ctx.specs.append(Spec(doc, doc.data["sync"]))

    valid: list[Spec] = []
    warnings: list[Diagnostic] = []
    for spec in ctx.specs:
        found = read_model(ctx, spec)
        if spec.model is not None:
            for rule in RULES:
                found.extend(rule(ctx, spec))
        errors = [d for d in found if d.severity == "error"]
        warnings += [d for d in found if d.severity == "warning"]
        diags += errors
        if not errors and names.get(spec.name) is spec.doc:
            valid.append(spec)
    diags += _cross_checks(ctx.specs, names)
    if diags or destination is None:  # warnings wait until the errors are fixed
        raise SpecError(diags or [project_doc.diag(("destination",), "destination is invalid")])
    project = Project(
        root=root,
        file=project_doc.file,
        sources=tuple(sources.values()),
        destination=destination,
        state=build_state(project_doc),
        syncs=tuple(build_sync(s) for s in valid),
        specs_dir=specs_dir,
        warnings=tuple(sorted(warnings, key=lambda d: (d.file, d.line, d.col))),
    )
    return ValidationReport(project, tuple(ctx.skipped))
