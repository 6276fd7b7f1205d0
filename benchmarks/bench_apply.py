"""Apply throughput: N user updates to the sandbox at ``rate_limit: 1000/s`` with 50 ms latency.

The sandbox runs as its own process (`onesync sandbox --port 0`, its own rate limits off: the
client's limiter is what is measured). For each N a child process builds a project (DuckDB source
and state), creates the N users quickly without latency, changes a tag of every row, plans, and
then times ``apply_plan`` with 50 ms injected latency. Beside it, the script most teams write: a
plain sequential httpx loop, one PATCH per row, over a fixed sample, extrapolated.

    .venv/bin/python benchmarks/bench_apply.py [N ...] [--loop 500]

Default N: 10000 50000 (memory should be flat in N). Prints sustained requests per second, its
share of the rate limit (target >= 90%), the ratio to the loop, client CPU per request and the
apply's peak memory growth above the process with the plan loaded: RSS (sampled every 20 ms;
it includes DuckDB's cache of the growing state table) and the Python heap (tracemalloc, in a
second, untimed apply).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

APP_ID = "5eb5a37e-0000-4000-8000-00000000be7c"
API_KEY = "os_v2_app_bench"
RATE = 1000.0
LATENCY_MS = 50


def start_sandbox() -> tuple[subprocess.Popen[str], str]:
    cmd = [
        sys.executable, "-c", "from onesync.cli import main; main()", "sandbox", "--port", "0",
        "--app-id", APP_ID, "--api-key", API_KEY, "--users-rate", "off", "--per-user-rate", "off",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    match = re.search(r"(http://[\d.]+:\d+)", proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit("the sandbox did not start")
    return proc, match.group(1)


def set_latency(url: str, ms: float) -> None:
    import httpx

    httpx.post(f"{url}/_sandbox/faults", json={"latency_ms": ms}).raise_for_status()


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def write_project(root: Path, url: str, n: int, rate: str) -> None:
    import duckdb

    (root / "specs").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "onesync.yaml").write_text(
        "version: 1\nsources:\n  db: {dialect: duckdb, path: data/src.duckdb}\n"
        f"destination:\n  app_id: {APP_ID}\n  api_key: {API_KEY}\n  api_url: {url}\n"
        f"  rate_limit: {rate}\n  concurrency: 128\n"
        "state: {url: .onesync/state.duckdb}\nspecs: specs/\n"
    )
    (root / "specs" / "users.yaml").write_text(
        "sync: users\nsource: db\nmodel: {table: users}\nidentity: {external_id: id}\n"
        "tags: {plan: plan, score: {column: score, type: number}}\n"
    )
    if not (root / "data" / "src.duckdb").exists():
        with duckdb.connect(str(root / "data" / "src.duckdb")) as c:
            c.execute(
                "CREATE TABLE users AS SELECT 'u' || lpad(CAST(i AS TEXT), 7, '0') AS id, "
                f"'free' AS plan, i % 100 AS score FROM range({n}) t(i)"
            )


def child(n: int, url: str) -> dict[str, float]:
    """One measurement in a fresh process: seed N users, change them all, apply at 1000/s."""
    import duckdb

    from onesync.api import load_project
    from onesync.apply import apply_plan, plan_and_apply
    from onesync.plan import make_plan

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root, url, n, "100000/s")
        set_latency(url, 0)
        _, seeded = plan_and_apply(load_project(root))
        assert seeded is not None and seeded.exit_code == 0, "seeding failed"
        with duckdb.connect(str(root / "data" / "src.duckdb")) as c:
            c.execute("UPDATE users SET plan = 'pro'")
        write_project(root, url, n, f"{RATE:g}/s")
        project = load_project(root)
        plan = make_plan(project)
        assert plan.syncs[0].count("update") == n
        set_latency(url, LATENCY_MS)
        base = rss_mb()
        peak = [base]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.02):
                peak[0] = max(peak[0], rss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu0, t0 = time.process_time(), time.perf_counter()
        report = apply_plan(plan, project, verify_fresh=False)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        stop.set()
        sampler.join()
        s = report.syncs[0]
        assert s.sent == n and not s.rejected, s.counts

        # Python heap of a second apply (traced, so without latency and untimed).
        import tracemalloc

        with duckdb.connect(str(root / "data" / "src.duckdb")) as c:
            c.execute("UPDATE users SET plan = 'team'")
        write_project(root, url, n, "100000/s")
        project = load_project(root)
        plan = make_plan(project)
        set_latency(url, 0)
        tracemalloc.start()
        heap0 = tracemalloc.get_traced_memory()[0]
        again = apply_plan(plan, project, verify_fresh=False)
        heap_peak = tracemalloc.get_traced_memory()[1] - heap0
        tracemalloc.stop()
        assert again.syncs[0].sent == n
        return {
            "heap_mb": heap_peak / 1e6,
            "n": n,
            "seconds": seconds,
            "requests": s.requests,
            "retried": s.retried,
            "rps": s.requests / seconds,
            "cpu_us": 1e6 * cpu / s.requests,
            "peak_mb": peak[0] - base,
        }


def loop(url: str, rows: int) -> float:
    """The plain script: one blocking PATCH per row, in order. Returns requests per second."""
    import httpx

    set_latency(url, LATENCY_MS)
    headers = {"Authorization": f"Key {API_KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        t0 = time.perf_counter()
        for i in range(rows):
            r = client.patch(
                f"/apps/{APP_ID}/users/by/external_id/u{i:07d}",
                json={"properties": {"tags": {"plan": "loop"}}},
            )
            r.raise_for_status()
        return rows / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 50_000])
    ap.add_argument("--loop", type=int, default=500, help="rows for the sequential loop sample")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.url)))
        return

    proc, url = start_sandbox()
    try:
        results = []
        for n in args.sizes:
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(n), "--url", url],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            results.append(json.loads(out.strip().splitlines()[-1]))
        loop_rps = loop(url, min(args.loop, min(args.sizes)))
    finally:
        proc.terminate()
        proc.wait()

    print(f"apply: {LATENCY_MS} ms latency per request, rate_limit {RATE:g}/s, concurrency 128")
    for r in results:
        print(
            f"  N={r['n']:>6,}: {r['rps']:7,.0f} req/s sustained ({r['rps'] / RATE:4.0%} of the "
            f"rate limit), {r['seconds']:6.1f} s, {r['retried']:.0f} retried, "
            f"{r['cpu_us']:5.0f} us client CPU/request, peak RSS +{r['peak_mb']:.1f} MB "
            f"(Python heap +{r['heap_mb']:.1f} MB)"
        )
    best = results[-1]["rps"]
    print(
        f"sequential httpx loop ({min(args.loop, min(args.sizes))} rows): {loop_rps:,.1f} req/s; "
        f"apply is {best / loop_rps:,.0f}x faster "
        f"({results[-1]['n'] / loop_rps / 60:,.0f} min vs {results[-1]['seconds'] / 60:.1f} min "
        f"for {results[-1]['n']:,} rows)"
    )


if __name__ == "__main__":
    main()
