"""Apply: turn a plan into OneSignal calls, record what OneSignal confirmed, report the rest.

One asyncio loop drives a window of concurrent jobs through ``AsyncOneSignalClient``, which
owns rate limiting (the app's token bucket, slowing down on 429s and honouring Retry-After) and
retries (429, 5xx, timeouts, dropped connections, with backoff and jitter). A job is one user
(its calls in order, a second apart: OneSignal allows one write per user per second), one batch
of events, or one message. Only changes OneSignal confirmed reach the state (``Journal``).

Stopping: a ``DestinationError`` (the API key refused, the TLS certificate not trusted, the API
host unknown) stops the whole apply at once. SIGINT and SIGTERM during the send loop stop it too,
but gently: no new call is sent (the clients are halted, so a call waiting for its rate-limit
slot or its next retry is dropped unsent), the requests in flight get ``DRAIN_SECONDS`` to be
answered and recorded (a second signal cuts them at once), the journal flushes, and
``ApplyInterrupted`` (exit code 128 + the signal) says what was recorded. Either way the state
holds what OneSignal confirmed, and the next plan sends only the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import signal
import threading
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from datetime import UTC, datetime, timedelta
from typing import Any

from onesync.apply.journal import Journal
from onesync.apply.records import record_of
from onesync.apply.report import ApplyReport, ProgressUpdate, Rejected, SyncReport
from onesync.apply.wire import LeanTransport, proxy_configured
from onesync.destination import AsyncOneSignalClient, Halted, Result, calls, idempotency_key
from onesync.destination.limits import RetryPolicy
from onesync.errors import DestinationError, OnesyncError, PlanError
from onesync.model import Identity, Project
from onesync.plan.changes import EventChange, MessageChange, Plan, ProfileChange, SyncPlan
from onesync.plan.store import ChangeList
from onesync.state import Missed, RowUpdate, StateStore, open_state

__all__ = ["ApplyInterrupted", "apply_plan", "plan_and_apply"]

Progress = Callable[[ProgressUpdate], None]

EVENTS_PER_CALL = 500
EVENT_BYTES = 900_000  # per request, under OneSignal's 1 MB
TAGS_PER_CALL = 100  # "up to 100 property updates per request"
USER_SPACING = 1.0  # OneSignal: one write per second per user
BASELINE_BATCH = 50_000  # keys recorded per transaction
PROGRESS_EVERY = 0.2
POOL = 4  # connections per httpx client (see _clients)
GIVE_UP_AFTER = 50  # calls in a row that exhausted their retries: OneSignal is down, stop
DRAIN_SECONDS = 5.0  # after SIGINT/SIGTERM, how long calls in flight may take to be answered
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ApplyInterrupted(OnesyncError):
    """SIGINT or SIGTERM stopped an apply; what OneSignal confirmed is recorded in state."""

    def __init__(self, signum: int, sent: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum  # 130 for SIGINT, 143 for SIGTERM, as a shell reports
        name = "terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted (SIGINT)"
        super().__init__(
            f"{name}: apply stopped; the {sent:,} changes OneSignal confirmed are recorded in "
            "state; run apply again to send the rest"
        )


class _Stop:
    """What SIGINT/SIGTERM do to a running apply (see the module docstring).

    The signal handlers run on the event loop (``loop.add_signal_handler``), so this needs no
    locks: the first signal cancels the task that starts new jobs and cuts the jobs still in
    flight after ``DRAIN_SECONDS``; a second signal cuts them at once.
    """

    def __init__(self, apis: Sequence[AsyncOneSignalClient] = ()) -> None:
        self.signum: int | None = None
        self.apis = tuple(apis)
        self.feeder: asyncio.Task[None] | None = None
        self.running: set[asyncio.Task[None]] = set()

    def __call__(self, signum: int) -> None:
        if self.signum is not None:
            self.cut()
            return
        self.signum = signum
        for api in self.apis:
            api.halt()
        if self.feeder is not None:
            self.feeder.cancel()
        asyncio.get_running_loop().call_later(DRAIN_SECONDS, self.cut)

    def cut(self) -> None:
        for task in list(self.running):
            task.cancel()


@contextlib.asynccontextmanager
async def _signals(stop: _Stop) -> AsyncIterator[None]:
    """Route SIGINT and SIGTERM to ``stop`` while the send loop runs (main thread only); the
    handlers that were there before (asyncio.run's, the CLI's) are put back afterwards."""
    loop = asyncio.get_running_loop()
    saved: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            try:
                previous = signal.getsignal(sig)
                loop.add_signal_handler(sig, stop, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # no signals on this loop or platform: Ctrl-C cancels as usual
            saved[sig] = previous
    try:
        yield
    finally:
        for sig, previous in saved.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)


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

    The plan is returned open (its changes stay readable); ``plan.close()`` or its garbage
    collection removes its temporary files.

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
    verify_source: bool = False,
    lock_timeout: float = 10.0,
    retry: RetryPolicy | None = None,
) -> ApplyReport:
    """Send exactly ``plan`` to OneSignal and record every confirmed change in state.

    Reads nothing but the plan and the state: the sync order, API mode and app id come from the
    plan, and no source is opened (unless ``verify_source``).

    Args:
        plan: a plan from ``make_plan`` or ``read_plan``.
        project: the loaded project (destination and state).
        client: an ``AsyncOneSignalClient`` to use (tests inject transports this way); one is
            made from ``project.destination`` when None.
        progress: called with a ``ProgressUpdate`` a few times a second per sync and at its end.
        state: an open (locked) state store; opened and locked here when None.
        verify_fresh: refuse (``PlanError``) a plan whose specs, destination or state changed.
        verify_source: also read every model again and refuse the plan when its rows changed.
        retry: how the clients made here retry (429, 5xx, timeouts); ``RetryPolicy()`` when None.

    Returns:
        An ``ApplyReport``; ``exit_code`` is 3 when OneSignal rejected some rows.
    """
    store = state or open_state(project.state, project.root, lock_timeout=lock_timeout)
    try:
        if verify_fresh:
            from onesync.plan import check_fresh

            reasons = check_fresh(plan, project, store, verify_source=verify_source)
            if reasons:
                raise PlanError(
                    "the plan was not applied: "
                    + "; ".join(reasons)
                    + ". Make a new plan (onesync plan -o FILE) and apply that"
                )
        return asyncio.run(_apply(plan, project, store, client, progress, retry))
    finally:
        if state is None:
            store.close()


async def _apply(
    plan: Plan,
    project: Project,
    state: StateStore,
    client: AsyncOneSignalClient | None,
    progress: Progress | None,
    retry: RetryPolicy | None = None,
) -> ApplyReport:
    started = time.monotonic()
    apis = [client] if client is not None else _clients(project, retry)
    reports: list[SyncReport] = []
    stop = _Stop(apis)
    cut_short = False
    try:
        async with _signals(stop):
            for sp in plan.syncs:  # in the order the plan says
                if stop.signum is not None:
                    cut_short = True
                    break
                run = _SyncRun(sp, plan, project, state, apis, progress, stop)
                try:
                    reports.append(await run.run())
                except DestinationError as exc:
                    sent = sum(r.sent for r in reports) + run.sent
                    raise DestinationError(
                        f"{exc}. Apply stopped at once; the {sent:,} changes OneSignal "
                        "confirmed before are recorded in state"
                    ) from exc
                cut_short = cut_short or run.stopped
    finally:
        if client is None:
            for api in apis:
                await api.aclose()
        elif stop.signum is not None:
            client.halt(False)  # the caller's client works again
    if stop.signum is not None and cut_short:
        raise ApplyInterrupted(stop.signum, sum(r.sent for r in reports))
    return ApplyReport(tuple(reports), time.monotonic() - started)


def _clients(project: Project, retry: RetryPolicy | None = None) -> list[AsyncOneSignalClient]:
    """The clients apply sends with; they share the app's one token bucket.

    Normally one client on ``LeanTransport`` (see ``onesync.apply.wire``). With a proxy in the
    environment, httpx's own transport: then several clients of at most ``POOL`` connections,
    because httpcore's pool scans every connection for every request it queues.
    """
    dest = project.destination
    if not proxy_configured():
        return [AsyncOneSignalClient(dest, transport=LeanTransport(), retry=retry)]
    k = max(1, -(-dest.concurrency // POOL))
    each = dataclasses.replace(dest, concurrency=max(1, -(-dest.concurrency // k)))
    plain = dest.api_url.startswith("http://")  # loopback only: no CA files to load
    return [AsyncOneSignalClient(each, verify=not plain, retry=retry) for _ in range(k)]


def recipients_of(identity: Identity, values: Sequence[str]) -> dict[str, Any]:
    """How a message names its recipients, by the sync's identity (``message.to``): aliases
    (``include_aliases`` with the label), ``email_to``, ``include_phone_numbers`` or
    ``include_subscription_ids``."""
    ids = list(values)
    if identity.kind == "email":
        return {"email_tokens": ids}
    if identity.kind == "phone":
        return {"phone_numbers": ids}
    if identity.kind == "subscription_id":
        return {"subscription_ids": ids}
    return {"aliases": {identity.label: ids}}


def message_payload(m: MessageChange, identity: Identity) -> dict[str, Any]:
    """The create-notification body for one planned message (without app_id and key);
    a batch fixed by an earlier apply is sent exactly as stored."""
    if m.body is not None:
        return dict(m.body)
    return calls.notification_body(
        channel=m.channel,
        **recipients_of(identity, m.external_ids),
        headings=m.headings,
        contents=m.contents,
        subject=m.subject,
        template_id=m.template_id,
        custom_data=m.custom_data,
        send_after=calls.resolve_send_after(m.send_after),
    )


def event_body(app_id: str, sync: str, e: EventChange) -> dict[str, Any]:
    """One custom event with its per-event idempotency key (UUIDv5 of app, sync and key)."""
    return calls.custom_event(
        name=e.name,
        external_id=e.external_id,
        idempotency_key=idempotency_key(app_id, sync, e.key),
        timestamp=e.timestamp,
        properties=e.properties,
    )


def _event_batches(bodies: Iterable[tuple[EventChange, dict[str, Any]]]) -> Iterator[list[Any]]:
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
        plan: Plan,
        project: Project,
        state: StateStore,
        apis: list[AsyncOneSignalClient],
        progress: Progress | None,
        stop: _Stop | None = None,
    ) -> None:
        self.sp = sp
        self.app_id = plan.app_id
        self.stop = stop or _Stop()
        self.stopped = False  # a signal left jobs unstarted or cut jobs in flight
        self.project = project
        self.state = state
        self.apis = apis
        self._turn = 0
        self.progress = progress
        self.legacy = plan.api == "legacy"
        self.identity = project.sync(sp.name).identity
        self.link = project.sync(sp.name).link
        self.window = max(1, project.destination.concurrency) * 4
        # users waiting out their one-write-per-second spacing hold no slot; at most this many
        self.resting = max(self.window, int(project.destination.rate_limit * USER_SPACING) * 2)
        self.journal = Journal(state, sp.name)
        self.total = sum(
            sp.tally(k) for k in ("create", "update", "unset", "delete", "events", "recipients")
        )
        self.gate: asyncio.Semaphore | None = None
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
                    f"after every retry; last: {result.reason}); run apply again later"
                )
        else:
            self.exhausted_in_row = 0

    async def _confirm(self, change: EventChange, rows: int = 1) -> None:
        await self.journal.add(record_of(change))
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
                await asyncio.to_thread(self._baseline)
            await self._drive(self._jobs())
        finally:
            await self.journal.close()
        report = SyncReport(
            name=sp.name,
            kind=sp.kind,
            total=self.total,
            sent=self.sent,
            unchanged=sp.unchanged,
            invalid=sp.invalid_count,
            baseline=sp.tally("baseline"),
            retried=self.retried,
            requests=self.requests,
            seconds=time.monotonic() - self.started,
            rejected=tuple(sorted(self.rejected, key=lambda r: r.key)),
            missed=tuple(self.missed),
        )
        if sp.has_changes and not self.stopped:
            outcome = "partial" if report.rejected else "ok"
            with self.journal._db:
                self.state.record_run(
                    sp.name,
                    started_at=_iso_ago(report.seconds),
                    counts=report.counts,
                    outcome=outcome,
                )
        if self.progress is not None:
            self.progress(
                ProgressUpdate(sp.name, self.done, self.total, report.seconds, True, report)
            )
        return report

    def _baseline(self) -> None:
        """Record the keys present as seen, a batch at a time (one transaction each)."""
        keys = self.sp.baseline_keys
        assert isinstance(keys, ChangeList)
        for batch in keys.stream(BASELINE_BATCH):
            self.journal.write(
                self.state.record_sent, self.sp.name, batch, "baseline", self.sp.kind
            )

    def _jobs(self) -> Iterator[Callable[[], Awaitable[None]]]:
        """The jobs, made as they are needed: the plan's changes are read a batch at a time."""
        sp = self.sp
        if sp.tally("create") + sp.tally("update") + sp.tally("unset") + sp.tally("delete"):
            for p in _scan(sp.profiles):
                yield functools.partial(self._profile, p)
        if sp.tally("events"):
            bodies = ((e, event_body(self.app_id, sp.name, e)) for e in _scan(sp.events))
            for batch in _event_batches(bodies):
                yield functools.partial(self._events, batch)
        if sp.tally("messages"):
            for m in _scan(sp.messages):
                yield functools.partial(self._message, m)

    async def _drive(self, jobs: Iterator[Callable[[], Awaitable[None]]]) -> None:
        """Run jobs with at most ``window`` in flight; the first error stops the rest.

        A feeder task starts the jobs, so that a stop signal can cancel it even while it waits
        for a free slot; the jobs in flight then finish (or are cut, see ``_Stop``)."""
        gate = self.gate = asyncio.Semaphore(self.window)
        alive = asyncio.Semaphore(self.window + self.resting)
        running: set[asyncio.Task[None]] = set()
        failure: list[BaseException] = []

        async def one(job: Callable[[], Awaitable[None]]) -> None:
            try:
                await job()
            except Halted:  # a stop signal: the job's next call was not sent
                self.stopped = True
            except asyncio.CancelledError:
                self.stopped = self.stopped or self.stop.signum is not None
                raise
            except Exception as exc:  # the first error is re-raised after the others stop
                failure.append(exc)
            finally:
                gate.release()
                alive.release()

        async def feed() -> None:
            for job in jobs:
                await alive.acquire()
                await gate.acquire()
                if failure:
                    gate.release()
                    alive.release()
                    return
                task = asyncio.create_task(one(job))
                running.add(task)
                task.add_done_callback(running.discard)

        feeder = asyncio.create_task(feed())
        self.stop.feeder, self.stop.running = feeder, running
        try:
            if self.stop.signum is not None:
                feeder.cancel()  # the signal came before this sync started
            try:
                await feeder
            except asyncio.CancelledError:
                this = asyncio.current_task()
                if self.stop.signum is None or (this is not None and this.cancelling()):
                    raise  # cancelled from outside, not by a stop signal
                self.stopped = True
            if failure:
                for t in list(running):
                    t.cancel()
            await asyncio.gather(*list(running), return_exceptions=True)
        except BaseException:
            feeder.cancel()
            for t in list(running):
                t.cancel()
            await asyncio.gather(feeder, *list(running), return_exceptions=True)
            raise
        finally:
            self.stop.feeder, self.stop.running = None, set()
        if failure:
            raise failure[0]

    # -- profiles ------------------------------------------------------------------------------

    @property
    def api(self) -> AsyncOneSignalClient:
        """The next client, round robin (they share one rate limiter)."""
        self._turn = (self._turn + 1) % len(self.apis)
        return self.apis[self._turn]

    async def _profile(self, p: ProfileChange) -> None:
        """One user's calls in order, a second apart; state gets exactly what was confirmed."""
        user = _User(self, p)
        try:
            await user.run()
        finally:
            if user.update is not None:
                await self.journal.add(user.update)
        if user.failed is None:
            self.sent += 1
            self._advance(1)
        else:
            self._reject(p.key, user.failed)

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
        body = message_payload(m, self.identity)
        if m.batched and m.body is None:  # fixed before the first send: a rerun resends it
            await asyncio.to_thread(
                self.journal.write,
                self.state.outbox_put,
                self.sp.name,
                m.idempotency_key,
                m.keys,
                m.external_ids,
                body,
            )
        result = await self.api.create_notification(body, idempotency_key=m.idempotency_key)
        self._count(result)
        by_user = dict(zip(m.external_ids, m.keys, strict=False))
        # OneSignal answers 200 with an empty id when it reached nobody (reference §3)
        nobody = not result.ok and result.http_status is not None and result.http_status < 300
        if not result.ok and not nobody:
            for key in m.keys:
                self._reject(key, f"create_notification: {result.reason}")
            return
        unreached = set(m.external_ids) if nobody else set(result.unreached)
        reached = [
            (k, e) for k, e in zip(m.keys, m.external_ids, strict=True) if e not in unreached
        ]
        for ext in sorted(unreached):
            key = by_user.get(ext, ext)
            why = result.reason or "not subscribed"
            self.missed.append(
                Rejected(
                    self.sp.name,
                    key,
                    f"reached nobody ({why}); sent again once a sync has created the user",
                )
            )
            await self.journal.add(Missed(key, ext))
        sent = dataclasses.replace(
            m, keys=tuple(k for k, _ in reached), external_ids=tuple(e for _, e in reached)
        )
        await self.journal.add(record_of(sent))
        self.sent += len(reached)
        self._advance(len(m.keys))


