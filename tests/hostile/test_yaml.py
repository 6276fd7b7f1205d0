"""Hostile YAML and hostile ``specs:``: bombs, loops, huge or deep files, files from elsewhere.

Each case is one project run as a real ``onesync validate`` (bounded in time and memory by the
harness): exit 1 at the file:line to edit, no traceback, no canary, and fast — an alias bomb is
refused after reading a few hundred parser events, never expanded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .harness import PROJECT, SYNC, assert_user_error, leaked, make_project, run

QUICK = 10.0  # seconds for a whole process (start-up included) that must refuse at once


def laughs(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": ``width ** levels`` values from a few hundred bytes."""
    names = [chr(ord("a") + i) for i in range(levels)]
    text = f"{names[0]}: &{names[0]} [{', '.join(['lol'] * width)}]\n"
    for prev, name in zip(names, names[1:], strict=False):
        text += f"{name}: &{name} [{', '.join([f'*{prev}'] * width)}]\n"
    return text


def spec(extra: str) -> str:
    return SYNC + extra


def symlink(rel: str, target: str | Callable[[Path], Path]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        link = root / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_dir() and not link.is_symlink():
            link.rmdir()
        link.unlink(missing_ok=True) if link.is_symlink() else None
        link.symlink_to(target(root) if callable(target) else target)

    return make


def outside(root: Path) -> Path:
    """A folder next to the project, holding a valid spec (it would load if it were read)."""
    there = root.parent / "outside"
    there.mkdir(exist_ok=True)
    (there / "stolen.yaml").write_text(SYNC.replace("customers\nsource", "stolen\nsource"))
    return there


@dataclass(frozen=True)
class Case:
    files: dict[str, str | bytes]
    where: str | None
    says: str
    setup: Callable[[Path], None] | None = None


CASES: dict[str, Case] = {
    "billion laughs in a spec": Case(
        {"specs/customers.yaml": spec(laughs())},
        "specs/customers.yaml:13:8",
        "makes the file expand past 100,000 values",
    ),
    "billion laughs in the project file": Case(
        {"onesync.yaml": PROJECT + laughs()},
        "onesync.yaml:15:",
        "makes the file expand past 100,000 values",
    ),
    "wide and shallow laughs": Case(
        {"specs/customers.yaml": spec(laughs(levels=3, width=99))},
        "specs/customers.yaml:10:12",
        "more than 100 YAML aliases",
    ),
    "a self-referencing mapping": Case(
        {"specs/customers.yaml": spec("loop: &loop\n  again: *loop\n")},
        "specs/customers.yaml:9:10",
        "alias *loop refers to the value that contains it",
    ),
    "a self-referencing list": Case(
        {"specs/customers.yaml": SYNC.replace("  plan: plan", "  plan: &t [a, [b, *t]]")},
        "specs/customers.yaml:7:20",
        "alias *t refers to the value that contains it",
    ),
    "an undefined alias": Case(
        {"specs/customers.yaml": SYNC.replace("plan: plan", "plan: *nowhere")},
        "specs/customers.yaml:7:9",
        "found undefined alias 'nowhere'",
    ),
    "a duplicate anchor": Case(
        {"specs/customers.yaml": SYNC.replace("plan: plan", "plan: &p plan\n  x: &p y")},
        "specs/customers.yaml:8:6",
        "duplicate anchor 'p' (first defined on line 7)",
    ),
    "a huge spec file": Case(
        {"specs/customers.yaml": spec("# " + "x" * (2 << 20) + "\n")},
        "specs/customers.yaml:1:1",
        "may be at most 1 MB",
    ),
    "a huge project file": Case(
        {"onesync.yaml": PROJECT + "#" * (3 << 20) + "\n"},
        "onesync.yaml:1:1",
        "may be at most 1 MB",
    ),
    "many small values": Case(
        {"specs/customers.yaml": spec("x: [" + ",".join(["1"] * 200_000) + "]\n")},
        "specs/customers.yaml:8:",
        "the file holds more than 100,000 values",
    ),
    "deep flow nesting": Case(
        {"specs/customers.yaml": spec("x: " + "[" * 100 + "]" * 100 + "\n")},
        "specs/customers.yaml:8:67",
        "values are nested more than 64 deep",
    ),
    "very deep flow nesting": Case(
        {"specs/customers.yaml": spec("x: " + "[" * 200_000 + "\n")},
        "specs/customers.yaml:8:",
        "values are nested more than 64 deep",
    ),
    "deep block nesting": Case(
        {"specs/customers.yaml": spec("".join("  " * i + f"k{i}:\n" for i in range(80)))},
        "specs/customers.yaml:",
        "values are nested more than 64 deep",
    ),
    "binary garbage": Case(
        {"specs/customers.yaml": b"\xff\xfe\x00\x00" + bytes(range(256)) * 8},
        "specs/customers.yaml:1:1",
        "not UTF-8",
    ),
    "specs: ../outside": Case(
        {"onesync.yaml": PROJECT.replace("specs: specs/", "specs: ../outside")},
        "onesync.yaml:9:8",
        "specs folder '../outside' is outside the project (keep the specs inside the project "
        "directory, or pass --allow-outside)",
        setup=outside,
    ),
    "specs: /etc": Case(
        {"onesync.yaml": PROJECT.replace("specs: specs/", "specs: /etc")},
        "onesync.yaml:9:8",
        "specs folder '/etc' is outside the project",
    ),
    "specs: /": Case(
        {"onesync.yaml": PROJECT.replace("specs: specs/", "specs: /")},
        "onesync.yaml:9:8",
        "specs folder '/' is outside the project",
    ),
    "a specs folder that links outside": Case(
        {"onesync.yaml": PROJECT.replace("specs: specs/", "specs: linked")},
        "onesync.yaml:9:8",
        "specs folder 'linked' links outside the project",
        setup=symlink("linked", outside),
    ),
    "a spec file that links outside": Case(
        {},
        "specs/stolen.yaml:1:1",
        "the file links outside the project",
        setup=symlink("specs/stolen.yaml", lambda root: outside(root) / "stolen.yaml"),
    ),
    "a spec file that links to a device": Case(
        {}, "specs/zero.yaml:1:1", "links outside", setup=symlink("specs/zero.yaml", "/dev/zero")
    ),
    "a spec file that links to itself": Case(
        {}, "specs/loop.yaml:1:1", "cannot read", setup=symlink("specs/loop.yaml", "loop.yaml")
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_yaml_is_refused_at_once(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    root = make_project(tmp_path / "project", case.files)
    if case.setup is not None:
        case.setup(root)
    outcome = run(root, "validate", "--offline", timeout=30)
    assert_user_error(outcome, where=case.where)
    assert case.says in outcome.stderr, outcome.stderr
    assert outcome.seconds < QUICK, outcome.seconds
    assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr[:2000]
    assert len(outcome.stderr) < 2000  # never the file echoed back
    assert leaked(root, outcome) == []
    assert "stolen" not in outcome.stdout


def test_ordinary_anchors_and_aliases_still_load(tmp_path: Path) -> None:
    text = SYNC.replace("tags:\n  plan: plan", "tags: &t\n  plan: plan\nx-copy: *t") + "\n"
    root = make_project(tmp_path, {"specs/customers.yaml": text})
    outcome = run(root, "validate", "--offline")
    assert "alias" not in outcome.stderr, outcome.stderr  # the schema may refuse x-copy; no more
    assert "Traceback" not in outcome.output


def test_a_specs_link_inside_the_project_loads(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {"onesync.yaml": PROJECT.replace("specs: specs/", "specs: linked"), "real/c.yaml": SYNC},
    )
    (root / "linked").symlink_to(root / "real")
    outcome = run(root, "validate", "--offline")
    assert outcome.code == 0, outcome.output
