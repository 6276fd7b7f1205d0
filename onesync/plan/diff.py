"""Per-sync diff of a profile sync, set-based from end to end: no Python object per row.

The state's engine (DuckDB or PostgreSQL, see ``engine``) finds the rows that matter next to the
state: invalid rows, rows that are new or whose fingerprint changed (with their old values out of
the state's JSON), rows that left the model. Those reach the plan's ``Workspace`` (a DuckDB file)
as a subquery when the state is DuckDB, or bulk-loaded from PostgreSQL, and one DuckDB statement
turns them into change rows (``onesync.plan.store.COLUMNS``): which tags to set or unset and
their old values, aliases and subscriptions to add or remove, the fields OneSignal would refuse,
the calls each user costs. See docs/spec-reference.md, "The life of a user", for the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from onesync.model import Column, CompiledSync, Destination
from onesync.plan.engine import INCOMING, INVALID, Engine
from onesync.plan.store import Workspace, lit, q

ROWS = "onesync_rows"
SENT = "onesync_sent"
CONFLICTS = "onesync_conflicts"

# OneSignal's users page lists these placeholders as refused external ids (reference §1.5). A
# support comment adds "1" (§8.6); the docs page wins, so user id 1 still syncs.
PLACEHOLDER_IDS = ("na", "null", "0", "-1", "all", "00000000-0000-0000-0000-000000000000")
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
E164 = r"\+[1-9]\d{1,14}"
MAX_ALIAS = 128  # characters of an alias value (reference §1.5, the safe side)
_PREFIX = {"tag": "tag", "alias": "alias", "subscription": "sub"}


def state_key(column: Column) -> str:
    """The key of a value in the state's JSON (see ``onesync.state.schema``)."""
    return f"{_PREFIX[column.role]}:{column.label}"


def relation(eng: Engine, ws: Workspace, name: str, sql: str, names: Sequence[str]) -> str:
    """``sql`` (run by the state's engine) as a relation the workspace's SQL can read: the query
    itself when both are one DuckDB connection, else its rows bulk-loaded into a table."""
    if ws.local:
        return f"({sql})"
    return ws.load(name, names, eng.batches(sql))


def _sq(text: str) -> str:
    """Text inside a SQL string literal we build (labels and column names from the IR)."""
    return text.replace("'", "''")


# -- invalid rows ------------------------------------------------------------------------------


