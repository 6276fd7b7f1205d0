"""Finding and reading a project's files: ``onesync.yaml`` and every spec under ``specs:``."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from onesync.errors import Diagnostic, SpecError
from onesync.load import env as policies
from onesync.load.env import EnvPolicy
from onesync.load.yaml import MAX_FILE_BYTES, Document, parse_yaml, too_big

__all__ = ["PROJECT_FILE", "read_documents"]

PROJECT_FILE = "onesync.yaml"


def _read(
    path: Path, display: str, env: Mapping[str, str], policy: EnvPolicy
) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one file, reading at most ``MAX_FILE_BYTES`` + 1 of it (never a device or pipe)."""

    def cannot(
        reason: str, hint: str = "check that it exists and is readable"
    ) -> tuple[Document | None, list[Diagnostic]]:
        return None, [Diagnostic(display, 1, 1, f"cannot read the file: {reason}", hint)]

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return cannot("it is not a regular file", "point it at a YAML file")
        if info.st_size > MAX_FILE_BYTES:
            return None, [too_big(display, info.st_size)]
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        return cannot(e.strerror or str(e))
    if len(data) > MAX_FILE_BYTES:  # it grew since stat
        return None, [too_big(display, len(data))]
    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text
    except UnicodeDecodeError:
        return None, [Diagnostic(display, 1, 1, "the file is not UTF-8 text", "save it as UTF-8")]
    return parse_yaml(text, display, env, policy=policy)


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    """Whether ``path``, symlinks resolved, lies in one of ``roots`` (already resolved)."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: reading it fails with its own message
        return True
    return any(real == r or real.is_relative_to(r) for r in roots)


def _roots(root: Path, file: Path) -> tuple[Path, ...]:
    """What counts as inside the project: its directory and, when the project file is a
    symlink (the packaged demo), the directory of the file it points at."""
    roots = [root.resolve()]
    real_parent = file.resolve().parent
    if real_parent not in roots:
        roots.append(real_parent)
    return tuple(roots)


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
    path: str | Path = ".",
    *,
    env: Mapping[str, str] | None = None,
    allow_outside: bool = False,
) -> tuple[Document, list[Document], Path, str, str, list[Diagnostic]]:
    """Parse the project file and every spec file; raise SpecError only when nothing can go on.

    Specs are read only from inside the project (symlinks resolved), so a changed ``specs:`` in a
    pull request cannot make CI read and quote files from elsewhere; ``allow_outside`` lifts that.

    Returns (project doc, spec docs, root, display root, specs dir, diagnostics so far).
    """
    env = os.environ if env is None else env
    root, file, shown = _locate(path)

    def display(p: Path) -> str:
        try:
            rel = p.relative_to(root).as_posix()
        except ValueError:  # outside the project (allow_outside)
            rel = Path(os.path.relpath(p, root)).as_posix() if not p.is_absolute() else str(p)
        return f"{shown}/{rel}" if shown and not Path(rel).is_absolute() else rel

    if not file.is_file():
        hint = "run 'onesync init' or point --project at the directory holding it"
        where = display(file) if file.parent.exists() else str(file)
        raise SpecError([Diagnostic(where, 1, 1, f"no {file.name} here", hint)])
    project, diags = _read(file, display(file), env, policies.PROJECT)
    if project is None:
        raise SpecError(diags)
    specs_value = project.data.get("specs", "specs/") if isinstance(project.data, dict) else None
    if not isinstance(specs_value, str):
        return project, [], root, shown, "specs/", diags  # the schema check reports it
    if ("specs",) in project.unresolved:
        return project, [], root, shown, specs_value, diags  # already reported
    specs_dir = root / specs_value
    docs: list[Document] = []
    roots = _roots(root, file)
    outside_hint = "keep the specs inside the project directory, or pass --allow-outside"
    if not allow_outside and not _inside(specs_dir, roots):
        lexical = Path(specs_value).is_absolute() or ".." in Path(specs_value).parts
        how = "is outside the project" if lexical else "links outside the project"
        diags.append(project.diag(("specs",), f"specs folder '{specs_value}' {how}", outside_hint))
        raise SpecError(diags)  # now: no later check may list or walk that folder
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
        if not allow_outside and not _inside(p, roots):
            diags.append(
                Diagnostic(
                    display(p),
                    1,
                    1,
                    "the file links outside the project",
                    "copy the file into the project instead of linking it, or pass --allow-outside",
                )
            )
            continue
        doc, more = _read(p, display(p), env, policies.SPEC)
        diags += more
        if doc is not None:
            docs.append(doc)
    return project, docs, root, shown, specs_value, diags
