"""Mangled specs give diagnostics, never a traceback: seeded random edits of the design examples."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from onesync.errors import SpecError
from onesync.model import Project
from onesync.validate import load_project

from .test_design_examples import ENV, FILES

TOKENS = [
    ":", "-", "[", "]", "{", "}", "'", '"', "|", ">", "\t", " ", "\n", "*", "&a", "*a", "!!int",
    "${env:X}", "#", ",", "?", "select", "1", "true", "no", "os.", "{{", "}}", "%", "...",
    "2026-12-31", "9999-12-31T23:00-05:00", "T09:00", "+01:00", "on_leave: clear", "type: number",
]  # fmt: skip


def mutate(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        op, i = rng.random(), rng.randrange(len(lines))
        if op < 0.3 and len(lines) > 1:
            del lines[i]
        elif op < 0.5:
            lines.insert(i, lines[rng.randrange(len(lines))])
        else:
            j = rng.randint(0, len(lines[i]))
            k = min(len(lines[i]), j + rng.randint(0, 4))
            lines[i] = lines[i][:j] + rng.choice(TOKENS) + lines[i][k:]
    return "\n".join(lines)


@pytest.mark.parametrize("block", range(10))
def test_mangled_projects_load_or_raise_spec_error(block: int, tmp_path: Path) -> None:
    for seed in range(block * 30, block * 30 + 30):
        rng = random.Random(seed)
        files = dict(FILES)
        name = rng.choice(sorted(files))
        files[name] = mutate(rng, files[name])
        root = tmp_path / str(seed)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        try:
            result = load_project(root, env=ENV, catalog=lambda source, what: ["order_id", "x"])
        except SpecError as e:
            assert e.diagnostics, seed
            assert all(d.line >= 1 and d.col >= 1 and d.message for d in e.diagnostics), seed
        else:
            assert isinstance(result, Project)
