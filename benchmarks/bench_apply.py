"""Apply of a saved plan file to the sandbox at ``rate_limit: 1000/s`` with 50 ms latency.

The sandbox runs as its own process (`onesync sandbox --port 0`, its own rate limits off: the
client's limiter is what is measured). Each measurement runs in a child process: it creates N
users quickly, changes them, saves the plan (``plan -o``), and times ``apply_plan`` of the plan
read back from the file (``read_plan``: its changes stay in the file, read in batches).

    .venv/bin/python benchmarks/bench_apply.py [--rows 20000] [--memory 10000 200000]

Prints, for users needing 1 call and for a mix of users needing 1, 2 and 3 calls (a tag
PATCH, then an alias, then an email subscription, at most one write per user per second),
sustained requests per second and its share of the rate limit (target >= 95%), client CPU per
request; the peak RSS growth of applying 10k and 200k changes (target: the same); and beside it
the script most teams write, a plain sequential httpx loop, one PATCH per row.
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
    """Users with a tag, and (for the mix) an alias and an email that a later change sets."""
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
        "sync: users\nsource: db\nmodel: {table: users}\n"
        "identity: {external_id: id, aliases: {crm: crm}}\nsubscriptions: {email: email}\n"
        "tags: {plan: plan, score: {column: score, type: number}}\n"
    )
    if not (root / "data" / "src.duckdb").exists():
        with duckdb.connect(str(root / "data" / "src.duckdb")) as c:
            c.execute(
                "CREATE TABLE users AS SELECT 'u' || lpad(CAST(i AS TEXT), 7, '0') AS id, "
                "CAST(NULL AS TEXT) AS crm, CAST(NULL AS TEXT) AS email, "
                f"'free' AS plan, i % 100 AS score FROM range({n}) t(i)"
            )


MIX = {  # what the change sets, by i % 3: a user then needs 1, 2 or 3 calls
    "plain": "UPDATE users SET plan = 'pro'",
    "mix": "UPDATE users SET plan = 'pro', "
    "crm = CASE WHEN CAST(substr(id, 2) AS INTEGER) % 3 > 0 THEN 'c' || id END, "
    "email = CASE WHEN CAST(substr(id, 2) AS INTEGER) % 3 = 2 THEN id || '@example.com' END",
}


def _saved_plan(root: Path, url: str, n: int, rate: str, change: str) -> Path:
    """Seed N users fast, change them, and save the plan to a file (its process ends here)."""
    import duckdb

    from onesync.api import load_project
    from onesync.apply import plan_and_apply
    from onesync.plan import make_plan, write_plan

    write_project(root, url, n, "100000/s")
    set_latency(url, 0)
    _, seeded = plan_and_apply(load_project(root))
    assert seeded is not None and seeded.exit_code == 0, "seeding failed"
    with duckdb.connect(str(root / "data" / "src.duckdb")) as c:
        c.execute(change)
    write_project(root, url, n, rate)
    with make_plan(load_project(root)) as plan:
        assert plan.syncs[0].count("update") == n
        write_plan(plan, root / "plan.parquet")
    return root / "plan.parquet"


def child(n: int, url: str, kind: str, rate: float, latency: float) -> dict[str, float]:
    """One measurement in a fresh process: apply a saved plan file of N user changes."""
    from onesync.api import load_project
    from onesync.apply import apply_plan
    from onesync.plan import read_plan

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = _saved_plan(root, url, n, f"{rate:g}/s", MIX[kind])
        project = load_project(root)
        set_latency(url, latency)
        plan = read_plan(path)  # the changes stay in the file, read in batches
        base = rss_mb()
        peak = [base]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.02):
                peak[0] = max(peak[0], rss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu0, t0 = time.process_time(), time.perf_counter()
        report = apply_plan(plan, project)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        stop.set()
        sampler.join()
        s = report.syncs[0]
        assert s.sent == n and not s.rejected, (s.counts, s.rejected[:3])
        return {
            "n": n,
            "kind": kind,
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


def run(url: str, n: int, kind: str, rate: float, latency: float) -> dict:
    cmd = [sys.executable, __file__, "--child", str(n), "--url", url, "--kind", kind,
           "--rate", str(rate), "--latency", str(latency)]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000, help="users in the rate-limit runs")
    ap.add_argument("--memory", type=int, nargs=2, default=[10_000, 200_000],
                    help="plan sizes whose apply memory is compared")  # fmt: skip
    ap.add_argument("--loop", type=int, default=500, help="rows for the sequential loop sample")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--kind", default="plain", help=argparse.SUPPRESS)
    ap.add_argument("--rate", type=float, default=RATE, help=argparse.SUPPRESS)
    ap.add_argument("--latency", type=float, default=LATENCY_MS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.url, args.kind, args.rate, args.latency)))
        return

    proc, url = start_sandbox()
    try:
        plain = run(url, args.rows, "plain", RATE, LATENCY_MS)
        mix = run(url, args.rows, "mix", RATE, LATENCY_MS)
        small, big = (run(url, n, "plain", 100_000, 0) for n in args.memory)
        loop_rps = loop(url, args.loop)
    finally:
        proc.terminate()
        proc.wait()

    print(f"apply of a saved plan file: {LATENCY_MS} ms latency, rate_limit {RATE:g}/s, "
          "concurrency 128")  # fmt: skip
    for label, r in (("1 call per user", plain), ("1/2/3 calls per user", mix)):
        print(
            f"  {label:<20} N={r['n']:,}: {r['rps']:6,.0f} req/s ({r['rps'] / RATE:4.0%} of the "
            f"rate limit), {r['requests']:,} requests in {r['seconds']:.1f} s, "
            f"{r['retried']:.0f} retried, {r['cpu_us']:4.0f} us client CPU/request"
        )
    print(
        f"  memory (no latency, no rate limit): peak RSS +{small['peak_mb']:.1f} MB at "
        f"{small['n']:,} changes, +{big['peak_mb']:.1f} MB at {big['n']:,} "
        f"({big['n'] / small['n']:.0f}x the changes)"
    )
    print(
        f"sequential httpx loop ({args.loop} rows): {loop_rps:,.1f} req/s; apply is "
        f"{plain['rps'] / loop_rps:,.0f}x faster"
    )
    ok = mix["rps"] / RATE >= 0.95 and plain["rps"] / RATE >= 0.95
    ok = ok and big["peak_mb"] <= small["peak_mb"] + 20
    print("targets (>=95% of rate_limit for both; memory flat in N):", "met" if ok else "MISSED")


if __name__ == "__main__":
    main()
