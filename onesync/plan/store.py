"""Where a plan's changes live: one DuckDB table, never a Python object per row.

A plan's changes (profile changes, events, messages, invalid rows, conflicts, baseline keys) are
rows of one table, ``changes``, with the columns of ``COLUMNS``; ``kind`` says which of the six a
row is, and JSON text holds the maps and lists (``set_tags``, ``add_subscriptions``...). While a
plan is made the table sits in a DuckDB file in a temporary folder (``Workspace``); a saved plan
reads it straight from the plan file's Parquet (``onesync.plan.planfile``). Either way
``ChangeStore`` is the read side: counts and samples are SQL, and ``ChangeList`` decodes rows
into the values of ``onesync.plan.changes`` one batch at a time, only when iterated.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

import duckdb
from sqlglot import exp

from onesync.plan.changes import EventChange, InvalidRow, MessageChange, ProfileChange
from onesync.state.duckdb import bulk_load

__all__ = ["COLUMNS", "KINDS", "ChangeList", "ChangeStore", "Workspace"]

# (name, DuckDB type). JSON columns hold text; a column a kind does not use is NULL.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("sync", "VARCHAR"),
    ("kind", "VARCHAR"),  # profile | event | message | invalid | conflict | baseline
    ("rank", "INTEGER"),  # profile: create 0, update 1, unset 2, delete 3
    ("seq", "BIGINT"),  # order within a kind where the key does not give it (messages)
    ("key", "VARCHAR"),
    ("external_id", "VARCHAR"),
    ("action", "VARCHAR"),
    ("set_tags", "VARCHAR"),
    ("unset_tags", "VARCHAR"),
    ("before", "VARCHAR"),
    ("add_aliases", "VARCHAR"),
    ("remove_aliases", "VARCHAR"),
    ("add_subscriptions", "VARCHAR"),
    ("remove_subscriptions", "VARCHAR"),
    ("fingerprint", "VARCHAR"),
    ("api_calls", "INTEGER"),
    ("destructive", "BOOLEAN"),
    ("name", "VARCHAR"),
    ("timestamp", "VARCHAR"),
    ("properties", "VARCHAR"),
    ("keys", "VARCHAR"),
    ("external_ids", "VARCHAR"),
    ("channel", "VARCHAR"),
    ("idempotency_key", "VARCHAR"),
    ("headings", "VARCHAR"),
    ("contents", "VARCHAR"),
    ("subject", "VARCHAR"),
    ("template_id", "VARCHAR"),
    ("custom_data", "VARCHAR"),
    ("send_after", "VARCHAR"),
    ("batched", "BOOLEAN"),
    ("body", "VARCHAR"),
    ("retry", "BOOLEAN"),
    ("recipients", "INTEGER"),
    ("reason", "VARCHAR"),
    ("field", "VARCHAR"),
    ("rows", "BIGINT"),
)
NAMES = tuple(n for n, _ in COLUMNS)
KINDS = ("profile", "event", "message", "invalid", "conflict", "baseline")
ORDER = "rank, key, seq"  # every kind is read in this order
BATCH = 2_000
ROW_GROUP = 10_000  # rows a reader holds decompressed at once, per thread
DUCKDB_MEMORY = os.environ.get("ONESYNC_DUCKDB_MEMORY", "512MB")
_JSON = frozenset(
    {
        "set_tags",
        "unset_tags",
        "before",
        "add_aliases",
        "remove_aliases",
        "add_subscriptions",
        "remove_subscriptions",
        "properties",
        "keys",
        "external_ids",
        "headings",
        "contents",
        "subject",
        "custom_data",
        "body",
    }
)


def q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def lit(value: str) -> str:
    return exp.Literal.string(value).sql("duckdb")


def create_table(name: str) -> str:
    cols = ", ".join(f"{q(n)} {t}" for n, t in COLUMNS)
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols})"


# -- decoding rows into values -----------------------------------------------------------------
# Each kind reads only its own columns (``FIELDS``), decoded by position.


def _loads(text: str | None, empty: Any) -> Any:
    if not text or text in ("{}", "[]"):
        return empty
    return json.loads(text)


def _subs(text: str | None) -> tuple[dict[str, Any], ...]:
    return tuple(
        {k: v for k, v in s.items() if v is not None or k == "id"} for s in _loads(text, ())
    )


FIELDS: dict[str, tuple[str, ...]] = {
    "profile": (
        "key",
        "external_id",
        "action",
        "set_tags",
        "unset_tags",
        "before",
        "add_aliases",
        "add_subscriptions",
        "fingerprint",
        "remove_aliases",
        "remove_subscriptions",
    ),
    "event": ("key", "external_id", "name", "timestamp", "properties"),
    "message": (
        "keys",
        "external_ids",
        "channel",
        "idempotency_key",
        "headings",
        "contents",
        "subject",
        "template_id",
        "custom_data",
        "send_after",
        "batched",
        "body",
        "retry",
    ),
    "invalid": ("key", "reason", "field", "rows"),
    "conflict": ("key", "reason", "field", "rows"),
    "baseline": ("key",),
}


def _profile(r: tuple[Any, ...]) -> ProfileChange:
    key, ext, action, set_tags, unset, before, aliases, subs, fp, rm_aliases, rm_subs = r
    return ProfileChange(
        key=key,
        external_id=ext,
        action=action,
        set_tags=_loads(set_tags, {}),
        unset_tags=tuple(_loads(unset, ())),
        before=_loads(before, _EMPTY),
        add_aliases=_loads(aliases, {}),
        add_subscriptions=tuple(_loads(subs, ())),
        fingerprint=fp,
        remove_aliases=tuple(_loads(rm_aliases, ())),
        remove_subscriptions=_subs(rm_subs),
    )


_EMPTY: dict[str, Any] = {}  # shared by every change without old values (never mutated)


def _event(r: tuple[Any, ...]) -> EventChange:
    key, ext, name, timestamp, props = r
    return EventChange(key, ext, name, timestamp, _loads(props, {}))


def _message(r: tuple[Any, ...]) -> MessageChange:
    keys, exts, channel, idem, headings, contents, subject, template, custom, send_after = r[:10]
    batched, body, retry = r[10:]
    return MessageChange(
        keys=tuple(_loads(keys, ())),
        external_ids=tuple(_loads(exts, ())),
        channel=channel,
        idempotency_key=idem,
        headings=_loads(headings, {}),
        contents=_loads(contents, {}),
        subject=_loads(subject, {}),
        template_id=template,
        custom_data=_loads(custom, {}),
        send_after=send_after,
        batched=bool(batched),
        body=_loads(body, None),
        retry=bool(retry),
    )


def _invalid(r: tuple[Any, ...]) -> InvalidRow:
    key, reason, field, rows = r
    return InvalidRow(key, reason, field, int(rows or 1))


def _key(r: tuple[Any, ...]) -> str:
    return str(r[0])


_DECODE = {
    "profile": _profile,
    "event": _event,
    "message": _message,
    "invalid": _invalid,
    "conflict": _invalid,
    "baseline": _key,
}


# -- encoding values into rows (changes built in Python: events, messages, hand-made plans) ----


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode(sync: str, value: Any, seq: int = 0, kind: str | None = None) -> dict[str, Any]:
    """One change value as a row of ``changes`` (missing columns are NULL); ``kind`` tells a
    conflict from an invalid row (both are ``InvalidRow`` values)."""
    if isinstance(value, ProfileChange):
        rank = {"create": 0, "update": 1, "unset": 2, "delete": 3}[value.action]
        row: dict[str, Any] = {
            "kind": "profile",
            "rank": rank,
            "key": value.key,
            "external_id": value.external_id,
            "action": value.action,
            "set_tags": value.set_tags,
            "unset_tags": list(value.unset_tags),
            "before": value.before,
            "add_aliases": value.add_aliases,
            "remove_aliases": list(value.remove_aliases),
            "add_subscriptions": list(value.add_subscriptions),
            "remove_subscriptions": list(value.remove_subscriptions),
            "fingerprint": value.fingerprint,
            "api_calls": value.api_calls,
            "destructive": value.destructive,
        }
    elif isinstance(value, EventChange):
        row = {
            "kind": "event",
            "rank": 0,
            "key": value.key,
            "external_id": value.external_id,
            "name": value.name,
            "timestamp": value.timestamp,
            "properties": value.properties,
        }
    elif isinstance(value, MessageChange):
        row = {
            "kind": "message",
            "rank": 0,
            "key": value.keys[0] if value.keys else "",
            "keys": list(value.keys),
            "external_ids": list(value.external_ids),
            "channel": value.channel,
            "idempotency_key": value.idempotency_key,
            "headings": value.headings,
            "contents": value.contents,
            "subject": value.subject,
            "template_id": value.template_id,
            "custom_data": value.custom_data,
            "send_after": value.send_after,
            "batched": value.batched,
            "body": value.body,
            "retry": value.retry,
            "recipients": len(value.keys),
        }
    elif isinstance(value, InvalidRow):
        row = {
            "kind": "invalid",
            "rank": 0 if value.key is None else 1,
            "key": value.key,
            "reason": value.reason,
            "field": value.field,
            "rows": value.rows,
        }
    else:
        row = {"kind": "baseline", "rank": 0, "key": str(value)}
    row["sync"] = sync
    row["seq"] = seq
    if kind is not None:
        row["kind"] = kind
    return {k: (_dumps(v) if k in _JSON and v is not None else v) for k, v in row.items()}


# -- the read side -----------------------------------------------------------------------------


class ChangeStore:
    """Read access to a ``changes`` relation (a table, or a Parquet file's rows).

    Queries run on their own cursor, so a ``ChangeList`` being iterated (apply feeding its
    jobs) and a count asked meanwhile never disturb each other.
    """

    def __init__(self, conn: Any, relation: str, cleanup: str | None = None) -> None:
        self.conn = conn
        self.relation = relation
        self._dir = cleanup
        self._finalizer = weakref.finalize(self, _close, conn, cleanup)

    def cursor(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self.conn.cursor()
        return cur.execute(sql, list(params))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.cursor(sql, params).fetchone()
        return row[0] if row else None

    def list(self, sync: str, kind: str, where: str = "", params: Sequence[Any] = ()) -> ChangeList:
        return ChangeList(self, sync, kind, where, tuple(params))

    def counts(self, sync: str) -> dict[str, int]:
        """What a summary needs, in one pass over the sync's rows."""
        row = self.cursor(
            "SELECT "
            + ", ".join(
                [
                    *(
                        f"count(*) FILTER (WHERE kind = 'profile' AND action = {lit(a)})"
                        for a in ("create", "update", "unset", "delete")
                    ),
                    "count(*) FILTER (WHERE kind = 'event')",
                    "count(*) FILTER (WHERE kind = 'message')",
                    "COALESCE(sum(recipients) FILTER (WHERE kind = 'message'), 0)",
                    "COALESCE(sum(rows) FILTER (WHERE kind = 'invalid' AND field IS NULL), 0)",
                    "count(*) FILTER (WHERE kind = 'invalid' AND field IS NOT NULL)",
                    "count(*) FILTER (WHERE kind = 'conflict')",
                    "count(*) FILTER (WHERE kind = 'baseline')",
                    "count(*) FILTER (WHERE kind = 'profile' AND destructive)",
                    "COALESCE(sum(api_calls) FILTER (WHERE kind = 'profile'), 0)",
                    "count(*) FILTER (WHERE kind = 'invalid')",
                ]
            )
            + f" FROM {self.relation} WHERE sync = ?",
            (sync,),
        ).fetchone()
        names = (
            "create",
            "update",
            "unset",
            "delete",
            "events",
            "messages",
            "recipients",
            "invalid",
            "refused_fields",
            "conflicts",
            "baseline",
            "destructive",
            "profile_calls",
            "invalid_entries",
        )
        return {n: int(v or 0) for n, v in zip(names, row, strict=True)}

    def close(self) -> None:
        self._finalizer()


def _close(conn: Any, folder: str | None) -> None:
    try:
        conn.close()
    finally:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


class ChangeList(Sequence[Any]):
    """A lazy, read-only sequence of one kind of change of one sync.

    ``len`` and slices are SQL; iterating decodes ``BATCH`` rows at a time, so memory does not
    grow with the number of changes. Equal to a tuple with the same values (for tests).
    """

    def __init__(
        self,
        store: ChangeStore,
        sync: str,
        kind: str,
        where: str = "",
        params: tuple[Any, ...] = (),
    ) -> None:
        self.store = store
        self.sync = sync
        self.kind = kind
        self.where = where
        self.params = params
        self._len: int | None = None

    def _sql(self, what: str, tail: str = "") -> tuple[str, list[Any]]:
        extra = f" AND ({self.where})" if self.where else ""
        sql = f"SELECT {what} FROM {self.store.relation} WHERE sync = ? AND kind = ?{extra}"
        return sql + tail, [self.sync, self.kind, *self.params]

    def __len__(self) -> int:
        if self._len is None:
            sql, params = self._sql("count(*)")
            self._len = int(self.store.scalar(sql, params))
        return self._len

    def __bool__(self) -> bool:
        return len(self) > 0

    def batches(self, size: int = BATCH) -> Iterator[list[Any]]:
        """Decoded values, ``size`` at a time, in plan order."""
        cols = ", ".join(q(n) for n in FIELDS[self.kind])
        sql, params = self._sql(cols, f" ORDER BY {ORDER}")
        cur = self.store.cursor(sql, params)
        decode = _DECODE[self.kind]
        try:
            while rows := cur.fetchmany(size):
                yield [decode(r) for r in rows]
        finally:
            cur.close()

    def stream(self, size: int = BATCH) -> Iterator[list[Any]]:
        """Decoded values, ``size`` at a time, without sorting: creates, then updates, unsets
        and deletes, each in file order. What apply reads: a sort of every change would hold
        them all in memory at once; a scan holds one batch."""
        cols = ", ".join(q(n) for n in FIELDS[self.kind])
        decode = _DECODE[self.kind]
        for rank in (0, 1, 2, 3) if self.kind == "profile" else (None,):
            extra = "" if rank is None else f" AND rank = {rank}"
            sql, params = self._sql(cols, extra)
            cur = self.store.cursor(sql, params)
            try:
                while rows := cur.fetchmany(size):
                    yield [decode(r) for r in rows]
            finally:
                cur.close()

    def __iter__(self) -> Iterator[Any]:
        for batch in self.batches():
            yield from batch

    def _range(self, offset: int, limit: int) -> list[Any]:
        if limit <= 0:
            return []
        cols = ", ".join(q(n) for n in FIELDS[self.kind])
        sql, params = self._sql(cols, f" ORDER BY {ORDER} LIMIT {int(limit)} OFFSET {int(offset)}")
        decode = _DECODE[self.kind]
        return [decode(r) for r in self.store.cursor(sql, params).fetchall()]

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Any, ...]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return tuple(self._range(start, stop - start))[::step]
            return tuple(self._range(start, stop - start))
        n = len(self)
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError("change index out of range")
        return self._range(i, 1)[0]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ChangeList | tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    # unhashable, like the list it stands for; typeshed declares __hash__ as a method
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self):,} {self.kind} changes of {self.sync}>"


