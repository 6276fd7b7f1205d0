"""Views of a sandbox snapshot: an HTML page (no external assets) and plain-text tables.

Both show the same tables: users with their aliases and tags, every subscription with its id and
whether it is enabled, deleted users, events, notifications and request counts. Long values wrap
inside their column (on the page and in the terminal) rather than push the others out of view.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from html import escape
from typing import Any

__all__ = ["render_page", "render_text", "tables"]

Table = tuple[str, list[str], list[list[str]]]


def _pairs(mapping: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (mapping or {}).items())


def _state(sub: dict[str, Any]) -> str:
    return "enabled" if sub["enabled"] else "disabled"


def tables(state: dict[str, Any]) -> list[Table]:
    """The snapshot as (title, header, rows) tables, shared by the page and the CLI."""
    users: list[list[str]] = []
    subs: list[list[str]] = []
    for u in state["users"]:
        ident = u["identity"]
        who = ident.get("external_id") or ident["onesignal_id"]
        users.append(
            [
                ident.get("external_id", ""),
                ident["onesignal_id"],
                _pairs(
                    {k: v for k, v in ident.items() if k not in ("external_id", "onesignal_id")}
                ),
                _pairs(u["properties"].get("tags")),
                ", ".join(f"{s['type']}:{s['token']} ({_state(s)})" for s in u["subscriptions"]),
            ]
        )
        subs.extend([who, s["type"], s["token"], _state(s), s["id"]] for s in u["subscriptions"])
    deleted = [
        [d["deleted_at"], d.get("external_id") or "", d["onesignal_id"]]
        for d in state.get("deleted_users", [])
    ]
    events = [
        [
            e["timestamp"],
            e["name"],
            e.get("external_id") or e["onesignal_id"],
            json.dumps(e.get("properties") or {}, sort_keys=True),
        ]
        for e in state["events"]
    ]
    notes = [
        [
            n["created_at"],
            n["id"] or "(none sent)",
            n["channel"],
            str(n["recipients"]),
            ", ".join(n["users"][:10]) + (" ..." if len(n["users"]) > 10 else ""),
            json.dumps(n.get("contents") or n.get("email_subject") or n.get("template_id") or ""),
        ]
        for n in state["notifications"]
    ]
    requests = [[k, str(v)] for k, v in state["requests_by_endpoint"].items()]
    requests += [[f"status {k}", str(v)] for k, v in state["requests_by_status"].items()]
    return [
        (
            f"Users ({len(users)})",
            ["external_id", "onesignal_id", "aliases", "tags", "subscriptions"],
            users,
        ),
        (f"Subscriptions ({len(subs)})", ["user", "type", "token", "state", "id"], subs),
        (f"Deleted users ({len(deleted)})", ["deleted_at", "external_id", "onesignal_id"], deleted),
        (f"Events ({len(events)})", ["timestamp", "name", "user", "properties"], events),
        (
            f"Notifications ({len(notes)})",
            ["created", "id", "channel", "recipients", "users", "content"],
            notes,
        ),
        (f"Requests ({state['requests']})", ["endpoint", "count"], requests),
    ]


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5rem; font-size: 0.9rem; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
td { overflow-wrap: anywhere; word-break: break-word; }
th { background: #f0f0f0; }
td.disabled { color: #a00; }
code { font-size: 0.85rem; }
"""


def render_page(state: dict[str, Any]) -> str:
    """A self-contained HTML page listing the snapshot as tables."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>onesync sandbox</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>onesync sandbox</h1><p>app <code>{escape(state['app_id'])}</code> · "
        "<a href=''>reload</a> · <a href='state'>JSON</a></p>",
    ]
    for title, header, rows in tables(state):
        parts.append(f"<h2>{escape(title)}</h2>")
        if not rows:
            parts.append("<p>none</p>")
            continue
        slug = "-".join(title.split(" (")[0].lower().split())
        parts.append(f"<table id='{slug}'><tr>")
        parts.extend(f"<th>{escape(h)}</th>" for h in header)
        parts.append("</tr>")
        for row in rows:
            cells = (
                f"<td class='{escape(c)}'>{escape(c)}</td>"
                if c in ("enabled", "disabled")
                else f"<td>{escape(c)}</td>"
                for c in row
            )
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def render_text(state: dict[str, Any], width: int | None = None) -> str:
    """The snapshot as plain-text tables that fit ``width`` columns (default: the terminal's).

    A value too long for its column wraps onto the next lines of that column.
    """
    width = width or shutil.get_terminal_size((100, 24)).columns
    out = [f"app {state['app_id']}"]
    for title, header, rows in tables(state):
        out.append("")
        out.append(title)
        if not rows:
            out.append("  (none)")
            continue
        widths = _fit([max(len(r[i]) for r in [header, *rows]) for i in range(len(header))], width)
        for n, row in enumerate([header, *rows]):
            wrapped = [_wrap(c, w) for c, w in zip(row, widths)]
            for line in range(max(len(w) for w in wrapped)):
                cells = [
                    (lines[line] if line < len(lines) else "").ljust(size)
                    for lines, size in zip(wrapped, widths)
                ]
                out.append(("  " + "  ".join(cells)).rstrip())
            if n == 0:
                out.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"


def _fit(widths: list[int], total: int) -> list[int]:
    """Narrow the widest columns until the row fits ``total`` (no column below 8)."""
    widths = list(widths)
    room = total - 2 - 2 * (len(widths) - 1)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= 8:
            break
        widths[widest] -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]
