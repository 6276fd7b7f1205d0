"""Values from data cannot forge lines, colours or markup in any view onesync prints.

A key with a newline, a terminal escape, a bidi override or Markdown in it is shown escaped the
same way in the text plan, the JSON, the Markdown a pull request shows and the apply report.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from onesync.apply.report import ApplyReport, Rejected, SyncReport
from onesync.cli.apply import _summary
from onesync.escape import UNSAFE, dumps, escaped, md_code, md_text, quoted, shown
from onesync.plan.changes import EventChange, InvalidRow, Plan, ProfileChange, SyncPlan
from onesync.plan.store import plan_of
from onesync.render import render_json, render_markdown, render_text

from .harness import make_project, run

FORGED = "u9\n  + user admin"  # a newline that would print a line of its own
ESC = "\x1b[2J\x1b[31mred"  # clear screen, then red
CR = "ok\r  ~ user root"
BIDI = "abc\u202edcba"  # right-to-left override
SEP = "one\u2028two\u2029three"
C1 = "x\x85y\x9bz"  # NEL and the 8-bit CSI
MARKUP = "a|b`c*d_e[f](g)<script>alert(1)</script>"
HOSTILE = (FORGED, ESC, CR, BIDI, SEP, C1, MARKUP)
UNSAFE_CHARS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))] + list(
    "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _raw(text: str, *, newlines: bool = True) -> list[str]:
    """The unsafe characters ``text`` holds raw (newlines of the output itself allowed)."""
    return [c for c in UNSAFE.findall(text) if not (newlines and c == "\n")]


def _plan() -> Plan:
    profiles = tuple(
        ProfileChange(
            key=k,
            external_id=k,
            action="create",
            set_tags={k: k, "plan": ESC},
            add_aliases={"crm": k},
            add_subscriptions=({"type": "email", "token": k},),
        )
        for k in HOSTILE
    )
    events = (EventChange(FORGED, ESC, "purchase", None, {BIDI: MARKUP}),)
    invalid = (
        InvalidRow(CR, f"alias crm = {FORGED} is claimed by 2 users"),
        InvalidRow(BIDI, f"email {ESC!s} is not an email", field="email"),
    )
    sp = SyncPlan(
        name="customers", kind="profile", mode="upsert", source="db", spec_fingerprint="s",
        source_fingerprint="f", rows=len(HOSTILE) + 1, api_calls=len(HOSTILE),
    )  # fmt: skip
    ev = SyncPlan(
        name="orders", kind="event", mode="upsert", source="db", spec_fingerprint="s",
        source_fingerprint="f", rows=1, api_calls=1,
    )  # fmt: skip
    plan = Plan((sp, ev), "app", "state.duckdb", 1, "lineage", "2026-01-01T00:00:00Z", "me@host")
    return plan_of(plan, {"customers": [*profiles, *invalid], "orders": events})


# -- the rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("ch", UNSAFE_CHARS, ids=lambda c: f"U+{ord(c):04X}")
def test_every_unsafe_character_is_escaped_by_every_function(ch: str) -> None:
    value = f"a{ch}b"
    for out in (shown(value), quoted(value), escaped(value), dumps({value: value}), md_text(value)):
        assert ch not in out, (ch, out)
    assert json.loads(quoted(value)) == value  # a quoted value reads back exactly
    assert json.loads(dumps({value: value})) == {value: value}


def test_plain_keys_stay_as_they_are_and_others_become_json_literals() -> None:
    assert shown("u1") == "u1" and shown("c-1002") == "c-1002" and shown("Zoë 東京") == "Zoë 東京"
    assert shown(FORGED) == '"u9\\n  + user admin"'
    assert shown(ESC) == '"\\u001b[2J\\u001b[31mred"'
    assert shown("") == '""' and shown(" pad") == '" pad"' and shown('"q"') == '"\\"q\\""'
    assert escaped("key u1: bad \u202e value\n") == "key u1: bad \\u202e value\\n"


def test_markdown_helpers_neutralise_markup() -> None:
    assert md_text(MARKUP) == "a\\|b\\`c\\*d\\_e\\[f\\](g)&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md_code("a`b|c", table=True) == "``a`b\\|c``"
    assert md_code("`x") == "`` `x ``"


# -- the views -------------------------------------------------------------------------------


def test_text_plan_has_one_line_per_record_and_no_raw_control() -> None:
    text = render_text(_plan(), sample=20)
    assert not _raw(text), _raw(text)
    lines = text.split("\n")
    assert sum(1 for line in lines if line.startswith("  + user ")) == len(HOSTILE)
    assert "  + user admin" not in lines  # the forged line does not exist
    assert '  + user "u9\\n  + user admin"' in lines
    assert '      + tag plan = "\\u001b[2J\\u001b[31mred"' in lines
    forged = "alias crm = u9\\n  + user admin is claimed by 2 users"
    assert f'  ! invalid key "ok\\r  ~ user root": {forged}' in lines
    assert '  ! invalid key "abc\\u202edcba", field email refused: email \\u001b[2J' in text
    assert '  > event purchase for "\\u001b[2J\\u001b[31mred" (key "u9\\n  + user admin")' in text


def test_json_plan_is_exact_and_escaped() -> None:
    out = render_json(_plan(), sample=20)
    assert not _raw(out), _raw(out)
    doc = json.loads(out)
    keys = [p["key"] for p in doc["syncs"][0]["sample"]["profiles"]]
    assert keys == sorted(HOSTILE)  # machines get the exact values back, in key order
    assert doc["syncs"][0]["counts"]["invalid"] == 1 and doc["totals"]["invalid"] == 1
    assert doc["totals"]["refused_fields"] == 1


def _outside_fences(md: str) -> tuple[list[str], list[list[str]]]:
    """The Markdown lines outside fenced code blocks, and each block's lines."""
    outside: list[str] = []
    blocks: list[list[str]] = []
    fence: str | None = None
    for line in md.split("\n"):
        if fence is None and line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
            blocks.append([])
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is not None:
            blocks[-1].append(line)
        else:
            outside.append(line)
    assert fence is None, "a fence was left open"
    return outside, blocks


