"""YAML with a position for every node, strict keys, and ``${env:...}`` interpolation.

PyYAML's loader forgets where values came from, keeps the last of two duplicate keys and reads
``no``/``on``/``NO`` as booleans (YAML 1.1). We compose to nodes ourselves and convert them with
YAML 1.2 core rules: only ``true``/``false`` are booleans, only plain digits are numbers, and a
quoted scalar is always a string. Every problem becomes a Diagnostic; nothing raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from onesync.errors import Diagnostic

__all__ = ["Document", "Path_", "Span", "parse_yaml"]

Path_ = tuple[str | int, ...]

_PLAIN = "tag:onesync,2026:plain"  # an untagged plain scalar: we type it (YAML 1.2 core)
_INT_RE = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_ENV_RE = re.compile(r"\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?")


class _Loader(yaml.SafeLoader):
    """Composes nodes without YAML 1.1 implicit typing: we resolve plain scalars ourselves."""

    yaml_implicit_resolvers: dict[Any, Any] = {None: [(_PLAIN, re.compile(".*", re.S))]}


# libyaml's parser is ~10x faster; the pure-Python one words syntax errors the way we report them,
# so it only runs again when the fast one has found a problem.
_FastLoader: Any = (
    type(
        "_FastLoader",
        (yaml.CSafeLoader,),
        {"yaml_implicit_resolvers": _Loader.yaml_implicit_resolvers},
    )
    if getattr(yaml, "__with_libyaml__", False)
    else _Loader
)


@dataclass(frozen=True, slots=True)
class Span:
    """Where one node sits in its file (1-based), and how its text maps back to the file."""

    line: int
    col: int
    style: str | None = None  # None plain, '|' or '>' block, '"' or "'" quoted
    raw: str | None = None  # the source text of a plain scalar typed as number/boolean/null
    indent: int = 0  # for block scalars: the column (1-based) where content lines start

    def map(self, line: int, col: int) -> tuple[int, int]:
        """The file position of (line, col), both 1-based, inside this scalar's value."""
        if self.style in ("|", ">"):
            return self.line + line, self.indent + col - 1
        if line == 1:
            return self.line, self.col + col - 1 + (1 if self.style in ('"', "'") else 0)
        return self.line + line - 1, col


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed YAML file: plain Python data plus the span of every value and mapping key."""

    file: str
    data: Any
    spans: Mapping[Path_, Span] = field(default_factory=dict)
    keys: Mapping[Path_, Span] = field(default_factory=dict)
    unresolved: frozenset[Path_] = frozenset()  # values with a failed ${env:...}: already reported

    def at(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The (line, col) of a value (or of its key), falling back to the nearest parent."""
        p = tuple(path)
        if key and p in self.keys:
            s = self.keys[p]
            return s.line, s.col
        while p not in self.spans and p:
            p = p[:-1]
        s = self.spans.get(p)
        return (s.line, s.col) if s else (1, 1)

    def diag(
        self,
        path: Path_,
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
        severity: Literal["error", "warning"] = "error",
    ) -> Diagnostic:
        """A Diagnostic at the value (or, with ``key``, the key) at ``path``."""
        line, col = self.at(path, key=key)
        return Diagnostic(self.file, line, col, message, hint, severity=severity)


