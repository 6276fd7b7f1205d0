"""``onesync import``: seed each profile sync's state from OneSignal's CSV export.

The state then holds, for every user of the model that OneSignal has, what OneSignal holds for
the fields the sync owns, and the next plan is the drift: tags whose values differ, emails and
phone numbers OneSignal lacks, users it lacks, and (mirror mode) tags onesync would clear.

Per sync, in a private DuckDB beside the export (``export.py`` made ``onesync_export_users``):

* the model's rows are read from the source (as ``plan`` reads them) and joined with the
  export's users on the external id; a model key read more than once is left to the plan,
  which lists it as invalid;
* tags: the sync's tag keys that OneSignal has (every tag in mirror mode, so the plan can clear
  the ones the spec no longer names);
* email / SMS: the subscription whose token the model holds, if the user has it; ``unsub:TYPE``
  marks one the user unsubscribed from, so no plan re-subscribes it. Other subscriptions of the
  user (extra addresses, push devices) are OneSignal's, never the sync's: nothing removes them;
* aliases: the export has none, so a sync with aliases sets them once after an import
  (setting an alias the user already has changes nothing);
* a user whose values match the model gets the model's fingerprint, so the next plan skips it
  without looking; the others are diffed field by field.

The writes of all syncs are one state transaction, under the state lock taken before the
export is requested: a failed download, a damaged file or a model that cannot be read changes
nothing. Keys of the model in state that OneSignal no longer has are forgotten (the plan creates
them again). Each sync records a run with outcome ``imported``; the plan names it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from onesync.adopt.export import USERS_TABLE, ExportSummary, read_export
from onesync.destination.export import download_export
from onesync.errors import PlanError
from onesync.model import CompiledSync, Project
from onesync.plan import compile_all
from onesync.plan.diff import state_key
from onesync.state import StateStore, open_state
from onesync.state.duckdb import DUCKDB_MEMORY, bulk_load
from onesync.state.engine import read_source
from onesync.state.lock import now
from onesync.state.records import IMPORTED

__all__ = ["IMPORTED", "ImportReport", "SyncImport", "import_state"]

BATCH = 10_000


@dataclass(frozen=True, slots=True)
class SyncImport:
    """What the import wrote for one sync: ``users`` model rows OneSignal has (written),
    ``in_step`` of them already matching the model, ``missing`` model rows OneSignal lacks
    (planned as creates), ``forgotten`` keys dropped from state because OneSignal lacks them."""

    sync: str
    rows: int
    users: int
    in_step: int
    missing: int
    forgotten: int


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The export that was read and, per sync, what was written."""

    export: ExportSummary
    syncs: tuple[SyncImport, ...]
    at: str

    def lines(self) -> list[str]:
        e = self.export
        out = [
            f"read {_n(e.rows, 'subscription')} of {_n(e.users, 'user')} from the export "
            f"({e.push:,} push, {e.email:,} email, {e.sms:,} sms)"
        ]
        if e.without_external_id:
            has = "has" if e.without_external_id == 1 else "have"
            out.append(
                f"  {_n(e.without_external_id, 'subscription')} {has} no external user id: "
                "left out (onesync names users by external id)"
            )
        for s in self.syncs:
            out.append(
                f"{s.sync}: {s.users:,} of {_n(s.rows, 'model row')} in OneSignal "
                f"({s.in_step:,} already in step); {s.missing:,} not (the next plan creates "
                f"them)" + (f"; {s.forgotten:,} forgotten from state" if s.forgotten else "")
            )
        out.append("state seeded; run `onesync plan` to see the drift")
        return out


def _profile_syncs(project: Project, names: Sequence[str]) -> list[str]:
    known = {s.name: s for s in project.syncs}
    for name in names:
        if name not in known:
            raise PlanError(f"no sync named {name!r} (syncs: {', '.join(sorted(known))})")
        if known[name].kind != "profile":
            raise PlanError(
                f"sync {name!r} is an {known[name].kind} sync; import seeds profile syncs only "
                "(name profile syncs, or none for all of them)"
            )
        if known[name].identity.kind != "external_id":
            raise PlanError(
                f"sync {name!r} names its users by {known[name].identity.kind}; the export "
                "names them by external_user_id, so import seeds syncs with identity.external_id"
            )
    return list(names) or [
        s.name for s in project.syncs if s.kind == "profile" and s.identity.kind == "external_id"
    ]


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def import_state(
    project: Project,
    syncs: Sequence[str] = (),
    *,
    file: Path | None = None,
    progress: Callable[[str], None] | None = None,
    timeout: float = 3600.0,
    poll: float = 10.0,
    lock_timeout: float = 10.0,
) -> ImportReport:
    """Seed the state of ``syncs`` (every profile sync when empty) from OneSignal's export:
    downloaded (``file`` None) or read from ``file``. All of it or, on any error, nothing."""
    names = _profile_syncs(project, syncs)
    say = progress or (lambda line: None)
    # as plan compiles them (with the sources' column types), so the fingerprints agree
    compiled = compile_all(project, [project.sync(n) for n in names], None)
    work = Path(tempfile.mkdtemp(prefix="onesync-import-"))
    try:
        with open_state(project.state, project.root, lock_timeout=lock_timeout) as state:
            path = file
            if path is None:
                path = work / "export.csv.gz"
                where = str(path)
                download_export(  # the file is ours and goes at the end: say so, not its path
                    project.destination,
                    path,
                    timeout=timeout,
                    poll=poll,
                    progress=lambda line: say(line.replace(f" to {where}", "")),
                )
            conn = duckdb.connect(str(work / "import.duckdb"))
            try:
                conn.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
                conn.execute(f"SET temp_directory = '{work / 'spill'}'")
                summary = read_export(conn, path, memory_limit=None, temp_directory=None)
                say(f"read the export: {summary.rows:,} subscriptions, {summary.users:,} users")
                at = now()
                done = []
                with state.batch():
                    for name in names:
                        done.append(_seed(conn, state, project, compiled[name], work, at))
                        say(f"{name}: {done[-1].users:,} users seeded")
            finally:
                conn.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ImportReport(summary, tuple(done), at)


