"""Everything a plan file holds, as text: for tests that look for what must not be there.

A plan file is Parquet (compressed), so a byte search would miss a secret inside it; this reads
the manifest and every cell back through DuckDB instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb


def is_plan(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"PAR1"


def manifest(path: Path) -> dict[str, Any]:
    conn = duckdb.connect()
    try:
        rows = conn.execute(
            "SELECT decode(key), decode(value) FROM parquet_kv_metadata(?)", [str(path)]
        ).fetchall()
    finally:
        conn.close()
    return json.loads(dict(rows)["onesync.plan"])


def rows(path: Path) -> list[dict[str, Any]]:
    conn = duckdb.connect()
    try:
        cur = conn.execute("SELECT * FROM read_parquet(?)", [str(path)])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        conn.close()


def plan_text(path: Path) -> str:
    """The manifest and every row of a plan file, as one string."""
    return json.dumps(manifest(path)) + "\n" + "\n".join(json.dumps(r) for r in rows(path))
