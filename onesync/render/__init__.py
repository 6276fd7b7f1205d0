"""Render: human, JSON and Markdown views of values (plans); the library never prints."""

from onesync.render.plan import render_json, render_markdown, render_text

__all__ = ["render_json", "render_markdown", "render_text"]