def _seed(
    conn: duckdb.DuckDBPyConnection,
    state: StateStore,
    project: Project,
    compiled: CompiledSync,
    work: Path,
    at: str,
) -> SyncImport:
    sync = compiled.sync
    names = [c.name for c in compiled.columns]
    source = project.source(sync.source)
    batches = read_source(compiled, source, project.root)
    rows = bulk_load(conn, "onesync_model", names, batches, str(work))
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE onesync_model_keys AS SELECT * FROM onesync_model "
        'WHERE "__key" IS NOT NULL QUALIFY count(*) OVER (PARTITION BY "__key") = 1'
    )
    tags = [c for c in compiled.columns if c.role == "tag"]
    subs = [c for c in compiled.columns if c.role == "subscription"]
    aliases = [c for c in compiled.columns if c.role == "alias"]
    picks = ", ".join(f'm."{c.name}"' for c in (*tags, *subs, *aliases))
    query = conn.execute(
        f'SELECT m."__key", m."__fingerprint", m."__external_id", e.tags, e.emails, e.phones'
        f"{', ' + picks if picks else ''} FROM onesync_model_keys m JOIN temp.main.{USERS_TABLE} "
        'e ON e.external_id = m."__external_id"'
    )
    mirror = sync.mode == "mirror"
    users = in_step = 0
    while batch := query.fetchmany(BATCH):
        seeded = [_row(r, tags, subs, aliases, mirror) for r in batch]
        users += len(seeded)
        in_step += sum(1 for _, fp, _ in seeded if fp is not None)
        old = state.confirmed_of(sync.name, [k for k, _, _ in seeded])
        # only what differs is written: a refresh holds the drift in its transaction, not
        # every user (DuckDB cannot spill the updates of an open transaction)
        state.confirm_rows(
            sync.name,
            [
                (
                    k,
                    fp,
                    {**{x: None for x in old[k][1] if x not in data}, **data} if k in old else data,
                )
                for k, fp, data in seeded
                if old.get(k) != (fp, data)
            ],
        )
    missing = conn.execute(
        'SELECT "__key" FROM onesync_model_keys m WHERE NOT EXISTS (SELECT 1 FROM '
        f'temp.main.{USERS_TABLE} e WHERE e.external_id = m."__external_id")'
    )
    absent = forgotten = 0
    while keys := [str(r[0]) for r in missing.fetchmany(BATCH)]:
        absent += len(keys)
        known = state.values_of(sync.name, keys)
        forgotten += len(known)
        state.forget_rows(sync.name, list(known))
    conn.execute("DROP TABLE IF EXISTS onesync_model")
    conn.execute("DROP TABLE IF EXISTS onesync_model_keys")
    result = SyncImport(sync.name, rows, users, in_step, absent, forgotten)
    state.record_run(
        sync.name,
        started_at=at,
        counts={"users": users, "in_step": in_step, "missing": absent, "forgotten": forgotten},
        outcome=IMPORTED,
    )
    return result


def _row(
    r: tuple[Any, ...], tags: list[Any], subs: list[Any], aliases: list[Any], mirror: bool
) -> tuple[str, str | None, dict[str, str | None]]:
    """(key, fingerprint if in step, the state's values) of one model row OneSignal has."""
    key, fp, ext, tag_json, emails, phones = r[:6]
    values = dict(zip([c.name for c in (*tags, *subs, *aliases)], r[6:], strict=True))
    held: dict[str, str] = json.loads(tag_json or "{}")
    data: dict[str, str | None] = {"external_id": str(ext)}
    owned = {c.label for c in tags}
    for label, value in held.items():
        if mirror or label in owned:
            data[f"tag:{label}"] = str(value)
    expected = {state_key(c): values[c.name] for c in tags if values[c.name] is not None}
    step = {k: v for k, v in data.items() if k.startswith("tag:")} == expected
    have = {"email": json.loads(emails or "[]"), "sms": json.loads(phones or "[]")}
    for c in subs:
        token = values[c.name]
        found = next((s for s in have.get(c.label, []) if s.get("token") == token), None)
        if found is not None:
            data[f"sub:{c.label}"] = str(token)
            if found.get("id"):
                data[f"subid:{c.label}"] = str(found["id"])
            if not found.get("enabled", True):
                data[f"unsub:{c.label}"] = "1"
        elif token is not None:
            step = False
    if any(values[c.name] is not None for c in aliases):
        step = False
    return str(key), (str(fp) if step else None), data
