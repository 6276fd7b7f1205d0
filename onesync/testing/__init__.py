"""testing: the mapping unit tests declared next to a spec (``tests:``), run by ``onesync test``.

Per test, with no source opened and nothing sent:

1. load and validate the project offline (the ``tests:`` shape and names are checked there, by
   ``onesync.validate.testspec``);
2. put the test's ``given`` rows into tables of a DuckDB file in a fresh temp folder
   (``given``);
3. compile the sync for DuckDB (``onesync.compile.compile_sync``: a model in another dialect is
   written for DuckDB by sqlglot);
4. plan it with the real planner (``onesync.plan.make_plan``) against an empty state in the
   same folder, every row new, and read the plan's users, events, messages and invalid rows
   (``sends``): the refusal rules and the mapping are the planner's, not a copy;
5. compare with ``expect`` (``expect``) and report each difference where it is written.

Library API::

    from onesync.testing import run_tests
    report = run_tests("path/to/project", syncs=())
    report.ok                # every test passed and none failed to run
    report.results           # TestResult(sync, name, pos, differences, error) per test
    render_text(report)      # the failures as text, and the one-line summary

Nothing but the CLI imports this package.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onesync.errors import Diagnostic, PlanError, SourceError, SpecError
from onesync.load import Document, read_documents
from onesync.model import Pos, Project, Source, Sync
from onesync.sources import connect
from onesync.testing.expect import Difference, compare
from onesync.testing.given import GivenProblem, compile_given, database_words
from onesync.testing.render import render_text, summary
from onesync.testing.sends import plan_rows
from onesync.validate import validate_project

__all__ = ["Difference", "TestReport", "TestResult", "render_text", "run_tests", "summary"]

SOURCE_FILE = "given.duckdb"  # the test's tables, in its temp folder


@dataclass(frozen=True, slots=True)
class TestResult:
    """One test: its sync and name, where it is written, and how it went.

    ``differences`` is empty when it passed; ``error`` is set (a spec-style Diagnostic) when its
    given rows or the model could not run, and then there are no differences.
    """

    __test__ = False  # not a pytest class

    sync: str
    name: str
    pos: Pos
    differences: tuple[Difference, ...] = ()
    error: Diagnostic | None = None

    @property
    def passed(self) -> bool:
        return not self.differences and self.error is None


@dataclass(frozen=True, slots=True)
class TestReport:
    """Every test run, and the selected syncs that declare none."""

    __test__ = False

    results: tuple[TestResult, ...]
    syncs: tuple[str, ...]  # the syncs selected
    untested: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> tuple[TestResult, ...]:
        return tuple(r for r in self.results if r.differences)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(r.error for r in self.results if r.error is not None)


def _load(
    path: str | Path, env: Mapping[str, str] | None, allow_outside: bool
) -> tuple[Project, dict[str, Document]]:
    """The validated project (offline: no source is opened) and each spec's document."""
    project_doc, docs, root, shown, specs_dir, diags = read_documents(
        path, env=env, allow_outside=allow_outside
    )
    report = validate_project(
        project_doc,
        docs,
        root=root.resolve(),
        display_root=shown,
        specs_dir=specs_dir,
        offline=True,
        diagnostics=diags,
        allow_outside=allow_outside,
    )
    return report.project, {d.file: d for d in docs}


def _select(project: Project, names: Sequence[str]) -> list[Sync]:
    known = {s.name for s in project.syncs}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SpecError(
            [
                Diagnostic(
                    project.file, 1, 1, f"no sync named {n!r}", f"known: {', '.join(sorted(known))}"
                )
                for n in unknown
            ]
        )
    return [s for s in project.syncs if not names or s.name in names]


def run_tests(
    path: str | Path = ".",
    syncs: Sequence[str] = (),
    *,
    env: Mapping[str, str] | None = None,
    allow_outside: bool = False,
) -> TestReport:
    """Run the tests of every sync (or of the named ones).

    Args:
        path: the project directory (holding onesync.yaml) or the project yaml file.
        syncs: sync names to test; all when empty.
        env: variables for ``${env:NAME}`` in onesync.yaml; defaults to ``os.environ``.
        allow_outside: read specs and model files outside the project directory.

    Returns:
        A TestReport. A project with spec errors (a test's shape or names included) raises
        SpecError with every problem, as ``onesync validate`` would.
    """
    project, docs = _load(path, env, allow_outside)
    selected = _select(project, syncs)
    results: list[TestResult] = []
    untested: list[str] = []
    for sync in selected:
        doc = docs[sync.file]
        tests = doc.data.get("tests") or []
        if not tests:
            untested.append(sync.name)
        for i, test in enumerate(tests):
            results.append(_run_one(project, sync, doc, ("tests", i), test))
    return TestReport(tuple(results), tuple(s.name for s in selected), tuple(untested))


def _planner_words(exc: SourceError) -> str:
    """The database's words in the planner's "the model of sync X failed: ..." error."""
    text = str(exc)
    return text.split(" failed: ", 1)[1] if " failed: " in text else database_words(exc)


def _run_one(
    project: Project, sync: Sync, doc: Document, at: tuple[str | int, ...], test: dict[str, Any]
) -> TestResult:
    line, col = doc.at(at)
    pos = Pos(doc.file, line, col)
    source = project.source(sync.source)
    given = (*at, "given")
    # a fresh folder per test: the given tables in a DuckDB file the sync's source points at
    # (in the source's time zone), and an empty state for the planner, so no test sees another's
    with tempfile.TemporaryDirectory(prefix="onesync-test-") as tmp:
        folder = Path(tmp)
        rows = Source(
            source.name, "duckdb", path=str(folder / SOURCE_FILE), timezone=source.timezone
        )
        try:
            with connect(rows, project.root, context=sync.file) as conn:
                compiled = compile_given(conn, doc, given, test["given"], sync, source)
            try:
                sent = plan_rows(project, compiled, rows, folder)
            except SourceError as exc:
                raise GivenProblem(
                    given,
                    f"the compiled SQL failed on the given rows: {_planner_words(exc)}",
                    "run `onesync compile --dialect duckdb` to see it",
                    key=True,
                ) from None
            except PlanError as exc:
                raise GivenProblem(given, f"the plan was refused: {exc}", key=True) from None
            except Exception as exc:  # the planner crashed on these rows: a bug, not a failure
                raise GivenProblem(
                    given,
                    f"the planner failed on the given rows: {type(exc).__name__}: {exc}",
                    "this is a bug in onesync; please report it with this test",
                    key=True,
                ) from exc
        except GivenProblem as p:
            label = f"test '{test['name']}': "
            error = doc.diag(p.path, label + p.message, p.hint, key=p.key)
            return TestResult(sync.name, test["name"], pos, error=error)
    diffs = compare(sent, doc, (*at, "expect"), test["expect"])
    return TestResult(sync.name, test["name"], pos, tuple(diffs))
