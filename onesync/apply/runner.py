"""Apply: turn a plan into OneSignal calls, record what OneSignal confirmed, report the rest.

One asyncio loop drives a window of concurrent jobs through ``AsyncOneSignalClient``, which
owns rate limiting (the app's token bucket, slowing down on 429s and honouring Retry-After) and
retries (429, 5xx, timeouts, dropped connections, with backoff and jitter). A job is one user
(its calls in order, a second apart: OneSignal allows one write per user per second), one batch
of events, or one message. Only changes OneSignal confirmed reach the state (``Journal``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from onesync.apply.journal import Journal
from onesync.apply.report import ApplyReport, ProgressUpdate, Rejected, SyncReport
from onesync.apply.wire import LeanTransport, proxy_configured
from onesync.destination import AsyncOneSignalClient, Result, idempotency_key
from onesync.errors import DestinationError, PlanError
from onesync.model import Project
from onesync.plan.changes import EventChange, MessageChange, Plan, ProfileChange, SyncPlan
from onesync.state import StateStore, open_state

__all__ = ["apply_plan", "plan_and_apply"]

Progress = Callable[[ProgressUpdate], None]

EVENTS_PER_CALL = 500
EVENT_BYTES = 900_000  # per request, under OneSignal's 1 MB
TAGS_PER_CALL = 100  # "up to 100 property updates per request"
USER_SPACING = 1.0  # OneSignal: one write per second per user
PROGRESS_EVERY = 0.2
POOL = 4  # connections per httpx client (see _clients)
GIVE_UP_AFTER = 50  # calls in a row that exhausted their retries: OneSignal is down, stop


def plan_and_apply(
    project: Project,
    *,
    syncs: Iterable[str] | None = None,
    allow_destructive: bool = False,
    client: AsyncOneSignalClient | None = None,
    progress: Progress | None = None,
    confirm: Callable[[Plan], bool] | None = None,
    lock_timeout: float = 10.0,
) -> tuple[Plan, ApplyReport | None]:
    """Plan and apply under one state lock, so nothing can change in between.

    ``confirm`` sees the plan before anything is sent; returning False applies nothing (the
    report is then None). A plan without changes is not applied either.
    """
    from onesync.plan import make_plan

    with open_state(project.state, project.root, lock_timeout=lock_timeout) as state:
        plan = make_plan(project, syncs=syncs, allow_destructive=allow_destructive, state=state)
        if not plan.has_changes or (confirm is not None and not confirm(plan)):
            return plan, None
        report = apply_plan(
            plan, project, client=client, progress=progress, state=state, verify_fresh=False
        )
    return plan, report


def apply_plan(
    plan: Plan,
    project: Project,
    *,
    client: AsyncOneSignalClient | None = None,
    progress: Progress | None = None,
    state: StateStore | None = None,
    verify_fresh: bool = True,
    lock_timeout: float = 10.0,
) -> ApplyReport:
    """Send exactly ``plan`` to OneSignal and record every confirmed change in state.

    Args:
        plan: a plan from ``make_plan`` or ``read_plan``.
        project: the loaded project (destination and state).
        client: an ``AsyncOneSignalClient`` to use (tests inject transports this way); one is
            made from ``project.destination`` when None.
        progress: called with a ``ProgressUpdate`` a few times a second per sync and at its end.
        state: an open (locked) state store; opened and locked here when None.
        verify_fresh: refuse (``PlanError``) a plan whose specs, state or source rows changed.

    Returns:
        An ``ApplyReport``; ``exit_code`` is 3 when OneSignal rejected some rows.
    """
    store = state or open_state(project.state, project.root, lock_timeout=lock_timeout)
    try:
        if verify_fresh:
            from onesync.plan import check_fresh

            reasons = check_fresh(plan, project, store)
            if reasons:
                raise PlanError(
                    "the plan is stale and was not applied: " + "; ".join(reasons)
                    + ". Make a new plan (onesync plan -o FILE) and apply that"
                )  # fmt: skip
        return asyncio.run(_apply(plan, project, store, client, progress))
    finally:
        if state is None:
            store.close()


def _ordered(plan: Plan, project: Project) -> list[SyncPlan]:
    """Plan order, moved so every sync runs after the syncs named in its ``after:``."""
    names = {s.name for s in plan.syncs}
    after: dict[str, tuple[str, ...]] = {}
    for s in plan.syncs:
        try:
            after[s.name] = tuple(a for a in project.sync(s.name).after if a in names)
        except KeyError:
            after[s.name] = ()
    out: list[SyncPlan] = []
    done: set[str] = set()
    todo = list(plan.syncs)
    while todo:
        ready = [s for s in todo if all(a in done for a in after[s.name])] or todo[:1]
        out.append(ready[0])
        done.add(ready[0].name)
        todo.remove(ready[0])
    return out


async def _apply(
    plan: Plan,
    project: Project,
    state: StateStore,
    client: AsyncOneSignalClient | None,
    progress: Progress | None,
) -> ApplyReport:
    started = time.monotonic()
    apis = [client] if client is not None else _clients(project)
    reports: list[SyncReport] = []
    try:
        for sp in _ordered(plan, project):
            reports.append(await _SyncRun(sp, project, state, apis, progress).run())
    finally:
        if client is None:
            for api in apis:
                await api.aclose()
    return ApplyReport(tuple(reports), time.monotonic() - started)


def _clients(project: Project) -> list[AsyncOneSignalClient]:
    """The clients apply sends with; they share the app's one token bucket.

    Normally one client on ``LeanTransport`` (see ``onesync.apply.wire``). With a proxy in the
    environment, httpx's own transport: then several clients of at most ``POOL`` connections,
    because httpcore's pool scans every connection for every request it queues.
    """
    dest = project.destination
    if not proxy_configured():
        return [AsyncOneSignalClient(dest, transport=LeanTransport())]
    k = max(1, -(-dest.concurrency // POOL))
    each = dataclasses.replace(dest, concurrency=max(1, -(-dest.concurrency // k)))
    plain = dest.api_url.startswith("http://")  # loopback only: no CA files to load
    return [AsyncOneSignalClient(each, verify=not plain) for _ in range(k)]


def _resolve_send_after(value: str | None) -> str | None:
    """``+30m`` / ``+1h`` / ``+2d`` become an absolute UTC time; anything else passes through."""
    if not value:
        return None
    m = re.fullmatch(r"\+\s*(\d+(?:\.\d+)?)\s*([smhd]?)", value.strip())
    if not m:
        return value
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}[m.group(2)]
    at = datetime.now(UTC) + timedelta(seconds=float(m.group(1)) * unit)
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


def message_payload(m: MessageChange) -> dict[str, Any]:
    """The create-notification body for one planned message (without app_id and key)."""
    body: dict[str, Any] = {
        "include_aliases": {"external_id": list(m.external_ids)},
        "target_channel": m.channel,
    }
    if m.channel == "email":
        if m.subject:
            body["email_subject"] = m.subject.get("en") or next(iter(m.subject.values()))
        if m.contents:
            body["email_body"] = m.contents.get("en") or next(iter(m.contents.values()))
    else:
        if m.contents:
            body["contents"] = dict(m.contents)
        if m.headings:
            body["headings"] = dict(m.headings)
    if m.template_id:
        body["template_id"] = m.template_id
    if m.custom_data:
        body["custom_data"] = dict(m.custom_data)
    send_after = _resolve_send_after(m.send_after)
    if send_after:
        body["send_after"] = send_after
    return body


def event_body(app_id: str, sync: str, e: EventChange) -> dict[str, Any]:
    """One custom event with its per-event idempotency key (UUIDv5 of app, sync and key)."""
    body: dict[str, Any] = {
        "name": e.name,
        "external_id": e.external_id,
        "idempotency_key": idempotency_key(app_id, sync, e.key),
    }
    if e.timestamp:
        body["timestamp"] = e.timestamp
    if e.properties:
        body["properties"] = dict(e.properties)
    return body


def _event_batches(bodies: Sequence[tuple[EventChange, dict[str, Any]]]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    size = 0
    for item in bodies:
        n = len(json.dumps(item[1], separators=(",", ":"))) + 1
        if batch and (len(batch) >= EVENTS_PER_CALL or size + n > EVENT_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += n
    if batch:
        yield batch


class _SyncRun:
    """Applies one sync: jobs, a window of concurrent tasks, the journal, the counts."""

    def __init__(
        self,
        sp: SyncPlan,
        project: Project,
        state: StateStore,
        apis: list[AsyncOneSignalClient],
        progress: Progress | None,
    ) -> None:
        self.sp = sp
        self.project = project
        self.state = state
        self.apis = apis
        self._turn = 0
        self.progress = progress
        self.legacy = project.destination.api == "legacy"
        self.window = max(1, project.destination.concurrency) * 4
        self.journal = Journal(state, sp.name)
        self.total = len(sp.profiles) + len(sp.events) + sum(len(m.keys) for m in sp.messages)
        self.done = 0
        self.sent = 0
        self.retried = 0
        self.requests = 0
        self.rejected: list[Rejected] = []
        self.missed: list[Rejected] = []
        self.exhausted_in_row = 0
        self.started = 0.0
        self._shown = 0.0

    # -- bookkeeping ---------------------------------------------------------------------------

    def _count(self, result: Result) -> None:
        self.requests += max(1, result.attempts)
        self.retried += max(0, result.attempts - 1)
        if result.status == "exhausted":
            self.exhausted_in_row += 1
            if self.exhausted_in_row >= GIVE_UP_AFTER:
                raise DestinationError(
                    f"OneSignal kept failing ({self.exhausted_in_row} calls in a row gave up "
                    f"after every retry; last: {result.reason}); what was confirmed is recorded, "
                    "run apply again later"
                )
        else:
            self.exhausted_in_row = 0

    async def _confirm(self, change: Any, rows: int = 1) -> None:
        await self.journal.add(change)
        self.sent += rows
        self._advance(rows)

    def _reject(self, key: str, reason: str | None, rows: int = 1) -> None:
        self.rejected.append(Rejected(self.sp.name, key, reason or "rejected"))
        self._advance(rows)

    def _advance(self, rows: int) -> None:
        self.done += rows
        if self.progress is None:
            return
        t = time.monotonic()
        if t - self._shown >= PROGRESS_EVERY:
            self._shown = t
            self.progress(ProgressUpdate(self.sp.name, self.done, self.total, t - self.started))

    # -- the run -------------------------------------------------------------------------------

    async def run(self) -> SyncReport:
        sp = self.sp
        self.started = time.monotonic()
        self.journal.start()
        try:
            if sp.baseline:
                await asyncio.to_thread(
                    self.journal.write, self.state.record_sent, sp.name, sp.baseline_keys,
                    "baseline", sp.kind,
                )  # fmt: skip
            await self._drive(self._jobs())
        finally:
            await self.journal.close()
        report = SyncReport(
            name=sp.name,
            kind=sp.kind,
            total=self.total,
            sent=self.sent,
            unchanged=sp.unchanged,
            invalid=len(sp.invalid),
            baseline=len(sp.baseline_keys),
            retried=self.retried,
            requests=self.requests,
            seconds=time.monotonic() - self.started,
            rejected=tuple(sorted(self.rejected, key=lambda r: r.key)),
            missed=tuple(self.missed),
        )
        if sp.has_changes:
            outcome = "partial" if report.rejected else "ok"
            with self.journal._db:
                self.state.record_run(
                    sp.name, started_at=_iso_ago(report.seconds), counts=report.counts,
                    outcome=outcome,
                )  # fmt: skip
        if self.progress is not None:
            self.progress(
                ProgressUpdate(sp.name, self.done, self.total, report.seconds, True, report)
            )
        return report

    def _jobs(self) -> Iterator[Callable[[], Awaitable[None]]]:
        sp = self.sp
        for p in sp.profiles:
            yield lambda p=p: self._profile(p)
        if sp.events:
            app = self.project.destination.app_id
            bodies = [(e, event_body(app, sp.name, e)) for e in sp.events]
            for batch in _event_batches(bodies):
                yield lambda batch=batch: self._events(batch)
        for m in sp.messages:
            yield lambda m=m: self._message(m)

    async def _drive(self, jobs: Iterator[Callable[[], Awaitable[None]]]) -> None:
        """Run jobs with at most ``window`` in flight; the first error stops the rest."""
        gate = asyncio.Semaphore(self.window)
        running: set[asyncio.Task[None]] = set()
        failure: list[BaseException] = []

        async def one(job: Callable[[], Awaitable[None]]) -> None:
            try:
                await job()
            except Exception as exc:  # the first error is re-raised after the others stop
                failure.append(exc)
            finally:
                gate.release()

        try:
            for job in jobs:
                await gate.acquire()
                if failure:
                    gate.release()
                    break
                task = asyncio.create_task(one(job))
                running.add(task)
                task.add_done_callback(running.discard)
            if failure:
                for t in list(running):
                    t.cancel()
            await asyncio.gather(*list(running), return_exceptions=True)
        except BaseException:
            for t in list(running):
                t.cancel()
            await asyncio.gather(*list(running), return_exceptions=True)
            raise
        if failure:
            raise failure[0]

    # -- profiles ------------------------------------------------------------------------------

    @property
    def api(self) -> AsyncOneSignalClient:
        """The next client, round robin (they share one rate limiter)."""
        self._turn = (self._turn + 1) % len(self.apis)
        return self.apis[self._turn]

    def _calls(self, p: ProfileChange) -> list[Callable[[], Awaitable[Result]]]:
        """The requests one user needs, in order (each a separate write to that user)."""
        api, eid = self.api, p.external_id
        tags: dict[str, str] = dict(p.set_tags)
        tags.update((t, "") for t in p.unset_tags)
        items = list(tags.items())
        chunks = [dict(items[i : i + TAGS_PER_CALL]) for i in range(0, len(items), TAGS_PER_CALL)]
        if self.legacy:  # the player model has tags only
            return [lambda c=c: api.legacy_edit_tags(eid, c) for c in chunks]
        if p.action == "create":
            identity = {"external_id": eid, **p.add_aliases}
            subs = [(s["type"], s["token"]) for s in p.add_subscriptions]
            first = chunks[0] if chunks else None
            out = [lambda: api.create_user(identity, first, subs)]
            out += [lambda c=c: api.update_user("external_id", eid, c) for c in chunks[1:]]
            return out
        out = [lambda c=c: api.update_user("external_id", eid, c) for c in chunks]
        if p.action == "update":
            if p.add_aliases:
                out.append(lambda: api.add_aliases("external_id", eid, p.add_aliases))
            for s in p.add_subscriptions:
                out.append(
                    lambda s=s: api.create_subscription("external_id", eid, s["type"], s["token"])
                )
        return out

    async def _profile(self, p: ProfileChange) -> None:
        calls = self._calls(p)
        for i, call in enumerate(calls):
            if i:
                await asyncio.sleep(USER_SPACING)
            result = await call()
            self._count(result)
            if result.ok:
                continue
            if p.action == "unset" and result.http_status == 404:
                break  # the user is gone from OneSignal, and its tags with it
            self._reject(p.key, f"{result.operation}: {result.reason}")
            return
        await self._confirm(p)

    # -- events --------------------------------------------------------------------------------

    async def _events(self, batch: list[tuple[EventChange, dict[str, Any]]]) -> None:
        result = await self.api.send_events([b for _, b in batch])
        self._count(result)
        if result.ok:
            for e, _ in batch:
                await self._confirm(e)
            return
        if result.status == "rejected" and not result.failures and len(batch) > 1:
            half = len(batch) // 2  # one bad event refuses the request: find it by halves
            await self._events(batch[:half])
            await self._events(batch[half:])
            return
        failed: dict[int, str] = {}
        whole = result.status != "partial" or any(f.index is None for f in result.failures)
        if not whole:
            for f in result.failures:
                assert f.index is not None
                failed.setdefault(f.index, f.reason)
        for i, (e, _) in enumerate(batch):
            if whole:
                reason = result.reason
                if result.failures:
                    reason = "; ".join(sorted({f.reason for f in result.failures}))
                self._reject(e.key, f"send_events: {reason}")
            elif i in failed:
                self._reject(e.key, f"send_events: {failed[i]}")
            else:
                await self._confirm(e)

    # -- messages ------------------------------------------------------------------------------

    async def _message(self, m: MessageChange) -> None:
        result = await self.api.create_notification(
            message_payload(m), idempotency_key=m.idempotency_key
        )
        self._count(result)
        if result.ok:
            by_user = dict(zip(m.external_ids, m.keys, strict=False))
            for f in result.failures:
                key = by_user.get(f.key or "", f.key or "?")
                self.missed.append(Rejected(self.sp.name, key, f.reason))
            await self._confirm(m, len(m.keys))
            return
        for key in m.keys:
            self._reject(key, f"create_notification: {result.reason}")


def _iso_ago(seconds: float) -> str:
    at = datetime.now(UTC) - timedelta(seconds=seconds)
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")
