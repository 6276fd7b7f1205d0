"""Three views of a ``Plan``: human text (Terraform-like), JSON summary, Markdown for PRs.

Each view only reads the plan: counts are the plan's tallies and samples are SQL over its
changes (``SyncPlan.sample``, slices), so a view costs the same for ten changes or ten million.
The human view shows per sync the counts and a sample of records with old -> new per field:
``+`` create, ``~`` update, ``-`` unset, ``>`` event or message to send, ``!`` invalid row.

``mask=True`` (``--mask``) keeps customer data out of places like pull-request comments: keys
and ids are shown as ``#`` and 8 hex digits of their sha256 (the same key always looks the
same), values and tokens as ``***``, and the reasons of invalid rows (which quote values) are
left out; counts, tag labels and field names stay.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from onesync.escape import (
    dumps,
    escaped,
    fence,
    html_text,
    md_code,
    md_text,
    quoted,
    shown,
)
from onesync.plan.changes import RUNE, Plan, ProfileChange, SyncPlan

SAMPLE = 5

# Every value from data goes through onesync.escape: keys, ids, labels and tokens through
# ``shown`` (as is when plain, else a JSON literal), values through ``quoted`` (``_v``), reasons
# through ``escaped``; no control, line separator or bidi character is ever printed raw.


@dataclasses.dataclass(frozen=True, slots=True)
class _Style:
    mask: bool = False

    def key(self, value: Any) -> str:
        if self.mask and value is not None:
            return "#" + hashlib.sha256(str(value).encode()).hexdigest()[:8]
        return shown(value)

    def v(self, value: Any) -> str:
        return "***" if self.mask and value is not None else quoted(value)

    def reason(self, text: str) -> str:
        return "(reason hidden by --mask)" if self.mask else escaped(text)


_PLAIN = _Style()


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


_HEAD = {
    "unset": " (left the model; on_leave: clear removes what the sync put there)",
    "delete": " (left the model; on_leave: delete_user deletes the OneSignal user)",
}


def _profile_lines(p: ProfileChange, st: _Style = _PLAIN) -> list[str]:
    head = f"  {RUNE[p.action]} user {st.key(p.key)}{_HEAD.get(p.action, '')}"
    lines = [head]
    v = st.v
    for label, new in p.set_tags.items():
        if p.action == "create":
            lines.append(f"      + tag {shown(label)} = {v(new)}")
        else:
            lines.append(f"      ~ tag {shown(label)}: {v(p.before.get(label))} -> {v(new)}")
    for label in p.unset_tags:
        lines.append(f"      - tag {shown(label)}: {v(p.before.get(label))} -> (unset)")
    for label, value in p.add_aliases.items():
        lines.append(f"      + alias {shown(label)} = {v(value)}")
    for label in p.remove_aliases:
        lines.append(f"      - alias {shown(label)} (removed)")
    for sub in p.add_subscriptions:
        lines.append(f"      + subscription {shown(sub['type'])} {v(sub['token'])}")
    for old in p.remove_subscriptions:
        how = "deleted" if old.get("id") else "disabled by address"
        lines.append(f"      - subscription {shown(old['type'])} {v(old['token'])} ({how})")
    return lines


def _summary_line(sp: SyncPlan) -> str:
    c = sp.counts
    if sp.kind == "profile":
        parts = [f"+{c['create']:,} create", f"~{c['update']:,} update", f"-{c['unset']:,} unset"]
        if c["delete"]:
            parts.append(f"-{c['delete']:,} delete")
    elif sp.kind == "event":
        parts = [_n(c["events"], "event") + " to send"]
    else:
        parts = [_n(c["messages"], "message") + f" to {_n(c['recipients'], 'recipient')}"]
    if sp.baseline:
        parts = [f"baseline: {c['baseline']:,} existing rows recorded, nothing sent"]
    return ", ".join(parts)


def render_text(plan: Plan, sample: int = SAMPLE, *, mask: bool = False) -> str:
    """The human view; ``sample`` records per change type are shown in full."""
    st = _Style(mask)
    out: list[str] = []
    for sp in plan.syncs:
        out.extend(_sync_lines(sp, sample, st))
        out.append("")
    out.append(_total(plan))
    return "\n".join(out)


def _sync_lines(sp: SyncPlan, sample: int, st: _Style) -> list[str]:
    c = sp.counts
    out = [
        f"{shown(sp.name)} ({sp.kind}{', ' + sp.mode if sp.kind == 'profile' else ''}): "
        f"{_n(sp.rows, 'row')} read, {c['unchanged']:,} unchanged",
        f"  {_summary_line(sp)}",
    ]
    if sp.imported:
        out.append(
            f"  state seeded by `onesync import` from OneSignal's export at {sp.imported}; "
            "changes to users it held are drift from OneSignal"
        )
    for action in ("create", "update", "unset", "delete"):
        for p in sp.sample(action, sample) if c[action] else ():
            out.extend(_profile_lines(p, st))
        if c[action] > sample:
            out.append(f"  ... and {c[action] - sample:,} more to {action}")
    for e in sp.events[:sample] if c["events"] else ():
        props = ", ".join(f"{shown(k)}={st.v(v)}" for k, v in e.properties.items())
        out.append(
            f"  > event {shown(e.name)} for {st.key(e.external_id)} (key {st.key(e.key)}) "
            f"{props}".rstrip()
        )
    if c["events"] > sample:
        out.append(f"  ... and {c['events'] - sample:,} more events")
    for m in sp.messages[:sample] if c["messages"] else ():
        text = next(iter(m.contents.values()), "") or (m.template_id or "")
        who = (
            st.key(m.external_ids[0]) if len(m.external_ids) == 1 else _n(len(m.keys), "recipient")
        )
        note = " (resend of a batch fixed by an earlier apply)" if m.body is not None else ""
        note += " (again: reached nobody before)" if m.retry else ""
        out.append(f"  > {shown(m.channel)} message to {who}: {st.v(text)}{note}")
    if c["messages"] > sample:
        out.append(f"  ... and {c['messages'] - sample:,} more messages")
    if sp.left_alone:
        out.append(f"  {_n(sp.left_alone, 'user')} left the model; on_leave: keep leaves them")
    for r in sp.conflicts[:sample] if c["conflicts"] else ():
        out.append(f"  ! conflict key {st.key(r.key)}: {st.reason(r.reason)}")
    if c["conflicts"] > sample:
        out.append(f"  ! ... and {c['conflicts'] - sample:,} more conflicts")
    entries = sp.tally("invalid_entries")
    for r in sp.invalid[:sample] if entries else ():
        what = "row" if r.key is None else "key " + st.key(r.key)
        if r.field is not None:
            what += f", field {shown(r.field)} refused"
        out.append(f"  ! invalid {what}: {st.reason(r.reason)}")
    if entries > sample:
        out.append(f"  ! ... and {entries - sample:,} more invalid rows or fields")
    if sp.api_calls:
        out.append(f"  API: {_n(sp.api_calls, 'call')}, about {_secs(sp.api_seconds)}")
    return out


def _secs(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"


def nothing_to_do(plan: Plan) -> str:
    """The line for a plan without changes; never "in step" when rows were skipped as invalid
    (a model whose every row is invalid must not look like a sync that is up to date)."""
    bad = sum(s.invalid_count for s in plan.syncs)
    if not bad:
        return "No changes. OneSignal is in step with the models."
    syncs = [shown(s.name) for s in plan.syncs if s.invalid_count]
    return (
        f"Nothing to send, but {_n(bad, 'invalid row')} skipped (sync {', '.join(syncs)}); "
        "OneSignal is not in step with the models until they are fixed in the source."
    )


def _total(plan: Plan) -> str:
    if not plan.has_changes:
        return nothing_to_do(plan)
    t = totals(plan)
    parts = [f"{t['create']:,} to create", f"{t['update']:,} to update", f"{t['unset']:,} to unset"]
    if t["delete"]:
        parts.append(f"{t['delete']:,} to delete")
    parts += [_n(t["events"], "event"), _n(t["messages"], "message")]
    if t["baseline"]:
        parts.append(f"{t['baseline']:,} keys to record as seen (baseline)")
    line = "Plan: " + ", ".join(parts) + f"; {_n(t['api_calls'], 'API call')}"
    invalid = f"; {_n(t['invalid'], 'invalid row')} skipped" if t["invalid"] else ""
    return line + invalid + "."


def totals(plan: Plan) -> dict[str, Any]:
    keys = (
        "rows",
        "create",
        "update",
        "unset",
        "delete",
        "events",
        "messages",
        "invalid",
        "refused_fields",
        "baseline",
    )
    per = [s.counts for s in plan.syncs]
    t: dict[str, Any] = {k: sum(c[k] for c in per) for k in keys}
    t["api_calls"] = sum(s.api_calls for s in plan.syncs)
    t["api_seconds"] = round(sum(s.api_seconds for s in plan.syncs), 3)
    return t


def _obj(value: Any, st: _Style = _PLAIN) -> dict[str, Any]:
    """A change as a JSON-ready dict with its field names (masked with ``--mask``)."""
    d = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if not st.mask:
        return d
    for name in ("key", "external_id"):
        if d.get(name) is not None:
            d[name] = st.key(d[name])
    for name in ("keys", "external_ids"):
        if name in d:
            d[name] = [st.key(k) for k in d[name]]
    for name in (
        "set_tags",
        "before",
        "add_aliases",
        "properties",
        "custom_data",
        "headings",
        "contents",
        "subject",
    ):
        if name in d:
            d[name] = {k: st.v(v) for k, v in d[name].items()}
    for name in ("add_subscriptions", "remove_subscriptions"):
        if name in d:
            d[name] = [{**s, "token": "***", "id": None} for s in d[name]]
    if "reason" in d:
        d["reason"] = st.reason(d["reason"])
    if d.get("body") is not None:
        d["body"] = "***"
    return d


LISTED = 1_000  # invalid rows and conflicts listed per sync in --json (the counts are whole)


def render_json(plan: Plan, sample: int = SAMPLE, *, mask: bool = False) -> str:
    """The ``--json`` summary (schema in docs/plan.md); the full plan is ``plan -o``."""
    st = _Style(mask)
    syncs = []
    for sp in plan.syncs:
        entries, held = sp.tally("invalid_entries"), sp.tally("conflicts")
        syncs.append(
            {
                "name": sp.name,
                "kind": sp.kind,
                "mode": sp.mode,
                "has_changes": sp.has_changes,
                "baseline": sp.baseline,
                "counts": sp.counts,
                "api_calls": sp.api_calls,
                "api_seconds": round(sp.api_seconds, 3),
                "invalid": [_obj(r, st) for r in sp.invalid[:LISTED]] if entries else [],
                "invalid_listed_all": entries <= LISTED,
                "conflicts": [_obj(r, st) for r in sp.conflicts[:LISTED]] if held else [],
                "sample": {
                    "profiles": [_obj(p, st) for p in sp.profiles[:sample]],
                    "events": [_obj(e, st) for e in sp.events[:sample]],
                    "messages": [_obj(m, st) for m in sp.messages[:sample]],
                },
            }
        )
    doc = {
        "format_version": plan.format_version,
        "has_changes": plan.has_changes,
        "state_serial": plan.state_serial,
        "order": list(plan.order),
        "totals": totals(plan),
        "syncs": syncs,
    }
    return dumps(doc, indent=2)


def render_markdown(plan: Plan, sample: int = SAMPLE, *, mask: bool = False) -> str:
    """A PR comment: a table of counts, then the human sample per sync in a details block."""
    st = _Style(mask)
    lines = ["### onesync plan", ""]
    if not plan.has_changes and not any(s.invalid_count for s in plan.syncs):
        lines.append(md_text(nothing_to_do(plan)))
        return "\n".join(lines) + "\n"
    lines += [
        "| sync | kind | create | update | unset | events | messages | invalid | API calls |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for sp in plan.syncs:
        c = sp.counts
        lines.append(
            f"| {md_code(sp.name, table=True)} | {md_text(sp.kind)} | {c['create']:,} | "
            f"{c['update']:,} | {c['unset']:,} | {c['events']:,} | {c['messages']:,} | "
            f"{c['invalid']:,} | {sp.api_calls:,} |"
        )
    lines += ["", md_text(_total(plan)).replace("Plan:", "**Plan:**", 1), ""]
    if mask:
        lines += ["Values are masked (`--mask`): keys are shown as hashes.", ""]
    for sp in plan.syncs:
        if not (sp.has_changes or sp.tally("invalid_entries")):
            continue
        body = "\n".join(_sync_lines(sp, sample, st))
        summary = f"<code>{html_text(sp.name)}</code>: {html_text(_summary_line(sp))}"
        lines += [f"<details><summary>{summary}</summary>", ""]
        lines += [*fence(body.rstrip(), "diff"), "", "</details>", ""]
    return "\n".join(lines)
