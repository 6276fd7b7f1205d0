"""docs/commands/ is each command's --help as the code renders it today, and its shell
completion lines work."""

from __future__ import annotations

import re
from pathlib import Path

from onesync.cli import main
from onesync.cli.docs import REGENERATE, render_pages, stale_pages

from .conftest import environ, run

DOCS = Path(__file__).resolve().parents[2] / "docs" / "commands"


def test_the_command_pages_are_up_to_date() -> None:
    stale = stale_pages(DOCS)
    assert stale == [], (
        f"docs/commands/ is out of date ({', '.join(stale)}); "
        f"run `.venv/bin/{REGENERATE}` from the repository root"
    )


def test_every_command_and_subcommand_has_its_help_on_a_page() -> None:
    pages = render_pages()
    assert set(pages) == {"README.md", *(f"{name}.md" for name in main.commands)}
    for name, command in main.commands.items():
        index_row = f"| [`onesync {name}`]({name}.md) |"
        assert index_row in pages["README.md"]
        assert f"Usage: onesync {name} " in pages[f"{name}.md"]
        for sub in getattr(command, "commands", {}):
            assert f"## onesync {name} {sub}\n" in pages[f"{name}.md"]
            assert f"Usage: onesync {name} {sub} " in pages[f"{name}.md"]


def test_a_changed_help_text_makes_the_check_fail(tmp_path: Path) -> None:
    for name, text in render_pages().items():
        (tmp_path / name).write_text(text)
    assert stale_pages(tmp_path) == []
    page = tmp_path / "init.md"
    page.write_text(page.read_text().replace("Scaffold", "Make"))
    (tmp_path / "gone.md").write_text("a command that no longer exists\n")
    (tmp_path / "plan.md").unlink()
    assert stale_pages(tmp_path) == ["gone.md", "init.md", "plan.md"]


def test_the_documented_completion_lines_produce_a_script_for_each_shell() -> None:
    index = (DOCS / "README.md").read_text()
    shells = re.findall(r"_ONESYNC_COMPLETE=(\w+)_source onesync", index)
    assert {"bash", "zsh", "fish"} <= set(shells)
    for shell in set(shells):
        done = run(env=environ(_ONESYNC_COMPLETE=f"{shell}_source"))
        assert done.returncode == 0 and f"{shell}_complete" in done.stdout, shell