def invalid_rows(eng: Engine, ws: Workspace, compiled: CompiledSync, cols: list[str]) -> int:
    """Fill ``onesync_invalid`` (key, reason) in the state engine, write the invalid rows to the
    workspace (NULL keys as one entry), and return how many rows are invalid."""
    q_, k = eng.q, eng.q("__key")
    sync = compiled.sync
    parts = [
        f"SELECT {k} AS k, 'duplicate key: ' || CAST(count(*) AS TEXT) || ' rows have "
        f"{_sq(sync.key_column)} = ' || {k} AS reason FROM {INCOMING} WHERE {k} IS NOT NULL "
        f"GROUP BY {k} HAVING count(*) > 1"
    ]
    for c in compiled.columns:
        if c.role != "alias":
            continue
        a = q_(c.name)
        parts.append(
            f"SELECT i.{k}, 'alias {_sq(c.label)} = ' || i.{a} || ' is claimed by ' || "
            f"CAST(d.n AS TEXT) || ' users' FROM {INCOMING} i JOIN (SELECT {a} AS v, "
            f"count(DISTINCT {k}) AS n FROM {INCOMING} WHERE {a} IS NOT NULL GROUP BY {a} "
            f"HAVING count(DISTINCT {k}) > 1) d ON i.{a} = d.v WHERE i.{k} IS NOT NULL"
        )
    if sync.kind != "profile" and "__external_id" in cols:
        parts.append(
            f"SELECT {k}, 'external_id ({_sq(sync.identity.external_id)}) is NULL' "
            f"FROM {INCOMING} WHERE {q_('__external_id')} IS NULL AND {k} IS NOT NULL"
        )
    if "__external_id" in cols:
        ids = ", ".join(eng.lit(v) for v in PLACEHOLDER_IDS)
        ext = q_("__external_id")
        parts.append(
            f"SELECT {k}, 'external_id ' || {ext} || ' is a placeholder OneSignal refuses "
            f"(NA, NULL, 0, -1, all, the zero UUID); use a real id' FROM {INCOMING} "
            f"WHERE lower({ext}) IN ({ids}) AND {k} IS NOT NULL"
        )
    if "__invalid" in cols:
        parts.append(
            f"SELECT {k}, 'value does not fit its declared type: ' || {q_('__invalid')} "
            f"FROM {INCOMING} WHERE {q_('__invalid')} IS NOT NULL AND {k} IS NOT NULL"
        )
    eng.run(f"CREATE TEMP TABLE {INVALID} AS " + " UNION ALL ".join(parts))
    s = lit(sync.name)
    nulls = int(eng.scalar(f"SELECT count(*) FROM {INCOMING} WHERE {k} IS NULL"))
    if nulls:
        what = "row has" if nulls == 1 else "rows have"
        reason = f"{nulls} {what} a NULL {sync.key_column}"
        ws.run(
            f"INSERT INTO {ws.table} (sync, kind, rank, seq, key, reason, rows) "
            f"VALUES ({s}, 'invalid', 0, 0, NULL, {lit(reason)}, {nulls})"
        )
    rel = relation(
        eng, ws, "onesync_bad",
        f"SELECT k, string_agg(DISTINCT reason, '; ' ORDER BY reason) AS reason FROM {INVALID} "
        "GROUP BY k",
        ("k", "reason"),
    )  # fmt: skip
    ws.run(
        f"INSERT INTO {ws.table} (sync, kind, rank, seq, key, reason, rows) "
        f"SELECT {s}, 'invalid', 1, 0, CAST(b.k AS VARCHAR), b.reason, 1 FROM {rel} AS b"
    )
    ws.drop("onesync_bad")
    return nulls + int(eng.scalar(f"SELECT count(DISTINCT k) FROM {INVALID}"))


def valid(eng: Engine, alias: str = "i") -> str:
    k = eng.q("__key")
    return (
        f"{alias}.{k} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {INVALID} v "
        f"WHERE v.k = {alias}.{k})"
    )


def count_valid(eng: Engine, invalid: int) -> int:
    """Rows with a key and no problem (cheap when there are no invalid keys)."""
    if not invalid:
        k = eng.q("__key")
        return int(eng.scalar(f"SELECT count({k}) FROM {INCOMING}"))
    return int(eng.scalar(f"SELECT count(*) FROM {INCOMING} i WHERE {valid(eng)}"))


def source_fingerprint(eng: Engine) -> str:
    """An order-independent checksum of the incoming rows' fingerprints (and their count).

    Engine-specific (DuckDB sums ``hash()``, PostgreSQL sums md5 prefixes), which is enough:
    a plan is checked against the same state engine it was made with.
    """
    fp = eng.q("__fingerprint")
    if eng.dialect == "duckdb":
        agg = f"sum(hash(COALESCE({fp}, '')))::HUGEINT"
    else:
        agg = f"sum(('x' || substr(md5(COALESCE({fp}, '')), 1, 15))::bit(60)::bigint::numeric)"
    row = eng.rows(f"SELECT count(*), {agg} FROM {INCOMING}")[0]
    return f"{row[0]}:{row[1] or 0}"


# -- profile changes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileTally:
    """What the profile diff counted (the changes themselves are in the workspace)."""

    changed: int  # rows that became a create or an update
    left_alone: int  # on_leave: keep, rows that left the model
    held: int  # conflicts listed, not sent


def _tracked(compiled: CompiledSync) -> list[Column]:
    return [c for c in compiled.columns if c.role in ("tag", "alias", "subscription")]