class _User:
    """The calls for one user's change, and the state patch OneSignal confirmed so far.

    ``update`` is what reaches the state (even when a later call failed); ``failed`` is the
    reason to report, or None. A 404 on an existing user creates it again, whole; a 409 is
    remembered so the row is not retried until it changes.
    """

    def __init__(self, run: _SyncRun, p: ProfileChange) -> None:
        self.sync_run = run
        self.p = p
        self.api = run.api
        self.eid = p.external_id  # the identity value: external id, alias value, subscription id
        self.kind = run.identity.kind
        # how the user is addressed in paths (users/by/LABEL/ID); a subscription's owner by its
        # onesignal_id once it is known
        self.label = run.identity.label if self.kind == "alias" else "external_id"
        self.uid = self.eid
        self.patch: dict[str, str | None] = {}
        self.failed: str | None = None
        self.update: RowUpdate | None = None
        self._calls = 0

    async def _send(self, call: Awaitable[Result]) -> Result:
        if self._calls:  # OneSignal: one write per second per user; rest without a slot
            gate = self.sync_run.gate
            if gate is None:
                await asyncio.sleep(USER_SPACING)
            else:
                gate.release()
                try:
                    await asyncio.sleep(USER_SPACING)
                finally:
                    await gate.acquire()
        self._calls += 1
        result = await call
        self.sync_run._count(result)
        return result

    def _fail(self, result: Result) -> None:
        self.failed = f"{result.operation}: {result.reason}"

    async def run(self) -> None:
        p = self.p
        try:
            if self.sync_run.legacy:
                await (self._legacy_device() if self.kind == "subscription_id" else self._legacy())
            elif self.sync_run.link:
                await self._link()
            elif self.kind == "subscription_id":
                await self._by_subscription()
            elif p.action == "create":
                await self._create(p.add_aliases, _tags(p), p.add_subscriptions)
            elif p.action == "delete":
                result = await self._send(self.api.delete_user(self.label, self.uid))
                if not (result.ok or result.not_found):
                    self._fail(result)
            else:
                await self._update()
        except Halted:  # stopping: record the calls OneSignal confirmed, not the row as done
            self.failed = "apply stopped"
            self._finish()
            raise
        self._finish()

    def _finish(self) -> None:
        p = self.p
        if self.update is not None:  # a 409: remembered, with what did go through
            return
        leaving = p.action in ("unset", "delete")
        if self.failed is None and leaving:
            self.update = RowUpdate(p.key, None, forget=True)
        elif self.failed is None or self.patch:
            if not leaving:
                self.patch.setdefault("external_id", self.eid)
            done = self.failed is None
            self.update = RowUpdate(p.key, p.fingerprint if done else None, self.patch)

    # -- the calls -----------------------------------------------------------------------------

    async def _create(
        self,
        aliases: Mapping[str, str],
        tags: dict[str, str],
        subs: Iterable[Mapping[str, Any]],
    ) -> bool:
        identity = {self.label: self.eid, **aliases}
        pairs = [(str(s["type"]), str(s["token"])) for s in subs]
        chunks = _chunks(tags)
        first = chunks[0] if chunks else None
        result = await self._send(self.api.create_user(identity, first, pairs))
        if not result.ok:
            self._conflict_or_fail(result)
            return False
        self.patch["external_id"] = self.eid
        self.patch.update((f"alias:{k}", v) for k, v in aliases.items())
        self.patch.update((f"tag:{k}", v) for k, v in (first or {}).items())
        self._subscribed(pairs, result)
        return await self._tag_chunks(chunks[1:])

    async def _tag_chunks(self, chunks: list[dict[str, str]]) -> bool:
        for chunk in chunks:
            result = await self._send(self.api.update_user(self.label, self.uid, chunk))
            if not result.ok:
                self._fail(result)
                return False
            self.patch.update((f"tag:{k}", v or None) for k, v in chunk.items())
        return True

    def _subscribed(self, pairs: list[tuple[str, str]], result: Result) -> None:
        """Record each subscription and the id OneSignal gave it (so onesync can delete it)."""
        ids = {(r.type.lower(), r.token): r.id for r in result.subscriptions}
        for type_, token in pairs:
            self.patch[f"sub:{type_}"] = token
            self.patch[f"subid:{type_}"] = ids.get((type_.lower(), token))

    def _conflict_or_fail(self, result: Result) -> None:
        self._fail(result)
        if result.conflict:
            self.update = RowUpdate(
                self.p.key,
                None,
                dict(self.patch),
                conflict=self.failed,
                conflict_fingerprint=self.p.fingerprint,
            )

    async def _update(self) -> None:
        p = self.p
        chunks = _chunks(_tags(p))
        if chunks:
            first = await self._send(self.api.update_user(self.label, self.uid, chunks[0]))
            if first.not_found:
                if p.action == "unset":
                    return  # the user is gone from OneSignal, and what the sync put there too
                await self._recreate()
                return
            if not first.ok:
                self._fail(first)
                return
            self.patch.update((f"tag:{k}", v or None) for k, v in chunks[0].items())
            if not await self._tag_chunks(chunks[1:]):
                return
        if p.add_aliases:
            if self.kind == "subscription_id":  # on the subscription's owner, whoever it is now
                call = self.api.set_subscription_identity(self.eid, p.add_aliases)
            else:
                call = self.api.add_aliases(self.label, self.uid, p.add_aliases)
            result = await self._send(call)
            if await self._gone(result):
                return
            if not result.ok:
                self._conflict_or_fail(result)
                return
            self.patch.update((f"alias:{k}", v) for k, v in p.add_aliases.items())
        for label in p.remove_aliases:
            result = await self._send(self.api.delete_alias(self.label, self.uid, label))
            if await self._gone(result):
                return
            if not result.ok:
                self._fail(result)
                return
            self.patch[f"alias:{label}"] = None
        added: set[str] = set()
        for sub in p.add_subscriptions:
            type_, token = sub["type"], sub["token"]
            result = await self._send(
                self.api.create_subscription(self.label, self.uid, type_, token)
            )
            if await self._gone(result):
                return
            if not result.ok:
                self._fail(result)
                return
            self._subscribed([(type_, token)], result)
            added.add(type_)
        for old in p.remove_subscriptions:
            type_, token, sid = str(old["type"]), str(old["token"]), old.get("id")
            if sid:
                result = await self._send(self.api.delete_subscription(sid))
            else:  # created before onesync recorded ids: switch it off by its address
                result = await self._send(
                    self.api.update_subscription_by_token(type_, token, {"enabled": False})
                )
            if not (result.ok or result.not_found):
                self._fail(result)
                if type_ in added and not old.get("pending"):  # remember it, to remove later
                    self.patch[f"oldsub:{type_}"] = token
                    self.patch[f"oldsubid:{type_}"] = sid
                return
            if old.get("pending"):
                self.patch[f"oldsub:{type_}"] = self.patch[f"oldsubid:{type_}"] = None
            elif type_ not in added:
                self.patch[f"sub:{type_}"] = self.patch[f"subid:{type_}"] = None

    async def _gone(self, result: Result) -> bool:
        """A 404 for the user: it was deleted in OneSignal; create it again (or, when
        clearing, there is nothing left to clear)."""
        if not result.not_found:
            return False
        if self.p.action != "unset":
            await self._recreate()
        return True

    async def _recreate(self) -> None:
        """Create the user again, whole, from the row's current values (state + this change)."""
        run = self.sync_run
        if self.kind == "subscription_id":  # its owner moved or was deleted: look again next run
            self.patch["onesignal_id"] = None
            self.failed = (
                f"the user of subscription {self.eid} is not in OneSignal any more (merged or "
                "deleted); the next plan looks it up again"
            )
            return
        old = await asyncio.to_thread(run.journal.write, run.state.values, run.sp.name, self.p.key)
        now = {**(old or {}), **self.p.state_patch(), **self.patch}
        aliases = {k[6:]: v for k, v in now.items() if k.startswith("alias:") and v}
        tags = {k[4:]: v for k, v in now.items() if k.startswith("tag:") and v}
        subs = [{"type": k[4:], "token": v} for k, v in now.items() if k.startswith("sub:") and v]
        self.patch = {k: None for k in (old or {})}  # what OneSignal held before is gone
        self.failed = None
        await self._create(aliases, tags, subs)

    async def _owner(self) -> str | None:
        """The onesignal_id of the subscription's owner: cached in state, else asked (a view:
        OneSignal allows one a second per app)."""
        run = self.sync_run
        old = await asyncio.to_thread(run.journal.write, run.state.values, run.sp.name, self.p.key)
        cached = (old or {}).get("onesignal_id")
        if cached:
            return cached
        result = await self._send(self.api.get_subscription_identity(self.eid))
        if result.not_found:
            self.failed = f"subscription {self.eid} is not in OneSignal (check the id)"
            return None
        if not result.ok or not result.id:
            self._fail(result)
            return None
        self.patch["onesignal_id"] = result.id
        return result.id

    async def _link(self) -> None:
        """Link the subscription to the row's external id (or unlink it), after asking who owns
        it now: an anonymous owner gets the id; a subscription of someone else's user (linked
        elsewhere, not by this sync) is a conflict; otherwise it moves to the id's user, which
        is made when OneSignal has none."""
        p, run = self.p, self.sync_run
        old = await asyncio.to_thread(run.journal.write, run.state.values, run.sp.name, p.key)
        ours = (old or {}).get("alias:external_id")  # what this sync linked it to before
        want = p.add_aliases.get("external_id")
        seen = await self._send(self.api.get_subscription_identity(self.eid))
        if seen.not_found:
            self.failed = f"subscription {self.eid} is not in OneSignal (check the id)"
            return
        if not seen.ok:
            self._fail(seen)
            return
        identity = (seen.body or {}).get("identity") or {}
        now = identity.get("external_id")
        if want is None:  # unlink: only what this sync linked, and only while it still is
            if now is not None and now == ours and await self._alone(str(seen.id)):
                result = await self._send(
                    self.api.delete_alias("onesignal_id", str(seen.id), "external_id")
                )
                if not (result.ok or result.not_found):
                    self._fail(result)
                    return
            self.patch["alias:external_id"] = None
            return
        if now == want:
            self.patch["alias:external_id"] = want
            return
        if now is not None and now != ours:
            self.failed = (
                f"subscription {self.eid} is linked to external_id {now} already (not by this "
                f"sync); the model links it to {want}. Unlink it there, or fix the row"
            )
            self.update = RowUpdate(
                p.key, None, {}, conflict=self.failed, conflict_fingerprint=p.fingerprint
            )
            return
        if now is None:
            result = await self._send(
                self.api.set_subscription_identity(self.eid, {"external_id": want})
            )
            if result.ok:
                self.patch["alias:external_id"] = want
                return
            if not result.conflict:  # a 409: the id is another user's: move the subscription
                self._fail(result)
                return
        moved = await self._send(self.api.transfer_subscription(self.eid, {"external_id": want}))
        if moved.not_found:  # nobody has that id yet: make its user, then move
            made = await self._send(self.api.create_user({"external_id": want}, None, []))
            if not made.ok:
                self._conflict_or_fail(made)
                return
            moved = await self._send(
                self.api.transfer_subscription(self.eid, {"external_id": want})
            )
        if not moved.ok:
            self._conflict_or_fail(moved)
            return
        self.patch["alias:external_id"] = want

    async def _alone(self, onesignal_id: str) -> bool:
        """True when the subscription is its user's only one. The current user model cannot
        detach one subscription from a user, and removing the user's external id would unlink
        every device it has, so a user with several keeps its link (docs/spec-reference.md)."""
        user = await self._send(self.api.get_user("onesignal_id", onesignal_id))
        subs = (user.body or {}).get("subscriptions") if user.ok else None
        return isinstance(subs, list) and len(subs) <= 1

    async def _by_subscription(self) -> None:
        """A user named by one of its subscriptions: every call goes to its owner."""
        owner = await self._owner()
        if owner is None:
            return
        self.label, self.uid = "onesignal_id", owner
        if self.p.action == "delete":
            result = await self._send(self.api.delete_user(self.label, self.uid))
            if not (result.ok or result.not_found):
                self._fail(result)
            return
        await self._update()

    async def _legacy_device(self) -> None:
        """The player model by player id: tags and the external_user_id link through the edit
        device call, ``PUT /players/{id}``."""
        p = self.p
        if (
            p.add_subscriptions
            or p.remove_subscriptions
            or any(a != "external_id" for a in (*p.add_aliases, *p.remove_aliases))
        ):
            self.failed = "api: legacy links external ids and sends tags; the rest needs current"
        link: str | None = None
        if "external_id" in p.add_aliases:
            link = p.add_aliases["external_id"]
        elif "external_id" in p.remove_aliases:
            link = ""  # the edit device call unlinks with an empty external_user_id
        chunks = _chunks(_tags(p)) or ([{}] if link is not None else [])
        for i, chunk in enumerate(chunks):
            result = await self._send(
                self.api.legacy_edit_device(
                    self.eid, tags=chunk or None, external_user_id=link if i == 0 else None
                )
            )
            if not result.ok:
                if p.action == "unset" and result.not_found:
                    return
                self._conflict_or_fail(result)
                return
            self.patch.update((f"tag:{k}", v or None) for k, v in chunk.items())
            if i == 0 and link is not None:
                self.patch["alias:external_id"] = link or None

    async def _legacy(self) -> None:
        """The player model takes tags only; anything else is refused, never recorded."""
        p = self.p
        if p.add_aliases or p.add_subscriptions or p.remove_aliases or p.remove_subscriptions:
            self.failed = "api: legacy sends tags only; aliases and subscriptions need api: current"
        for chunk in _chunks(_tags(p)):
            result = await self._send(self.api.legacy_edit_tags(self.eid, chunk))
            if not result.ok:
                if p.action == "unset" and result.not_found:
                    return
                self._fail(result)
                return
            self.patch.update((f"tag:{k}", v or None) for k, v in chunk.items())


def _scan(changes: Sequence[Any]) -> Iterator[Any]:
    """A sync's changes as apply reads them: a scan, one batch in memory (no sort)."""
    if isinstance(changes, ChangeList):
        for batch in changes.stream():
            yield from batch
    else:
        yield from changes


def _tags(p: ProfileChange) -> dict[str, str]:
    tags = dict(p.set_tags)
    tags.update((t, "") for t in p.unset_tags)
    return tags


def _chunks(tags: dict[str, str]) -> list[dict[str, str]]:
    """At most 100 tag updates per request (OneSignal's limit, reference §1.2)."""
    items = list(tags.items())
    return [dict(items[i : i + TAGS_PER_CALL]) for i in range(0, len(items), TAGS_PER_CALL)]


def _iso_ago(seconds: float) -> str:
    at = datetime.now(UTC) - timedelta(seconds=seconds)
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")
