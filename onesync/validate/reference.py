"""The key tables of docs/spec-reference.md, generated from ``schemas/*.schema.json``.

    python -m onesync.validate.reference          # rewrite the tables (from the repository root)
    python -m onesync.validate.reference --check  # exit 1 when a table is stale; writes nothing

Each table sits between two markers; everything outside them is hand-written and kept as is:

    <!-- generated: python -m onesync.validate.reference from schemas/sync.schema.json#/$defs/x -->
    | key | type | default | meaning |
    ...
    <!-- end generated -->

The pointer after ``from`` names the schema object whose keys the table lists, one row each.
Nested objects are flattened (``identity.external_id``, ``tags.<name>.type``,
``expect.users[].tags``) unless the document has a table of their own. The type column carries
the allowed values (enum, range, pattern), the meaning column the schema's ``description``: a
key without one is an error, so the reference, the schema and what editors show on hover say
the same. tests/validate/test_reference.py fails while the document is stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from onesync.validate.schema import schema

__all__ = ["DOC", "REGENERATE", "ROOTS", "ReferenceError", "is_stale", "render", "rows"]

DOC = Path("docs") / "spec-reference.md"
REGENERATE = "python -m onesync.validate.reference"
ROOTS = ("schemas/onesync.schema.json#", "schemas/sync.schema.json#")  # each needs a table
_BLOCK = re.compile(
    r"(?P<open><!-- generated: python -m onesync\.validate\.reference from (?P<where>\S+) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<close><!-- end generated -->)",
    re.DOTALL,
)
_HEADER = "| key | type | default | meaning |\n| --- | --- | --- | --- |\n"

Node = dict[str, Any]


class ReferenceError(ValueError):
    """The document or a schema cannot be turned into tables (e.g. a key has no description)."""


def _split(where: str) -> tuple[str, str]:
    """``schemas/sync.schema.json#/$defs/test`` -> (``sync``, ``#/$defs/test``)."""
    file, _, pointer = where.partition("#")
    name = Path(file).name.removesuffix(".schema.json")
    if Path(file).parent != Path("schemas") or not name or name == Path(file).name:
        raise ReferenceError(f"{where}: not a schemas/<name>.schema.json pointer")
    return name, f"#{pointer}"


