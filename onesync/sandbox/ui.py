"""Views of a sandbox snapshot: an HTML page (no external assets) and plain-text tables."""

from __future__ import annotations

import json
from html import escape
from typing import Any

__all__ = ["render_page", "render_text", "tables"]

Table = tuple[str, list[str], list[list[str]]]


def _pairs(mapping: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (mapping or {}).items())


def tables(state: dict[str, Any]) -> list[Table]:
    """The snapshot as (title, header, rows) tables, shared by the page and the CLI."""
    users = [
        [
            u["identity"].get("external_id", ""),
            u["identity"]["onesignal_id"],
            _pairs(
                {k: v for k, v in u["identity"].items() if k not in ("external_id", "onesignal_id")}
            ),
            _pairs(u["properties"].get("tags")),
            ", ".join(
                f"{s['type']}:{s['token']}" + ("" if s["enabled"] else " (disabled)")
                for s in u["subscriptions"]
            ),
        ]
        for u in state["users"]
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
table { border-collapse: collapse; margin-bottom: 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
code { font-size: 0.85rem; }
"""


def render_page(state: dict[str, Any]) -> str:
    """A self-contained HTML page listing the snapshot as tables."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
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
        slug = title.split()[0].lower()
        parts.append(f"<table id='{slug}'><tr>")
        parts.extend(f"<th>{escape(h)}</th>" for h in header)
        parts.append("</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def render_text(state: dict[str, Any]) -> str:
    """The snapshot as aligned plain-text tables, for ``onesync sandbox show``."""
    out = [f"app {state['app_id']}"]
    for title, header, rows in tables(state):
        out.append("")
        out.append(title)
        if not rows:
            out.append("  (none)")
            continue
        cells = [header, *rows]
        widths = [min(max(len(r[i]) for r in cells), 60) for i in range(len(header))]
        for n, row in enumerate(cells):
            text = "  ".join(_cut(c, w).ljust(w) for c, w in zip(row, widths))
            out.append("  " + text.rstrip())
            if n == 0:
                out.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