def _changed_rows(eng: Engine, compiled: CompiledSync, mirror: bool) -> tuple[str, list[str]]:
    """The state-engine query for rows that are new or whose fingerprint changed: named columns
    ``k ext fp is_new data``, then per tracked column ``n_<i>`` (new) and ``o_<i>`` (confirmed),
    and per subscription ``sid_<i>``, ``pt_<i>``, ``pid_<i>`` (its id, a pending removal)."""
    sync = compiled.sync
    k, s, fp = eng.q("__key"), eng.lit(sync.name), eng.q("__fingerprint")
    has_ext = any(c.name == "__external_id" for c in compiled.columns)
    ext = f"i.{eng.q('__external_id')}" if has_ext else "CAST(NULL AS TEXT)"
    data = "st.data" if mirror else "CAST(NULL AS TEXT)"
    select = [
        f"i.{k} AS k", f"{ext} AS ext", f"i.{fp} AS fp",
        "CASE WHEN st.key IS NULL THEN '1' END AS is_new", f"{data} AS data",
    ]  # fmt: skip
    names = ["k", "ext", "fp", "is_new", "data"]

    def old(key: str) -> str:
        return f"CAST(st.data AS JSON) ->> {eng.lit(key)}"

    for i, c in enumerate(_tracked(compiled)):
        select += [f"i.{eng.q(c.name)} AS n_{i}", f"{old(state_key(c))} AS o_{i}"]
        names += [f"n_{i}", f"o_{i}"]
        if c.role == "subscription":
            select += [
                f"{old('subid:' + c.label)} AS sid_{i}",
                f"{old('oldsub:' + c.label)} AS pt_{i}",
                f"{old('oldsubid:' + c.label)} AS pid_{i}",
            ]
            names += [f"sid_{i}", f"pt_{i}", f"pid_{i}"]
    sql = (
        f"SELECT {', '.join(select)} FROM {INCOMING} i LEFT JOIN {ROWS} st "
        f"ON st.sync = {s} AND st.key = i.{k} WHERE {valid(eng)} AND "
        f"(st.key IS NULL OR st.fingerprint IS DISTINCT FROM i.{fp}) AND NOT EXISTS "
        f"(SELECT 1 FROM {CONFLICTS} c WHERE c.sync = {s} AND c.key = i.{k} AND "
        f"c.fingerprint = i.{fp})"
    )
    return sql, names


def _claimed(eng: Engine, subs: list[Column]) -> tuple[str, list[str]]:
    """(t, v, k): every row holding an email or phone that more than one row claims."""
    k = eng.q("__key")
    parts = []
    for c in subs:
        col = eng.q(c.name)
        parts.append(
            f"SELECT {eng.lit(c.label)} AS t, i.{col} AS v, i.{k} AS k FROM {INCOMING} i JOIN "
            f"(SELECT {col} AS v FROM {INCOMING} WHERE {col} IS NOT NULL AND {k} IS NOT NULL "
            f"GROUP BY {col} HAVING count(DISTINCT {k}) > 1) d ON i.{col} = d.v"
        )
    return " UNION ALL ".join(parts), ["t", "v", "k"]


_KV = "STRUCT(k VARCHAR, v VARCHAR)[]"
_SUB = "STRUCT(type VARCHAR, token VARCHAR, id VARCHAR, pending VARCHAR)[]"
_PROBLEM = "STRUCT(field VARCHAR, reason VARCHAR)[]"


def _list(items: list[str], typ: str, keep: str = "x IS NOT NULL", var: str = "x") -> str:
    """A DuckDB list of the non-NULL ``items`` (typed, so an empty one still has a type)."""
    if not items:
        return f"CAST([] AS {typ})"
    return f"list_filter(CAST([{', '.join(items)}] AS {typ}), lambda {var}: {keep})"


def _repr(expr: str) -> str:
    """SQL for Python's ``repr`` of a plain string: the text in single quotes."""
    return f"'''' || {expr} || ''''"


