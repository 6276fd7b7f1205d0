"""Finding and reading a project's files: ``onesync.yaml`` and every spec under ``specs:``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from onesync.errors import Diagnostic, SpecError
from onesync.load.yaml import Document, parse_yaml
from onesync.model import Project, Source

if TYPE_CHECKING:
    from onesync.validate import ValidationReport

__all__ = ["PROJECT_FILE", "load_project", "load_project_report", "read_documents"]

PROJECT_FILE = "onesync.yaml"
Catalog = Callable[[Source, str], "list[str] | None"]


def _read(path: Path, display: str, env: Mapping[str, str]) -> tuple[Document | None, list]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Diagnostic(display, 1, 1, "the file is not UTF-8 text", "save it as UTF-8")]
    except OSError as e:
        return None, [
            Diagnostic(
                display,
                1,
                1,
                f"cannot read the file: {e.strerror or e}",
                "check that it exists and is readable",
            )
        ]
    return parse_yaml(text, display, env)


def _locate(path: str | Path) -> tuple[Path, Path, str]:
    """(project dir, project file, how to show the dir in messages) for a dir or a yaml file."""
    given = Path(path)
    if given.suffix in (".yaml", ".yml") and not given.is_dir():
        root, file = given.parent, given
    else:
        root, file = given, given / PROJECT_FILE
    shown = "" if str(root) in ("", ".") else str(root)
    return root, file, shown


def read_documents(
    path: str | Path = ".", *, env: Mapping[str, str] | None = None
) -> tuple[Document, list[Document], Path, str, str, list[Diagnostic]]:
    """Parse the project file and every spec file; raise SpecError only when nothing can go on.

    Returns (project doc, spec docs, root, display root, specs dir, diagnostics so far).
    """
    env = os.environ if env is None else env
    root, file, shown = _locate(path)

    def display(p: Path) -> str:
        rel = p.relative_to(root).as_posix()
        return f"{shown}/{rel}" if shown else rel

    if not file.is_file():
        hint = "run 'onesync init' or point --project at the directory holding it"
        where = display(file) if file.parent.exists() else str(file)
        raise SpecError([Diagnostic(where, 1, 1, f"no {file.name} here", hint)])
    project, diags = _read(file, display(file), env)
    if project is None:
        raise SpecError(diags)
    specs_value = project.data.get("specs", "specs/") if isinstance(project.data, dict) else None
    if not isinstance(specs_value, str):
        return project, [], root, shown, "specs/", diags  # the schema check reports it
    specs_dir = root / specs_value
    docs: list[Document] = []
    if not specs_dir.is_dir():
        if "specs" in project.data:
            diags.append(
                project.diag(
                    ("specs",),
                    f"specs folder '{specs_value}' does not exist",
                    "create it, or fix the path; it is relative to the project",
                )
            )
        return project, docs, root, shown, specs_value, diags
    try:
        files = sorted(
            p
            for p in specs_dir.rglob("*")
            if p.suffix in (".yaml", ".yml") and (p.is_file() or p.is_symlink())
        )
    except OSError as e:
        diags.append(project.diag(("specs",), f"cannot list the specs folder: {e.strerror or e}"))
        files = []
    for p in files:
        doc, more = _read(p, display(p), env)
        diags += more
        if doc is not None:
            docs.append(doc)
    return project, docs, root, shown, specs_value, diags


def load_project_report(
    path: str | Path = ".",
    *,
    env: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
    offline: bool = False,
) -> ValidationReport:
    """Load and check a project; return the Project with the checks that were skipped.

    ``project, skipped = load_project_report(...)`` also works. Raises SpecError listing every
    problem, one ``file:line:col: error: message (hint)`` each.
    """
    from onesync.validate import validate_project  # the next stage; imported late on purpose

    project, specs, root, shown, specs_dir, diags = read_documents(path, env=env)
    return validate_project(
        project,
        specs,
        root=root.resolve(),
        display_root=shown,
        specs_dir=specs_dir,
        catalog=catalog,
        offline=offline,
        diagnostics=diags,
    )


def load_project(
    path: str | Path = ".",
    *,
    env: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
    offline: bool = False,
) -> Project:
    """Load ``onesync.yaml`` and its specs into the typed Project, or raise SpecError.

    Args:
        path: the project directory (holding onesync.yaml) or the project yaml file itself.
        env: variables for ``${env:NAME}``; defaults to ``os.environ``.
        catalog: ``catalog(source, table_or_sql)`` returns a model's output columns when the
            SQL alone cannot tell (``table:`` models, ``select *``), or None if unreachable.
        offline: never call ``catalog``; the column checks it would enable are skipped.

    Returns:
        The Project. Use ``load_project_report`` to also learn which checks were skipped.
    """
    return load_project_report(path, env=env, catalog=catalog, offline=offline).project
