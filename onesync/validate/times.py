"""Time zones and literal times in specs: a source's ``timezone:`` and ``message.send_after``.

A source's zone is an IANA name (through ``zoneinfo``), ``UTC``, or a fixed ``+HH:MM`` offset
(ISO sign: east of Greenwich is positive), the same forms the connectors and the compiled SQL
take. A literal ``send_after`` time becomes RFC 3339 UTC in the IR, so nothing downstream has to
know which zone the spec was written in.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

__all__ = ["DELAY", "FIXED_OFFSET", "TimeProblem", "send_after_time", "zone"]

# the same forms onesync.compile.values._FIXED_ZONE accepts
FIXED_OFFSET = re.compile(r"(UTC|[+-]([01][0-9]|2[0-3]):[0-5][0-9])\Z")
DELAY = re.compile(r"\+[0-9]+[smhd]\Z")


class TimeProblem(ValueError):
    """A literal time that cannot be used, with the fix for the user."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def zone(name: str | None) -> tzinfo | None:
    """The tzinfo of a source's ``timezone:`` (None: UTC), or None when the name is unknown."""
    if name is None:
        return UTC
    if FIXED_OFFSET.match(name):
        if name == "UTC":
            return UTC
        sign = -1 if name[0] == "-" else 1
        return timezone(sign * timedelta(hours=int(name[1:3]), minutes=int(name[4:6])))
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _rfc3339(at: datetime) -> str:
    at = at.astimezone(UTC)
    spec = "microseconds" if at.microsecond else "seconds"
    return at.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def send_after_time(text: str, tz: tzinfo | None, zone_name: str | None) -> str | None:
    """The RFC 3339 UTC form of a literal time, or None when ``text`` is not a time at all.

    A time without an offset is read in ``tz``, the source's zone (``zone_name`` in messages,
    None for UTC); when ``tz`` is None (an unknown zone, reported on the source) the text is
    returned as it is. Raises TimeProblem for a bare date, or a local time that daylight saving
    time skips.
    """
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        raise TimeProblem(
            f"send_after {text!r} is a date without a time",
            f"add a time and offset, e.g. {day.isoformat()}T09:00:00Z",
        )
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    try:
        if at.tzinfo is not None:
            return _rfc3339(at)
        if tz is None:
            return text
        local = at.replace(tzinfo=tz)
        skipped = local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != at
    except OverflowError:  # 9999-12-31T23:00-05:00 is in the year 10000 in UTC
        raise TimeProblem(
            f"send_after {text!r} is out of range in UTC", "write a time like 2026-12-31T09:00:00Z"
        ) from None
    if skipped:
        offset = local.isoformat()[-6:]  # the offset before the clocks moved
        raise TimeProblem(
            f"send_after {text!r} does not exist in {zone_name} (the clocks skip it)",
            f"pick a time that exists there, or give the offset: {text}{offset}",
        )
    return _rfc3339(local)