def profile_changes(
    eng: Engine, ws: Workspace, compiled: CompiledSync, dest: Destination
) -> ProfileTally:
    """Write the sync's profile changes, refused fields and conflicts to the workspace."""
    sync = compiled.sync
    s = lit(sync.name)
    mirror = sync.mode == "mirror"
    tracked = _tracked(compiled)
    tags = [(i, c) for i, c in enumerate(tracked) if c.role == "tag"]
    aliases = [(i, c) for i, c in enumerate(tracked) if c.role == "alias"]
    subs = [(i, c) for i, c in enumerate(tracked) if c.role == "subscription"]

    held = _conflicts(eng, ws, sync.name)
    sql, names = _changed_rows(eng, compiled, mirror)
    rows = relation(eng, ws, "onesync_changed", sql, names)
    joins = ""
    if subs:
        csql, cnames = _claimed(eng, [c for _, c in subs])
        claimed = relation(eng, ws, "onesync_claimed", csql, cnames)
        for i, c in subs:
            joins += (
                f" LEFT JOIN (SELECT v, list(CAST(k AS VARCHAR) ORDER BY k) AS ks FROM {claimed} "
                f"AS c WHERE t = {lit(c.label)} GROUP BY v) AS c_{i} ON c_{i}.v = r.n_{i}"
            )

    def chg(i: int) -> str:
        return f"r.n_{i} IS DISTINCT FROM r.o_{i}"

    # tags past destination.max_tags, in spec order, are refused (the rest still go)
    cap = dest.max_tags
    over: dict[int, str] = {}
    if len(tags) > cap:
        for pos, (i, _) in enumerate(tags):
            upto = " + ".join(f"CAST(r.n_{j} IS NOT NULL AS INTEGER)" for j, _ in tags[: pos + 1])
            over[i] = f"(r.n_{i} IS NOT NULL AND ({upto}) > {cap})"
    problems: list[str] = []
    if over:
        labels = ", ".join(
            f"CASE WHEN {e} THEN {lit(tracked[i].label)} END" for i, e in over.items()
        )
        names_over = f"list_sort(list_filter([{labels}], lambda x: x IS NOT NULL))"
        problems.append(
            f"CASE WHEN len({names_over}) > 0 THEN {{'field': 'tags', 'reason': "
            f"CAST(len({names_over}) AS VARCHAR) || ' tags over destination.max_tags ({cap}) "
            f"not sent: ' || array_to_string({names_over}[1:5], ', ') || CASE WHEN "
            f"len({names_over}) > 5 THEN ' ...' ELSE '' END}} END"
        )
    prob: dict[int, str] = {}  # alias or subscription i -> the reason it is refused, or NULL
    for i, c in aliases:
        prob[i] = (
            f"CASE WHEN r.n_{i} IS NOT NULL AND {chg(i)} AND length(r.n_{i}) > {MAX_ALIAS} THEN "
            f"{lit('alias ' + c.label + ' is ')} || CAST(length(r.n_{i}) AS VARCHAR) || "
            f"' characters; OneSignal takes at most {MAX_ALIAS}' END"
        )
    for i, c in subs:
        if c.label == "email":
            form = (
                f"WHEN NOT regexp_full_match(r.n_{i}, {lit(EMAIL)}) THEN 'email ' || "
                f"{_repr(f'r.n_{i}')} || ' is not an email address; the rest of the user is "
                "synced'"
            )
        elif c.label == "sms":
            form = (
                f"WHEN NOT regexp_full_match(r.n_{i}, {lit(E164)}) THEN 'sms ' || "
                f"{_repr(f'r.n_{i}')} || ' is not an E.164 phone number (e.g. +15555551234); "
                "the rest of the user is synced'"
            )
        else:
            form = ""
        others = f"list_filter(c_{i}.ks, lambda x: x <> CAST(r.k AS VARCHAR))"
        claim = (
            f"WHEN len({others}) > 0 THEN {lit(c.label + ' ')} || {_repr(f'r.n_{i}')} || "
            f"' is claimed by ' || CAST(len({others}) + 1 AS VARCHAR) || ' rows (also key ' || "
            f"array_to_string({others}[1:3], ', ') || CASE WHEN len({others}) > 3 THEN ' and ' "
            f"|| CAST(len({others}) - 3 AS VARCHAR) || ' more' ELSE '' END || '); OneSignal "
            "keeps one owner per address, so none gets it until one row holds it'"
        )
        prob[i] = f"CASE WHEN r.n_{i} IS NOT NULL AND {chg(i)} THEN CASE {form} {claim} END END"
    for i, c in (*aliases, *subs):
        problems.append(
            f"CASE WHEN ({prob[i]}) IS NOT NULL THEN {{'field': {lit(c.label)}, "
            f"'reason': {prob[i]}}} END"
        )

    new = "r.is_new IS NOT NULL"
    set_items, unset_items, before_items = [], [], []
    for i, c in tags:
        label = lit(c.label)
        keep = f" AND NOT {over[i]}" if i in over else ""
        sets = f"r.n_{i} IS NOT NULL AND {chg(i)}{keep}"
        unsets = f"r.n_{i} IS NULL AND r.o_{i} IS NOT NULL"
        set_items.append(f"{{'k': {label}, 'v': CASE WHEN {sets} THEN r.n_{i} END}}")
        unset_items.append(f"CASE WHEN {unsets} THEN {label} END")
        before_items.append(
            f"{{'k': CASE WHEN r.is_new IS NULL AND (({sets}) OR ({unsets})) THEN {label} END, "
            f"'v': r.o_{i}}}"
        )
    set_l = _list(set_items, _KV, "x.v IS NOT NULL")
    unset_l = _list(unset_items, "VARCHAR[]")
    before_l = _list(before_items, _KV, "x.k IS NOT NULL")
    if mirror:  # tags the spec no longer has, still in state: unset
        spec = ", ".join(lit(f"tag:{c.label}") for _, c in tags) or "''"
        dropped = (
            "list_sort(list_filter(json_keys(COALESCE(r.data, '{}')), lambda x: "
            f"starts_with(x, 'tag:') AND NOT list_contains([{spec}], x) AND "
            "(r.data ->> x) IS NOT NULL))"
        )
        unset_l = f"list_concat({unset_l}, list_transform({dropped}, lambda x: x[5:]))"
        before_l = (
            f"list_concat({before_l}, list_transform({dropped}, "
            "lambda x: {'k': x[5:], 'v': r.data ->> x}))"
        )
    add_a = _list(
        [
            f"{{'k': {lit(c.label)}, 'v': CASE WHEN r.n_{i} IS NOT NULL AND {chg(i)} AND "
            f"({prob[i]}) IS NULL THEN r.n_{i} END}}"
            for i, c in aliases
        ],
        _KV,
        "x.v IS NOT NULL",
    )
    rm_a = _list(
        [
            f"CASE WHEN r.n_{i} IS NULL AND r.o_{i} IS NOT NULL THEN {lit(c.label)} END"
            for i, c in aliases
        ]
        if mirror
        else [],
        "VARCHAR[]",
    )
    add_s = _list(
        [
            f"{{'type': {lit(c.label)}, 'token': CASE WHEN r.n_{i} IS NOT NULL AND {chg(i)} "
            f"AND ({prob[i]}) IS NULL THEN r.n_{i} END, 'id': NULL, 'pending': NULL}}"
            for i, c in subs
        ],
        _SUB,
        "x.token IS NOT NULL",
    )
    rm_s = _list(
        [
            f"{{'type': {lit(c.label)}, 'token': CASE WHEN {chg(i)} AND r.o_{i} IS NOT NULL AND "
            f"{'' if mirror else f'r.n_{i} IS NOT NULL AND '}({prob[i]}) IS NULL "
            f"THEN r.o_{i} END, 'id': r.sid_{i}, 'pending': NULL}}"
            for i, c in subs
        ]
        + [
            f"{{'type': {lit(c.label)}, 'token': CASE WHEN r.is_new IS NULL THEN r.pt_{i} END, "
            f"'id': r.pid_{i}, 'pending': '1'}}"
            for i, c in subs
        ],
        _SUB,
        "x.token IS NOT NULL",
    )
    probs = _list(problems, _PROBLEM)
    work = ws.name("onesync_profile")
    ws.run(
        f"CREATE TABLE {work} AS SELECT CAST(r.k AS VARCHAR) AS k, CAST(COALESCE(r.ext, r.k) "
        f"AS VARCHAR) AS ext, r.fp, {new} AS is_new, {set_l} AS set_l, {unset_l} AS unset_l, "
        f"{before_l} AS before_l, {add_a} AS add_a, {rm_a} AS rm_a, {add_s} AS add_s, "
        f"{rm_s} AS rm_s, {probs} AS probs FROM {rows} AS r{joins}"
    )
    ws.drop("onesync_changed", "onesync_claimed")
    some = "len(set_l) + len(unset_l) + len(add_a) + len(rm_a) + len(add_s) + len(rm_s) > 0"
    lost = (
        "len(list_filter(rm_s, lambda x: x.pending IS NULL AND NOT "
        "list_contains(list_transform(add_s, lambda a: a.type), x.type))) > 0"
    )
    calls = (
        "CASE WHEN is_new THEN 1 ELSE CAST(len(set_l) + len(unset_l) > 0 AS INTEGER) + "
        "CAST(len(add_a) > 0 AS INTEGER) + len(rm_a) + len(add_s) + len(rm_s) END"
    )
    ws.run(
        f"INSERT INTO {ws.table} (sync, kind, rank, seq, key, external_id, action, set_tags, "
        "unset_tags, before, add_aliases, remove_aliases, add_subscriptions, "
        "remove_subscriptions, fingerprint, api_calls, destructive) "
        f"SELECT {s}, 'profile', CASE WHEN is_new THEN 0 ELSE 1 END, 0, k, ext, "
        "CASE WHEN is_new THEN 'create' ELSE 'update' END, "
        "CAST(to_json(map_from_entries(set_l)) AS VARCHAR), CAST(to_json(unset_l) AS VARCHAR), "
        "CAST(to_json(map_from_entries(before_l)) AS VARCHAR), "
        "CAST(to_json(map_from_entries(add_a)) AS VARCHAR), CAST(to_json(rm_a) AS VARCHAR), "
        "CAST(to_json(list_transform(add_s, lambda x: {'type': x.type, 'token': x.token})) "
        "AS VARCHAR), CAST(to_json(rm_s) AS VARCHAR), "
        f"CASE WHEN len(probs) = 0 THEN fp END, {calls}, "
        f"NOT is_new AND (len(unset_l) > 0 OR len(rm_a) > 0 OR {lost}) "
        f"FROM {work} WHERE is_new OR {some}"
    )
    ws.run(
        f"INSERT INTO {ws.table} (sync, kind, rank, seq, key, reason, field, rows) "
        f"SELECT {s}, 'invalid', 2, p.n, k, p.p.reason, p.p.field, 1 FROM "
        f"(SELECT k, unnest(probs) AS p, generate_subscripts(probs, 1) AS n FROM {work} "
        "WHERE len(probs) > 0) AS p"
    )
    changed = int(
        ws.run(f"SELECT count(*) FROM {work} WHERE is_new OR {some}").fetchone()[0]  # type: ignore[index]
    )
    ws.drop("onesync_profile")
    left = _leavers(eng, ws, sync.name, sync.on_leave)
    return ProfileTally(changed=changed, left_alone=left, held=held)


