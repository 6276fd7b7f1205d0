"""The command reference, docs/commands/, generated from each command's ``--help``.

    python -m onesync.cli.docs            # (re)write docs/commands/ (run from the repository root)
    python -m onesync.cli.docs --check    # exit 1 and name the stale pages; writes nothing

One page per top-level command (a group's subcommands are sections of its page) and an index,
README.md, with the global options and how to turn on shell completion. Help is rendered at a
fixed width, so a page depends on the code alone, not on the terminal that generated it;
tests/cli/test_docs.py fails when a page differs from what this module renders.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from onesync.cli.main import PROG, main

__all__ = ["DOCS_DIR", "WIDTH", "render_pages", "stale_pages", "write_pages"]

DOCS_DIR = Path("docs") / "commands"
WIDTH = 80
REGENERATE = "python -m onesync.cli.docs"
_BANNER = (
    f"<!-- Generated from `--help` by `{REGENERATE}`; edit the command's docstring instead. -->"
)

_FISH_FILE = "~/.config/fish/completions/onesync.fish"
_COMPLETION = f"""\
## Shell completion

onesync completes its commands, options, file paths and the names of the syncs in a project
(after `-p DIR`, or in the current directory) through click's own completion. Add one line to
your shell's start-up file, then open a new shell:

| shell | add | to |
| --- | --- | --- |
| bash (4.4 or later) | `eval "$(_ONESYNC_COMPLETE=bash_source onesync)"` | `~/.bashrc` |
| zsh | `eval "$(_ONESYNC_COMPLETE=zsh_source onesync)"` | `~/.zshrc` |
| fish | `_ONESYNC_COMPLETE=fish_source onesync \\| source` | `{_FISH_FILE}` |

Running `onesync` for every new shell costs a fraction of a second; to avoid it, write the
script once and source the file instead, e.g. for bash
`_ONESYNC_COMPLETE=bash_source onesync > ~/.onesync-complete.bash` and
`. ~/.onesync-complete.bash` in `~/.bashrc` (regenerate it after upgrading onesync).
"""


def _help(chain: list[tuple[str, click.Command]]) -> str:
    """``--help`` of the last command of ``chain`` (name, command pairs from the root down)."""
    ctx: click.Context | None = None
    for name, command in chain:
        settings = dict(command.context_settings) if ctx is None else {}
        settings.update(terminal_width=WIDTH, max_content_width=WIDTH)
        ctx = click.Context(command, info_name=name, parent=ctx, **settings)
    assert ctx is not None
    return ctx.command.get_help(ctx).rstrip() + "\n"


def _walk(
    chain: list[tuple[str, click.Command]],
) -> Iterator[list[tuple[str, click.Command]]]:
    """``chain`` and every subcommand below it, depth first, sorted by name."""
    yield chain
    command = chain[-1][1]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _walk([*chain, (name, command.commands[name])])


def _block(text: str) -> str:
    return f"```text\n{text}```\n"


def _page(name: str, command: click.Command) -> str:
    root = [(PROG, main)]
    parts = [_BANNER, ""]
    for chain in _walk([*root, (name, command)]):
        title = " ".join(n for n, _ in chain)
        level = "#" if len(chain) == 2 else "##"
        parts += [f"{level} {title}", "", _block(_help(chain))]
    return "\n".join(parts).rstrip() + "\n"


def _index() -> str:
    rows = []
    for name in sorted(main.commands):
        command = main.commands[name]
        summary = command.get_short_help_str(limit=1_000).replace("|", "\\|")
        rows.append(f"| [`{PROG} {name}`]({name}.md) | {summary} |")
    return (
        "\n".join(
            [
                _BANNER,
                "",
                "# Command reference",
                "",
                f"One page per command, each its `{PROG} COMMAND --help` (`-h` works too).",
                f"Regenerate them with `{REGENERATE}` after changing a command's help;",
                "a test fails while a page is out of date.",
                "",
                "| command | does |",
                "| --- | --- |",
                *rows,
                "",
                f"## {PROG}",
                "",
                _block(_help([(PROG, main)])),
                _COMPLETION,
            ]
        ).rstrip()
        + "\n"
    )


def render_pages() -> dict[str, str]:
    """Every page of docs/commands/ by file name, as this code renders it."""
    pages = {"README.md": _index()}
    for name in sorted(main.commands):
        pages[f"{name}.md"] = _page(name, main.commands[name])
    return pages


def stale_pages(directory: Path = DOCS_DIR) -> list[str]:
    """The pages in ``directory`` that differ from ``render_pages()``, are missing, or are
    left over from a command that no longer exists."""
    pages = render_pages()
    stale = [
        name
        for name, text in pages.items()
        if not (directory / name).is_file() or (directory / name).read_text() != text
    ]
    if directory.is_dir():
        stale += sorted(p.name for p in directory.glob("*.md") if p.name not in pages)
    return sorted(stale)


def write_pages(directory: Path = DOCS_DIR) -> list[Path]:
    """Write every page into ``directory`` and remove pages of commands that are gone."""
    directory.mkdir(parents=True, exist_ok=True)
    pages = render_pages()
    for old in directory.glob("*.md"):
        if old.name not in pages:
            old.unlink()
    written = []
    for name, text in pages.items():
        path = directory / name
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale pages (exit 1)")
    parser.add_argument("--dir", type=Path, default=DOCS_DIR, help=f"default: {DOCS_DIR}")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages(args.dir)
        for name in stale:
            print(f"{args.dir / name} is out of date; run: {REGENERATE}", file=sys.stderr)
        return 1 if stale else 0
    for path in write_pages(args.dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
