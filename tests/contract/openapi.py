"""An independent judge for the requests onesync sends: OneSignal's own OpenAPI spec.

The sandbox and the client were written by the same people, so a test that only checks that
they agree proves little. Everything here validates a request (method, path, query, body)
against the request schemas of the spec OneSignal ships with its SDKs
(``shared/reference/onesignal-openapi.yaml``, never copied into this repository).

    contract = make_contract()                      # in a test or fixture (skips if no spec)
    with Sandbox(observer=contract.observe) as sb:  # server side: every request it receives
        ...
    async with httpx.AsyncClient(transport=contract.transport()) as client:  # client side
        ...
    contract.assert_clean()

Deliberate differences from the spec as published, each explained in ``patched_spec``: security
is not checked (the real header is ``Authorization: Key …``, reference §6); ``CustomEvent``
also allows ``properties`` and ``idempotency_key`` (§4); two vacuous ``anyOf``/``oneOf`` in the
notification schema are made to mean what their prose says (stricter, never looser).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import httpx
import pytest
import yaml
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30WriteValidator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

__all__ = [
    "SPEC_ENV",
    "Checked",
    "Contract",
    "ContractTransport",
    "Operation",
    "RequestValidator",
    "SpecMissing",
    "SyncContractTransport",
    "default_validator",
    "load_spec",
    "make_contract",
    "patched_spec",
    "repo_root",
    "require_spec",
    "spec_path",
]

SPEC_ENV = "ONESYNC_OPENAPI"
"""Environment variable that points at another copy of the spec."""

SPEC_URI = "urn:onesignal:openapi"
"""Base URI the whole spec document is registered under, so every ``$ref`` resolves in it."""

LEGACY_PREFIX = "/api/v1"
"""The old base path (``https://onesignal.com/api/v1``); the spec's paths come without it."""

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_MESSAGE = 300
"""Long instance reprs (a whole body) are cut so that each problem stays one readable line."""


class SpecMissing(FileNotFoundError):
    """The spec is neither where CI puts it (``../shared/reference/``) nor at $ONESYNC_OPENAPI."""


# -- finding and loading the spec ----------------------------------------------------------------


def repo_root() -> Path:
    """The folder with pyproject.toml above this file (CI clones the repo beside ``shared/``)."""
    here = Path(__file__).resolve()
    for folder in here.parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise RuntimeError(f"no pyproject.toml above {here}")


def spec_path() -> Path:
    """``$ONESYNC_OPENAPI``, else ``<repo_root>/../shared/reference/onesignal-openapi.yaml``."""
    override = os.environ.get(SPEC_ENV)
    if override:
        return Path(override)
    return repo_root().parent / "shared/reference/onesignal-openapi.yaml"


class _SpecLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe YAML loader that leaves two YAML 1.1 oddities as the strings they are.

    A bare ``=`` resolves to the ``value`` tag, which safe loaders cannot construct (the spec
    has one, in the ``Filter.relation`` enum); unquoted timestamps would become ``datetime``
    objects, which no ``type: string`` schema accepts (the spec's examples have them).
    """


_SpecLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_spec(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The spec document exactly as published (cached per file; treat it as read-only).

    Raises SpecMissing when the file is absent; see ``require_spec`` for the skip/fail policy.
    """
    return _load_spec(str(Path(path) if path else spec_path()))


@functools.cache
def _load_spec(where: str) -> dict[str, Any]:
    file = Path(where)
    if not file.is_file():
        raise SpecMissing(
            f"OneSignal's OpenAPI spec is not at {file} (expected "
            f"<repo>/../shared/reference/onesignal-openapi.yaml, or set ${SPEC_ENV})"
        )
    with file.open("rb") as fh:
        spec = yaml.load(fh, Loader=_SpecLoader)  # a SafeLoader subclass
    if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3.0"):
        raise ValueError(f"{file} is not an OpenAPI 3.0 document")
    return spec


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_spec() -> dict[str, Any]:
    """``load_spec()``, or skip the test when the spec is missing (fail instead when CI=true).

    Call it from a test or fixture, not at import time (pytest.skip needs a running test).
    """
    try:
        return load_spec()
    except SpecMissing as exc:
        if _in_ci():
            pytest.fail(f"{exc} (CI=true: a copy of shared/ must sit beside the clone)")
        pytest.skip(str(exc))


# -- in-memory corrections ----------------------------------------------------------------------


def patched_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of the spec with our documented corrections applied (see the comments)."""
    doc = copy.deepcopy(dict(spec))
    schemas = doc["components"]["schemas"]

    # (1) Reference §4 (custom events): the current API reference page
    # (https://documentation.onesignal.com/reference/create-custom-events) sends the event data
    # as ``properties`` and a per-event ``idempotency_key``; the spec's CustomEvent only has
    # ``payload``. Declare both so that they are type-checked, not merely tolerated.
    event = schemas["CustomEvent"]["properties"]
    event.setdefault(
        "properties",
        {"type": "object", "additionalProperties": True, "description": "docs §4; spec: payload"},
    )
    event.setdefault("idempotency_key", {"type": "string", "description": "docs §4"})

    # (2) Spec bug, stricter fix: NotificationTarget is ``anyOf [SegmentNotificationTarget,
    # SubscriptionNotificationTarget]``, but neither branch has ``required`` or
    # ``additionalProperties: false``, so every object passes the first branch and the second is
    # never applied: ``target_channel: "mail"`` or ``include_aliases: ["u1"]`` would pass. The two
    # branches describe disjoint property sets, so ``allOf`` accepts exactly the bodies the prose
    # describes while checking every declared property's type.
    target = schemas["NotificationTarget"]
    if "anyOf" in target:
        target["allOf"] = target.pop("anyOf")

    # (3) Spec bug, stricter fix: FilterExpression is ``oneOf [Filter, Operator]`` and neither has
    # ``required``, so every element of ``filters`` matches both and is REJECTED, including the
    # documented ``{"operator": "OR"}``. The descriptions say "Required." for Filter.field,
    # Filter.relation and Operator.operator; encoding that makes ``oneOf`` pick exactly one.
    schemas["Filter"].setdefault("required", ["field", "relation"])
    schemas["Operator"].setdefault("required", ["operator"])

    # Security (reference §6): the spec declares http/bearer, the real header is
    # ``Authorization: Key …``. RequestValidator never checks security, so nothing to patch.
    return doc


# -- operations -----------------------------------------------------------------------------------


def _pointer(*parts: str) -> str:
    """A URI fragment JSON pointer; segments escaped per RFC 6901 and percent-quoted."""
    return "".join("/" + quote(p.replace("~", "~0").replace("/", "~1"), safe="~") for p in parts)


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path template, reduced to what a request check needs."""

    method: str
    template: str
    operation_id: str
    segments: tuple[str | None, ...]
    """Literal path segments, or None where the template has a ``{parameter}``."""
    query: tuple[str, ...]
    """Every declared query parameter (empty values are not allowed by default, OAS 3.0)."""
    required_query: tuple[str, ...]
    body_pointer: str | None
    """JSON pointer (in the spec document) of the ``application/json`` request body schema."""
    body_required: bool
    has_body: bool
    media_types: tuple[str, ...]

    def specificity(self) -> tuple[int, ...]:
        """Sort key: literal segments beat parameters, leftmost first (OpenAPI path matching)."""
        return tuple(1 if s is None else 0 for s in self.segments)


def _split_template(template: str) -> tuple[str, list[str]]:
    """Path part and query-parameter names of a template.

    The spec has ``/players/csv_export?app_id={app_id}`` with ``app_id`` declared ``in: path``;
    what is sent is a query parameter, so the names after ``?`` become required query names.
    """
    path, _, query = template.partition("?")
    names = [k for k, _ in parse_qsl(query, keep_blank_values=True)] if query else []
    return path, names


def _build_operations(spec: Mapping[str, Any]) -> list[Operation]:
    ops: list[Operation] = []
    for template, item in spec.get("paths", {}).items():
        path, template_query = _split_template(template)
        segments = tuple(
            None if s.startswith("{") and s.endswith("}") else s for s in path.split("/")[1:]
        )
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            params: dict[tuple[str, str], Mapping[str, Any]] = {}
            for p in [*shared, *op.get("parameters", [])]:
                p = _deref(spec, p)
                params[(p["name"], p["in"])] = p  # operation-level ones override path-level
            query = [n for (n, where), p in params.items() if where == "query"]
            required = [
                n for (n, where), p in params.items() if where == "query" and p.get("required")
            ]
            query += [n for n in template_query if n not in query]
            required += [n for n in template_query if n not in required]
            body = op.get("requestBody")
            base = ("paths", template, method, "requestBody")
            if isinstance(body, Mapping) and "$ref" in body:
                base = tuple(body["$ref"].removeprefix("#/").split("/"))
                body = _deref(spec, body)
            content = (body or {}).get("content", {})
            pointer = (
                _pointer(*base, "content", "application/json", "schema")
                if "application/json" in content and "schema" in content["application/json"]
                else None
            )
            ops.append(
                Operation(
                    method=method.upper(),
                    template=template,
                    operation_id=op.get("operationId") or f"{method.upper()} {template}",
                    segments=segments,
                    query=tuple(query),
                    required_query=tuple(required),
                    body_pointer=pointer,
                    body_required=bool(body and body.get("required")),
                    has_body=body is not None,
                    media_types=tuple(content),
                )
            )
    return ops


def _deref(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow a local ``$ref`` (parameters and request bodies; schemas go through referencing)."""
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


# -- the validator --------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    text = " ".join(text.split("\n"))
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _leaf(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf failures, the deepest branch error says what is actually wrong."""
    return best_match([error]) if error.context else error


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


class RequestValidator:
    """Checks requests against the spec's operations and request-body schemas.

    Security is deliberately not checked (reference §6). Bodies are validated with
    ``OAS30WriteValidator`` — ``OAS30Validator`` (``nullable``, OAS types and formats) plus the
    request-side rule that ``readOnly`` properties must not be sent — with format checking on,
    so ``format: date-time`` demands RFC 3339.
    """

    def __init__(self, spec: Mapping[str, Any] | None = None, *, patch: bool = True) -> None:
        raw = spec if spec is not None else load_spec()
        self.spec: dict[str, Any] = patched_spec(raw) if patch else dict(raw)
        self.registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, DRAFT4.create_resource(self.spec)
        )
        self.operations = _build_operations(self.spec)
        self._by_length: dict[int, list[Operation]] = {}
        for op in sorted(self.operations, key=Operation.specificity):
            self._by_length.setdefault(len(op.segments), []).append(op)
        self._validators: dict[str, Any] = {}
        self._lock = threading.Lock()

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation for METHOD on a percent-encoded path (without query), or None."""
        return self._match(method.upper(), path)[0]

    def _match(self, method: str, path: str) -> tuple[Operation | None, list[Operation]]:
        """(operation for the method, every operation whose template matches the path)."""
        parts = path.split("/")[1:] if path.startswith("/") else None
        if parts is None:
            return None, []
        matched: list[Operation] = []
        for op in self._by_length.get(len(parts), []):
            if all(
                (seg != "" if lit is None else unquote(seg) == lit)
                for lit, seg in zip(op.segments, parts)
            ):
                matched.append(op)
        # Candidates are sorted by specificity, so the first one with the method is the most
        # literal match (``subscriptions_by_token/…`` before a ``{parameter}`` in that place).
        for op in matched:
            if op.method == method:
                return op, matched
        return None, matched

    def _schema_validator(self, pointer: str) -> Any:
        with self._lock:
            found = self._validators.get(pointer)
            if found is None:
                found = OAS30WriteValidator(
                    {"$ref": f"{SPEC_URI}#{pointer}"},
                    registry=self.registry,
                    format_checker=oas30_format_checker,
                )
                self._validators[pointer] = found
        return found

    def validate(
        self,
        method: str,
        target: str,
        body: bytes | None,
        headers: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Problems with one request, one line each; an empty list means it conforms.

        ``target`` is the path plus query exactly as sent (percent-encoded), with or without the
        legacy ``/api/v1`` prefix. ``headers`` is optional; when given, a body must be declared
        ``application/json``.
        """
        method = method.upper()
        path, _, query = target.partition("?")
        if path == LEGACY_PREFIX or path.startswith(LEGACY_PREFIX + "/"):
            path = path[len(LEGACY_PREFIX) :] or "/"
        op, matched = self._match(method, path)
        if op is None:
            line = f"no such operation: {method} {path}"
            if matched:
                allowed = ", ".join(sorted({m.method for m in matched}))
                line += f" (the spec has {allowed} for {matched[0].template})"
            return [line]
        problems: list[str] = []
        name = op.operation_id
        params = dict(parse_qsl(query, keep_blank_values=True))
        for param in op.required_query:
            if param not in params:
                problems.append(f"{name}: query parameter {param!r} is required")
        for param in op.query:
            if params.get(param) == "":
                problems.append(f"{name}: query parameter {param!r} is empty")
        problems.extend(self._check_body(op, body or b"", headers))
        return problems

    def _check_body(
        self, op: Operation, body: bytes, headers: Mapping[str, str] | None
    ) -> Iterable[str]:
        name = op.operation_id
        if not op.has_body:
            if body.strip():
                yield f"{name}: the operation takes no request body ({len(body)} bytes sent)"
            return
        if not body.strip():
            if op.body_required:
                yield f"{name}: a request body is required"
            return
        content_type = _header(headers, "content-type")
        if headers is not None:
            media = (content_type or "").split(";", 1)[0].strip().lower()
            if media not in op.media_types:
                yield f"{name}: Content-Type {content_type!r} is not one of {list(op.media_types)}"
                return
        if op.body_pointer is None:
            return  # a body the spec does not describe as JSON: nothing more to check
        try:
            instance = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield f"{name}: the request body is not valid JSON ({exc})"
            return
        errors = self._schema_validator(op.body_pointer).iter_errors(instance)
        for error in sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), e.message)):
            leaf = _leaf(error)
            yield _one_line(f"{name}: {leaf.json_path}: {leaf.message}")


