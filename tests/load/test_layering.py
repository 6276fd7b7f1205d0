"""The load stage stands alone: it imports nothing from validate (or any later stage)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

LOAD = Path(__file__).resolve().parents[2] / "onesync" / "load"
LATER = ("validate", "compile", "sources", "state", "plan", "apply", "destination", "api", "cli")


def _later(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "onesync" and len(parts) > 1 and parts[1] in LATER


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_of_load_imports_a_later_stage() -> None:
    for path in sorted(LOAD.glob("*.py")):
        assert not [n for n in _imported(path) if _later(n)], path.name


def test_importing_load_loads_no_later_stage() -> None:
    code = "import sys, onesync.load; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [m for m in loaded if _later(m)]
