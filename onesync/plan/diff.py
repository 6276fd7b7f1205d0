"""Per-sync diff of a profile sync, set-based from end to end: no Python object per row.

The state's engine (DuckDB or PostgreSQL, ``onesync.state.engine``) finds the rows that matter
next to the state: invalid rows, rows that are new or whose fingerprint changed (with their old
values out of the state's JSON), rows that left the model. Those reach the plan's ``Workspace``
(a DuckDB file) as a subquery when the state is DuckDB, or bulk-loaded from PostgreSQL, and one
DuckDB statement turns them into change rows (``onesync.plan.store.COLUMNS``): which tags to set
or unset and their old values, aliases and subscriptions to add or remove, the fields OneSignal
would refuse, the calls each user costs. See docs/spec-reference.md, "The life of a user", for
the rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from onesync.model import Column, CompiledSync, Destination
from onesync.plan.store import Workspace, lit
from onesync.state.engine import INCOMING, INVALID, Engine

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
        if c.role != "alias" or sync.link:  # a link sync: many devices may share one user id
            continue
        a = q_(c.name)
        parts.append(
            f"SELECT i.{k}, 'alias {_sq(c.label)} = ' || i.{a} || ' is claimed by ' || "
            f"CAST(d.n AS TEXT) || ' users' FROM {INCOMING} i JOIN (SELECT {a} AS v, "
            f"count(DISTINCT {k}) AS n FROM {INCOMING} WHERE {a} IS NOT NULL GROUP BY {a} "
            f"HAVING count(DISTINCT {k}) > 1) d ON i.{a} = d.v WHERE i.{k} IS NOT NULL"
        )
    ident = sync.identity
    ext = q_("__external_id")
    if sync.kind != "profile" and "__external_id" in cols:
        parts.append(
            f"SELECT {k}, '{_sq(ident.label)} ({_sq(ident.column)}) is NULL' "
            f"FROM {INCOMING} WHERE {ext} IS NULL AND {k} IS NOT NULL"
        )
    if ident.kind in ("email", "phone") and "__external_id" in cols:
        pattern, what = (
            (EMAIL, "is not an email address")
            if ident.kind == "email"
            else (E164, "is not an E.164 phone number (e.g. +15555551234)")
        )
        parts.append(
            f"SELECT {k}, '{ident.kind} ' || {_repr(ext)} || ' {what}' FROM {INCOMING} "
            f"WHERE {ext} IS NOT NULL AND NOT {eng.full_match(ext, pattern)} AND {k} IS NOT NULL"
        )
    if ident.kind == "alias" and "__external_id" in cols:
        parts.append(
            f"SELECT {k}, 'alias {_sq(ident.label)} = ' || {ext} || ' is longer than "
            f"{MAX_ALIAS} characters' FROM {INCOMING} WHERE length({ext}) > {MAX_ALIAS} AND "
            f"{k} IS NOT NULL"
        )
    if "__external_id" in cols and ident.kind == "external_id":
        ids = ", ".join(eng.lit(v) for v in PLACEHOLDER_IDS)
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
        ws.insert(
            "sync, kind, rank, seq, key, reason, rows",
            f"VALUES ({s}, 'invalid', 0, 0, NULL, {lit(reason)}, {nulls})",
        )
    agg = (
        "LISTAGG(DISTINCT reason, '; ') WITHIN GROUP (ORDER BY reason)"
        if eng.dialect in ("snowflake", "spark")
        else "string_agg(DISTINCT reason, '; ' ORDER BY reason)"
    )
    rel = relation(
        eng,
        ws,
        "onesync_bad",
        f"SELECT k, {agg} AS reason FROM {INVALID} GROUP BY k",
        ("k", "reason"),
    )
    ws.insert(
        "sync, kind, rank, seq, key, reason, rows",
        f"SELECT {s}, 'invalid', 1, 0, CAST(b.k AS VARCHAR), b.reason, 1 FROM {rel} AS b",
    )
    ws.drop("onesync_bad")
    return nulls + int(eng.scalar(f"SELECT count(DISTINCT k) FROM {INVALID}"))


def drop_invalid(eng: Engine, invalid: int) -> None:
    """Take the invalid rows (listed by ``invalid_rows``) out of ``onesync_incoming``, so every
    later query reads valid rows only, with no anti-join. Their keys stay in
    ``onesync_invalid``: a key in state whose row is invalid has not left the model."""
    if invalid:
        k = eng.q("__key")
        eng.run(
            f"DELETE FROM {INCOMING} WHERE {k} IS NULL OR {k} IN (SELECT k FROM {INVALID} "
            "WHERE k IS NOT NULL)"
        )


def valid(eng: Engine, alias: str = "i") -> str:
    """The rows to diff (after ``drop_invalid`` only keyed, valid rows are left)."""
    return f"{alias}.{eng.q('__key')} IS NOT NULL"


def count_valid(eng: Engine) -> int:
    """Rows with a key and no problem (after ``drop_invalid``)."""
    return int(eng.scalar(f"SELECT count(*) FROM {INCOMING}"))


def source_fingerprint(eng: Engine) -> str:
    """An order-independent checksum of the incoming rows' fingerprints (and their count).

    Engine-specific (DuckDB sums ``hash()``, PostgreSQL sums md5 prefixes, Snowflake sums its
    64-bit ``HASH`` into a NUMBER(38)), which is enough: a plan is checked against the same state
    engine it was made with.
    """
    fp = eng.q("__fingerprint")
    if eng.dialect == "duckdb":
        agg = f"sum(hash(COALESCE({fp}, '')))::HUGEINT"
    elif eng.dialect == "snowflake":
        agg = f"sum(HASH(COALESCE({fp}, '')))"
    elif eng.dialect == "spark":
        agg = f"sum(CAST(xxhash64(COALESCE({fp}, '')) AS DECIMAL(38, 0)))"
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


def _pointer(key: str) -> str:
    """A JSON pointer to a top-level key of the state's JSON (RFC 6901 escapes)."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _changed_rows(
    eng: Engine, compiled: CompiledSync, mirror: bool, conflicts: bool
) -> tuple[str, list[str]]:
    """The state-engine query for rows that are new or whose fingerprint changed: named columns
    ``k ext fp is_new data``, then per tracked column ``n_<i>`` (new) and ``o_<i>`` (confirmed),
    and per subscription ``sid_<i>``, ``pt_<i>``, ``pid_<i>`` (its id, a pending removal).

    The old values come out of the state's JSON in one parse per row on DuckDB (a list of JSON
    pointers), Snowflake (``PARSE_JSON`` once, then ``j['key']::STRING``) and Spark
    (``from_json`` into a map), one ``->>`` per value on PostgreSQL. ``conflicts``: the sync
    has rows held after a 409, to leave out while unchanged."""
    sync = compiled.sync
    k, s, fp = eng.q("__key"), eng.lit(sync.name), eng.q("__fingerprint")
    has_ext = any(c.name == "__external_id" for c in compiled.columns)
    ext = f"i.{eng.q('__external_id')}" if has_ext else "CAST(NULL AS TEXT)"
    data = "st.data" if mirror else "CAST(NULL AS TEXT)"
    select = [
        f"i.{k} AS k",
        f"{ext} AS ext",
        f"i.{fp} AS fp",
        "CASE WHEN st.key IS NULL THEN '1' END AS is_new",
        f"{data} AS data",
    ]
    names = ["k", "ext", "fp", "is_new", "data"]
    wanted: list[tuple[str, str]] = []  # (state key, output column)
    for i, c in enumerate(_tracked(compiled)):
        select.append(f"i.{eng.q(c.name)} AS n_{i}")
        names.append(f"n_{i}")
        wanted.append((state_key(c), f"o_{i}"))
        if c.role == "subscription":
            wanted += [
                ("subid:" + c.label, f"sid_{i}"),
                ("oldsub:" + c.label, f"pt_{i}"),
                ("oldsubid:" + c.label, f"pid_{i}"),
            ]
    names += [col for _, col in wanted]
    duck, snow = eng.dialect == "duckdb", eng.dialect == "snowflake"
    spark = eng.dialect == "spark"
    if duck and wanted:
        paths = ", ".join(eng.lit(_pointer(key)) for key, _ in wanted)
        select.append(f"json_extract_string(st.data, [{paths}]) AS olds")
    elif snow:  # bracket notation takes any key; the state's data holds no JSON null
        select += [f"st.j[{eng.lit(key)}]::STRING AS {col}" for key, col in wanted]
    elif spark:  # parsed once into a map; a key it lacks is NULL
        select += [f"try_element_at(st.j, {eng.lit(key)}) AS {col}" for key, col in wanted]
    elif wanted:
        select += [f"CAST(st.data AS JSON) ->> {eng.lit(key)} AS {col}" for key, col in wanted]
    held = (
        f" AND NOT EXISTS (SELECT 1 FROM {CONFLICTS} c WHERE c.sync = {s} AND c.key = i.{k} "
        f"AND c.fingerprint = i.{fp})"
        if conflicts
        else ""
    )
    parsed = ", PARSE_JSON(data) AS j" if snow and wanted else ""
    if spark and wanted:
        parsed = ", from_json(data, 'map<string,string>') AS j"
    sql = (
        f"SELECT {', '.join(select)} FROM {INCOMING} i LEFT JOIN (SELECT key, fingerprint, data"
        f"{parsed} FROM {ROWS} WHERE sync = {s}) st ON st.key = i.{k} WHERE {valid(eng)} AND "
        f"(st.key IS NULL OR st.fingerprint IS DISTINCT FROM i.{fp}){held}"
    )
    if duck and wanted:
        cols = [n for n in names if n not in {c for _, c in wanted}]
        outer = cols + [f"olds[{n + 1}] AS {col}" for n, (_, col) in enumerate(wanted)]
        sql = f"SELECT {', '.join(outer)} FROM ({sql}) AS d"
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


