"""The library API the CLI is a thin shell over; each function is one user-visible action.

It is the one module that joins the stages: it hands the loader a catalogue backed by the source
connectors, so ``table:`` models and ``select *`` can be checked against the real columns.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from onesync.compile import compile_project as _compile_project
from onesync.errors import Diagnostic, SpecError
from onesync.model import CompiledSync, Project

__all__ = ["Validation", "compile_project", "init_project", "load_project", "seed_demo", "validate"]


@dataclass(frozen=True, slots=True)
class Validation:
    """A validated project and the checks that could not run (offline, or source unreachable)."""

    project: Project
    skipped: tuple[str, ...]

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """Things allowed but probably wrong, one ``file:line:col: warning: ...`` each."""
        return self.project.warnings


def validate(
    path: str | Path = ".", *, offline: bool = False, allow_outside: bool = False
) -> Validation:
    """Load and check every spec; reads no rows (only the catalogue, unless ``offline``).

    ``allow_outside`` lets ``specs:`` and ``model.file`` name files outside the project
    directory; by default they are refused, so a pull request cannot make CI read elsewhere.
    """
    from onesync.sources import catalog
    from onesync.validate import load_project_report

    root = Path(path)
    root = root.parent if root.is_file() else root
    with catalog(root) as cat:
        project, skipped = load_project_report(
            path, catalog=None if offline else cat, offline=offline, allow_outside=allow_outside
        )
    return Validation(project, tuple(skipped))


def load_project(
    path: str | Path = ".", *, offline: bool = False, allow_outside: bool = False
) -> Project:
    """The typed project, validated; raises SpecError with every problem at once."""
    return validate(path, offline=offline, allow_outside=allow_outside).project


def compile_project(
    path: str | Path = ".",
    syncs: Sequence[str] = (),
    *,
    dialect: str | None = None,
    offline: bool = False,
    allow_outside: bool = False,
) -> tuple[CompiledSync, ...]:
    """The SQL each sync will run, in its source's dialect (or ``dialect``)."""
    project = load_project(path, offline=offline, allow_outside=allow_outside)
    names = {s.name for s in project.syncs}
    unknown = [n for n in syncs if n not in names]
    if unknown:
        raise SpecError(
            [
                Diagnostic(
                    project.file, 1, 1, f"no sync named {n!r}", f"known: {', '.join(sorted(names))}"
                )
                for n in unknown
            ]
        )
    from onesync.sources import catalog

    with catalog(project.root) as cat:
        describe = None if offline else cat.describe
        return _compile_project(project, list(syncs) or None, dialect, describe)


def _demo_files() -> Path:
    return Path(str(resources.files("onesync") / "demo"))


def seed_demo(root: str | Path = ".", *, force: bool = False) -> Path:
    """Create the demo DuckDB shop database (data/demo.duckdb) from its seed SQL."""
    import duckdb

    root = Path(root)
    target = root / "data" / "demo.duckdb"
    if target.exists() and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    seed = root / "data" / "seed.sql"
    sql = seed.read_text() if seed.exists() else (_demo_files() / "seed.sql").read_text()
    target.unlink(missing_ok=True)
    with duckdb.connect(str(target)) as conn:
        conn.execute(sql)
    return target


def init_project(root: str | Path = ".") -> list[Path]:
    """Scaffold a project that runs against an embedded DuckDB demo database."""
    root = Path(root)
    if (root / "onesync.yaml").exists():
        raise SpecError(
            [
                Diagnostic(
                    str(root / "onesync.yaml"),
                    1,
                    1,
                    "a project already exists here",
                    "choose an empty directory",
                )
            ]
        )
    demo = _demo_files()
    root.mkdir(parents=True, exist_ok=True)
    written = [root / "onesync.yaml", root / "data" / "seed.sql"]
    shutil.copyfile(demo / "onesync.yaml", written[0])
    written[1].parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo / "seed.sql", written[1])
    (root / "specs").mkdir(exist_ok=True)
    for spec in sorted((demo / "specs").glob("*.yaml")):
        shutil.copyfile(spec, root / "specs" / spec.name)
        written.append(root / "specs" / spec.name)
    # the JSON Schemas the scaffolded files' `$schema` lines name, for editors to complete
    (root / "schemas").mkdir(exist_ok=True)
    for schema in sorted(Path(str(resources.files("onesync") / "schemas")).glob("*.json")):
        shutil.copyfile(schema, root / "schemas" / schema.name)
        written.append(root / "schemas" / schema.name)
    (root / ".gitignore").write_text(".onesync/\ndata/*.duckdb\n")
    written.append(seed_demo(root))
    return written