def _plain(text: str) -> Any:
    """YAML 1.2 core schema resolution of a plain scalar."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT_RE.match(text):
        return int(text)
    if _FLOAT_RE.match(text) and any(c.isdigit() for c in text):
        return float(text)
    return text


class _Converter:
    def __init__(self, file: str, text: str, env: Mapping[str, str]) -> None:
        self.file = file
        self.text = text
        self.lines = text.splitlines()
        self.env = env
        self.spans: dict[Path_, Span] = {}
        self.keys: dict[Path_, Span] = {}
        self.diags: list[Diagnostic] = []
        self.unresolved: set[Path_] = set()

    def _where(self, node: yaml.Node, needle: str) -> tuple[int, int]:
        """The file position of ``needle`` inside the node's source text, else the node start."""
        start, end = node.start_mark.index, node.end_mark.index
        i = self.text.find(needle, start, max(end, start + len(needle)))
        if i < 0:
            return node.start_mark.line + 1, node.start_mark.column + 1
        line = self.text.count("\n", 0, i)
        return line + 1, i - (self.text.rfind("\n", 0, i) + 1) + 1

    def _interpolate(self, node: yaml.ScalarNode) -> str:
        def sub(m: re.Match[str]) -> str:
            whole = m.group(0)
            if whole == "$$":
                return "$"
            name, default = m.group(1), m.group(2)
            if name is None:
                line, col = self._where(node, whole)
                self.diags.append(
                    Diagnostic(
                        self.file,
                        line,
                        col,
                        f"malformed interpolation {whole!r}",
                        "write ${env:NAME} or ${env:NAME:-default}; $$ is a literal $",
                    )
                )
                return whole
            if name in self.env:
                return self.env[name]
            if default is not None:
                return default
            line, col = self._where(node, whole)
            self.diags.append(
                Diagnostic(
                    self.file,
                    line,
                    col,
                    f"environment variable {name} is not set",
                    f"export {name}=..., or give a default: ${{env:{name}:-value}}",
                )
            )
            return whole  # kept as written, so later checks do not report it a second time

        value = node.value
        return _ENV_RE.sub(sub, value) if "$" in value else value

    def _span(self, node: yaml.Node, raw: str | None = None) -> Span:
        style = getattr(node, "style", None) if isinstance(node, yaml.ScalarNode) else None
        indent = 0
        if style in ("|", ">"):
            for line in self.lines[node.start_mark.line + 1 :]:
                if line.strip():
                    indent = len(line) - len(line.lstrip(" ")) + 1
                    break
        return Span(node.start_mark.line + 1, node.start_mark.column + 1, style, raw, indent)

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.spans[path] = self._span(node)
            out: dict[str, Any] = {}
            first: dict[str, int] = {}
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    self.diags.append(
                        Diagnostic(
                            self.file,
                            knode.start_mark.line + 1,
                            knode.start_mark.column + 1,
                            "a mapping key must be a plain name",
                            "remove the nested key",
                        )
                    )
                    continue
                key = knode.value
                kline = knode.start_mark.line + 1
                if key in first:
                    self.diags.append(
                        Diagnostic(
                            self.file,
                            kline,
                            knode.start_mark.column + 1,
                            f"duplicate key '{key}' (first defined on line {first[key]})",
                            "remove one of them; YAML would silently keep only the last",
                        )
                    )
                    continue
                first[key] = kline
                self.keys[(*path, key)] = self._span(knode)
                out[key] = self.convert(vnode, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            self.spans[path] = self._span(node)
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        before = len(self.diags)
        text = self._interpolate(node)
        if len(self.diags) > before:
            self.unresolved.add(path)
        if node.tag == _PLAIN:
            value = _plain(text)
            self.spans[path] = self._span(node, None if isinstance(value, str) else text)
            return value
        self.spans[path] = self._span(node)
        return _explicit(node.tag, text)


def _explicit(tag: str, text: str) -> Any:
    """Honour an explicit tag (``!!int 3``); anything else stays the string it was written as."""
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"):
        value = _plain(text)
        if not isinstance(value, str):
            return value
    if tag == "tag:yaml.org,2002:null":
        return None
    return text


def parse_yaml(
    text: str, file: str, env: Mapping[str, str]
) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one single-document YAML file. Returns (document or None, diagnostics)."""
    try:
        try:
            nodes = list(yaml.compose_all(text, Loader=_FastLoader))
        except yaml.YAMLError:
            nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = e.problem or "cannot be parsed"
        if e.context and e.context not in problem:
            problem = f"{problem} {e.context}"
        hint = "indent with spaces, not tabs" if "'\\t'" in problem else "fix the syntax"
        return None, [Diagnostic(file, line, col, f"invalid YAML: {problem}", hint)]
    except yaml.YAMLError as e:  # pragma: no cover - reader errors without a mark
        return None, [Diagnostic(file, 1, 1, f"invalid YAML: {e}", "fix the syntax")]
    if not nodes:
        return None, [Diagnostic(file, 1, 1, "the file is empty", "write a YAML mapping")]
    if len(nodes) > 1:
        m = nodes[1].start_mark
        return None, [
            Diagnostic(
                file,
                m.line + 1,
                m.column + 1,
                f"the file holds {len(nodes)} YAML documents, expected one",
                "put each sync in its own file",
            )
        ]
    conv = _Converter(file, text, env)
    data = conv.convert(nodes[0], ())
    doc = Document(file, data, conv.spans, conv.keys, frozenset(conv.unresolved))
    return doc, conv.diags