_SUB = "STRUCT(type VARCHAR, token VARCHAR, id VARCHAR, pending VARCHAR)[]"


def _repr(expr: str) -> str:
    """SQL for Python's ``repr`` of a plain string: the text in single quotes."""
    return "'''' || " + expr + " || ''''"


def _js(value: str) -> str:
    """A constant as JSON, as a SQL literal (labels: they come from the spec)."""
    return lit(json.dumps(value, ensure_ascii=False))


def _j(expr: str) -> str:
    """A text value as JSON (``null`` for NULL)."""
    return f"COALESCE(to_json({expr}), 'null')"


def _any(conds: Sequence[str]) -> str:
    return "(" + " OR ".join(f"({c})" for c in conds) + ")" if conds else "FALSE"


def _count(conds: Sequence[str]) -> str:
    return " + ".join(f"CAST(({c}) AS INTEGER)" for c in conds) if conds else "0"


def _items(pairs: Sequence[tuple[str, str]], extra: str | None = None) -> str:
    """JSON items (``"k":v`` or list elements) kept where their condition holds, joined."""
    parts = [f"CASE WHEN {c} THEN {item} END" for c, item in pairs]
    if extra is not None:
        parts.append(f"NULLIF({extra}, '')")
    return f"concat_ws(',', {', '.join(parts)})" if parts else "''"


