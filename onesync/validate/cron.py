"""A small 5-field cron parser: enough to check ``schedule:`` and to tell when a sync is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Cron", "CronError", "NeverFires", "parse_cron"]

_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)
_NAMES = {
    3: {
        m: i + 1
        for i, m in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        )
    },
    4: {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
}
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_LONGEST = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # days, leap years included


class CronError(ValueError):
    """The expression is not a valid 5-field cron; the message says which field and why."""


class NeverFires(CronError):
    """Every field is valid, but no date matches them all (``0 0 30 2 *``)."""


@dataclass(frozen=True, slots=True)
class Cron:
    """The allowed values of each field; day of week uses 0 for Sunday (7 is folded into 0)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool  # day-of-month field was '*'
    any_weekday: bool  # day-of-week field was '*'

    def matches(self, t: datetime) -> bool:
        """True when the minute ``t`` falls in is a scheduled minute (classic cron day rule)."""
        if t.minute not in self.minutes or t.hour not in self.hours or t.month not in self.months:
            return False
        day_ok = t.day in self.days
        weekday_ok = (t.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok


def _value(text: str, index: int) -> int:
    name, lo, hi = _FIELDS[index]
    names = _NAMES.get(index, {})
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise CronError(f"{name} field: {text!r} is not a number")
    n = int(text)
    if not lo <= n <= hi:
        raise CronError(f"{name} field: {n} is outside {lo}-{hi}")
    return n


def _field(text: str, index: int) -> frozenset[int]:
    name, lo, hi = _FIELDS[index]
    out: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{name} field: step {step_text!r} must be a positive number")
            step = int(step_text)
        if base == "*":
            start, end = lo, hi
        elif "-" in base:
            a, _, b = base.partition("-")
            start, end = _value(a, index), _value(b, index)
            if start > end:
                raise CronError(f"{name} field: range {base} runs backwards")
        elif base:
            start = _value(base, index)
            end = hi if step_text else start
        else:
            raise CronError(f"{name} field: empty item in {text!r}")
        out.update(range(start, end + 1, step))
    if index == 4 and 7 in out:
        out = (out - {7}) | {0}
    return frozenset(out)


def parse_cron(expr: str) -> Cron:
    """Parse ``m h dom mon dow`` (or @daily, @hourly, ...); raise CronError saying what is wrong."""
    text = _MACROS.get(expr.strip().lower(), expr)
    parts = text.split()
    if len(parts) != 5:
        raise CronError(
            f"a cron expression has 5 fields: minute hour day month weekday; found {len(parts)}"
        )
    sets = [_field(p, i) for i, p in enumerate(parts)]
    cron = Cron(*sets, any_day=parts[2] == "*", any_weekday=parts[4] == "*")
    _check_fires(cron)
    return cron


def _check_fires(cron: Cron) -> None:
    """Raise CronError when no date ever matches (``0 0 30 2 *``: February has no 30th).

    Only a restricted day of month with ``*`` weekdays can miss every date (a restricted
    weekday fires on its own, the classic cron OR rule), so comparing the earliest day with
    the longest length of each month is enough: no minutes are walked.
    """
    if cron.any_day or not cron.any_weekday:
        return
    first = min(cron.days)
    if any(first <= _LONGEST[m - 1] for m in cron.months):
        return
    months = [_MONTHS[m - 1] for m in sorted(cron.months)]
    names = months[0] if len(months) == 1 else ", ".join(months[:-1]) + " and " + months[-1]
    have = "has" if len(months) == 1 else "have"
    raise NeverFires(f"it never fires: {names} never {have} a day {first}")
