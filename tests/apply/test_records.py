"""A confirmed plan change becomes the state record that remembers it."""

from __future__ import annotations

import pytest

from onesync.apply import record_of
from onesync.plan import EventChange, MessageChange, ProfileChange
from onesync.state import RowUpdate, Sent


def test_profile_changes_patch_or_forget_the_key() -> None:
    change = ProfileChange("k1", "u1", "update", set_tags={"plan": "pro"}, fingerprint="fp")
    assert record_of(change) == RowUpdate("k1", "fp", {"external_id": "u1", "tag:plan": "pro"})
    for action in ("unset", "delete"):
        gone = ProfileChange("k1", "u1", action, fingerprint="fp")  # type: ignore[arg-type]
        assert record_of(gone) == RowUpdate("k1", None, forget=True)


def test_events_and_messages_are_sent_keys() -> None:
    assert record_of(EventChange("o1", "u1", "purchase")) == Sent(("o1",), ("u1",), "event")
    single = MessageChange(("o1",), ("u1",), "push", "idem-1")
    assert record_of(single) == Sent(("o1",), ("u1",), "message", None)
    batch = MessageChange(("o1", "o2"), ("u1", "u2"), "push", "idem-2", batched=True)
    assert record_of(batch) == Sent(("o1", "o2"), ("u1", "u2"), "message", "idem-2")


def test_anything_else_is_refused() -> None:
    with pytest.raises(TypeError, match="not a plan change: RowUpdate"):
        record_of(RowUpdate("k", None))  # type: ignore[arg-type]