# -- the write side ----------------------------------------------------------------------------


class Workspace:
    """Where a plan's changes are built: Parquet files in a temporary folder, one per statement.

    The SQL that builds changes runs on the state's own DuckDB connection when the state is
    DuckDB (``local``: no row leaves DuckDB, staging tables are TEMP tables there), otherwise on
    a private in-memory DuckDB into which rows from the state engine are bulk-loaded. Each
    ``insert`` writes its rows straight to a new Parquet part (with every column of
    ``COLUMNS``); ``finish`` hands the parts over to a ``ChangeStore`` reading them.
    """

    def __init__(self, state_conn: Any | None = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="onesync-plan-")
        self.local = state_conn is not None
        self.conn = state_conn if state_conn is not None else _connect(self.dir)
        self.parts: list[str] = []
        self._seq = 0
        empty = ", ".join(f"CAST(NULL AS {t}) AS {q(n)}" for n, t in COLUMNS)
        self._copy(f"SELECT {empty} WHERE FALSE")  # the schema, even for a plan of nothing

    @property
    def relation(self) -> str:
        """The changes written so far, as SQL."""
        return f"read_parquet([{', '.join(lit(p) for p in self.parts)}])"

    def name(self, table: str) -> str:
        """A staging table of the workspace, as SQL on its connection."""
        return q(table)

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql, list(params))

    def next_seq(self, n: int = 1) -> int:
        self._seq += n
        return self._seq - n

    def _copy(self, select: str, params: Sequence[Any] = ()) -> int:
        path = os.path.join(self.dir, f"part-{len(self.parts):05d}.parquet")
        row = self.run(
            f"COPY ({select}) TO {lit(path)} (FORMAT parquet, COMPRESSION zstd, "
            f"ROW_GROUP_SIZE {ROW_GROUP})",
            params,
        ).fetchone()
        n = int(row[0]) if row else 0
        if n or not self.parts:
            self.parts.append(path)
        else:
            os.unlink(path)
        return n

    def insert(self, columns: str, select: str, params: Sequence[Any] = ()) -> int:
        """Write the rows of ``select`` (its columns named by ``columns``, a comma-separated
        subset of ``COLUMNS``) as changes; returns how many."""
        given = [c.strip() for c in columns.split(",")]
        unknown = set(given) - set(NAMES)
        assert not unknown, unknown
        cols = ", ".join(
            f"CAST(t.{q(n)} AS {t}) AS {q(n)}" if n in given else f"CAST(NULL AS {t}) AS {q(n)}"
            for n, t in COLUMNS
        )
        alias = ", ".join(q(c) for c in given)
        return self._copy(f"SELECT {cols} FROM ({select}) AS t({alias})", params)

    def load(self, table: str, names: Sequence[str], batches: Iterable[Sequence[Any]]) -> str:
        """Bulk-load rows (text or NULL) into a new staging table; returns its SQL name.

        One CSV file read by DuckDB's vectorised reader: far faster than ``executemany``."""
        target = self.name(table)
        bulk_load(self.conn, target, names, batches, self.dir)
        return target

    def append(self, sync: str, values: Iterable[Any], kind: str | None = None) -> int:
        """Add change values built in Python (events, messages, fixed batches); returns count."""

        def rows() -> Iterator[list[list[Any]]]:
            batch: list[list[Any]] = []
            for v in values:
                r = encode(sync, v, self.next_seq(), kind)
                batch.append([_text(r.get(c)) for c in NAMES])
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

        tmp = self.load("onesync_append", NAMES, rows())
        n = self.insert(", ".join(NAMES), f"SELECT * FROM {tmp}")
        self.drop("onesync_append")
        return n

    def drop(self, *tables: str) -> None:
        for t in tables:
            self.run(f"DROP TABLE IF EXISTS {self.name(t)}")

    def finish(self) -> ChangeStore:
        """Stop building; the changes are read from the parts from now on."""
        conn = _connect(self.dir) if self.local else self.conn
        return ChangeStore(conn, self.relation, cleanup=self.dir)

    def abandon(self) -> None:
        """A plan that failed: drop the parts."""
        try:
            if not self.local:
                self.conn.close()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _connect(folder: str) -> Any:
    """A private in-memory DuckDB with bounded memory, spilling into ``folder``."""
    conn = duckdb.connect()
    conn.execute(f"SET memory_limit = {lit(DUCKDB_MEMORY)}")
    conn.execute("SET enable_progress_bar = false")  # never print to a user's terminal
    conn.execute(f"SET temp_directory = {lit(os.path.join(folder, 'spill'))}")
    conn.execute("SET preserve_insertion_order = false")
    return conn


def memory_store(changes: Iterable[tuple[Any, ...]]) -> ChangeStore:
    """A store holding hand-made ``(sync, value)`` or ``(sync, value, kind)`` changes (tests,
    and tools that build plans)."""
    ws = Workspace()
    groups: dict[tuple[str, str | None], list[Any]] = {}
    for sync, value, *rest in changes:
        groups.setdefault((sync, rest[0] if rest else None), []).append(value)
    for (sync, kind), values in groups.items():
        ws.append(sync, values, kind)
    return ws.finish()


def plan_of(plan: Any, changes: dict[str, Iterable[Any]]) -> Any:
    """``plan`` (a ``Plan``) with hand-made change values per sync name, stored and tallied
    like a planned one: for tests and tools that build plans. A ``("conflict", InvalidRow)``
    pair is a conflict."""
    import dataclasses

    entries = [
        (name, *(v[::-1] if isinstance(v, tuple) and len(v) == 2 else (v,)))
        for name, values in changes.items()
        for v in values
    ]
    store = memory_store(entries)
    syncs = tuple(
        dataclasses.replace(s, tallies=store.counts(s.name), store=store) for s in plan.syncs
    )
    return dataclasses.replace(plan, syncs=syncs, store=store)
