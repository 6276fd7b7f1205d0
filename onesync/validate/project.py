"""Checking a whole project: schemas, then per-spec RULES, then rules across syncs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onesync.errors import Diagnostic, SpecError
from onesync.load.project import read_documents
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
from onesync.validate.reach import source_problems
from onesync.validate.rules import RULES
from onesync.validate.schema import check_schema, prune
from onesync.validate.suggest import one_of

__all__ = ["ValidationReport", "load_project", "load_project_report", "validate_project"]


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


def _no_specs(project_doc: Document, root: Path, specs_dir: str, shown: str) -> Diagnostic | None:
    """An error when the specs folder holds no ``*.yaml``: a project that syncs nothing is a
    wrong ``specs:`` path far more often than an intent. A missing folder given as ``specs:``
    is the loader's to report."""
    folder = root / specs_dir
    named = isinstance(project_doc.data, dict) and "specs" in project_doc.data
    if not folder.is_dir():
        if named:
            return None
        return project_doc.diag(
            (),
            f"specs folder '{specs_dir}' does not exist",
            "create it with one *.yaml file per sync, or set specs: in onesync.yaml",
        )
    if any(p.suffix in (".yaml", ".yml") for p in folder.rglob("*")):
        return None
    where = f"{shown}/{specs_dir}" if shown else specs_dir
    return project_doc.diag(
        ("specs",) if named else (),
        f"specs folder '{where}' holds no sync specs (*.yaml)",
        "add one *.yaml file per sync, or fix specs: in onesync.yaml",
    )


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic once (a semantic rule may repeat what the schema said)."""
    return list(dict.fromkeys(diags))


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
    allow_outside: bool = False,
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
        catalog: ``catalog(source, table_or_sql)`` returns output columns, or None if unreachable
            (then ``catalog.failure(source)``, when it exists, says why); it raises when the
            database rejects the model. Every model is described, so a missing table or column
            is an error at the spec's line, and a source that cannot be opened one at the source.
        offline: never call the catalogue nor look for database files; the checks that need
            them are skipped (column checks that only the database can do are reported).
        diagnostics: problems the loader already found; they are raised together with these.
        allow_outside: let ``model.file`` name a file outside the project root.
    """
    diags = list(diagnostics)
    diags += check_schema(project_doc, "onesync")
    sources, more = build_sources(project_doc)
    diags += more
    destination, more = build_destination(project_doc)
    diags += more
    state, more = build_state(project_doc, sources)
    diags += more
    if not spec_docs and (empty := _no_specs(project_doc, root, specs_dir, display_root)):
        diags.append(empty)
    ctx = Context(
        root,
        display_root,
        sources,
        destination,
        catalog=catalog,
        offline=offline,
        project=project_doc,
        allow_outside=allow_outside,
    )

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
            # the rest of the file is still checked, without the values the schema refused
            pruned = prune(doc, "sync")
            if pruned is not None:
                ctx.specs.append(Spec(doc, pruned["sync"], pruned=pruned))
            continue
        ctx.specs.append(Spec(doc, doc.data["sync"]))

    valid: list[Spec] = []
    warnings: list[Diagnostic] = []
    for spec in ctx.specs:
        if spec.pruned is not None and spec.pruned.get("model") != spec.doc.data.get("model"):
            found = []  # the schema refused part of the model: what is left would only mislead
        else:
            found = read_model(ctx, spec)
        # the rules run even when the model could not be read: its columns are then unknown
        # and the column checks stay quiet, but a bad cron or template id is still reported
        for rule in RULES:
            found.extend(rule(ctx, spec))
        errors = [d for d in found if d.severity == "error"]
        warnings += [d for d in found if d.severity == "warning"]
        diags += errors
        if not errors and spec.pruned is None and names.get(spec.name) is spec.doc:
            valid.append(spec)
    diags += _cross_checks(ctx.specs, names)
    diags += source_problems(ctx)
    if diags or destination is None:  # warnings wait until the errors are fixed
        raise SpecError(
            _unique(diags) or [project_doc.diag(("destination",), "destination is invalid")]
        )
    project = Project(
        root=root,
        file=project_doc.file,
        sources=tuple(sources.values()),
        destination=destination,
        state=state,
        syncs=tuple(build_sync(s) for s in valid),
        specs_dir=specs_dir,
        warnings=tuple(sorted(warnings, key=lambda d: (d.file, d.line, d.col))),
    )
    return ValidationReport(project, tuple(ctx.skipped))


def load_project_report(
    path: str | Path = ".",
    *,
    env: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
    offline: bool = False,
    allow_outside: bool = False,
) -> ValidationReport:
    """Load and check a project; return the Project with the checks that were skipped.

    ``project, skipped = load_project_report(...)`` also works. Raises SpecError listing every
    problem, one ``file:line:col: error: message (hint)`` each. ``allow_outside`` lets
    ``specs:`` (and ``model.file``) name files outside the project directory.
    """
    project, specs, root, shown, specs_dir, diags = read_documents(
        path, env=env, allow_outside=allow_outside
    )
    return validate_project(
        project,
        specs,
        root=root.resolve(),
        display_root=shown,
        specs_dir=specs_dir,
        catalog=catalog,
        offline=offline,
        diagnostics=diags,
        allow_outside=allow_outside,
    )


def load_project(
    path: str | Path = ".",
    *,
    env: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
    offline: bool = False,
    allow_outside: bool = False,
) -> Project:
    """Load ``onesync.yaml`` and its specs into the typed Project, or raise SpecError.

    Args:
        path: the project directory (holding onesync.yaml) or the project yaml file itself.
        env: variables for ``${env:NAME}``; defaults to ``os.environ``.
        catalog: ``catalog(source, table_or_sql)`` returns a model's output columns when the
            SQL alone cannot tell (``table:`` models, ``select *``), or None if unreachable.
        offline: never call ``catalog``; the column checks it would enable are skipped.
        allow_outside: read ``specs:`` and ``model.file`` even when they are outside the
            project directory (symlinks resolved); refused by default.

    Returns:
        The Project. Use ``load_project_report`` to also learn which checks were skipped.
    """
    return load_project_report(
        path, env=env, catalog=catalog, offline=offline, allow_outside=allow_outside
    ).project