def profile_changes(
    eng: Engine,
    ws: Workspace,
    compiled: CompiledSync,
    dest: Destination,
    valid_rows: int,
    state_rows: int,
) -> ProfileTally:
    """Write the sync's profile changes, refused fields and conflicts to the workspace.

    One INSERT turns the changed rows into change rows: every map and list is JSON text made
    by string functions over per-field conditions (no list or map per row), because that is
    what keeps a first plan of millions of users near the speed of a bare hash diff.
    """
    sync = compiled.sync
    s = lit(sync.name)
    mirror = sync.mode == "mirror"
    tracked = _tracked(compiled)
    tags = [(i, c) for i, c in enumerate(tracked) if c.role == "tag"]
    aliases = [(i, c) for i, c in enumerate(tracked) if c.role == "alias"]
    subs = [(i, c) for i, c in enumerate(tracked) if c.role == "subscription"]

    held = _conflicts(eng, ws, sync.name)
    has_held = _has_conflicts(eng, sync.name)
    sql, names = _changed_rows(eng, compiled, mirror, conflicts=has_held)
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

    # -- what OneSignal would refuse: one reason per field, NULL when the field goes ---------
    cap = dest.max_tags
    over: dict[int, str] = {}
    if len(tags) > cap:  # tags past destination.max_tags, in spec order, are refused
        for pos, (i, _) in enumerate(tags):
            upto = " + ".join(f"CAST(r.n_{j} IS NOT NULL AS INTEGER)" for j, _ in tags[: pos + 1])
            over[i] = f"(r.n_{i} IS NOT NULL AND ({upto}) > {cap})"
    reasons: list[tuple[str, str]] = []  # (field, SQL of its reason or NULL)
    if over:
        labels = ", ".join(
            f"CASE WHEN {e} THEN {lit(tracked[i].label)} END" for i, e in over.items()
        )
        listed = f"list_sort(list_filter([{labels}], lambda x: x IS NOT NULL))"
        too_many = (
            f"CASE WHEN len({listed}) > 0 THEN CAST(len({listed}) AS VARCHAR) || ' tags over "
            f"destination.max_tags ({cap}) not sent: ' || array_to_string({listed}[1:5], ', ') "
            f"|| CASE WHEN len({listed}) > 5 THEN ' ...' ELSE '' END END"
        )
        reasons.append(("tags", too_many))
    for i, c in aliases:
        bad_alias = (
            f"CASE WHEN r.n_{i} IS NULL OR NOT ({chg(i)}) THEN NULL WHEN r.n_{i} = '' THEN "
            f"{lit(f'alias {c.label} is empty; OneSignal needs a value (NULL leaves it out)')} "
            f"WHEN length(r.n_{i}) > {MAX_ALIAS} THEN "
            f"{lit('alias ' + c.label + ' is ')} || CAST(length(r.n_{i}) AS VARCHAR) || "
            f"' characters; OneSignal takes at most {MAX_ALIAS}' END"
        )
        reasons.append((c.label, bad_alias))
    for i, c in subs:
        form = ""
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
        others = f"list_filter(c_{i}.ks, lambda x: x <> CAST(r.k AS VARCHAR))"
        claim = (
            f"WHEN len({others}) > 0 THEN {lit(c.label + ' ')} || {_repr(f'r.n_{i}')} || "
            f"' is claimed by ' || CAST(len({others}) + 1 AS VARCHAR) || ' rows (also key ' || "
            f"array_to_string({others}[1:3], ', ') || CASE WHEN len({others}) > 3 THEN ' and ' "
            f"|| CAST(len({others}) - 3 AS VARCHAR) || ' more' ELSE '' END || '); OneSignal "
            "keeps one owner per address, so none gets it until one row holds it'"
        )
        reasons.append(
            (
                c.label,
                f"CASE WHEN r.n_{i} IS NOT NULL AND {chg(i)} THEN CASE {form} {claim} END END",
            )
        )
    why = {field: f"p_{n}" for n, (field, _) in enumerate(reasons)}  # computed once per row
    ok = {i: f"{why[c.label]} IS NULL" for i, c in (*aliases, *subs)}

    # -- the conditions of each item of the change ------------------------------------------
    new = "r.is_new IS NOT NULL"
    flags: list[str] = []  # each condition is computed once per row, as a column f_<n>

    def flag(cond: str) -> str:
        flags.append(cond)
        return f"r.f_{len(flags) - 1}"

    sets = [
        (
            flag(
                f"r.n_{i} IS NOT NULL AND {chg(i)}" + (f" AND NOT {over[i]}" if i in over else "")
            ),
            i,
            c,
        )
        for i, c in tags
    ]
    unsets = [(flag(f"r.n_{i} IS NULL AND r.o_{i} IS NOT NULL"), i, c) for i, c in tags]
    set_items = [(cond, f"{_js(c.label)} || ':' || to_json(r.n_{i})") for cond, i, c in sets]
    unset_items = [(cond, _js(c.label)) for cond, _, c in unsets]
    before_items = [
        (f"r.is_new IS NULL AND ({a} OR {b})", f"{_js(c.label)} || ':' || {_j(f'r.o_{i}')}")
        for (a, i, c), (b, _, _) in zip(sets, unsets, strict=True)
    ]
    dropped_unset = dropped_before = None
    dropped_any: list[str] = []
    if mirror:  # tags the spec no longer has, still in state: unset
        spec = ", ".join(lit(f"tag:{c.label}") for _, c in tags) or "''"
        # keys first (cheap), values only for the rare row that has such a key
        extra = (
            "list_filter(json_keys(r.data), lambda x: starts_with(x, 'tag:') AND NOT "
            f"list_contains([{spec}], x))"
        )
        flags.append(
            f"CASE WHEN r.data IS NOT NULL AND len({extra}) > 0 THEN list_sort(list_filter("
            f"{extra}, lambda x: (r.data ->> x) IS NOT NULL)) ELSE CAST([] AS VARCHAR[]) END"
        )
        dropped = f"r.f_{len(flags) - 1}"
        dropped_unset = f"array_to_string(list_transform({dropped}, lambda x: to_json(x[5:])), ',')"
        dropped_before = (
            f"array_to_string(list_transform({dropped}, lambda x: to_json(x[5:]) || ':' || "
            "to_json(r.data ->> x)), ',')"
        )
        dropped_any = [f"len({dropped}) > 0"]
    add_a = [
        (flag(f"r.n_{i} IS NOT NULL AND {chg(i)} AND {ok[i]}"), _js(c.label), i) for i, c in aliases
    ]
    rm_a = (
        [(flag(f"r.n_{i} IS NULL AND r.o_{i} IS NOT NULL"), _js(c.label)) for i, c in aliases]
        if mirror
        else []
    )
    add_s = [
        (
            flag(f"r.n_{i} IS NOT NULL AND {chg(i)} AND {ok[i]}"),
            f"'{{\"type\":' || {_js(c.label)} || ',\"token\":' || to_json(r.n_{i}) || '}}'",
        )
        for i, c in subs
    ]
    keep_new = "" if mirror else "r.n_{i} IS NOT NULL AND "
    drop_s = [
        (
            flag(f"{chg(i)} AND r.o_{i} IS NOT NULL AND {keep_new.format(i=i)}{ok[i]}"),
            f"'{{\"type\":' || {_js(c.label)} || ',\"token\":' || to_json(r.o_{i}) || "
            f"',\"id\":' || {_j(f'r.sid_{i}')} || ',\"pending\":null}}'",
        )
        for i, c in subs
    ]
    pend_s = [
        (
            flag(f"r.is_new IS NULL AND r.pt_{i} IS NOT NULL"),
            f"'{{\"type\":' || {_js(c.label)} || ',\"token\":' || to_json(r.pt_{i}) || "
            f'\',"id":\' || {_j(f"r.pid_{i}")} || \',"pending":"1"}}\'',
        )
        for i, c in subs
    ]
    tag_any = _any([c for c, _, _ in sets] + [c for c, _, _ in unsets] + dropped_any)
    unset_any = _any([c for c, _, _ in unsets] + dropped_any)
    every = (
        [c for c, _, _ in sets]
        + [c for c, _, _ in unsets]
        + dropped_any
        + [c for c, _, _ in add_a]
        + [c for c, _ in rm_a]
        + [c for c, _ in add_s]
        + [c for c, _ in drop_s]
        + [c for c, _ in pend_s]
    )
    # a removed subscription loses something unless the same type is added (a changed email)
    lost = _any([f"({d}) AND NOT ({a})" for (d, _), (a, _) in zip(drop_s, add_s, strict=True)])
    calls = (
        f"CAST({tag_any} AS INTEGER) + CAST({_any([c for c, _, _ in add_a])} AS INTEGER) + "
        f"{_count([c for c, _ in rm_a])} + {_count([c for c, _ in add_s])} + "
        f"{_count([c for c, _ in drop_s] + [c for c, _ in pend_s])}"
    )
    fingerprint = (
        f"CASE WHEN {' AND '.join(f'{p} IS NULL' for p in why.values())} THEN r.fp END"
        if why
        else "r.fp"
    )
    alias_items = [(c, f"{k} || ':' || to_json(r.n_{i})") for c, k, i in add_a]
    inner = ", ".join(["r.*"] + [f"{sql} AS {why[field]}" for field, sql in reasons])
    src = f"(SELECT {inner} FROM {rows} AS r{joins}) AS r"
    if flags:
        named = ", ".join(f"{cond} AS f_{n}" for n, cond in enumerate(flags))
        src = f"(SELECT r.*, {named} FROM {src}) AS r"
    changed = ws.insert(
        "sync, kind, rank, seq, key, external_id, action, set_tags, "
        "unset_tags, before, add_aliases, remove_aliases, add_subscriptions, "
        "remove_subscriptions, fingerprint, api_calls, destructive",
        f"SELECT {s}, 'profile', CASE WHEN {new} THEN 0 ELSE 1 END, 0, CAST(r.k AS VARCHAR), "
        f"CAST(COALESCE(r.ext, r.k) AS VARCHAR), CASE WHEN {new} THEN 'create' ELSE 'update' "
        f"END, '{{' || {_items(set_items)} || '}}', "
        f"'[' || {_items(unset_items, dropped_unset)} || ']', "
        f"'{{' || {_items(before_items, dropped_before)} || '}}', "
        f"'{{' || {_items(alias_items)} || '}}', "
        f"'[' || {_items(rm_a)} || ']', '[' || {_items(add_s)} || ']', "
        f"'[' || {_items(drop_s + pend_s)} || ']', {fingerprint}, "
        f"CASE WHEN {new} THEN 1 ELSE {calls} END, "
        f"r.is_new IS NULL AND ({unset_any} OR {_any([c for c, _ in rm_a])} OR {lost}) "
        f"FROM {src} WHERE {new} OR {_any(every)}",
    )
    creates = 0
    if changed:  # the part just written holds this sync's creates and updates
        sql = f"SELECT count(*) FILTER (WHERE action = 'create') FROM {lit(ws.parts[-1])}"
        creates = int(ws.run(sql).fetchone()[0])
    if reasons:  # the refused fields, in the order of the spec
        picks = ", ".join(
            f"CASE WHEN {why[f]} IS NOT NULL THEN {{'field': {lit(f)}, 'reason': {why[f]}}} END"
            for f, _ in reasons
        )
        ws.insert(
            "sync, kind, rank, seq, key, reason, field, rows",
            f"SELECT {s}, 'invalid', 2, p.n, p.k, p.p.reason, p.p.field, 1 FROM (SELECT k, "
            "unnest(ps) AS p, generate_subscripts(ps, 1) AS n FROM (SELECT CAST(r.k AS VARCHAR) "
            f"AS k, list_filter([{picks}], lambda x: x IS NOT NULL) AS ps FROM {src} WHERE "
            f"{_any([f'{p} IS NOT NULL' for p in why.values()])})) AS p",
        )
    ws.drop("onesync_changed", "onesync_claimed")
    # every key in state is accounted for by the model's rows: nobody left, no anti-join
    known = valid_rows - int(creates) - held + _in_state(eng, sync.name, has_held)
    left = 0 if known == state_rows else _leavers(eng, ws, sync.name, sync.on_leave)
    return ProfileTally(changed=int(changed), left_alone=left, held=held)