def _leavers(eng: Engine, ws: Workspace, sync: str, on_leave: str) -> int:
    """Rows that left the model: counted (``keep``), or cleared or deleted; returns the count
    left alone."""
    k, s = eng.q("__key"), eng.lit(sync)
    gone = (
        f"FROM {ROWS} st WHERE st.sync = {s} AND NOT EXISTS "
        f"(SELECT 1 FROM {INCOMING} i WHERE i.{k} = st.key)"
    )
    if on_leave == "keep":
        return int(eng.scalar(f"SELECT count(*) {gone}"))
    rel = relation(eng, ws, "onesync_gone", f"SELECT st.key AS k, st.data AS data {gone}",
                   ("k", "data"))  # fmt: skip

    def pick(prefix: str) -> str:
        return (
            f"list_filter(ks, lambda x: starts_with(x, {lit(prefix)}) AND (data ->> x) IS NOT NULL)"
        )

    tags = f"list_transform({pick('tag:')}, lambda x: x[5:])"
    before = f"list_transform({pick('tag:')}, lambda x: {{'k': x[5:], 'v': data ->> x}})"
    if on_leave == "delete_user":
        action, rank = "delete", 3
        unset = aliases = "CAST([] AS VARCHAR[])"
        subs = f"CAST([] AS {_SUB})"
        calls = "1"
    else:
        action, rank = "unset", 2
        unset = tags
        aliases = f"list_transform({pick('alias:')}, lambda x: x[7:])"
        subs = (
            f"list_concat(list_transform({pick('sub:')}, lambda x: {{'type': x[5:], "
            "'token': data ->> x, 'id': data ->> ('subid:' || x[5:]), 'pending': NULL}), "
            f"list_transform({pick('oldsub:')}, lambda x: {{'type': x[8:], 'token': data ->> x, "
            "'id': data ->> ('oldsubid:' || x[8:]), 'pending': '1'}))"
        )
        calls = f"CAST(len({unset}) > 0 AS INTEGER) + len({aliases}) + len({subs})"
    ws.run(
        f"INSERT INTO {ws.table} (sync, kind, rank, seq, key, external_id, action, set_tags, "
        "unset_tags, before, add_aliases, remove_aliases, add_subscriptions, "
        "remove_subscriptions, fingerprint, api_calls, destructive) "
        f"SELECT {lit(sync)}, 'profile', {rank}, 0, k, COALESCE(data ->> 'external_id', k), "
        f"{lit(action)}, '{{}}', CAST(to_json({unset}) AS VARCHAR), "
        f"CAST(to_json(map_from_entries({before})) AS VARCHAR), '{{}}', "
        f"CAST(to_json({aliases}) AS VARCHAR), '[]', CAST(to_json({subs}) AS VARCHAR), NULL, "
        f"{calls}, TRUE FROM (SELECT CAST(g.k AS VARCHAR) AS k, CAST(g.data AS VARCHAR) AS data, "
        "list_sort(json_keys(COALESCE(CAST(g.data AS VARCHAR), '{}'))) AS ks "
        f"FROM {rel} AS g) AS g"
    )
    ws.drop("onesync_gone")
    return 0


