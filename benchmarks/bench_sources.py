"""Stream a normalised 10-column model from each source engine; show memory stays flat.

Engines: duckdb, postgres (the real server), snowflake (a fakesnow server on loopback, reached by
the real Snowflake connector), spark (a local Spark, local[2]) and clickhouse (a chDB folder).
Each (engine, rows) pair runs in its own subprocess so its RSS high-water mark is clean; the
ratio printed is the peak RSS at the largest size over the smallest, measured in the same run.
Usage: .venv/bin/python benchmarks/bench_sources.py [--rows 100000,1000000]
       [--engines duckdb,postgres,snowflake,spark,clickhouse] [--pg URL]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    "snowflake": """
        select 'user-' || i as id, 'u' || i || '@example.com' as email,
               cast(mod(i, 100000) as number(10,2)) / 100 as ltv, i * 7919 as orders,
               mod(i, 1000) / 7.0::float as ratio, mod(i, 3) = 0 as active,
               dateadd(day, mod(i, 1500), '2020-01-01'::date) as born,
               dateadd(second, i, '2024-01-01 00:00:00'::timestamp_ntz) as seen_at,
               dateadd(second, i * 3, '2024-01-01 00:00:00 +00:00'::timestamp_tz) as paid_at,
               case when mod(i, 10) = 0 then null else 'plan-' || mod(i, 4) end as plan
        from (select seq8() as i from table(generator(rowcount => {n})))""",
    "spark": """
        select concat('user-', id) as id, concat('u', id, '@example.com') as email,
               cast(id % 100000 as decimal(10,2)) / 100 as ltv, id * 7919 as orders,
               (id % 1000) / 7.0D as ratio, id % 3 = 0 as active,
               date_add(date'2020-01-01', cast(id % 1500 as int)) as born,
               timestamp_ntz'2024-01-01 00:00:00' + make_dt_interval(0, 0, 0, id) as seen_at,
               timestamp'2024-01-01 00:00:00Z' + make_dt_interval(0, 0, 0, id * 3) as paid_at,
               case when id % 10 = 0 then null else concat('plan-', id % 4) end as plan
        from range(0, {n}, 1, {parts})""",
    "clickhouse": """
        select concat('user-', toString(number)) as id,
               concat('u', toString(number), '@example.com') as email,
               toDecimal64(number % 100000, 2) / 100 as ltv, number * 7919 as orders,
               (number % 1000) / 7.0 as ratio, number % 3 = 0 as active,
               toDate('2020-01-01') + toIntervalDay(number % 1500) as born,
               toDateTime64('2024-01-01 00:00:00', 0) + toIntervalSecond(number) as seen_at,
               toDateTime64('2024-01-01 00:00:00', 0, 'UTC') + toIntervalSecond(number * 3)
                 as paid_at,
               if(number % 10 = 0, NULL, concat('plan-', toString(number % 4))) as plan
        from numbers({n})""",
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
    text = MODELS[dialect].format(n=n, parts=max(2, n // 50_000))
    model = exp.maybe_parse(text, dialect=dialect)
    return exp.select(*cols).from_(exp.paren(model).as_("m")).sql(dialect)


def child(spec: str, n: int) -> None:
    from onesync.model import Source
    from onesync.sources import connect

    fields = json.loads(spec)
    fields["options"] = tuple(tuple(kv) for kv in fields.get("options", ()))
    source = Source("bench", **fields)
    sql = canonical_sql(source.dialect, n)
    rows = 0
    jvm_mb = None
    with connect(source) as conn:
        conn.execute("SELECT 1")  # a JVM or server session starts before the timer
        start = time.perf_counter()
        for batch in conn.stream(sql, batch_size=10_000):
            rows += len(batch)
        seconds = time.perf_counter() - start
        if source.dialect == "spark":
            jvm_mb = _jvm_peak_mb()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb, "jvm_mb": jvm_mb}))


def _jvm_peak_mb() -> float | None:
    """The Spark driver JVM's peak RSS (VmHWM), which the Python process's figure leaves out."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    proc = getattr(gateway, "proc", None) if gateway is not None else None
    if proc is None:
        return None
    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


@contextmanager
def source_of(engine: str, pg: str, tmp: Path) -> Iterator[dict[str, Any]]:
    """The Source fields (as JSON-able values) for ``engine``, with its server running."""
    if engine == "duckdb":
        yield {"dialect": "duckdb", "path": ":memory:"}
    elif engine == "postgres":
        yield {"dialect": "postgres", "url": pg}
    elif engine == "snowflake":
        from tests.warehouses.fakesnow_server import serve

        with serve(tmp / "fakesnow") as fs:
            yield {
                "dialect": "snowflake",
                "url": f"snowflake://{fs.user}:{fs.password}@acct/BENCH/PUBLIC",
                "options": [["host", fs.host], ["port", str(fs.port)], ["protocol", "http"]],
            }
    elif engine == "spark":
        options = [
            ["spark.sql.shuffle.partitions", "2"],
            ["spark.ui.enabled", "false"],
            ["spark.sql.warehouse.dir", str(tmp / "spark-warehouse")],
        ]
        yield {"dialect": "spark", "url": "local[2]", "options": options}
    elif engine == "clickhouse":
        (tmp / "bench.chdb").mkdir()
        yield {"dialect": "clickhouse", "path": str(tmp / "bench.chdb")}
    else:
        raise SystemExit(f"unknown engine {engine!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument(
        "--pg",
        default=os.environ.get("ONESYNC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--engines", default="duckdb,postgres,snowflake,spark,clickhouse")
    parser.add_argument("--child", nargs=2, metavar=("SOURCE", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    sizes = [int(s) for s in args.rows.split(",")]
    print(f"{'engine':<10} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak RSS MB':>12}")
    for engine in args.engines.split(","):
        peaks = []
        with tempfile.TemporaryDirectory() as tmp, source_of(engine, args.pg, Path(tmp)) as spec:
            for n in sizes:
                cmd = [sys.executable, __file__, "--child", json.dumps(spec), str(n)]
                done = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if done.returncode:
                    last = (done.stderr.strip().splitlines() or ["?"])[-1]
                    print(f"{engine:<10} {n:>10} failed: {last}")
                    break
                r = json.loads(done.stdout.strip().splitlines()[-1])
                assert r["rows"] == n, r
                peaks.append(r["peak_mb"])
                jvm = f"  (JVM {r['jvm_mb']:,.0f} MB)" if r.get("jvm_mb") else ""
                print(f"{engine:<10} {n:>10} {r['seconds']:>8.2f} {n / r['seconds']:>10,.0f} "
                      f"{r['peak_mb']:>12.1f}{jvm}")  # fmt: skip
        if len(peaks) == len(sizes) and len(peaks) > 1:
            print(f"{engine:<10} peak memory {sizes[-1]:,} / {sizes[0]:,} rows: "
                  f"{peaks[-1] / peaks[0]:.2f}x")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
