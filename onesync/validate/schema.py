"""JSON Schema validation of a parsed document, one friendly Diagnostic per error.

The schemas in ``schemas/`` are also what the YAML language server uses in editors, so they stay
plain JSON Schema (draft 2020-12). Semantic rules that need context (sources, columns, other
syncs) live in ``rules.py``.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from onesync.errors import Diagnostic
from onesync.load.yaml import Document, Path_
from onesync.validate.suggest import did_you_mean, one_of

__all__ = ["check_schema", "prune", "schema"]

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "nothing",
}


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``schemas/<name>.schema.json`` shipped in the package."""
    text = resources.files("onesync").joinpath("schemas", f"{name}.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _walk(errors: list[ValidationError]) -> list[ValidationError]:
    out = []
    for e in errors:
        out.append(e)
        out.extend(_walk(list(e.context or ())))
    return out


def _set(data: Any, path: Path_, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _restore_strings(doc: Document, name: str) -> None:
    """Where the schema wants a string, a plain ``1.0``/``true`` reverts to the text written.

    This normalises ``doc.data`` in place, before validation, so ``app_id: 12345`` is "12345".
    """
    for _ in range(50):
        fixed = False
        for e in _walk(list(_validator(name).iter_errors(doc.data))):
            path = tuple(e.absolute_path)
            span = doc.spans.get(path)
            wanted = e.validator_value if e.validator == "type" else None
            wanted = [wanted] if isinstance(wanted, str) else wanted or []
            raw = span.raw if span is not None else None
            typed = raw is not None and not isinstance(e.instance, str)
            if path and "string" in wanted and typed:
                _set(doc.data, path, raw)
                fixed = True
        if not fixed:
            return


def _describe(doc: Document, e: ValidationError) -> Diagnostic:
    path: Path_ = tuple(e.absolute_path)
    where = ".".join(str(p) for p in path) or "the file"
    v = e.validator
    if v in ("oneOf", "anyOf") and e.context:
        # the branch whose type fits the instance says what is wrong inside it
        inner = [c for c in e.context if c.validator != "type"]
        if inner:
            return _describe(doc, min(inner, key=lambda c: -len(c.absolute_path)))
        wanted: list[str] = []
        for c in e.context:
            for t in (
                c.validator_value if isinstance(c.validator_value, list) else [c.validator_value]
            ):
                if t not in wanted:
                    wanted.append(t)
        want = " or ".join(_TYPE_NAMES.get(t, t) for t in wanted)
        return doc.diag(path, f"{where} must be {want}, not {_kind(e.instance)}")
    if v == "additionalProperties":
        props = e.schema.get("properties", {})
        extra = [k for k in e.instance if k not in props]
        key = extra[0] if extra else "?"
        hint: str | None = did_you_mean(key, props) or f"known keys: {', '.join(props)}"
        place = f" in {where}" if path else ""
        return doc.diag((*path, key), f"unknown key '{key}'{place}", hint, key=True)
    if v == "required":
        # jsonschema yields one error per missing key; its message is "'key' is a required ..."
        missing = e.message.split("'")[1] if e.message.count("'") >= 2 else e.validator_value[0]
        place = f" in {where}" if path else ""
        return doc.diag(path, f"missing required key '{missing}'{place}", f"add '{missing}: ...'")
    if v == "enum":
        choices = [str(c) for c in e.validator_value]
        hint = one_of(str(e.instance), choices)
        if not hint.startswith("did you mean"):  # the schema's own words, where it has them
            hint = e.schema.get("errorMessage", hint)
        return doc.diag(path, f"{where}: {e.instance!r} is not allowed", hint)
    if v == "const":
        return doc.diag(path, f"{where} must be {e.validator_value!r}")
    if v == "type":
        wanted = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
        want = " or ".join(_TYPE_NAMES.get(t, t) for t in wanted)
        scalar = not isinstance(e.instance, dict | list)
        hint = "quote it" if "string" in wanted and scalar else None
        if "boolean" in wanted and str(e.instance).lower() in ("yes", "no", "on", "off", "y", "n"):
            hint = "write true or false; yes/no/on/off are text in YAML 1.2"
        if "object" in wanted and isinstance(e.instance, str):
            hint = "write it as 'key: value' lines indented below"
        if wanted == ["integer"] and not isinstance(e.instance, dict | list):
            quoted = isinstance(e.instance, str) and e.instance.strip().isdigit()
            hint = "write the number without quotes" if quoted else "write a whole number, e.g. 100"
        return doc.diag(path, f"{where} must be {want}, not {_kind(e.instance)}", hint)
    if v == "pattern":
        hint = e.schema.get("errorMessage")
        return doc.diag(path, f"{where}: {e.instance!r} is not valid", hint)
    if v == "propertyNames":
        return doc.diag(
            path,
            f"{where}: {e.instance!r} is not a valid name",
            "use letters, digits, _ and -, starting with a letter",
        )
    if v in ("minimum", "maximum"):
        word = "at least" if v == "minimum" else "at most"
        return doc.diag(
            path,
            f"{where} must be {word} {e.validator_value}, not {e.instance}",
            e.schema.get("errorMessage"),
        )
    if v in ("maxProperties", "minProperties", "maxItems", "minItems"):
        word = "at most" if v.startswith("max") else "at least"
        return doc.diag(path, f"{where} must have {word} {e.validator_value} entries")
    if v == "minLength":
        return doc.diag(path, f"{where} must not be empty")
    if v == "maxLength":
        n = e.validator_value
        return doc.diag(
            path, f"{where} is longer than {n} characters", f"shorten it to {n} or fewer"
        )
    if v == "uniqueItems":
        return doc.diag(path, f"{where} lists an item twice", "remove the repeated item")
    return doc.diag(path, f"{where}: {e.message}")  # pragma: no cover - a schema keyword we lack


def _unknown_keys(doc: Document, e: ValidationError) -> list[Diagnostic]:
    """One line per unknown key: jsonschema reports all of a mapping's extra keys as one error."""
    path: Path_ = tuple(e.absolute_path)
    where = ".".join(str(p) for p in path)
    props = e.schema.get("properties", {})
    out = []
    for key in [k for k in e.instance if k not in props]:
        hint = did_you_mean(key, props) or f"known keys: {', '.join(props)}"
        place = f" in {where}" if path else ""
        out.append(doc.diag((*path, key), f"unknown key '{key}'{place}", hint, key=True))
    return out


def check_schema(doc: Document, name: str) -> list[Diagnostic]:
    """Validate ``doc`` against schema ``name`` ('onesync' or 'sync'); one line per problem."""
    if not isinstance(doc.data, dict):
        return [
            doc.diag(
                (),
                f"the file must hold a mapping, not {_kind(doc.data)}",
                "write 'key: value' lines",
            )
        ]
    _restore_strings(doc, name)
    errors = sorted(
        _validator(name).iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]
    )
    out: list[Diagnostic] = []
    for e in errors:
        extra = e.validator == "additionalProperties" and isinstance(e.instance, dict)
        out += _unknown_keys(doc, e) if extra else [_describe(doc, e)]
    return out


# Errors about a value of the right shape (a misspelt enum, a number out of range): the rules
# can still read the rest around it. Any other error removes the value before the rules run.
_SHAPE_KEPT = frozenset(
    ("pattern", "enum", "const", "minimum", "maximum", "maxLength", "uniqueItems", "propertyNames")
)


def _drop(data: Any, path: Path_) -> bool:
    """Remove the value at ``path`` (a list goes whole: its indexes are positions); False when
    ``path`` is the document itself."""
    cut = next((i for i, p in enumerate(path) if isinstance(p, int)), len(path))
    path = path[:cut]
    if not path:
        return False
    parent = data
    for part in path[:-1]:
        parent = parent.get(part) if isinstance(parent, dict) else None
    if isinstance(parent, dict):
        parent.pop(path[-1], None)
    return True


def prune(doc: Document, name: str) -> dict[str, Any] | None:
    """A copy of ``doc.data`` without what schema ``name`` refused, so the semantic rules can
    still check the rest of the file; None when too little is left (a required key is gone).

    Called only for documents with schema errors; those are already reported.
    """
    if not isinstance(doc.data, dict):
        return None
    data = copy.deepcopy(doc.data)
    for _ in range(20):  # each round removes at least one value
        errors = [e for e in _validator(name).iter_errors(data) if e.validator not in _SHAPE_KEPT]
        if not errors:
            return data
        for e in errors:
            path: Path_ = tuple(e.absolute_path)
            if e.validator == "additionalProperties" and isinstance(e.instance, dict):
                props = e.schema.get("properties", {})
                paths = [(*path, k) for k in e.instance if k not in props]
            else:  # a missing key makes its mapping unusable; anything else is the value itself
                paths = [path]
            for at in paths:
                if not _drop(data, at):
                    return None
    return None  # pragma: no cover - the schemas have no such depth
