"""Shell completion as bash, zsh and fish drive it: click's environment variables, a real
project made by ``onesync init``, the CLI in a subprocess."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import environ, run

SYNCS = ["customer_profile", "order_receipt", "orders_placed"]


def bash_complete(line: str, cwd: Path) -> tuple[list[str], str]:
    """What bash would offer for ``line`` (the cursor at its end): (values, stderr)."""
    words = line.split(" ")
    env = environ(
        _ONESYNC_COMPLETE="bash_complete", COMP_WORDS=line, COMP_CWORD=str(len(words) - 1)
    )
    done = run(cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return [item.split(",", 1)[1] for item in done.stdout.splitlines() if item], done.stderr


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("onesync compile ", SYNCS),
        ("onesync compile order", ["order_receipt", "orders_placed"]),
        ("onesync compile customer_profile ", ["order_receipt", "orders_placed"]),
        ("onesync plan ", SYNCS),
        ("onesync export ", SYNCS),
        ("onesync apply --sync ", SYNCS),
        ("onesync co", ["compile"]),
        ("onesync sandbox s", ["serve", "show"]),
    ],
)
def test_sync_names_complete_in_the_project_directory(
    project: Path, line: str, expected: list[str]
) -> None:
    assert bash_complete(line, project) == (expected, "")


def test_dash_p_names_the_project_to_complete_from(project: Path) -> None:
    outside = project.parent
    assert bash_complete(f"onesync plan -p {project.name} c", outside) == (
        ["customer_profile"],
        "",
    )
    assert bash_complete(f"onesync compile --project {project} ", outside)[0] == SYNCS


def test_no_project_completes_nothing_and_says_nothing(tmp_path: Path) -> None:
    assert bash_complete("onesync compile ", tmp_path) == ([], "")
    assert bash_complete("onesync plan -p missing/dir ", tmp_path) == ([], "")


def test_a_project_with_mistakes_still_completes(project: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(project, broken)
    (broken / "specs" / "bad.yaml").write_text("sync: half_done\nsource: nowhere\nmodel: [\n")
    (broken / "specs" / "wrong.yaml").write_text("sync: wrong_fields\nno_such_key: 1\n")
    assert bash_complete("onesync compile ", broken) == (sorted([*SYNCS, "wrong_fields"]), "")


def test_zsh_and_fish_complete_sync_names(project: Path) -> None:
    zsh = run(
        cwd=project,
        env=environ(_ONESYNC_COMPLETE="zsh_complete", COMP_WORDS="onesync plan o", COMP_CWORD="2"),
    )
    assert zsh.returncode == 0 and zsh.stderr == ""
    assert "order_receipt" in zsh.stdout.split("\n") and "orders_placed" in zsh.stdout
    fish = run(
        cwd=project,
        env=environ(_ONESYNC_COMPLETE="fish_complete", COMP_WORDS="onesync plan o", COMP_CWORD="o"),
    )
    assert fish.returncode == 0 and fish.stderr == ""
    assert fish.stdout.splitlines() == ["plain,order_receipt", "plain,orders_placed"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_its_script(shell: str) -> None:
    done = run(env=environ(_ONESYNC_COMPLETE=f"{shell}_source"))
    assert done.returncode == 0, done.stderr
    assert f"_ONESYNC_COMPLETE={shell}_complete" in done.stdout
