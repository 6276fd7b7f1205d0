"""``onesync test``: run the mapping unit tests declared next to the specs."""

from __future__ import annotations

from pathlib import Path

import click

from onesync.cli.options import allow_outside_option, project_option
from onesync.cli.output import echo, error_lines
from onesync.errors import SpecError


@click.command(name="test")
@project_option
@allow_outside_option
@click.argument("syncs", nargs=-1)
@click.pass_context
def test_(ctx: click.Context, project: Path, allow_outside: bool, syncs: tuple[str, ...]) -> None:
    """Run the mapping unit tests declared next to the specs (tests: in each sync file).

    Each test's given rows are put in a temporary DuckDB file and planned by the real planner
    against an empty state; what the plan would send is compared with the test's expect. No
    source is opened and nothing is sent. Exit 0 when every test passes, 1 when one fails (its
    differences, with file:line:col) or cannot run.
    """
    from onesync.testing import render_text, run_tests

    report = run_tests(project, syncs, allow_outside=allow_outside)
    *failures, last = render_text(report).split("\n")
    for line in failures:
        echo(line)
    if report.errors:
        for line in error_lines(SpecError(list(report.errors))):
            echo(line, err=True)
    echo(last)
    ctx.exit(0 if report.ok else 1)


COMMANDS = [test_]
