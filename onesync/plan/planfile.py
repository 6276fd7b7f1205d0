"""The plan file: one Parquet file, its manifest in the file's key/value metadata.

``plan -o plan.parquet`` writes every change as one row of ``onesync.plan.store.COLUMNS``
(sorted by sync, kind, key), compressed with zstd, so any Parquet reader shows it::

    duckdb -c "SELECT kind, action, count(*) FROM 'plan.parquet' GROUP BY ALL"

The manifest (key ``onesync.plan``, JSON) says what the plan is and what it was made against:
``format`` ("onesync-plan"), ``format_version`` (checked on read), ``created_at``,
``created_by``, ``has_changes``, ``specs_fingerprint`` (over every sync's spec fingerprint),
``destination`` {app_id, api, api_url, fingerprint} (never the api_key), ``state`` {url
(redacted), serial, lineage}, ``order`` (the syncs, in the order apply runs them), ``changes``
(the number of rows) and ``syncs`` (each sync's summary and tallies). The in-memory value is
``Plan``; this module is the only place that knows the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb

from onesync.errors import PlanError
from onesync.plan.changes import FORMAT_VERSION, Plan, SyncPlan
from onesync.plan.planner import destination_fingerprint, specs_fingerprint
from onesync.plan.store import NAMES, ROW_GROUP, ChangeStore, lit, memory_store, q

__all__ = ["FORMAT", "manifest", "read_plan", "write_plan"]

FORMAT = "onesync-plan"
KEY = "onesync.plan"
_SUMMARY = (
    "name",
    "kind",
    "mode",
    "source",
    "spec_fingerprint",
    "source_fingerprint",
    "rows",
    "state_rows",
    "unchanged",
    "baseline",
    "left_alone",
    "api_calls",
    "api_seconds",
    "read_by",
    "imported",
)


def manifest(plan: Plan, changes: int | None = None) -> dict[str, Any]:
    """The plan's self-description (the file's metadata; also ``show --json``'s head)."""
    return {
        "format": FORMAT,
        "format_version": plan.format_version,
        "created_at": plan.created_at,
        "created_by": plan.created_by,
        "has_changes": plan.has_changes,
        "specs_fingerprint": specs_fingerprint(s.spec_fingerprint for s in plan.syncs),
        "destination": {
            "app_id": plan.app_id,
            "api": plan.api,
            "api_url": plan.api_url,
            "fingerprint": destination_fingerprint(plan.app_id, plan.api, plan.api_url),
        },
        "state": {
            "url": plan.state_url,
            "serial": plan.state_serial,
            "lineage": plan.state_lineage,
        },
        "order": list(plan.order),
        "changes": changes,
        "syncs": [
            {**{n: getattr(s, n) for n in _SUMMARY}, "tallies": dict(s.tallies)} for s in plan.syncs
        ],
    }


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write the plan file atomically (a half-written plan is never applied); DuckDB streams
    the changes from the plan's store into the file, so memory does not grow with them."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    store = plan.store if plan.store is not None else memory_store(())
    try:
        total = int(store.scalar(f"SELECT count(*) FROM {store.relation}"))
        meta = json.dumps(manifest(plan, total), ensure_ascii=False, separators=(",", ":"))
        cols = ", ".join(q(n) for n in NAMES)
        store.cursor(
            f"COPY (SELECT {cols} FROM {store.relation}) "  # readers sort (ChangeList)
            f"TO {lit(str(tmp))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP}, "
            f"KV_METADATA {{{lit(KEY)}: {lit(meta)}}})"
        ).close()
        os.replace(tmp, path)
    except duckdb.IOException as exc:
        tmp.unlink(missing_ok=True)
        raise OSError(str(exc).split("\n")[0]) from None
    finally:
        if plan.store is None:
            store.close()


def read_plan(path: str | Path) -> Plan:
    """Open a plan file (its changes stay in the file, read in batches); ``PlanError`` when it
    is not a plan, is damaged, or was written by another format version."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise PlanError(f"cannot read plan file {path}: {exc.strerror}") from exc
    if head != b"PAR1":
        raise PlanError(_not_parquet(path, head))
    conn = duckdb.connect()
    # one scan thread: apply reads the changes in order of need, and each thread holds a row
    # group's pages; the progress bar would print on a user's terminal
    conn.execute("SET threads = 1")
    conn.execute("SET enable_progress_bar = false")
    try:
        data = _manifest(conn, path)
        plan = _plan(conn, path, data)
    except BaseException:
        conn.close()
        raise
    return plan


def _not_parquet(path: Path, head: bytes) -> str:
    if head.lstrip()[:1] == b"{":  # the JSON plan files of onesync before format version 3
        try:
            version = json.loads(path.read_text(encoding="utf-8")).get("format_version")
        except (ValueError, OSError, AttributeError):
            version = None
        if version is not None:
            return (
                f"plan file format version {version} is not supported (this onesync reads "
                f"{FORMAT_VERSION}); make the plan again with this onesync"
            )
    return f"{path}: not an onesync plan file (not Parquet); make one with `onesync plan -o FILE`"


def _manifest(conn: Any, path: Path) -> dict[str, Any]:
    try:
        rows = conn.execute(
            f"SELECT decode(key), decode(value) FROM parquet_kv_metadata({lit(str(path))})"
        ).fetchall()
    except duckdb.Error as exc:
        raise PlanError(f"{path}: plan file is damaged: {str(exc).splitlines()[0]}") from None
    meta = dict(rows).get(KEY)
    if meta is None:
        raise PlanError(f'{path}: not an onesync plan file (no "{KEY}" manifest)')
    try:
        data = json.loads(meta)
    except ValueError as exc:
        raise PlanError(f"{path}: plan file is damaged: its manifest is not JSON") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanError(f'{path}: not an onesync plan file (no "format": "{FORMAT}")')
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanError(
            f"plan file format version {version} is not supported (this onesync reads "
            f"{FORMAT_VERSION}); make the plan again with this onesync"
        )
    return data


def _plan(conn: Any, path: Path, data: dict[str, Any]) -> Plan:
    relation = f"read_parquet({lit(str(path))})"
    try:
        have = {r[0] for r in conn.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
        missing = [n for n in NAMES if n not in have]
        if missing:
            raise ValueError(f"columns missing: {', '.join(missing)}")
        total = int(conn.execute(f"SELECT count(*) FROM {relation}").fetchone()[0])
        if data.get("changes") is not None and total != int(data["changes"]):
            raise ValueError(f"{total} changes where the manifest says {data['changes']}")
        store = ChangeStore(conn, relation)
        syncs = tuple(
            SyncPlan(
                **{n: s[n] for n in _SUMMARY if n in s},  # older files: the field's default
                tallies={k: int(v) for k, v in s["tallies"].items()},
                store=store,
            )
            for s in data["syncs"]
        )
        if [s.name for s in syncs] != list(data["order"]):
            raise ValueError("the sync order does not match the syncs")
        dest, state = data["destination"], data["state"]
        return Plan(
            syncs=syncs,
            app_id=dest["app_id"],
            state_url=state["url"],
            state_serial=int(state["serial"]),
            state_lineage=state["lineage"],
            created_at=data["created_at"],
            created_by=data["created_by"],
            format_version=int(data["format_version"]),
            api=dest["api"],
            api_url=dest["api_url"],
            store=store,
        )
    except (KeyError, TypeError, ValueError, duckdb.Error) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PlanError(
            f"{path}: plan file is damaged ({type(exc).__name__}: {detail}); make a new plan "
            "with `onesync plan -o FILE`"
        ) from None
