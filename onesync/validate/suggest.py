"""'did you mean' hints for misspelt keys, names and values."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean", "one_of"]


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice, or None when nothing is close enough."""
    options = [c for c in choices if c]
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f"did you mean '{lowered[word.lower()]}'?"
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not match:
        match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        match = [lowered[m] for m in match]
    return f"did you mean '{match[0]}'?" if match else None


def one_of(word: str, choices: Iterable[str], *, limit: int = 12) -> str:
    """A did-you-mean hint, else the list of valid choices."""
    options = sorted(set(choices))
    hint = did_you_mean(word, options)
    if hint:
        return hint
    shown = ", ".join(options[:limit]) + (", ..." if len(options) > limit else "")
    return f"expected one of: {shown}" if options else "nothing is defined yet"
