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

import csv
import json
import os
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

import duckdb
from sqlglot import exp

from onesync.plan.changes import EventChange, InvalidRow, MessageChange, ProfileChange

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
DUCKDB_MEMORY = os.environ.get("ONESYNC_DUCKDB_MEMORY", "512MB")
_JSON = frozenset(
    {"set_tags", "unset_tags", "before", "add_aliases", "remove_aliases", "add_subscriptions",
     "remove_subscriptions", "properties", "keys", "external_ids", "headings", "contents",
     "subject", "custom_data", "body"}
)  # fmt: skip


def q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def lit(value: str) -> str:
    return exp.Literal.string(value).sql("duckdb")


def create_table(name: str) -> str:
    cols = ", ".join(f"{q(n)} {t}" for n, t in COLUMNS)
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols})"


# -- decoding rows into values -----------------------------------------------------------------


def _loads(text: str | None, empty: Any) -> Any:
    return json.loads(text) if text else empty


def _profile(r: dict[str, Any]) -> ProfileChange:
    return ProfileChange(
        key=r["key"],
        external_id=r["external_id"],
        action=r["action"],
        set_tags=_loads(r["set_tags"], {}),
        unset_tags=tuple(_loads(r["unset_tags"], ())),
        before=_loads(r["before"], {}),
        add_aliases=_loads(r["add_aliases"], {}),
        add_subscriptions=tuple(_loads(r["add_subscriptions"], ())),
        fingerprint=r["fingerprint"],
        remove_aliases=tuple(_loads(r["remove_aliases"], ())),
        remove_subscriptions=tuple(
            {k: v for k, v in s.items() if v is not None or k == "id"}
            for s in _loads(r["remove_subscriptions"], ())
        ),
    )


def _event(r: dict[str, Any]) -> EventChange:
    return EventChange(
        key=r["key"],
        external_id=r["external_id"],
        name=r["name"],
        timestamp=r["timestamp"],
        properties=_loads(r["properties"], {}),
    )


def _message(r: dict[str, Any]) -> MessageChange:
    return MessageChange(
        keys=tuple(_loads(r["keys"], ())),
        external_ids=tuple(_loads(r["external_ids"], ())),
        channel=r["channel"],
        idempotency_key=r["idempotency_key"],
        headings=_loads(r["headings"], {}),
        contents=_loads(r["contents"], {}),
        subject=_loads(r["subject"], {}),
        template_id=r["template_id"],
        custom_data=_loads(r["custom_data"], {}),
        send_after=r["send_after"],
        batched=bool(r["batched"]),
        body=_loads(r["body"], None),
        retry=bool(r["retry"]),
    )


def _invalid(r: dict[str, Any]) -> InvalidRow:
    return InvalidRow(r["key"], r["reason"], r["field"], int(r["rows"] or 1))


def _key(r: dict[str, Any]) -> str:
    return str(r["key"])


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
            "kind": "profile", "rank": rank, "key": value.key, "external_id": value.external_id,
            "action": value.action, "set_tags": value.set_tags,
            "unset_tags": list(value.unset_tags), "before": value.before,
            "add_aliases": value.add_aliases, "remove_aliases": list(value.remove_aliases),
            "add_subscriptions": list(value.add_subscriptions),
            "remove_subscriptions": list(value.remove_subscriptions),
            "fingerprint": value.fingerprint, "api_calls": value.api_calls,
            "destructive": value.destructive,
        }  # fmt: skip
    elif isinstance(value, EventChange):
        row = {
            "kind": "event", "rank": 0, "key": value.key, "external_id": value.external_id,
            "name": value.name, "timestamp": value.timestamp, "properties": value.properties,
        }  # fmt: skip
    elif isinstance(value, MessageChange):
        row = {
            "kind": "message", "rank": 0, "key": value.keys[0] if value.keys else "",
            "keys": list(value.keys), "external_ids": list(value.external_ids),
            "channel": value.channel, "idempotency_key": value.idempotency_key,
            "headings": value.headings, "contents": value.contents, "subject": value.subject,
            "template_id": value.template_id, "custom_data": value.custom_data,
            "send_after": value.send_after, "batched": value.batched, "body": value.body,
            "retry": value.retry, "recipients": len(value.keys),
        }  # fmt: skip
    elif isinstance(value, InvalidRow):
        row = {"kind": "invalid", "rank": 0 if value.key is None else 1, "key": value.key,
               "reason": value.reason, "field": value.field, "rows": value.rows}  # fmt: skip
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
            )  # fmt: skip
            + f" FROM {self.relation} WHERE sync = ?",
            (sync,),
        ).fetchone()
        names = ("create", "update", "unset", "delete", "events", "messages", "recipients",
                 "invalid", "refused_fields", "conflicts", "baseline", "destructive",
                 "profile_calls", "invalid_entries")  # fmt: skip
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
        self, store: ChangeStore, sync: str, kind: str, where: str = "", params: tuple = ()
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
        cols = ", ".join(q(n) for n in NAMES)
        sql, params = self._sql(cols, f" ORDER BY {ORDER}")
        cur = self.store.cursor(sql, params)
        decode = _DECODE[self.kind]
        try:
            while rows := cur.fetchmany(size):
                yield [decode(dict(zip(NAMES, r, strict=True))) for r in rows]
        finally:
            cur.close()

    def __iter__(self) -> Iterator[Any]:
        for batch in self.batches():
            yield from batch

    def _range(self, offset: int, limit: int) -> list[Any]:
        if limit <= 0:
            return []
        cols = ", ".join(q(n) for n in NAMES)
        sql, params = self._sql(cols, f" ORDER BY {ORDER} LIMIT {int(limit)} OFFSET {int(offset)}")
        decode = _DECODE[self.kind]
        rows = self.store.cursor(sql, params).fetchall()
        return [decode(dict(zip(NAMES, r, strict=True))) for r in rows]

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

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self):,} {self.kind} changes of {self.sync}>"


