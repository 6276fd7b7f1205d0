"""YAML with a position for every node, strict keys, and ``${env:...}`` interpolation.

PyYAML's loader forgets where values came from, keeps the last of two duplicate keys and reads
``no``/``on``/``NO`` as booleans (YAML 1.1). We compose to nodes ourselves and convert them with
YAML 1.2 core rules: only ``true``/``false`` are booleans, only plain digits are numbers, and a
quoted scalar is always a string. Every problem becomes a Diagnostic; nothing raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from onesync.errors import MIN_SECRET, REDACTED, Diagnostic, register_secret
from onesync.load.env import ANYWHERE, EnvPolicy

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Document",
    "Layout",
    "Path_",
    "Span",
    "map_layout",
    "parse_yaml",
    "too_big",
]

# Bounds that no real spec comes near and that keep a hostile file cheap to refuse: an alias
# bomb ("billion laughs") is refused after a few hundred parser events, not after 1.7 GB.
MAX_FILE_BYTES = 1 << 20  # 1 MB per project or spec file
MAX_ALIASES = 100  # alias uses (*name) per document
MAX_NODES = 100_000  # values per document, aliases expanded
MAX_DEPTH = 64  # nesting of mappings and lists

Path_ = tuple[str | int, ...]
# Where each source line of a multi-line scalar starts in its value and in the file:
# (value line, value col, file line, file col), all 1-based, in order.
Layout = tuple[tuple[int, int, int, int], ...]

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


def map_layout(layout: Layout, line: int, col: int) -> tuple[int, int]:
    """The file position of (line, col), 1-based, in a value whose ``layout`` is known.

    Folding (``>`` and multi-line plain scalars) joins source lines with spaces, so value line 1
    can hold several file lines: the last source line starting at or before (line, col) holds it.
    """
    vline, vcol, fline, fcol = layout[0]
    for piece in layout:
        if piece[:2] > (line, col):
            break
        vline, vcol, fline, fcol = piece
    if line == vline:
        return fline, fcol + max(0, col - vcol)
    return fline + line - vline, col  # an empty value line after it: kept lines, best guess


@dataclass(frozen=True, slots=True)
class Span:
    """Where one node sits in its file (1-based), and how its text maps back to the file."""

    line: int
    col: int
    style: str | None = None  # None plain, '|' or '>' block, '"' or "'" quoted
    raw: str | None = None  # the source text of a plain scalar typed as number/boolean/null
    indent: int = 0  # for block scalars: the column (1-based) where content lines start
    layout: Layout = ()  # block and multi-line plain scalars: where each source line went

    def map(self, line: int, col: int) -> tuple[int, int]:
        """The file position of (line, col), both 1-based, inside this scalar's value."""
        if self.layout:
            return map_layout(self.layout, line, col)
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
    originals: Mapping[Path_, str] = field(default_factory=dict)  # interpolated scalars, as written
    env_values: tuple[tuple[str, str], ...] = ()  # (value read, "${env:NAME}"), longest first
    secrets: frozenset[str] = frozenset()  # what this file registered with register_secret

    def original(self, path: Path_) -> str | None:
        """The text written at ``path`` before ``${env:...}`` was replaced, if it was."""
        return self.originals.get(tuple(path))

    def quote(self, text: str) -> str:
        """``text`` with every value this file read from the environment shown as the
        ``${env:NAME}`` that was written, and every secret it holds as ``***``.

        Only this file's own values: the process-wide registry may hold another project's
        secrets (a test run loads many), which must not change this file's messages.
        """
        for value, ref in self.env_values:
            if value in text:
                text = text.replace(value, ref)
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def at(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The (line, col) of a value (or of its key), falling back to the nearest parent."""
        p = tuple(path)
        if key and p in self.keys:
            s = self.keys[p]
            return s.line, s.col
        while p not in self.spans and p:
            p = p[:-1]
        span = self.spans.get(p)
        return (span.line, span.col) if span else (1, 1)

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
        hint = self.quote(hint) if hint else hint
        return Diagnostic(self.file, line, col, self.quote(message), hint, severity=severity)


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
    def __init__(
        self, file: str, text: str, env: Mapping[str, str], policy: EnvPolicy = ANYWHERE
    ) -> None:
        self.file = file
        self.text = text
        self.lines = text.splitlines()
        self.env = env
        self.policy = policy
        self.spans: dict[Path_, Span] = {}
        self.keys: dict[Path_, Span] = {}
        self.diags: list[Diagnostic] = []
        self.unresolved: set[Path_] = set()
        self.originals: dict[Path_, str] = {}
        self.env_values: dict[str, str] = {}
        self.secrets: set[str] = set()
        self.nodes = 0  # converted so far; a second guard behind _check_events
        self.open: set[int] = set()  # ids of the collections being converted (cycle guard)
        self.stopped = False

    def _where(self, node: yaml.Node, needle: str) -> tuple[int, int]:
        """The file position of ``needle`` inside the node's source text, else the node start."""
        start, end = node.start_mark.index, node.end_mark.index
        i = self.text.find(needle, start, max(end, start + len(needle)))
        if i < 0:
            return node.start_mark.line + 1, node.start_mark.column + 1
        line = self.text.count("\n", 0, i)
        return line + 1, i - (self.text.rfind("\n", 0, i) + 1) + 1

    def _error(self, node: yaml.Node, needle: str, message: str, hint: str) -> None:
        line, col = self._where(node, needle)
        self.diags.append(Diagnostic(self.file, line, col, message, hint))

    def _interpolate(self, node: yaml.ScalarNode, path: Path_) -> str:
        where = ".".join(str(p) for p in path) or "the file"
        allowed = self.policy.allowed(path)
        read: list[tuple[str, str]] = []  # (value, "${env:NAME}") taken from the environment

        def sub(m: re.Match[str]) -> str:
            whole = m.group(0)
            if whole == "$$":
                return "$"
            name, default = m.group(1), m.group(2)
            if name is None:
                self._error(
                    node,
                    whole,
                    f"malformed interpolation {whole!r}",
                    "write ${env:NAME} or ${env:NAME:-default}; $$ is a literal $",
                )
                return whole
            if not allowed:
                self._error(
                    node,
                    whole,
                    f"{where}: {whole} is not allowed here; environment values are "
                    f"only allowed {self.policy.where}",
                    self.policy.hint,
                )
                return whole  # never read: the value does not enter this process's data
            if name in self.env:
                value = self.env[name]
                read.append((value, f"${{env:{name}}}"))
                return value
            if default is not None:
                return default
            self._error(
                node,
                whole,
                f"environment variable {name} is not set",
                f"export {name}=..., or give a default: ${{env:{name}:-value}}",
            )
            return whole  # kept as written, so later checks do not report it a second time

        value: str = node.value
        if "$" not in value:
            text = value
        else:
            text = _ENV_RE.sub(sub, value)
            if text != value:
                self.originals[path] = value
        for piece, ref in read:
            self._secrets(self.policy.secrets(path, piece, True))
            if len(piece) >= MIN_SECRET:
                self.env_values.setdefault(piece, ref)
                self.env_values.setdefault(repr(piece)[1:-1], ref)  # as a !r message quotes it
        self._secrets(self.policy.secrets(path, text, False))  # passwords in literal URLs
        return text

    def _secrets(self, values: Iterable[str]) -> None:
        for secret in values:
            if len(secret) >= MIN_SECRET:
                register_secret(secret)
                self.secrets.add(secret)

    def _span(self, node: yaml.Node, raw: str | None = None, value: str | None = None) -> Span:
        style = getattr(node, "style", None) if isinstance(node, yaml.ScalarNode) else None
        indent = 0
        if style in ("|", ">"):
            for line in self.lines[node.start_mark.line + 1 :]:
                if line.strip():
                    indent = len(line) - len(line.lstrip(" ")) + 1
                    break
        layout: Layout = ()
        if value is not None and style in ("|", ">", None, ""):  # libyaml says '' for plain
            layout = self._layout(node, value, block=style in ("|", ">"))
        return Span(
            node.start_mark.line + 1, node.start_mark.column + 1, style, raw, indent, layout
        )

    def _layout(self, node: yaml.Node, value: str, *, block: bool) -> Layout:
        """Where each source line of a block or multi-line plain scalar starts in ``value``.

        Every non-blank source line appears in the value as written, less its indentation (and
        a plain scalar's trailing blanks), in order, separated only by blanks and line breaks,
        whatever folding did between them. () when the scalar is on one line, or when the
        value does not read back so (``$$`` became ``$``): positions are then counted as before.
        """
        start, end = node.start_mark, node.end_mark
        first = start.line + 1 if block else start.line
        if end.line <= first and not block:
            return ()
        pieces: list[tuple[int, int, int, int]] = []
        at, vline, line_start = 0, 1, 0  # cursor in value; its line; where that line starts
        for i in range(first, min(end.line, len(self.lines) - 1) + 1):
            lo = start.column if i == start.line else 0
            hi = end.column if i == end.line else len(self.lines[i])
            seg = self.lines[i][lo:hi]
            core = seg.strip(" \t")
            if not core:
                continue
            while at < len(value) and value[at] in " \t\n":
                if value[at] == "\n":
                    vline, line_start = vline + 1, at + 1
                at += 1
            if not value.startswith(core, at):
                return ()
            lead = len(seg) - len(seg.lstrip(" \t"))
            pieces.append((vline, at - line_start + 1, i + 1, lo + lead + 1))
            at += len(core)
        return tuple(pieces) if pieces and not value[at:].strip() else ()

    def _budget(self, node: yaml.Node) -> bool:
        """False once the document is too big or loops back into itself (already reported)."""
        if self.stopped:
            return False
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._error(node, "", f"the file holds more than {MAX_NODES:,} values", _NODES_HINT)
        elif id(node) in self.open:
            self._error(node, "", "a YAML alias refers to the value that contains it", _LOOP_HINT)
        elif len(self.open) >= MAX_DEPTH and not isinstance(node, yaml.ScalarNode):
            self._error(node, "", f"values are nested more than {MAX_DEPTH} deep", _DEPTH_HINT)
        else:
            return True
        self.stopped = True
        return False

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        if not self._budget(node):
            return None
        if isinstance(node, yaml.MappingNode):
            self.open.add(id(node))
            try:
                return self._mapping(node, path)
            finally:
                self.open.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            self.spans[path] = self._span(node)
            self.open.add(id(node))
            try:
                return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            finally:
                self.open.discard(id(node))
        assert isinstance(node, yaml.ScalarNode)
        before = len(self.diags)
        text = self._interpolate(node, path)
        if len(self.diags) > before:
            self.unresolved.add(path)
        if node.tag == _PLAIN:
            value = _plain(text)
            if isinstance(value, str):
                self.spans[path] = self._span(node, None, text)
            else:
                self.spans[path] = self._span(node, text)
            return value
        self.spans[path] = self._span(node, None, text)
        return _explicit(node.tag, text)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
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

    def document(self, root: yaml.Node) -> Document:
        data = self.convert(root, ())
        env_values = tuple(sorted(self.env_values.items(), key=lambda kv: -len(kv[0])))
        return Document(
            self.file,
            data,
            self.spans,
            self.keys,
            frozenset(self.unresolved),
            self.originals,
            env_values,
            frozenset(self.secrets),
        )


_ALIAS_HINT = (
    "YAML aliases (*name) repeat what their anchor (&name) holds; write the values out, or use"
    " fewer aliases"
)
_NODES_HINT = "split it into smaller files; a sync spec needs far fewer"
_LOOP_HINT = "an alias cannot point at a mapping or list it sits inside; write the value out"
_DEPTH_HINT = "flatten it; no spec key needs that much nesting"


def _check_events(text: str, file: str) -> Diagnostic | None:
    """Refuse alias bombs, self-referencing aliases and runaway nesting before composing.

    One pass over libyaml's parser events (a state machine: no recursion, no expansion) that
    knows how many values each anchor stands for, so the expanded size of the document is known
    exactly without building it. A syntax error ends the pass; composing reports it.
    """
    sizes: dict[str, int] = {}  # anchor -> values it expands to
    stack: list[list[Any]] = []  # open collections: [anchor, values so far]
    total = aliases = 0

    def at(event: yaml.Event, message: str, hint: str) -> Diagnostic:
        m = event.start_mark
        line, col = (m.line + 1, m.column + 1) if m else (1, 1)
        return Diagnostic(file, line, col, message, hint)

    try:
        for event in yaml.parse(text, Loader=_FastLoader):
            if isinstance(event, yaml.DocumentStartEvent):
                sizes.clear()
                stack.clear()
                total = aliases = 0
                continue
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    return at(event, f"more than {MAX_ALIASES} YAML aliases", _ALIAS_HINT)
                if any(entry[0] == event.anchor for entry in stack):
                    return at(
                        event,
                        f"alias *{event.anchor} refers to the value that contains it",
                        _LOOP_HINT,
                    )
                n = sizes.get(event.anchor or "", 1)
            elif isinstance(event, yaml.ScalarEvent):
                n = 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                stack.append([event.anchor, 1])
                total += 1
                if len(stack) > MAX_DEPTH:
                    return at(event, f"values are nested more than {MAX_DEPTH} deep", _DEPTH_HINT)
                continue
            elif isinstance(event, yaml.CollectionEndEvent) and stack:
                anchor, n = stack.pop()
                if anchor:
                    sizes[anchor] = n
                if stack:
                    stack[-1][1] += n
                continue
            else:
                continue
            total += n
            if stack:
                stack[-1][1] += n
            if total > MAX_NODES:
                if isinstance(event, yaml.AliasEvent):
                    return at(
                        event,
                        f"alias *{event.anchor} makes the file expand past {MAX_NODES:,} values",
                        _ALIAS_HINT,
                    )
                return at(event, f"the file holds more than {MAX_NODES:,} values", _NODES_HINT)
    except yaml.MarkedYAMLError as e:  # libyaml stops at 1,000 levels before any event
        if "nesting depth" in str(e.problem) and e.problem_mark is not None:
            m = e.problem_mark
            message = f"values are nested more than {MAX_DEPTH} deep"
            return Diagnostic(file, m.line + 1, m.column + 1, message, _DEPTH_HINT)
        return None  # a syntax error: composing reports it in its own words
    except yaml.YAMLError:
        return None
    return None


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
    text: str, file: str, env: Mapping[str, str], *, policy: EnvPolicy = ANYWHERE
) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one single-document YAML file. Returns (document or None, diagnostics).

    ``policy`` says where ``${env:...}`` may appear and which values become secrets
    (``onesync.load.env``); the default allows it anywhere and registers every value read.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        return None, [too_big(file, size)]
    refused = _check_events(text, file)
    if refused is not None:
        return None, [refused]
    try:
        try:
            nodes = list(yaml.compose_all(text, Loader=_FastLoader))
        except yaml.YAMLError:
            nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = e.problem or "cannot be parsed"
        hint = "indent with spaces, not tabs" if "'\\t'" in problem else "fix the syntax"
        if e.context and "duplicate anchor" in e.context and e.context_mark is not None:
            name = e.context.split(";")[0].removeprefix("found ")
            problem = f"{name} (first defined on line {e.context_mark.line + 1})"
            hint = "give each anchor (&name) its own name"
        elif e.context and e.context not in problem:
            problem = f"{problem} {e.context}"
        return None, [Diagnostic(file, line, col, f"invalid YAML: {problem}", hint)]
    except yaml.YAMLError as e:  # pragma: no cover - reader errors without a mark
        return None, [Diagnostic(file, 1, 1, f"invalid YAML: {e}", "fix the syntax")]
    except RecursionError:  # the pure-Python composer recurses; libyaml's limit came first
        message = f"values are nested more than {MAX_DEPTH} deep"
        return None, [Diagnostic(file, 1, 1, message, _DEPTH_HINT)]
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
    conv = _Converter(file, text, env, policy)
    doc = conv.document(nodes[0])
    if conv.stopped:
        return None, conv.diags
    return doc, conv.diags


def too_big(file: str, size: int) -> Diagnostic:
    """The one error for a file over ``MAX_FILE_BYTES``."""
    return Diagnostic(
        file,
        1,
        1,
        f"the file is {size:,} bytes; a project or spec file may be at most "
        f"{MAX_FILE_BYTES >> 20} MB ({MAX_FILE_BYTES:,} bytes)",
        "split it, or move long SQL into a file and point model.file at it",
    )