def _at(root: Node, pointer: str) -> Node:
    node: Any = root
    for part in filter(None, pointer.removeprefix("#").split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise ReferenceError(f"{pointer}: no such place in the schema")
        node = node[part]
    if not isinstance(node, dict):
        raise ReferenceError(f"{pointer}: not a schema object")
    return node


def _deref(root: Node, node: Node) -> Node:
    """``node`` with ``$ref``s followed (only local ones: the schemas use nothing else)."""
    seen: set[str] = set()
    while "$ref" in node:
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#"):
            raise ReferenceError(f"{ref}: a $ref loop or a non-local $ref")
        seen.add(ref)
        node = _at(root, ref)
    return node


def _code(value: Any) -> str:
    return f"`{value if isinstance(value, str) else json.dumps(value)}`"


def _either(parts: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"


def _range(node: Node) -> str:
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None:
        return f"{low}..{high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}" if high is not None else ""


def _type(root: Node, node: Node, own: frozenset[str]) -> str:
    """The type column: what may be written there, allowed values included."""
    if "$ref" in node:
        target = _deref(root, node)
        if node["$ref"] in own:
            return "mapping (see below)"
        return str(target["title"]) if "title" in target else _type(root, target, own)
    if "const" in node:
        return _code(node["const"])
    if "enum" in node:
        return _either([_code(v) for v in node["enum"]])
    if branches := node.get("oneOf") or node.get("anyOf"):
        return _either([_type(root, b, own) for b in branches])
    types = node.get("type", "object")
    return _either(
        [_one(root, node, t, own) for t in ([types] if isinstance(types, str) else types)]
    )


def _one(root: Node, node: Node, kind: str, own: frozenset[str]) -> str:
    """The type column for one JSON type of ``node``."""
    more: list[str] = []
    if kind == "string":
        text = "text"
        if node.get("minLength") == 1:
            more.append("not empty")
        if "maxLength" in node:
            more.append(f"at most {node['maxLength']} characters")
        if "pattern" in node:
            more.append(f"matching `{node['pattern']}`")
    elif kind in ("integer", "number"):
        text = kind
        more.append(_range(node))
    elif kind == "array":
        items = node.get("items")
        text = f"list of {_type(root, items, own)}" if isinstance(items, dict) else "list"
        if node.get("uniqueItems"):
            more.append("no repeats")
    elif kind == "object":
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        if props:
            text = "{" + ", ".join(props) + "}" if len(props) <= 3 else "mapping"
        elif isinstance(extra, dict):
            text = f"mapping of name -> {_type(root, extra, own)}"
        else:
            text = "mapping"
        if "minProperties" in node and not props:
            more.append(f"at least {node['minProperties']} entry")
        if "maxProperties" in node:
            more.append(f"at most {node['maxProperties']} entries")
        if "pattern" in node.get("propertyNames", {}):
            more.append(f"names matching `{node['propertyNames']['pattern']}`")
    else:
        text = kind
    return ", ".join([text, *filter(None, more)])


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rows(root: Node, node: Node, prefix: str, own: frozenset[str]) -> Iterator[tuple[str, ...]]:
    """One (key, type, default, meaning) per property of ``node``, nested ones after each."""
    node = _deref(root, node)
    required = set(node.get("required", ()))
    for key, prop in node.get("properties", {}).items():
        path = f"{prefix}{key}"
        target = _deref(root, prop)
        meaning = str(prop.get("description") or target.get("description") or "")
        if not meaning:
            raise ReferenceError(f"{path}: the schema has no description for this key")
        if key in required:
            default = "required"
        elif "default" in prop or "default" in target:
            default = _code(prop.get("default", target.get("default")))
        else:
            default = ""
        yield f"`{path}`", _type(root, prop, own), default, meaning
        yield from _below(root, prop, path, own)


def _below(root: Node, node: Node, path: str, own: frozenset[str]) -> Iterator[tuple[str, ...]]:
    """The rows of what lies inside the value at ``path``: properties, map values, list items."""
    if node.get("$ref") in own:
        return  # it has a table of its own
    target = _deref(root, node)
    if target.get("properties"):
        yield from _rows(root, target, f"{path}.", own)
    for branch in target.get("oneOf") or target.get("anyOf") or ():
        yield from _below(root, branch, path, own)
    if isinstance(extra := target.get("additionalProperties"), dict):
        yield from _below(root, extra, f"{path}.<name>", own)
    if isinstance(items := target.get("items"), dict):
        yield from _below(root, items, f"{path}[]", own)


def rows(where: str, tables: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """The rows of the table for ``where`` (``schemas/<name>.schema.json#<pointer>``), as
    (key, type, default, meaning) cells; objects named in ``tables`` are not flattened."""
    name, pointer = _split(where)
    root = schema(name)
    own = frozenset(p for w in tables for n, p in [_split(w)] if n == name and p != pointer)
    node = _at(root, pointer)
    if not _deref(root, node).get("properties"):
        raise ReferenceError(f"{where}: not an object with properties")
    return list(_rows(root, node, "", own))


def render(text: str) -> str:
    """``text`` (the document) with every generated table rewritten from the schemas."""
    tables = frozenset(m["where"] for m in _BLOCK.finditer(text))
    if missing := [r for r in ROOTS if r not in tables]:
        raise ReferenceError(f"the document has no table for {', '.join(missing)}")

    def table(m: re.Match[str]) -> str:
        body = "".join(
            "| " + " | ".join(_cell(c) for c in row) + " |\n" for row in rows(m["where"], tables)
        )
        return f"{m['open']}{_HEADER}{body}{m['close']}"

    return _BLOCK.sub(table, text)


def is_stale(path: Path = DOC) -> bool:
    """Whether the document at ``path`` differs from what ``render`` makes of it."""
    text = path.read_text()
    return render(text) != text


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report a stale doc (exit 1)")
    parser.add_argument("--file", type=Path, default=DOC, help=f"default: {DOC}")
    args = parser.parse_args(argv)
    try:
        text = args.file.read_text()
        new = render(text)
    except (OSError, ReferenceError) as e:
        print(f"{args.file}: {e}", file=sys.stderr)
        return 1
    if new == text:
        return 0
    if args.check:
        print(f"{args.file} is out of date; run: {REGENERATE}", file=sys.stderr)
        return 1
    args.file.write_text(new)
    print(f"wrote {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
