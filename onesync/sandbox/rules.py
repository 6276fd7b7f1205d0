"""OneSignal's input rules as small checks that return an error message or None.

Each message says what was wrong and how to send it instead, as a client would want to log it.
Limits come from the reference (docs/sandbox.md lists the sources).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
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


SUBSCRIPTION_FIELDS: dict[str, tuple[type, ...]] = {
    "notification_types": (int,),
    "session_time": (int,),
    "session_count": (int,),
    "sdk": (str,),
    "device_model": (str,),
    "device_os": (str,),
    "rooted": (bool,),
    "test_type": (int,),
    "app_version": (str,),
    "net_type": (int,),
    "carrier": (str,),
    "web_auth": (str,),
    "web_p256": (str,),
}
"""The spec's ``Subscription`` fields besides id, type, token and enabled, with their types."""


def check_token(kind: str, token: Any) -> str | None:
    """Email tokens must be addresses and SMS tokens E.164 (§2)."""
    if not isinstance(token, str) or not token:
        return "Subscription token is required"
    if kind == "Email" and not EMAIL.match(token):
        return f"'{token}' is not a valid email address"
    if kind == "SMS" and not E164.match(token):
        return f"'{token}' is not a phone number in E.164 format (e.g. +15555551234)"
    return None


def check_subscription(
    sub: Any, current_type: str | None = None
) -> tuple[str | None, dict[str, Any]]:
    """Validate a Subscription object; returns (error, the fields it sets).

    With ``current_type`` None it is a new subscription: ``type`` and ``token`` are required.
    Otherwise it updates one of that type: every field is optional and the type cannot change.
    ``enabled`` is only in the result when the request sent it, so an update or a transfer that
    omits it keeps the subscription's current state.
    """
    if not isinstance(sub, dict):
        return "A subscription must be an object with type and token", {}
    kind = sub.get("type", current_type)
    if kind not in SUBSCRIPTION_TYPES:
        return f"Subscription type must be one of {', '.join(sorted(SUBSCRIPTION_TYPES))}", {}
    if current_type is not None and kind != current_type:
        return f"A subscription's type cannot change ({current_type} to {kind})", {}
    clean: dict[str, Any] = {"type": kind}
    if current_type is None or "token" in sub:
        if msg := check_token(kind, sub.get("token")):
            return msg, {}
        clean["token"] = sub["token"]
    if "enabled" in sub:
        if not isinstance(sub["enabled"], bool):
            return "Subscription enabled must be true or false", {}
        clean["enabled"] = sub["enabled"]
    for name, types in SUBSCRIPTION_FIELDS.items():
        value = sub.get(name)
        if value is None:
            continue
        if isinstance(value, bool) is not (types == (bool,)) or not isinstance(value, types):
            return f"Subscription {name} must be a {types[0].__name__}", {}
        clean[name] = value
    return None, clean


_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_ZONE = re.compile(
    r"\s*(?:(?:GMT|UTC)\s*(?P<off>[+-]\d{1,2}(?::?\d{2})?)?|(?P<bare>[+-]\d{2}:?\d{2})|Z)$"
)
_NAMED = re.compile(
    r"^(?:[A-Za-z]+,?\s+)??(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>\d{4}),?\s+(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)\s*(?P<ampm>[AaPp][Mm])?$"
)
_NUMERIC = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[ T]"
    r"(?P<clock>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$"
)


def parse_time(text: Any) -> datetime | None:
    """Parse a time in ISO 8601 or any form the spec's ``send_after`` examples show (§3).

    Those are ``Thu Sep 24 2015 14:00:00 GMT-0700 (PDT)``, ``September 24th 2015, 2:00:00 pm
    UTC-07:00``, ``2015-09-24 14:00:00 GMT-0700``, ``Sept 24 2015 14:00:00 GMT-0700`` and ``Thu
    Sep 24 2015 14:00:00 GMT-0700 (Pacific Daylight Time)``. A time without a zone is UTC.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    text = re.sub(r"\s*\([^)]*\)$", "", text.strip())
    value: datetime | None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = _parse_written(text)
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _parse_written(text: str) -> datetime | None:
    """The non-ISO forms: an optional weekday, a month name or a numeric date, a zone."""
    zone = _ZONE.search(text)
    offset = timedelta(0)
    if zone:
        raw = zone.group("off") or zone.group("bare")
        if raw:
            sign = -1 if raw[0] == "-" else 1
            digits = raw[1:].replace(":", "")
            hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
            if int(minutes) >= 60 or int(hours) > 14:
                return None
            offset = sign * timedelta(hours=int(hours), minutes=int(minutes))
        text = text[: zone.start()].strip()
    match = _NUMERIC.match(text) or _NAMED.match(text)
    if match is None:
        return None
    parts = match.groupdict()
    month = parts["month"]
    if not month.isdigit():
        month = _MONTHS.get(month[:3].lower())
        if month is None or not _is_month_name(parts["month"]):
            return None
    clock = [float(x) for x in parts["clock"].split(":")]
    hour, minute, second = (clock + [0.0])[:3]
    ampm = (parts.get("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    try:
        value = datetime(
            int(parts["year"]),
            int(month),
            int(parts["day"]),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None
    return value


def _is_month_name(word: str) -> bool:
    """``Sep``, ``Sept``, ``September`` are; ``Septx`` is not."""
    word = word.lower()
    full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
    return any(name.startswith(word) for name in full) and len(word) >= 3


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def unix(text: str | None) -> int | None:
    """Unix seconds of a time this module wrote with :func:`iso` (None stays None)."""
    return None if text is None else unix_seconds(text)


def unix_seconds(text: str) -> int:
    """Unix seconds of a time this module wrote with :func:`iso`."""
    return int(datetime.fromisoformat(text).timestamp())