def _in_state(eng: Engine, sync: str, held: bool) -> int:
    """Keys in state that the model holds but that are not valid rows (invalid, or held after a
    409 while in state): small tables joined with the state."""
    s, k, fp = eng.lit(sync), eng.q("__key"), eng.q("__fingerprint")
    n = int(
        eng.scalar(
            f"SELECT count(DISTINCT v.k) FROM {INVALID} v JOIN {ROWS} st ON st.sync = {s} AND "
            "st.key = v.k"
        )
    )
    if held:
        n += int(
            eng.scalar(
                f"SELECT count(*) FROM {CONFLICTS} c JOIN {INCOMING} i ON i.{k} = c.key AND "
                f"i.{fp} = c.fingerprint JOIN {ROWS} st ON st.sync = {s} AND st.key = c.key "
                f"WHERE c.sync = {s} AND {valid(eng)}"
            )
        )
    return n


def _leavers(eng: Engine, ws: Workspace, sync: str, on_leave: str) -> int:
    """Rows that left the model: counted (``keep``), or cleared or deleted; returns the count
    left alone."""
    k, s = eng.q("__key"), eng.lit(sync)
    gone = (
        f"FROM {ROWS} st WHERE st.sync = {s} AND NOT EXISTS "
        f"(SELECT 1 FROM {INCOMING} i WHERE i.{k} = st.key) AND NOT EXISTS "
        f"(SELECT 1 FROM {INVALID} v WHERE v.k = st.key)"
    )
    if on_leave == "keep":
        return int(eng.scalar(f"SELECT count(*) {gone}"))
    rel = relation(
        eng, ws, "onesync_gone", f"SELECT st.key AS k, st.data AS data {gone}", ("k", "data")
    )

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
    ws.insert(
        "sync, kind, rank, seq, key, external_id, action, set_tags, "
        "unset_tags, before, add_aliases, remove_aliases, add_subscriptions, "
        "remove_subscriptions, fingerprint, api_calls, destructive",
        f"SELECT {lit(sync)}, 'profile', {rank}, 0, k, COALESCE(data ->> 'external_id', k), "
        f"{lit(action)}, '{{}}', CAST(to_json({unset}) AS VARCHAR), "
        f"CAST(to_json(map_from_entries({before})) AS VARCHAR), '{{}}', "
        f"CAST(to_json({aliases}) AS VARCHAR), '[]', CAST(to_json({subs}) AS VARCHAR), NULL, "
        f"{calls}, TRUE FROM (SELECT CAST(g.k AS VARCHAR) AS k, CAST(g.data AS VARCHAR) AS data, "
        "list_sort(json_keys(COALESCE(CAST(g.data AS VARCHAR), '{}'))) AS ks "
        f"FROM {rel} AS g) AS g",
    )
    ws.drop("onesync_gone")
    return 0


