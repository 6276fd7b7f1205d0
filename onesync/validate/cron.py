"""``schedule:``: a 5-field cron read the way Vixie (and Debian) cron reads it, through cronsim.

cronsim decides what an expression means and when it fires; this module adds the ``@daily``
aliases, refuses anything but five fields, and words a refusal so that it names the field and
the fix. The day rule is Vixie's: when day of month and day of week are both restricted, a day
matches if either does; a field whose text starts with ``*`` (``*/2`` too) counts as unrestricted,
so ``0 0 */2 * 1`` fires on odd days that are Mondays, not on every odd day and every Monday.
Schedules are read in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cronsim import CronSim, CronSimError

__all__ = ["Cron", "CronError", "NeverFires", "parse_cron"]

_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)
# cronsim's "Bad <field>" names, in our field order (it counts an optional seconds field first)
_CRONSIM_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NAMES = {
    3: {m: i + 1 for i, m in enumerate(_MONTH_NAMES)},
    4: {d: i for i, d in enumerate(_DAY_NAMES)},
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
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_FROM = datetime(2000, 1, 1, tzinfo=UTC)  # where "does it ever fire" starts looking
_SYNTAX = "write numbers, a-b ranges, a,b lists or */n steps"


class CronError(ValueError):
    """The expression is not a valid 5-field cron; the message says which field and why."""


class NeverFires(CronError):
    """Every field is valid, but no date matches them all (``0 0 30 2 *``)."""


@dataclass(frozen=True, slots=True)
class Cron:
    """A checked cron expression (aliases expanded, blanks collapsed); when it fires is cronsim's.

    Naive datetimes are taken as UTC wall time and answered naive; aware ones are compared in UTC.
    """

    expr: str

    def next_after(self, t: datetime) -> datetime | None:
        """The first scheduled minute strictly after ``t``; None if none in the next 50 years."""
        naive = t.tzinfo is None
        start = t.replace(tzinfo=UTC) if naive else t.astimezone(UTC)
        try:
            fire = next(CronSim(self.expr, start))
        except StopIteration:
            return None
        return fire.replace(tzinfo=None) if naive else fire

    def matches(self, t: datetime) -> bool:
        """True when the minute ``t`` falls in is a scheduled minute."""
        minute = t.replace(second=0, microsecond=0)
        return self.next_after(minute - timedelta(seconds=1)) == minute

    def fired(self, since: datetime, now: datetime) -> datetime | None:
        """The first scheduled minute after ``since`` and at or before ``now``, else None."""
        fire = self.next_after(since)
        return fire if fire is not None and fire <= now else None


def parse_cron(expr: str) -> Cron:
    """Parse ``m h dom mon dow`` (or @daily, @hourly, ...); raise CronError saying what is wrong.

    Args:
        expr: the ``schedule:`` text.

    Returns:
        The Cron; ``NeverFires`` (a CronError) when it is valid but no date matches it.
    """
    if not isinstance(expr, str):
        raise CronError(f"{expr!r} is not a cron expression; quote it as text")
    text = " ".join(_MACROS.get(expr.strip().lower(), expr).split())
    parts = text.split()
    if len(parts) != 5:
        raise CronError(
            f"a cron expression has 5 fields: minute hour day month weekday; found {len(parts)}"
        )
    try:
        CronSim(text, _FROM)
    except CronSimError as e:
        raise _explain(parts, str(e)) from None
    cron = Cron(text)
    if cron.next_after(_FROM) is None:
        raise NeverFires("it never fires: no date matches its day of month and day of week")
    return cron


def _explain(parts: list[str], message: str) -> CronError:
    """Why cronsim refused the expression, in the words of the field it names."""
    bad = message.removeprefix("Bad ")
    if bad not in _CRONSIM_NAMES:
        return CronError(f"{' '.join(parts)!r} is not a cron expression ({_SYNTAX})")
    index = _CRONSIM_NAMES.index(bad)
    name, text = _FIELDS[index][0], parts[index]
    reason = _reason(index, text)
    if reason is not None:
        return CronError(f"{name} field: {reason}")
    if index == 2:  # the field reads well: cronsim found that no month has the day
        return _never_fires(parts)
    return CronError(f"{name} field: {text!r} is not valid ({_SYNTAX})")


def _reason(index: int, text: str) -> str | None:
    """What is wrong with one field's text, or None when nothing is (as far as words go)."""
    for item in text.split(","):
        base, slash, step = item.partition("/")
        if not item:
            return f"empty item in {text!r}"
        if slash and (not step.isdigit() or int(step) == 0):
            return f"step {step!r} must be a positive number"
        upper = base.upper()
        if base == "*" or (index == 2 and upper in ("L", "LW")):
            continue
        if index == 4 and "#" in base:  # cronsim's nth weekday: mon#2
            base, _, nth = base.partition("#")
            if not nth.isdigit() or not 1 <= int(nth) <= 5:
                return f"{item!r}: the week after # must be 1-5"
        elif index == 4 and upper.endswith("L") and len(base) > 1:  # cronsim's last weekday: 5L
            base = base[:-1]
        first, dash, last = base.partition("-")
        ends = (first, last) if dash else (first,)
        for end in ends:
            if (problem := _bad_value(index, end)) is not None:
                return problem
        if dash and _value(index, first) > _value(index, last):
            return f"range {base} runs backwards"
    return None


def _value(index: int, text: str) -> int:
    return _NAMES.get(index, {}).get(text.lower(), int(text) if text.isdigit() else -1)


def _bad_value(index: int, text: str) -> str | None:
    name, lo, hi = _FIELDS[index]
    if text.lower() in _NAMES.get(index, {}):
        return None
    if not text.isdigit():
        return f"{text!r} is not a number"
    if not lo <= int(text) <= hi:
        return f"{int(text)} is outside {lo}-{hi}"
    return None


def _expand(index: int, text: str) -> set[int]:
    """The values of a field that ``_reason`` found nothing wrong with (no cronsim extras)."""
    _, lo, hi = _FIELDS[index]
    out: set[int] = set()
    for item in text.split(","):
        base, _, step = item.partition("/")
        first, dash, last = base.partition("-")
        if base == "*":
            start, end = lo, hi
        else:
            start = _value(index, first)
            end = _value(index, last) if dash else (hi if step else start)
        out.update(range(start, end + 1, int(step or 1)))
    return out


def _never_fires(parts: list[str]) -> NeverFires:
    """``0 0 30 2 *``: the day of month exists in none of the months (weekdays do not help)."""
    first = min(_expand(2, parts[2]))
    months = [_MONTHS[m - 1] for m in sorted(_expand(3, parts[3]))]
    names = months[0] if len(months) == 1 else ", ".join(months[:-1]) + " and " + months[-1]
    have = "has" if len(months) == 1 else "have"
    return NeverFires(f"it never fires: {names} never {have} a day {first}")
