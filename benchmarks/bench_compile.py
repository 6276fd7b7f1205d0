"""Validate and compile a generated project of 500 syncs; the issue's target is well under 2 s.

Run: .venv/bin/python benchmarks/bench_compile.py [N_SYNCS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from onesync import api  # noqa: E402

TARGET_S = 2.0

PROJECT = """\
version: 1
sources:
  local: {dialect: duckdb, path: data/shop.duckdb}
  warehouse: {dialect: postgres, url: "postgresql://bench@127.0.0.1/none"}
destination: {app_id: bench-app, api_key: bench-key, api_url: "http://127.0.0.1:4000"}
state: {url: .onesync/state.duckdb}
specs: specs/
"""

SPEC = """\
sync: sync_{i:04d}
source: {source}
model:
  sql: |
    select id, sf_id, email, phone, first_name, plan, ltv, last_order_at, country
    from crm.customers_{i} c
    where c.deleted_at is null and c.region = 'r{i}'
identity:
  external_id: id
  aliases: {{crm_id: sf_id}}
subscriptions: {{email: email, sms: phone}}
tags:
  first_name: first_name
  plan: plan
  country: country
  ltv: {{column: ltv, type: number}}
  last_order_at: {{column: last_order_at, type: unix_time}}
mode: {mode}
{after}
"""


def generate(root: Path, n: int) -> None:
    (root / "specs").mkdir(parents=True)
    (root / "onesync.yaml").write_text(PROJECT)
    for i in range(n):
        after = f"after: sync_{i - 1:04d}" if i % 10 else 'schedule: "*/15 * * * *"'
        source = "local" if i % 2 else "warehouse"
        mode = "mirror" if i % 3 == 0 else "upsert"
        (root / "specs" / f"sync_{i:04d}.yaml").write_text(
            SPEC.format(i=i, source=source, mode=mode, after=after)
        )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, n)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            compiled = api.compile_project(root, offline=True)
            best = min(best, time.perf_counter() - start)
        assert len(compiled) == n
    print(f"validate + compile {n} syncs: {best:.3f} s (best of 3)")
    print(
        f"target {TARGET_S:.1f} s: {best / TARGET_S:.2f}x of the target ({n / best:,.0f} syncs/s)"
    )


if __name__ == "__main__":
    main()
