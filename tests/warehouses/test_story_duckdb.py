"""The warehouse story on DuckDB, the embedded default: the yardstick the warehouses match."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from onesync.sandbox import Sandbox

from .story import tell_story

TYPES = {"text": "VARCHAR", "decimal": "DECIMAL(10, 2)", "timestamp": "TIMESTAMP"}


class DuckDBWarehouse:
    def __init__(self, path: Path) -> None:
        self.path = path

    def source_yaml(self) -> str:
        return f"    dialect: duckdb\n    path: {self.path}\n"

    def table(self, name: str) -> str:
        return name

    def replace(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        conn = duckdb.connect(str(self.path))
        try:
            cols = ", ".join(f"{n} {TYPES[k]}" for n, k in columns)
            conn.execute(f"CREATE OR REPLACE TABLE {table} ({cols})")
            marks = ", ".join("?" for _ in columns)
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        finally:
            conn.close()


def test_the_story_on_duckdb(tmp_path: Path, sb: Sandbox) -> None:
    read_by = tell_story(tmp_path / "project", sb, DuckDBWarehouse(tmp_path / "dw.duckdb"))
    assert read_by == ["attach", "attach", "attach"]
