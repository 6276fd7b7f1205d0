"""Positions inside multi-line scalars: a column in the value is a line and column in the file.

Folding (``>``, and plain scalars over several lines) joins source lines with spaces, so the
third line of a folded SQL is on value line 1; errors must still point at the third file line.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from onesync import api
from onesync.errors import SpecError
from onesync.load import parse_yaml
from onesync.validate import load_project
from onesync.validate.sql import model_position

from .test_load_project import PROJECT, write

# a spec whose SQL's third line has a syntax error (a second '='); {style} is the block style
FOLDED = """\
sync: u
source: local
model:
  sql: {style}
    select id, plan
    from users
    where plan = = 'pro'
identity: {{external_id: id}}
tags: {{plan: plan}}
"""
SYNTAX = "SQL syntax error near '=': incomplete expression (the model must parse as duckdb SQL)"


@pytest.fixture(autouse=True)
def _in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages name files relative to the project


def _errors(*, offline: bool) -> list[str]:
    """Validation as ``onesync validate`` runs it (with the real catalogue unless offline)."""
    with pytest.raises(SpecError) as info:
        api.load_project(".", offline=offline)
    return [str(d) for d in info.value.diagnostics]


@pytest.mark.parametrize("style", [">", ">-", ">+", "|", "|-", ">2"])
def test_sql_syntax_error_on_the_third_block_line_points_at_it(tmp_path: Path, style: str) -> None:
    spec = FOLDED.format(style=style)
    if style == ">2":  # an indentation indicator lets the first line sit deeper than the rest
        spec = spec.replace("    select", "      select")
    write(tmp_path, {"onesync.yaml": PROJECT, "specs/u.yaml": spec})
    line = spec.splitlines()[6]
    assert line == "    where plan = = 'pro'"
    col = line.index("= =") + 3  # the second '=' (1-based)
    assert _errors(offline=True) == [f"specs/u.yaml:7:{col}: error: {SYNTAX}"]


def test_folded_sql_the_database_refuses_points_at_the_column(tmp_path: Path) -> None:
    spec = FOLDED.format(style=">").replace("plan = = 'pro'", "ltv > 100")
    write(tmp_path, {"onesync.yaml": PROJECT, "specs/u.yaml": spec})
    (tmp_path / "data").mkdir()
    with duckdb.connect(str(tmp_path / "data" / "shop.duckdb")) as db:
        db.execute("create table users (id integer, plan text)")
    (problem,) = _errors(offline=False)
    assert problem.startswith("specs/u.yaml:7:11: error: model: source 'local' (duckdb): ")
    assert "ltv" in problem


def test_plan_time_database_error_maps_through_the_model_position(tmp_path: Path) -> None:
    """model_position (used when plan meets a database error) reads the same layout."""
    spec = FOLDED.format(style=">").replace("plan = = 'pro'", "plan = 'pro' and ltv > 1")
    write(tmp_path, {"onesync.yaml": PROJECT, "specs/u.yaml": spec})
    model = load_project(".", env={}, offline=True).sync("u").model
    assert model.sql == "select id, plan from users where plan = 'pro' and ltv > 1\n"
    assert model.sql_pos is not None and (model.sql_pos.line, model.sql_pos.col) == (5, 5)
    with duckdb.connect() as db:
        db.execute("create table users (id integer, plan text)")
        with pytest.raises(duckdb.Error) as info:
            db.execute(model.sql)
    where = model_position(model.sql_pos, model.sql, "duckdb", str(info.value))
    col = spec.splitlines()[6].index("ltv") + 1
    assert str(where) == f"specs/u.yaml:7:{col}"  # on the third line, not line 5 col 52


CASES = {
    "folded": "k: >\n  select a,\n    b\n\n  from t\n  where x\n",
    "folded_strip": "k: >-\n  select a\n  from t\n  where x   \n",
    "literal_keep": "k: |+\n  select a\n\n   from t\n\n",
    "plain": "k: select a\n  from t\n     where x\n",
    "flow_plain": "k: {v: select a\n   from t}\n",
    "nested": "a:\n  - k: >\n      one\n      two\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_character_of_a_multiline_scalar_maps_to_itself(name: str) -> None:
    text = CASES[name]
    doc, diags = parse_yaml(text, "f.yaml", {})
    assert doc is not None and diags == []
    path = max(doc.spans, key=len)  # the deepest value: the scalar under test
    value = doc.data
    for p in path:
        value = value[p]
    span, lines = doc.spans[path], text.splitlines()
    assert span.layout, "a multi-line scalar records where its lines went"
    for i, ch in enumerate(value):
        if ch in " \n":
            continue
        line = value.count("\n", 0, i) + 1
        col = i - (value.rfind("\n", 0, i) + 1) + 1
        fline, fcol = span.map(line, col)
        assert lines[fline - 1][fcol - 1] == ch, (name, line, col, fline, fcol)


def test_one_line_and_quoted_scalars_keep_their_arithmetic() -> None:
    doc, _ = parse_yaml("a: select 1\nb: \"x\n  y\"\nc: 'p'\n", "f.yaml", {})
    assert doc is not None
    assert doc.spans[("a",)].layout == () and doc.spans[("a",)].map(1, 8) == (1, 11)
    assert doc.spans[("b",)].layout == () and doc.spans[("b",)].map(2, 1) == (3, 1)
    assert doc.spans[("c",)].map(1, 1) == (4, 5)


def test_a_value_that_no_longer_reads_back_falls_back() -> None:
    """``$$`` became ``$``: the value is not the file's text, so no layout is claimed."""
    doc, _ = parse_yaml("k: >\n  select '$$'\n  from t\n", "f.yaml", {})
    assert doc is not None and doc.data["k"] == "select '$' from t\n"
    span = doc.spans[("k",)]
    assert span.layout == () and span.map(1, 1) == (2, 3)
