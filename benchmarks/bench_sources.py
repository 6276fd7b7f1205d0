"""Stream a normalised 10-column model from DuckDB and PostgreSQL; show memory stays flat.

Each (engine, rows) pair runs in its own subprocess so its RSS high-water mark is clean.
Usage: .venv/bin/python benchmarks/bench_sources.py [--rows 100000,1000000] [--pg URL]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from sqlglot import exp

MODELS = {
    "duckdb": """
        select 'user-' || i as id, 'u' || i || '@example.com' as email,
               cast(i % 100000 as decimal(10,2)) / 100 as ltv, i * 7919 as orders,
               (i % 1000) / 7.0 as ratio, i % 3 = 0 as active,
               date '2020-01-01' + cast(i % 1500 as int) as born,
               timestamp '2024-01-01 00:00:00' + to_seconds(i) as seen_at,
               timestamptz '2024-01-01 00:00:00+00' + to_seconds(i * 3) as paid_at,
               case when i % 10 = 0 then null else 'plan-' || (i % 4) end as plan
        from range({n}) as g(i)""",
    "postgres": """
        select 'user-' || i as id, 'u' || i || '@example.com' as email,
               cast(i % 100000 as numeric(10,2)) / 100 as ltv, i * 7919 as orders,
               (i % 1000) / 7.0::float8 as ratio, i % 3 = 0 as active,
               date '2020-01-01' + (i % 1500)::int as born,
               timestamp '2024-01-01 00:00:00' + i * interval '1 second' as seen_at,
               timestamptz '2024-01-01 00:00:00+00' + i * interval '3 second' as paid_at,
               case when i % 10 = 0 then null else 'plan-' || (i % 4) end as plan
        from generate_series(0::bigint, {n} - 1) as g(i)""",
}
TYPES = {
    "id": "string", "email": "string", "ltv": "number", "orders": "number", "ratio": "number",
    "active": "boolean", "born": "date", "seen_at": "unix_time", "paid_at": "unix_time",
    "plan": "string",
}  # fmt: skip


def canonical_sql(dialect: str, n: int) -> str:
    """The model wrapped in onesync's normalisation, as the compiler does."""
    from onesync.compile.values import normalize

    cols = [normalize(exp.column(c, "m"), t, dialect).as_(c) for c, t in TYPES.items()]
    model = exp.maybe_parse(MODELS[dialect].format(n=n), dialect=dialect)
    return exp.select(*cols).from_(exp.paren(model).as_("m")).sql(dialect)


def child(dialect: str, n: int, url: str | None) -> None:
    from onesync.model import Source
    from onesync.sources import connect

    source = Source("bench", dialect, url=url, path=":memory:" if dialect == "duckdb" else None)
    sql = canonical_sql(dialect, n)
    rows = 0
    start = time.perf_counter()
    with connect(source) as conn:
        for batch in conn.stream(sql, batch_size=10_000):
            rows += len(batch)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument(
        "--pg",
        default=os.environ.get("ONESYNC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--engines", default="duckdb,postgres")
    parser.add_argument("--child", nargs=2, metavar=("DIALECT", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.pg)
        return
    sizes = [int(s) for s in args.rows.split(",")]
    print(f"{'engine':<10} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak RSS MB':>12}")
    for engine in args.engines.split(","):
        peaks = []
        for n in sizes:
            cmd = [sys.executable, __file__, "--child", engine, str(n), "--pg", args.pg]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode:
                print(f"{engine:<10} {n:>10} failed: {done.stderr.strip().splitlines()[-1]}")
                break
            r = json.loads(done.stdout)
            assert r["rows"] == n, r
            peaks.append(r["peak_mb"])
            print(f"{engine:<10} {n:>10} {r['seconds']:>8.2f} {n / r['seconds']:>10,.0f} "
                  f"{r['peak_mb']:>12.1f}")  # fmt: skip
        if len(peaks) == len(sizes) and len(peaks) > 1:
            print(f"{engine:<10} peak memory {sizes[-1]:,} / {sizes[0]:,} rows: "
                  f"{peaks[-1] / peaks[0]:.2f}x")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