def _conflicts(eng: Engine, ws: Workspace, sync: str) -> int:
    """Rows OneSignal answered 409 for, unchanged since: listed, not sent again."""
    k, fp = eng.q("__key"), eng.q("__fingerprint")
    rel = relation(
        eng, ws, "onesync_held",
        f"SELECT c.key AS k, c.reason AS reason FROM {CONFLICTS} c JOIN {INCOMING} i ON "
        f"i.{k} = c.key AND i.{fp} = c.fingerprint WHERE c.sync = {eng.lit(sync)}",
        ("k", "reason"),
    )  # fmt: skip
    ws.run(
        f"INSERT INTO {ws.table} (sync, kind, rank, seq, key, reason, rows) "
        f"SELECT {lit(sync)}, 'conflict', 0, 0, CAST(h.k AS VARCHAR), h.reason || "
        f"' (not retried until the row or the spec changes)', 1 FROM {rel} AS h"
    )
    ws.drop("onesync_held")
    return int(
        ws.run(
            f"SELECT count(*) FROM {ws.table} WHERE sync = ? AND kind = 'conflict'", (sync,)
        ).fetchone()[0]  # type: ignore[index]
    )


__all__ = [
    "PLACEHOLDER_IDS",
    "ProfileTally",
    "count_valid",
    "invalid_rows",
    "profile_changes",
    "q",
    "relation",
    "source_fingerprint",
    "state_key",
    "valid",
]
