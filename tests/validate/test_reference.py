"""docs/spec-reference.md's key tables are what schemas/*.schema.json says today."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from onesync.validate import reference
from onesync.validate.reference import REGENERATE, ReferenceError, is_stale, render, rows
from onesync.validate.schema import schema

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "spec-reference.md"


def test_the_spec_reference_tables_are_up_to_date() -> None:
    assert not is_stale(DOC), (
        "docs/spec-reference.md's key tables differ from schemas/*.schema.json; "
        f"run `.venv/bin/{REGENERATE}` from the repository root"
    )


def test_every_key_of_both_files_has_a_row_with_a_description() -> None:
    text = DOC.read_text()
    keys = {row[0] for row in _all_rows(text)}
    for key in ("`version`", "`dialect`", "`max_tags`", "`max_invalid_share`", "`sync`"):
        assert key in keys
    for key in ("`tags.<name>.type`", "`event.properties.<name>.type`", "`message.max_sends`"):
        assert key in keys
    for key in ("`given.<name>.columns`", "`expect.users[].subscriptions.sms`"):
        assert key in keys
    assert all(meaning for *_, meaning in _all_rows(text))


def test_the_type_column_carries_the_allowed_values_and_defaults() -> None:
    by_key = {key: (kind, default) for key, kind, default, _ in _all_rows(DOC.read_text())}
    assert by_key["`api`"] == ("`current` or `legacy`", "`current`")
    assert by_key["`max_recipients`"] == ("integer, 1..20000", "`2000`")
    assert by_key["`app_id`"] == ("text", "required")
    assert by_key["`on_leave`"] == ("`keep`, `clear` or `delete_user`", "")


def test_the_prose_outside_the_markers_is_kept_and_a_stale_table_rewritten() -> None:
    text = DOC.read_text()
    edited = text.replace("| `concurrency` |", "| `parallelism` |").replace(
        "Give exactly one of", "Write exactly one of"
    )
    assert edited != text
    assert render(edited) == text.replace("Give exactly one of", "Write exactly one of")


def test_a_key_without_a_description_fails_naming_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bare: dict[str, Any] = copy.deepcopy(schema("onesync"))
    del bare["$defs"]["destination"]["properties"]["concurrency"]["description"]
    monkeypatch.setattr(reference, "schema", lambda name: bare)
    with pytest.raises(ReferenceError, match="concurrency: the schema has no description"):
        render(DOC.read_text())


def test_a_document_without_a_table_for_a_schema_is_refused() -> None:
    text = DOC.read_text().replace("from schemas/sync.schema.json# -->", "-->")
    with pytest.raises(ReferenceError, match=r"no table for schemas/sync\.schema\.json#"):
        render(text)


def test_check_exits_1_on_a_stale_copy_and_rewriting_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "spec-reference.md"
    stale.write_text(DOC.read_text().replace("Requests in flight.", "Requests at once."))
    assert reference._main(["--check", "--file", str(stale)]) == 1
    assert REGENERATE in capsys.readouterr().err
    assert reference._main(["--file", str(stale)]) == 0
    assert stale.read_text() == DOC.read_text()
    assert reference._main(["--check", "--file", str(stale)]) == 0


def test_the_packaged_schemas_are_the_repository_schemas() -> None:
    packaged, source = ROOT / "onesync" / "schemas", ROOT / "schemas"  # a symlink today
    names = sorted(p.name for p in source.glob("*.schema.json"))
    assert names and sorted(p.name for p in packaged.glob("*.schema.json")) == names
    for name in names:
        assert (packaged / name).read_bytes() == (source / name).read_bytes(), name


def _all_rows(text: str) -> list[tuple[str, ...]]:
    tables = frozenset(m["where"] for m in reference._BLOCK.finditer(text))
    return [row for where in sorted(tables) for row in rows(where, tables)]
