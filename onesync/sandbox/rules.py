"""OneSignal's input rules as small checks that return an error message or None.

Each message says what was wrong and how to send it instead, as a client would want to log it.
Limits come from the reference (docs/sandbox.md lists the sources).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

SUBSCRIPTION_TYPES = frozenset(
    [
        "iOSPush",
        "AndroidPush",
        "FireOSPush",
        "ChromeExtensionPush",
        "ChromePush",
        "WindowsPush",
        "SafariLegacyPush",
        "FirefoxPush",
        "macOSPush",
        "HuaweiPush",
        "SafariPush",
        "Email",
        "SMS",
    ]
)
RESTRICTED_TAG_KEYS = frozenset(
    [
        "message",
        "notification",
        "subscription",
        "user",
        "template",
        "app",
        "org",
        "dynamic_content",
        "data_feed",
        "journey",
        "custom_data",
    ]
)
BLOCKED_EXTERNAL_IDS = frozenset(
    ["na", "null", "0", "-1", "1", "all", "00000000-0000-0000-0000-000000000000"]
)
PROPERTY_TYPES: dict[str, tuple[type, ...]] = {
    "tags": (dict,),
    "language": (str,),
    "timezone_id": (str,),
    "lat": (int, float),
    "long": (int, float),
    "country": (str,),
    "first_active": (int,),
    "last_active": (int,),
    "amount_spent": (int, float, str),
    "purchases": (list,),
    "ip": (str,),
}
MAX_PROPERTY_UPDATES = 100
MAX_EVENT_BYTES = 2024
MAX_EVENT_NAME = 128
MAX_LABEL = 128
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
LABEL_FORBIDDEN = re.compile(r"[/?#&=\s]")


def is_uuid(value: Any) -> bool:
    """True for an RFC 9562 UUID string in its canonical 36-character form."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def tag_updates(tags: Any) -> tuple[str | None, dict[str, str | None]]:
    """Normalise a tags object: values become strings, "" and null become None (delete)."""
    if not isinstance(tags, dict):
        return 'properties.tags must be an object such as {"level": "3"}', {}
    out: dict[str, str | None] = {}
    for key, value in tags.items():
        if not key:
            return "Tag keys must not be empty", {}
        if key in RESTRICTED_TAG_KEYS:
            return f"Tag key '{key}' is reserved by OneSignal; rename it", {}
        if value is None or value == "":
            out[key] = None
        elif isinstance(value, bool | list | dict):
            kind = "boolean" if isinstance(value, bool) else type(value).__name__
            return (
                f"Tag '{key}' has a {kind} value; all tag values must be strings "
                '(send booleans as "true"/"false"; arrays and objects are not supported)',
                {},
            )
        elif isinstance(value, int | float):
            out[key] = str(value)
        elif isinstance(value, str):
            out[key] = value
        else:
            return f"Tag '{key}' must have a string value", {}
    return None, out


def merged_tags(current: dict[str, str], updates: dict[str, str | None]) -> dict[str, str]:
    result = dict(current)
    for key, value in updates.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def check_properties(props: Any) -> str | None:
    """Check a PropertiesObject; tags are checked separately by :func:`tag_updates`."""
    if not isinstance(props, dict):
        return "properties must be an object"
    for key, value in props.items():
        types = PROPERTY_TYPES.get(key)
        if types is None:
            known = ", ".join(sorted(PROPERTY_TYPES))
            return f"Unknown property '{key}'; known properties: {known}"
        if value is None or isinstance(value, bool) or not isinstance(value, types):
            names = " or ".join(t.__name__.replace("str", "string") for t in types)
            return f"Property '{key}' must be a {names}"
    updates = len(props.get("tags") or {}) + len(props) - ("tags" in props)
    if updates > MAX_PROPERTY_UPDATES:
        return (
            f"Please limit your tag updates to {MAX_PROPERTY_UPDATES} per request "
            f"(this request has {updates} property updates)"
        )
    return None


def check_alias(label: Any, value: Any) -> str | None:
    if not isinstance(label, str) or not label:
        return "Alias labels must be non-empty strings"
    if len(label) > MAX_LABEL or LABEL_FORBIDDEN.search(label):
        return f"Alias label '{label}' must be at most 128 characters without / ? # & = or spaces"
    if not isinstance(value, str) or not value:
        return f"Alias '{label}' must have a non-empty string value"
    if label == "external_id" and value.lower() in BLOCKED_EXTERNAL_IDS:
        return f"external_id '{value}' is a placeholder value OneSignal refuses; use a real id"
    return None


def custom_alias_count(identity: dict[str, str]) -> int:
    return sum(1 for label in identity if label not in ("onesignal_id", "external_id"))


def check_subscription(sub: Any) -> tuple[str | None, dict[str, Any]]:
    """Validate a Subscription object; returns (error, normalised subscription)."""
    if not isinstance(sub, dict):
        return "A subscription must be an object with type and token", {}
    kind, token = sub.get("type"), sub.get("token")
    if kind not in SUBSCRIPTION_TYPES:
        return f"Subscription type must be one of {', '.join(sorted(SUBSCRIPTION_TYPES))}", {}
    if not isinstance(token, str) or not token:
        return "Subscription token is required", {}
    if kind == "Email" and not EMAIL.match(token):
        return f"'{token}' is not a valid email address", {}
    if kind == "SMS" and not E164.match(token):
        return f"'{token}' is not a phone number in E.164 format (e.g. +15555551234)", {}
    enabled = sub.get("enabled", True)
    if not isinstance(enabled, bool):
        return "Subscription enabled must be true or false", {}
    return None, {"id": str(uuid.uuid4()), "type": kind, "token": token, "enabled": enabled}


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S GMT%z",
    "%a %b %d %Y %H:%M:%S GMT%z",
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%d %H:%M:%S",
)


def parse_time(text: Any) -> datetime | None:
    """Parse ISO 8601 or the "2015-09-24 14:00:00 GMT-0700" forms OneSignal documents."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = re.sub(r"\s*\([^)]*\)$", "", text.strip())
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
        for fmt in _DATE_FORMATS:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
