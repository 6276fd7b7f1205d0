"""A test report as text: each failure with its differences, then one summary line.

::

    FAIL specs/customer_profile.yaml:25:5: customer_profile: a paying customer
      user c-1001: tags.plan  (specs/customer_profile.yaml:36:28)
        expected: "pro"
        got:      "free"
    1 failed, 2 passed (3 tests in 2 syncs)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onesync.testing import TestReport

__all__ = ["render_text", "summary"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_text(report: TestReport) -> str:
    """Every failed test with its differences (errors are diagnostics: the CLI prints them on
    stderr), followed by ``summary``."""
    lines: list[str] = []
    for result in report.failed:
        lines.append(f"FAIL {result.pos}: {result.sync}: {result.name}")
        for d in result.differences:
            where = f"  ({d.pos})" if d.pos is not None else ""
            lines.append(f"  {d.what}{where}")
            if d.expected is not None:
                lines.append(f"    expected: {d.expected}")
            lines.append(f"    got:      {d.got if d.got is not None else 'nothing'}")
            if d.note:
                lines.append(f"    refused:  {d.note}")
    lines.append(summary(report))
    return "\n".join(lines)


def summary(report: TestReport) -> str:
    """One line: ``ok: 7 tests passed (4 syncs)``, or the counts of failures and errors."""
    total = len(report.results)
    syncs = len({r.sync for r in report.results})
    untested = f"; no tests in {', '.join(report.untested)}" if report.untested else ""
    if not total:
        return (
            f"no tests: none of the {_plural(len(report.syncs), 'sync')} declares tests: "
            "(see docs/testing.md)"
        )
    where = f"{_plural(total, 'test')} in {_plural(syncs, 'sync')}{untested}"
    if report.ok:
        return f"ok: {_plural(total, 'test')} passed ({_plural(syncs, 'sync')}{untested})"
    failed, errors = len(report.failed), len(report.errors)
    passed = total - failed - errors
    parts = [f"{failed} failed"] if failed else []
    parts += [f"{_plural(errors, 'error')}"] if errors else []
    parts.append(f"{passed} passed")
    return f"{', '.join(parts)} ({where})"
