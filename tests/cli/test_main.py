"""The ``onesync`` group: --version, -h on every command, command lists that are never cut off."""

from __future__ import annotations

import importlib.metadata
import re

import click
import pytest
from click.testing import CliRunner

from onesync.cli import main
from onesync.cli.docs import _help, _walk

from .conftest import environ, run

CHAINS = [
    chain
    for name in sorted(main.commands)
    for chain in _walk([("onesync", main), (name, main.commands[name])])
]
NAMES = [" ".join(n for n, _ in chain[1:]) for chain in CHAINS]


def test_version_prints_the_installed_version() -> None:
    done = run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"onesync {importlib.metadata.version('onesync')}\n"


@pytest.mark.parametrize("names", ["", *NAMES])
def test_dash_h_is_help_on_every_command(names: str) -> None:
    args = names.split()
    runner = CliRunner()
    short, long = (runner.invoke(main, [*args, h], prog_name="onesync") for h in ("-h", "--help"))
    assert short.exit_code == 0, short.output
    assert short.stdout.startswith(f"Usage: onesync {names}".rstrip() + " ")
    assert "-h, --help" in short.stdout
    assert short.stdout == long.stdout


def _listed(help_text: str) -> dict[str, str]:
    """The Commands: section of a group's help: name -> its summary, wrapped lines joined."""
    entries: dict[str, list[str]] = {}
    for line in help_text.partition("\nCommands:\n")[2].splitlines():
        head = re.match(r"  (\S+)\s+(.*)", line)
        if head:
            entries[head.group(1)] = [head.group(2)]
        elif line.strip():
            entries[list(entries)[-1]].append(line.strip())
    return {name: " ".join(parts) for name, parts in entries.items()}


GROUPS = [c for c in [[("onesync", main)], *CHAINS] if isinstance(c[-1][1], click.Group)]


@pytest.mark.parametrize("chain", GROUPS, ids=lambda c: " ".join(n for n, _ in c))
def test_command_lists_show_whole_sentences(chain: list[tuple[str, click.Command]]) -> None:
    group = chain[-1][1]
    assert isinstance(group, click.Group)
    listed = _listed(_help(chain))
    whole = {
        name: command.get_short_help_str(limit=1_000) for name, command in group.commands.items()
    }
    assert listed == whole
    cut = [name for name, text in listed.items() if text.endswith("...") or len(text) < 10]
    assert cut == []


def test_a_narrow_terminal_wraps_summaries_and_cuts_none() -> None:
    narrow = run("--help", env=environ(COLUMNS="50"))
    assert narrow.returncode == 0, narrow.stderr
    whole = {
        name: command.get_short_help_str(limit=1_000) for name, command in main.commands.items()
    }
    assert _listed(narrow.stdout) == whole


def test_a_usage_error_is_one_line_and_exit_1() -> None:
    done = run("compile", "--no-such-flag")
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("Error: ") and "--no-such-flag" in line
    assert line.endswith("(see 'onesync compile --help')")
