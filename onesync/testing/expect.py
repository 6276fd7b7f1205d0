"""A test's ``expect:`` against what its rows send: one ``Difference`` per mismatch.

The rules (docs/testing.md):

* ``users`` / ``events`` / ``messages`` are compared whole by id (external_id, or key): an entry
  not sent, or a sent one not listed, is a difference. A list left out must come out empty.
* Inside an entry only what is written is compared; in a mapping (``tags``, ``properties``, ...)
  only the names written, and ``null`` means "not sent".
* Tags, aliases, subscriptions and texts are what OneSignal receives: text, compared exactly
  (``ltv: 12.5`` is the text ``"12.5"``). Event properties and ``custom_data`` are JSON values:
  ``12.5`` is a number and ``"12.5"`` a string.
* ``invalid`` lists every refused row or field: ``key``, and optionally ``field`` and a part of
  the ``reason``. Refusals not listed are differences too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from onesync.load import Document
from onesync.model import Pos
from onesync.plan import InvalidRow
from onesync.testing.sends import Sent

__all__ = ["Difference", "compare"]

Path_ = tuple[str | int, ...]
_NOUN = {"users": "user", "events": "event", "messages": "message"}
_ID = {"users": "external_id", "events": "key", "messages": "key"}
_JSON_VALUES = ("properties", "custom_data")
_FIELD = {"subscriptions", "aliases"}  # whose entries a field refusal names


@dataclass(frozen=True, slots=True)
class Difference:
    """One mismatch: ``what`` it is about, the expected and the actual value as text (None when
    there is none on that side), where the expectation is written, and a note (a refusal)."""

    what: str
    expected: str | None
    got: str | None
    pos: Pos | None = None
    note: str | None = None


def show(value: Any, *, json_value: bool = False) -> str:
    """A value as the diff prints it: JSON, so "12.5" and 12.5 look different."""
    if value is None and not json_value:
        return "not sent"
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _same(expected: Any, got: Any, json_value: bool) -> bool:
    if not json_value:
        return bool(expected == got)
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return float(expected) == float(got)
    return bool(type(expected) is type(got) and expected == got)


def _pos(doc: Document, path: Path_, *, key: bool = False) -> Pos:
    line, col = doc.at(path, key=key)
    return Pos(doc.file, line, col)


def _reasons(refused: tuple[InvalidRow, ...], key: str, field: str | None = None) -> str | None:
    found = [r.reason for r in refused if r.key == key and (field is None or r.field == field)]
    return "; ".join(found) if found else None


def compare(sent: Sent, doc: Document, at: Path_, expect: dict[str, Any]) -> list[Difference]:
    """The differences between ``expect`` (the value at ``at`` in ``doc``) and ``sent``."""
    diffs: list[Difference] = []
    noun, id_key = _NOUN[sent.kind], _ID[sent.kind]
    listed = expect.get(sent.kind) or []
    expected_ids: set[str] = set()
    for j, item in enumerate(listed):
        path = (*at, sent.kind, j)
        ident = item[id_key]
        expected_ids.add(ident)
        actual = sent.items.get(ident)
        if actual is None:
            diffs.append(
                Difference(
                    f"{noun} {ident}: expected, not sent",
                    show(item),
                    None,
                    _pos(doc, path),
                    _reasons(sent.refused, ident),
                )
            )
            continue
        diffs += _entry(noun, ident, item, actual, doc, path, sent.refused)
    for ident, actual in sent.items.items():
        if ident not in expected_ids:
            diffs.append(Difference(f"{noun} {ident}: sent, not expected", None, show(actual)))
    diffs += _invalid(sent.refused, expect.get("invalid") or [], doc, (*at, "invalid"))
    return diffs


def _entry(
    noun: str,
    ident: str,
    item: dict[str, Any],
    actual: dict[str, Any],
    doc: Document,
    path: Path_,
    refused: tuple[InvalidRow, ...],
) -> list[Difference]:
    diffs: list[Difference] = []
    for name, want in item.items():
        got = actual.get(name)
        if isinstance(want, dict):
            json_value = name in _JSON_VALUES
            for sub, want_value in want.items():
                got_value = (got or {}).get(sub)
                if _same(want_value, got_value, json_value):
                    continue
                note = _reasons(refused, ident, sub) if name in _FIELD else None
                if name == "tags" and note is None:
                    note = _reasons(refused, ident, "tags")
                diffs.append(
                    Difference(
                        f"{noun} {ident}: {name}.{sub}",
                        show(want_value, json_value=json_value),
                        show(got_value, json_value=json_value),
                        _pos(doc, (*path, name, sub)),
                        note,
                    )
                )
        elif not _same(want, got, False):
            diffs.append(
                Difference(
                    f"{noun} {ident}: {name}", show(want), show(got), _pos(doc, (*path, name))
                )
            )
    return diffs


def _invalid(
    refused: tuple[InvalidRow, ...], listed: list[dict[str, Any]], doc: Document, at: Path_
) -> list[Difference]:
    """Each listed refusal matches one actual refusal; both leftovers are differences."""
    left = list(refused)
    diffs: list[Difference] = []
    for j, want in enumerate(listed):
        match = next(
            (
                r
                for r in left
                if r.key == want["key"]
                and ("field" not in want or r.field == want["field"])
                and ("reason" not in want or want["reason"] in r.reason)
            ),
            None,
        )
        if match is not None:
            left.remove(match)
            continue
        what = f"invalid {want['key'] if want['key'] is not None else '(NULL key)'}"
        if "field" in want:
            what += f" ({want['field']})"
        diffs.append(
            Difference(
                f"{what}: expected, not refused",
                want.get("reason", "refused"),
                None,
                _pos(doc, (*at, j)),
                _reasons(refused, want["key"]) if want["key"] is not None else None,
            )
        )
    for r in left:
        what = f"invalid {r.key if r.key is not None else '(NULL key)'}"
        if r.field:
            what += f" ({r.field})"
        diffs.append(Difference(f"{what}: refused, not expected", None, r.reason))
    return diffs