def _has_conflicts(eng: Engine, sync: str) -> bool:
    sql = f"SELECT 1 FROM {CONFLICTS} WHERE sync = {eng.lit(sync)} LIMIT 1"
    return bool(eng.rows(sql))


def _conflicts(eng: Engine, ws: Workspace, sync: str) -> int:
    """Rows OneSignal answered 409 for, unchanged since: listed, not sent again."""
    k, fp = eng.q("__key"), eng.q("__fingerprint")
    rel = relation(
        eng,
        ws,
        "onesync_held",
        f"SELECT c.key AS k, c.reason AS reason FROM {CONFLICTS} c JOIN {INCOMING} i ON "
        f"i.{k} = c.key AND i.{fp} = c.fingerprint WHERE c.sync = {eng.lit(sync)}",
        ("k", "reason"),
    )
    n = ws.insert(
        "sync, kind, rank, seq, key, reason, rows",
        f"SELECT {lit(sync)}, 'conflict', 0, 0, CAST(h.k AS VARCHAR), h.reason || "
        f"' (not retried until the row or the spec changes)', 1 FROM {rel} AS h",
    )
    ws.drop("onesync_held")
    return n


__all__ = [
    "PLACEHOLDER_IDS",
    "ProfileTally",
    "count_valid",
    "drop_invalid",
    "invalid_rows",
    "profile_changes",
    "relation",
    "source_fingerprint",
    "state_key",
    "valid",
]
