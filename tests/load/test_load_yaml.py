"""The YAML reader: positions, YAML 1.2 scalars, strict keys, ${env:...} interpolation."""

from __future__ import annotations

from onesync.errors import Diagnostic
from onesync.load import parse_yaml


def load(text: str, env: dict[str, str] | None = None):
    doc, diags = parse_yaml(text, "f.yaml", env or {})
    assert doc is not None, diags
    return doc, [str(d) for d in diags]


def test_yaml_11_booleans_stay_strings() -> None:
    doc, diags = load("plan: no\ncountry: NO\non: yes\nflag: off\nok: true\nbad: False\n")
    assert doc.data == {
        "plan": "no",
        "country": "NO",
        "on": "yes",
        "flag": "off",
        "ok": True,
        "bad": False,
    }
    assert diags == []


def test_numbers_nulls_and_quoted_scalars() -> None:
    doc, _ = load('a: 1\nb: 2.5\nc: "3"\nd: ~\ne:\nf: 0o17\ng: 1_000\nh: "true"\ni: !!str 7\n')
    assert doc.data == {
        "a": 1,
        "b": 2.5,
        "c": "3",
        "d": None,
        "e": None,
        "f": "0o17",
        "g": "1_000",
        "h": "true",
        "i": "7",
    }


def test_every_value_and_key_has_a_position() -> None:
    doc, _ = load("top:\n  inner: [a, {b: c}]\n  block: |\n    line one\n")
    assert doc.at(("top",)) == (2, 3)
    assert doc.at(("top", "inner", 1, "b")) == (2, 18)
    assert doc.at(("top", "inner"), key=True) == (2, 3)
    assert doc.at(("top", "missing", "deeper")) == (2, 3)  # nearest known parent
    span = doc.spans[("top", "block")]
    assert (span.style, span.line, span.indent) == ("|", 3, 5)
    assert span.map(1, 6) == (4, 10)  # 'one' inside the block maps to the file


def test_duplicate_keys_are_errors_at_the_second_key() -> None:
    _, diags = load("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert diags == [
        "f.yaml:4:3: error: duplicate key 'c' (first defined on line 3) "
        "(remove one of them; YAML would silently keep only the last)",
        "f.yaml:5:1: error: duplicate key 'a' (first defined on line 1) "
        "(remove one of them; YAML would silently keep only the last)",
    ]


def test_env_interpolation_and_defaults() -> None:
    doc, diags = load(
        "url: ${env:DB}\nschema: ${env:SCHEMA:-public}\nempty: ${env:E:-}\n"
        "mix: a-${env:DB}-b\nprice: $$5\nn: ${env:N}\n",
        {"DB": "postgresql://x", "N": "42"},
    )
    assert diags == []
    assert doc.data == {
        "url": "postgresql://x",
        "schema": "public",
        "empty": None,
        "mix": "a-postgresql://x-b",
        "price": "$5",
        "n": 42,
    }


def test_unset_variable_names_file_line_and_column() -> None:
    doc, diags = load("a: 1\nsql: |\n  select 1\n  from ${env:SCHEMA}.t\nb: x ${env:B}\n")
    assert diags == [
        "f.yaml:4:8: error: environment variable SCHEMA is not set "
        "(export SCHEMA=..., or give a default: ${env:SCHEMA:-value})",
        "f.yaml:5:6: error: environment variable B is not set "
        "(export B=..., or give a default: ${env:B:-value})",
    ]
    assert doc.unresolved == {("sql",), ("b",)}


def test_env_value_is_never_reparsed_as_yaml() -> None:
    doc, _ = load("key: ${env:K}\n", {"K": "a: [b\n#c"})
    assert doc.data == {"key": "a: [b\n#c"}


def test_syntax_errors_are_one_diagnostic() -> None:
    doc, diags = parse_yaml("a: [1, 2\nb: 3\n", "f.yaml", {})
    assert doc is None
    assert diags == [
        Diagnostic(
            "f.yaml",
            2,
            2,
            "invalid YAML: expected ',' or ']', but got ':' while parsing a flow sequence",
            "fix the syntax",
        )
    ]


def test_complex_keys_are_refused() -> None:
    _, diags = load("? [a, b]\n: 1\nc: 2\n")
    assert diags == [
        "f.yaml:1:3: error: a mapping key must be a plain name (remove the nested key)"
    ]
