"""Benchmark ``onesync plan``: a 10-tag model, DuckDB source and state, plan file written.

    .venv/bin/python benchmarks/bench_plan.py [--rows 1000000] [--big 10000000] [--changed 0.1]

Measured, each plan in its own process (so its peak RSS is its own), next to a bare DuckDB
full-outer-join hash diff of the same data in the same run (the floor):

* the first plan of ``--rows`` rows (every row a new user), with ``plan -o`` written;
* the plan after ``--changed`` of the rows changed (the state holds every row as confirmed);
* the plan with nothing changed;
* the first plan of ``--big`` rows (0 skips it).

Targets (issue 14): first plan within 10x of its floor and under 500 MB; changed plan within 3x
of its floor; no-change plan under 1 s; the big first plan under 1 GB; the plan file of the
first plan at most 60 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from onesync.model import Destination, Field, Identity, Model, Project, Source, StateConfig, Sync

TAGS = 10
APP = "5eb5a37e-0000-4000-8000-0000000000b1"


def project(root: Path) -> Project:
    sync = Sync(
        name="bench",
        file="specs/bench.yaml",
        source="db",
        model=Model(table="users"),
        identity=Identity("id"),
        tags=tuple(Field(f"t{i}", f"t{i}") for i in range(TAGS)),
        mode="mirror",
    )
    return Project(
        root=root,
        file="onesync.yaml",
        sources=(Source("db", "duckdb", path="src.duckdb"),),
        destination=Destination(APP, "key"),
        state=StateConfig(),
        syncs=(sync,),
    )


def source(root: Path, rows: int) -> None:
    tags = ", ".join(f"'v' || ((i * {k + 7}) % 1000) AS t{k}" for k in range(TAGS))
    conn = duckdb.connect(str(root / "src.duckdb"))
    conn.execute(f"CREATE TABLE users AS SELECT i AS id, {tags} FROM range({rows}) r(i)")
    conn.close()


def fill_state(root: Path) -> None:
    """A state holding every row as confirmed, as if the first plan had been applied."""
    from onesync.compile import compile_sync
    from onesync.state import open_state

    p = project(root)
    compiled = compile_sync(p.syncs[0], p.sources[0])
    tags = [c for c in compiled.columns if c.role == "tag"]
    obj = ", ".join(f"'tag:{c.label}', \"{c.name}\"" for c in tags)
    open_state(p.state, root).close()  # created and migrated; then written as a plain file
    conn = duckdb.connect(str(root / ".onesync" / "state.duckdb"))
    try:
        conn.execute(f"ATTACH '{root / 'src.duckdb'}' AS src (READ_ONLY)")
        conn.execute("USE src")
        conn.execute(
            'INSERT INTO state.main.onesync_rows SELECT \'bench\', "__key", "__fingerprint", '
            f"json_object({obj}), 'now' FROM ({compiled.sql}) q"
        )
        conn.execute("USE state")
        conn.execute("DETACH src")
    finally:
        conn.close()


def change(root: Path, share: float) -> None:
    conn = duckdb.connect(str(root / "src.duckdb"))
    conn.execute(f"UPDATE users SET t3 = t3 || 'x' WHERE id % {round(1 / share)} = 0")
    conn.close()


def floor(root: Path) -> float:
    """A bare hash diff: the compiled rows FULL OUTER JOIN the state rows, count differences."""
    from onesync.compile import compile_sync
    from onesync.state import open_state

    p = project(root)
    sql = compile_sync(p.syncs[0], p.sources[0]).sql
    open_state(p.state, root).close()  # the tables exist even before a first plan
    conn = duckdb.connect(str(root / ".onesync" / "state.duckdb"))
    conn.execute(f"ATTACH '{root / 'src.duckdb'}' AS src (READ_ONLY)")
    conn.execute("USE src")
    start = time.perf_counter()
    conn.execute(
        f"SELECT count(*) FROM ({sql}) i FULL OUTER JOIN state.main.onesync_rows s "
        "ON s.sync = 'bench' AND s.key = i.\"__key\" "
        'WHERE s.fingerprint IS DISTINCT FROM i."__fingerprint"'
    ).fetchone()
    took = time.perf_counter() - start
    conn.close()
    return took


def child_plan(root: Path) -> None:
    """One plan, in this process: prints its wall time, peak RSS, plan file size, counts."""
    from onesync.plan import make_plan, write_plan

    start = time.perf_counter()
    with make_plan(project(root), allow_destructive=True) as plan:
        out = root / "plan.parquet"
        write_plan(plan, out)
        counts = plan.syncs[0].counts
    took = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": took, "rss_mb": rss, "file_mb": out.stat().st_size / 2**20,
                      "counts": counts}))  # fmt: skip


def run_child(root: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", str(root)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def show(label: str, r: dict, base: float) -> None:
    c = r["counts"]
    print(
        f"{label}: {r['seconds']:.2f} s, peak RSS {r['rss_mb']:.0f} MB, plan file "
        f"{r['file_mb']:.1f} MB; floor {base:.2f} s, ratio {r['seconds'] / base:.1f}x "
        f"(create {c['create']:,}, update {c['update']:,}, unchanged {c['unchanged']:,})"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--big", type=int, default=10_000_000, help="first plan at this size; 0: skip")
    ap.add_argument("--changed", type=float, default=0.1)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_plan(Path(args.child))
        return
    met: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="onesync-bench-") as tmp:
        root = Path(tmp)
        source(root, args.rows)
        print(f"{args.rows:,} rows x {TAGS} tags, DuckDB source and state")
        base = floor(root)
        first = run_child(root)
        show("first plan (every row new)", first, base)
        met += [first["seconds"] / base <= 10, first["rss_mb"] < 500, first["file_mb"] <= 60]
        (root / ".onesync" / "state.duckdb").unlink()
        fill_state(root)
        nochange = run_child(root)
        show("no-change plan", nochange, floor(root))
        met.append(nochange["seconds"] < 1)
        change(root, args.changed)
        base = floor(root)
        changed = run_child(root)
        show(f"plan with {args.changed:.0%} changed", changed, base)
        met.append(changed["seconds"] / base <= 3)
    if args.big:
        with tempfile.TemporaryDirectory(prefix="onesync-bench-") as tmp:
            root = Path(tmp)
            source(root, args.big)
            base = floor(root)
            big = run_child(root)
            show(f"first plan at {args.big:,} rows", big, base)
            met.append(big["rss_mb"] < 1024)
    print(
        "targets (first <=10x floor, <500 MB, file <=60 MB; no-change <1 s; changed <=3x floor;"
        " big first <1 GB):", "met" if all(met) else "MISSED",
    )  # fmt: skip


if __name__ == "__main__":
    main()
