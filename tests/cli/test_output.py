"""Colour on a terminal, by each line's leading rune; none under NO_COLOR, TERM=dumb or a pipe.

The terminal is a real pseudo-terminal (the pty module); the program on it is onesync's own.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from onesync.cli.output import colourise, counted

from .conftest import ONESYNC, environ, run, run_in_pty

GREEN, YELLOW, RED, BOLD, RESET = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[1m", "\x1b[0m"


@pytest.mark.parametrize(
    ("line", "styled"),
    [
        ("  + user c-1001", f"{GREEN}  + user c-1001{RESET}"),
        ("      ~ tag plan: a -> b", f"{YELLOW}      ~ tag plan: a -> b{RESET}"),
        ("\t- alias crm_id (removed)", f"{RED}\t- alias crm_id (removed){RESET}"),
        ("  ! conflict key c-1", f"{RED}{BOLD}  ! conflict key c-1{RESET}"),
        ("error: no sync named 'x'", f"{RED}{BOLD}error: no sync named 'x'{RESET}"),
        (
            "specs/a.yaml:3:7: error: bad (fix)",
            f"{RED}{BOLD}specs/a.yaml:3:7: error: bad (fix){RESET}",
        ),
        ("internal error: TypeError: x", f"{RED}{BOLD}internal error: TypeError: x{RESET}"),
        ("Error: No such option", f"{RED}{BOLD}Error: No such option{RESET}"),
        (
            "specs/a.yaml:1:1: warning: no unsubscribe link",
            f"{YELLOW}specs/a.yaml:1:1: warning: no unsubscribe link{RESET}",
        ),
        # not runes: a count, a rule, prose that mentions an error
        ("+1 create, ~0 update", "+1 create, ~0 update"),
        ("-----", "-----"),
        ("customer_profile: no error: all good", "customer_profile: no error: all good"),
        ("ok: 3 syncs valid", "ok: 3 syncs valid"),
    ],
)
def test_each_line_is_styled_by_its_leading_rune(line: str, styled: str) -> None:
    assert colourise(line) == styled
    assert colourise(f"{line}\nplain\n") == f"{styled}\nplain\n"


ECHO = [
    sys.executable,
    "-c",
    "from onesync.cli.output import echo\n"
    "echo('plan:\\n  + create\\n  ~ update\\n  - unset\\n  ! invalid')\n"
    "echo('error: it broke', err=True)\n"
    "echo('  + select 1', plain=True)",
]


def test_a_terminal_gets_colour_on_stdout_and_stderr() -> None:
    code, shown = run_in_pty(ECHO, env=environ(TERM="xterm"))
    assert code == 0
    assert shown.splitlines() == [
        "plan:",
        f"{GREEN}  + create{RESET}",
        f"{YELLOW}  ~ update{RESET}",
        f"{RED}  - unset{RESET}",
        f"{RED}{BOLD}  ! invalid{RESET}",
        f"{RED}{BOLD}error: it broke{RESET}",
        "  + select 1",
    ]


@pytest.mark.parametrize(
    "env",
    [{"NO_COLOR": "1"}, {"NO_COLOR": "false"}, {"TERM": "dumb"}],
    ids=["NO_COLOR=1", "NO_COLOR=false", "TERM=dumb"],
)
def test_no_colour_under_no_color_or_a_dumb_terminal(env: dict[str, str]) -> None:
    code, shown = run_in_pty(ECHO, env=environ(**{"TERM": "xterm", **env}))
    assert code == 0
    assert "\x1b" not in shown
    assert "  + create" in shown and "error: it broke" in shown


def test_no_colour_into_a_pipe_even_on_a_colour_terminal(project: Path) -> None:
    done = run("validate", "-p", str(project / "nowhere"), env=environ(TERM="xterm"))
    assert done.returncode == 1
    assert "error:" in done.stderr and "\x1b" not in done.stderr


def test_spec_errors_are_red_on_a_terminal(tmp_path: Path) -> None:
    code, shown = run_in_pty([*ONESYNC, "validate", "-p", str(tmp_path)], env=environ(TERM="xterm"))
    assert code == 1
    [line] = shown.splitlines()
    assert line.startswith(f"{RED}{BOLD}") and ": error: no onesync.yaml here" in line


def test_the_demo_is_bold_and_green_on_a_terminal_and_plain_under_no_color(
    project: Path,
) -> None:
    code, shown = run_in_pty([*ONESYNC, "demo"], cwd=project, env=environ(TERM="xterm"))
    assert code == 0, shown[-2000:]
    assert f"{BOLD}== onesync validate{RESET}" in shown
    assert f"{GREEN}  + user c-1001" in shown
    code, shown = run_in_pty(
        [*ONESYNC, "demo"], cwd=project, env=environ(TERM="xterm", NO_COLOR="1")
    )
    assert code == 0, shown[-2000:]
    assert "\x1b" not in shown and "== onesync validate" in shown


@pytest.mark.parametrize(
    ("count", "word", "plural", "text"),
    [
        (0, "source", None, "0 sources"),
        (1, "source", None, "1 source"),
        (2, "sync", None, "2 syncs"),
        (1, "API request", None, "1 API request"),
        (1500, "user", None, "1,500 users"),
        (2, "entry", "entries", "2 entries"),
    ],
)
def test_counted(count: int, word: str, plural: str | None, text: str) -> None:
    assert counted(count, word, plural) == text


def test_validate_says_1_source(project: Path) -> None:
    done = run("validate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok: 3 syncs valid (1 source)\n"
