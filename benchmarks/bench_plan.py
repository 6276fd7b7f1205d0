"""Benchmark ``onesync plan``: a 1,000,000-row model with 10 tags, DuckDB source and state.

    .venv/bin/python benchmarks/bench_plan.py [--rows N] [--changed 0.1]

Prints the wall time and peak memory (max RSS) of a no-change plan and of a plan where 10% of
rows changed, and the time of a bare DuckDB full-outer-join hash diff of the same data as the
floor. Setup (source data, a state as if everything had been applied) runs in a child process so
it does not count towards the plan's peak memory. Targets: plan within 10x of the floor and under
5 s, no-change plan under 3 s, peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from onesync.model import Destination, Field, Identity, Model, Project, Source, StateConfig, Sync

TAGS = 10


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
        destination=Destination("app", "key"),
        state=StateConfig(),
        syncs=(sync,),
    )


def setup(root: Path, rows: int) -> None:
    """Source table and a state holding every row as confirmed (run in a child process)."""
    from onesync.compile import compile_sync
    from onesync.state import open_state

    tags = ", ".join(f"'v' || ((i * {k + 7}) % 1000) AS t{k}" for k in range(TAGS))
    conn = duckdb.connect(str(root / "src.duckdb"))
    conn.execute(f"CREATE TABLE users AS SELECT i AS id, {tags} FROM range({rows}) r(i)")
    conn.close()
    p = project(root)
    compiled = compile_sync(p.syncs[0], p.sources[0])
    tags = [c for c in compiled.columns if c.role == "tag"]
    obj = ", ".join(f"'tag:{c.label}', \"{c.name}\"" for c in tags)
    with open_state(p.state, root) as st:
        st.execute(f"ATTACH '{root / 'src.duckdb'}' AS src (READ_ONLY)")
        st.execute("USE src")
        st.execute(
            'INSERT INTO state.main.onesync_rows SELECT \'bench\', "__key", "__fingerprint", '
            f"json_object({obj}), 'now' FROM ({compiled.sql}) q"
        )
        st.execute("USE state")
        st.execute("DETACH src")


def change(root: Path, share: float) -> None:
    conn = duckdb.connect(str(root / "src.duckdb"))
    conn.execute(f"UPDATE users SET t3 = t3 || 'x' WHERE id % {round(1 / share)} = 0")
    conn.close()


def floor(root: Path) -> float:
    """A bare hash diff: the compiled rows FULL OUTER JOIN the state rows, count differences."""
    from onesync.compile import compile_sync

    p = project(root)
    sql = compile_sync(p.syncs[0], p.sources[0]).sql
    conn = duckdb.connect(str(root / ".onesync" / "state.duckdb"))
    conn.execute(f"ATTACH '{root / 'src.duckdb'}' AS src (READ_ONLY)")
    conn.execute("USE src")
    start = time.perf_counter()
    n = conn.execute(
        f"SELECT count(*) FROM ({sql}) i FULL OUTER JOIN state.main.onesync_rows s "
        "ON s.sync = 'bench' AND s.key = i.\"__key\" "
        'WHERE s.fingerprint IS DISTINCT FROM i."__fingerprint"'
    ).fetchone()[0]
    took = time.perf_counter() - start
    conn.close()
    print(f"floor: bare DuckDB full-outer-join diff: {took:.2f} s ({n:,} rows differ)")
    return took


def timed_plan(root: Path, label: str) -> float:
    from onesync.plan import make_plan

    start = time.perf_counter()
    plan = make_plan(project(root), allow_destructive=True)
    took = time.perf_counter() - start
    c = plan.syncs[0].counts
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: {took:.2f} s, peak RSS so far {rss:.0f} MB "
          f"(update {c['update']:,}, unchanged {c['unchanged']:,})")  # fmt: skip
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--changed", type=float, default=0.1)
    ap.add_argument("--setup", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.setup:
        setup(Path(args.setup), args.rows)
        return
    with tempfile.TemporaryDirectory(prefix="onesync-bench-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        cmd = [sys.executable, __file__, "--setup", tmp, "--rows", str(args.rows)]
        subprocess.run(cmd, check=True)
        print(f"setup: {args.rows:,} rows x {TAGS} tags, state filled: "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        nochange = timed_plan(root, "no-change plan")
        change(root, args.changed)
        changed = timed_plan(root, f"plan with {args.changed:.0%} changed")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        base = floor(root)
        print(f"plan / floor: {changed / base:.1f}x; peak memory of the plans: {peak:.0f} MB")
        ok = changed < 5 and nochange < 3 and changed / base <= 10 and peak < 1024
        print("targets (<5 s, no-change <3 s, <=10x floor, <1 GB):", "met" if ok else "MISSED")


if __name__ == "__main__":
    main()