# -- the write side ----------------------------------------------------------------------------


class Workspace:
    """The DuckDB file a plan's changes are built in, and the SQL connection to build them.

    With a DuckDB state the file is ATTACHed to the state's own connection while the plan is
    made (``local``), so the diff writes its changes without a row leaving DuckDB; otherwise it
    has its own connection and rows from the state engine are bulk-loaded into it.
    ``finish`` hands the file over to a ``ChangeStore``.
    """

    ALIAS = "onesync_work"

    def __init__(self, state_conn: Any | None = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="onesync-plan-")
        self.path = os.path.join(self.dir, "changes.duckdb")
        self.local = state_conn is not None
        self._seq = 0
        if state_conn is not None:
            self.conn = state_conn
            self.conn.execute(f"ATTACH {lit(self.path)} AS {self.ALIAS}")
            self.prefix = f"{self.ALIAS}."
        else:
            self.conn = _connect(self.path, self.dir)
            self.prefix = ""
        self.table = self.prefix + "changes"
        self.conn.execute(create_table(self.table))

    def name(self, table: str) -> str:
        """A table of the workspace, as SQL on its connection."""
        return self.prefix + q(table)

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql, list(params))

    def next_seq(self, n: int = 1) -> int:
        self._seq += n
        return self._seq - n

    def load(self, table: str, names: Sequence[str], batches: Iterable[Sequence[Any]]) -> str:
        """Bulk-load rows (text or NULL) into a new workspace table; returns its SQL name.

        One CSV file read by DuckDB's vectorised reader: far faster than ``executemany``."""
        target = self.name(table)
        null = "\x01" + uuid.uuid4().hex  # no real value equals this
        fd, tmp = tempfile.mkstemp(suffix=".csv", dir=self.dir)
        written = 0
        try:
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
                for batch in batches:
                    w.writerows([null if v is None else v for v in row] for row in batch)
                    written += len(batch)
            cols = ", ".join(f"{q(n)} VARCHAR" for n in names)
            self.run(f"DROP TABLE IF EXISTS {target}")
            if not written:
                self.run(f"CREATE TABLE {target} ({cols})")
                return target
            types = "{" + ", ".join(f"{lit(n)}: 'VARCHAR'" for n in names) + "}"
            self.run(
                f"CREATE TABLE {target} AS SELECT * FROM read_csv({lit(tmp)}, columns = {types}, "
                f"header = false, quote = '\"', escape = '\"', nullstr = {lit(null)}, "
                "allow_quoted_nulls = true, delim = ',', strict_mode = false)"
            )
        finally:
            os.unlink(tmp)
        return target

    def append(self, sync: str, values: Iterable[Any], kind: str | None = None) -> int:
        """Add change values built in Python (events, messages, fixed batches); returns count."""
        n = 0

        def rows() -> Iterator[list[list[Any]]]:
            nonlocal n
            batch: list[list[Any]] = []
            for v in values:
                r = encode(sync, v, self.next_seq(), kind)
                batch.append([_text(r.get(c)) for c in NAMES])
                n += 1
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

        tmp = self.load("onesync_append", NAMES, rows())
        casts = ", ".join(f"CAST({q(c)} AS {t})" for c, t in COLUMNS)
        self.run(f"INSERT INTO {self.table} SELECT {casts} FROM {tmp}")
        self.run(f"DROP TABLE {tmp}")
        return n

    def drop(self, *tables: str) -> None:
        for t in tables:
            self.run(f"DROP TABLE IF EXISTS {self.name(t)}")

    def finish(self) -> ChangeStore:
        """Stop building; the changes are read from the file from now on."""
        if self.local:
            self.conn.execute(f"DETACH {self.ALIAS}")
            conn = _connect(self.path, self.dir)
        else:
            conn = self.conn
        return ChangeStore(conn, "changes", cleanup=self.dir)

    def abandon(self) -> None:
        """A plan that failed: drop the file."""
        try:
            if self.local:
                self.conn.execute(f"DETACH {self.ALIAS}")
            else:
                self.conn.close()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _connect(path: str, folder: str) -> Any:
    conn = duckdb.connect(path)
    conn.execute(f"SET memory_limit = {lit(DUCKDB_MEMORY)}")
    conn.execute(f"SET temp_directory = {lit(os.path.join(folder, 'spill'))}")
    conn.execute("SET preserve_insertion_order = false")
    return conn


def memory_store(changes: Iterable[tuple[Any, ...]]) -> ChangeStore:
    """A store holding hand-made ``(sync, value)`` or ``(sync, value, kind)`` changes (tests,
    and tools that build plans)."""
    ws = Workspace()
    groups: dict[tuple[str, str | None], list[Any]] = {}
    for sync, value, *kind in changes:
        groups.setdefault((sync, kind[0] if kind else None), []).append(value)
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