def test_markdown_plan_is_safe_to_paste_into_a_pull_request() -> None:
    md = render_markdown(_plan(), sample=20)
    assert not _raw(md), _raw(md)
    outside, blocks = _outside_fences(md)
    assert len(blocks) == 2  # one per sync; nothing inside closed its fence early
    assert any("+ user admin" in line for line in blocks[0])  # ...as part of a quoted key
    assert not any(line.lstrip().startswith("```") for b in blocks for line in b)
    tags = [line for line in outside if "<" in line]
    assert all(line.startswith(("<details><summary><code>", "</details>")) for line in tags), (
        tags
    )  # the only HTML outside the code blocks is the details element onesync writes
    assert "<script>" not in "\n".join(outside)
    assert "| `customers` | profile |" in md


def _fence_of(body: str) -> str:
    outside, blocks = _outside_fences(body)
    return "\n".join(blocks[0])


def test_a_fence_inside_data_cannot_close_the_block() -> None:
    from onesync.escape import fence

    lines = fence("x\n```\n````y", "diff")
    assert lines[0] == "`````diff" and lines[-1] == "`````"
    assert _fence_of("\n".join(lines)) == "x\n```\n````y"


def test_markdown_names_are_escaped_in_tables_and_summaries() -> None:
    plan = _plan()
    odd = SyncPlan(
        name="a|b<i>", kind="event", mode="upsert", source="db", spec_fingerprint="s",
        source_fingerprint="f", rows=1,
    )  # fmt: skip
    md = render_markdown(
        plan_of(Plan((odd,), "app", "s", 1, "l", "t", "me"), {"a|b<i>": plan.syncs[1].events})
    )
    assert "| `a\\|b<i>` | event |" in md
    assert "<summary><code>a|b&lt;i&gt;</code>" in md
    head = md.split("```")[0].replace("`a\\|b<i>`", "")  # inside a code span <i> is text
    assert "<i>" not in head


def test_apply_report_lines_are_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    rejected = tuple(Rejected("customers", k, f"create_user: {k} refused") for k in HOSTILE)
    missed = (Rejected("receipts", ESC, f"reached nobody ({FORGED})"),)
    report = ApplyReport(
        (SyncReport("customers", "profile", rejected=rejected, missed=missed),), 1.0
    )
    _summary(report)
    out = capsys.readouterr().out
    assert not _raw(out), _raw(out)
    lines = out.split("\n")
    assert sum(1 for line in lines if line.startswith("  ! ")) == len(HOSTILE)
    assert '  ! customers "u9\\n  + user admin": create_user: u9\\n  + user admin refused' in lines
    assert str(Rejected("s", BIDI, "x")) == 's "abc\\u202edcba": x'


# -- end to end ------------------------------------------------------------------------------


def _hostile_rows(root: Path) -> None:
    conn = duckdb.connect(str(root / "data" / "src.duckdb"))
    try:
        conn.executemany("INSERT INTO customers VALUES (?, NULL, ?, 3)", [(k, k) for k in HOSTILE])
    finally:
        conn.close()


@pytest.mark.parametrize("view", ["text", "--json", "--markdown"])
def test_plan_of_hostile_rows_prints_nothing_raw(tmp_path: Path, view: str) -> None:
    root = make_project(tmp_path)
    _hostile_rows(root)
    args = ["plan", "--sample", "20"] + ([] if view == "text" else [view])
    r = run(root, *args)
    assert r.code == 2, r.output
    assert not _raw(r.stdout), _raw(r.stdout)
    assert not _raw(r.stderr), _raw(r.stderr)
    if view == "--json":
        keys = {p["key"] for p in json.loads(r.stdout)["syncs"][0]["sample"]["profiles"]}
        assert set(HOSTILE) <= keys
    elif view == "text":
        assert "  + user admin" not in r.stdout.split("\n")


def test_an_error_quoting_data_is_one_escaped_line(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    r = run(root, "plan", f"nosuch{ESC}\n{FORGED}")
    assert r.code == 1 and len(r.stderr.strip().split("\n")) == 1, r.stderr
    assert not _raw(r.stderr.rstrip("\n"), newlines=False)