def default_validator() -> RequestValidator:
    """One validator per spec file and process: loading, patching and indexing happen once."""
    return _validator_for(str(spec_path()))


@functools.cache
def _validator_for(where: str) -> RequestValidator:
    return RequestValidator(load_spec(where))


# -- recording: server-side observer and client-side transports ----------------------------------


@dataclass(frozen=True, slots=True)
class Checked:
    """One validated request and what was wrong with it (empty when it conforms)."""

    method: str
    target: str
    problems: tuple[str, ...]


@dataclass
class Contract:
    """Collects the verdicts on every request a test sends, from a transport or a server hook.

    ``skip`` are path prefixes that are not OneSignal's API (the sandbox's own ``/_sandbox``
    inspection endpoints); requests there are neither checked nor counted.
    """

    validator: RequestValidator = field(default_factory=default_validator)
    skip: Sequence[str] = ("/_sandbox",)
    problems: list[str] = field(default_factory=list)
    records: list[Checked] = field(default_factory=list)
    checked: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(
        self,
        method: str,
        target: str,
        body: bytes | None,
        headers: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Validate one request and record it; returns its problems."""
        path = target.partition("?")[0]
        if any(path.startswith(prefix) for prefix in self.skip):
            return []
        found = self.validator.validate(method, target, body, headers)
        with self._lock:
            self.checked += 1
            self.problems.extend(found)
            self.records.append(Checked(method.upper(), target, tuple(found)))
        return found

    def observe(self, method: str, target: str, body: bytes) -> None:
        """Server-side hook: ``Sandbox(observer=contract.observe)`` reports what it receives."""
        self.check(method, target, body)

    def transport(self, inner: httpx.AsyncBaseTransport | None = None) -> ContractTransport:
        """An async transport that checks each request into this contract, then sends it."""
        return ContractTransport(inner, contract=self)

    def sync_transport(self, inner: httpx.BaseTransport | None = None) -> SyncContractTransport:
        """The same for ``httpx.Client`` / ``OneSignalClient``."""
        return SyncContractTransport(inner, contract=self)

    def clear(self) -> None:
        """Forget everything recorded so far (e.g. after a deliberately bad request)."""
        with self._lock:
            self.problems.clear()
            self.records.clear()
            self.checked = 0

    def report(self, limit: int = 50) -> str:
        """The failing requests with their problems (the first ``limit``), for an assertion."""
        failing = [rec for rec in self.records if rec.problems]
        lines = []
        for rec in failing[:limit]:
            lines.append(f"  {rec.method} {rec.target}")
            lines.extend(f"    {p}" for p in rec.problems)
        if len(failing) > limit:
            lines.append(f"  … and {len(failing) - limit} more failing request(s)")
        return "\n".join(lines)

    def assert_clean(self) -> None:
        """Fail unless at least one request was checked and none broke the spec."""
        if self.problems:
            failing = sum(1 for r in self.records if r.problems)
            raise AssertionError(
                f"{failing} of {self.checked} request(s) do not match OneSignal's OpenAPI spec "
                f"({len(self.problems)} problem(s)):\n{self.report()}"
            )
        if self.checked == 0:
            raise AssertionError(
                "no request was checked against OneSignal's OpenAPI spec: is the contract "
                "transport or observer wired in?"
            )


def make_contract(validator: RequestValidator | None = None) -> Contract:
    """A fresh Contract for one test; skips (or fails when CI=true) if the spec is missing.

    Importable from any test package, unlike a fixture in tests/contract/conftest.py.
    """
    if validator is None:
        require_spec()
        validator = default_validator()
    return Contract(validator)


def _target(request: httpx.Request) -> str:
    """Path plus query exactly as they go on the wire (still percent-encoded)."""
    return request.url.raw_path.decode("ascii")


class _Recording:
    """What both transports share: the contract they record into, and its views."""

    contract: Contract

    @property
    def problems(self) -> list[str]:
        return self.contract.problems

    @property
    def checked(self) -> int:
        return self.contract.checked

    def observe(self, method: str, target: str, body: bytes) -> None:
        """Server-side hook recording into the same lists as the transport."""
        self.contract.observe(method, target, body)

    def assert_clean(self) -> None:
        self.contract.assert_clean()


class ContractTransport(_Recording, httpx.AsyncBaseTransport):
    """Checks every request against the spec, then passes it to the inner transport unchanged.

    Problems are recorded, never raised, so the code under test runs as it would in production;
    call ``assert_clean()`` (here or on the Contract) at the end of the test.
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport | None = None, *, contract: Contract | None = None
    ) -> None:
        self.inner = inner if inner is not None else httpx.AsyncHTTPTransport()
        self.contract = contract if contract is not None else make_contract()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.contract.check(request.method, _target(request), body, request.headers)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class SyncContractTransport(_Recording, httpx.BaseTransport):
    """``ContractTransport`` for blocking clients (``httpx.Client``, ``OneSignalClient``)."""

    def __init__(
        self, inner: httpx.BaseTransport | None = None, *, contract: Contract | None = None
    ) -> None:
        self.inner = inner if inner is not None else httpx.HTTPTransport()
        self.contract = contract if contract is not None else make_contract()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        self.contract.check(request.method, _target(request), body, request.headers)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
