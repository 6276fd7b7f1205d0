"""``schedule:`` read as Vixie cron reads it: concrete next runs, the day rule, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from onesync.errors import SpecError
from onesync.validate import load_project
from onesync.validate.cron import CronError, NeverFires, parse_cron
from tests.load.test_load_project import PROJECT, SPEC, write


def _next(expr: str, start: datetime, n: int) -> list[str]:
    cron, out, t = parse_cron(expr), [], start
    for _ in range(n):
        nxt = cron.next_after(t)
        assert nxt is not None
        out.append(nxt.strftime("%Y-%m-%d %a %H:%M"))
        t = nxt
    return out


@pytest.mark.parametrize(
    ("expr", "start", "expected"),
    [
        # day of month starts with '*': Vixie's AND, odd days that are Mondays (not every odd
        # day plus every Monday, which is how the old parser read it)
        ("0 0 */2 * 1", datetime(2026, 5, 31),
         ["2026-06-01 Mon 00:00", "2026-06-15 Mon 00:00", "2026-06-29 Mon 00:00",
          "2026-07-13 Mon 00:00"]),
        # both day fields restricted: OR, the 1st and 15th and every Monday
        ("0 0 1,15 * 1", datetime(2026, 6, 1),
         ["2026-06-08 Mon 00:00", "2026-06-15 Mon 00:00", "2026-06-22 Mon 00:00",
          "2026-06-29 Mon 00:00", "2026-07-01 Wed 00:00", "2026-07-06 Mon 00:00"]),
        # '*,15' starts with '*': AND with every day, so Mondays only (the 15th alone is not)
        ("0 0 *,15 * 1", datetime(2026, 6, 10),
         ["2026-06-15 Mon 00:00", "2026-06-22 Mon 00:00"]),
        ("0 0 *,15 * 1", datetime(2026, 7, 14), ["2026-07-20 Mon 00:00"]),
        # day of week starts with '*' (*/7 is Sunday): AND, the 1st when it is a Sunday
        ("0 0 1 * */7", datetime(2026, 1, 1),
         ["2026-02-01 Sun 00:00", "2026-03-01 Sun 00:00", "2026-11-01 Sun 00:00",
          "2027-08-01 Sun 00:00"]),
        ("30 9 * * mon-fri", datetime(2026, 6, 5, 10, 0),
         ["2026-06-08 Mon 09:30", "2026-06-09 Tue 09:30"]),
        ("0 12 * * 7", datetime(2026, 6, 1), ["2026-06-07 Sun 12:00"]),  # 7 is Sunday too
        ("*/20 * * * *", datetime(2026, 6, 1, 23, 45), ["2026-06-02 Tue 00:00"]),
        ("0 0 29 2 *", datetime(2026, 1, 1), ["2028-02-29 Tue 00:00", "2032-02-29 Sun 00:00"]),
        ("0 0 L * *", datetime(2026, 2, 1), ["2026-02-28 Sat 00:00"]),  # cronsim's last day
        ("@hourly", datetime(2026, 6, 1, 12, 0, 30), ["2026-06-01 Mon 13:00"]),
        ("@daily", datetime(2026, 6, 1, 12, 0), ["2026-06-02 Tue 00:00"]),
        ("@midnight", datetime(2026, 6, 1, 12, 0), ["2026-06-02 Tue 00:00"]),
        ("@weekly", datetime(2026, 6, 3), ["2026-06-07 Sun 00:00"]),
        ("@monthly", datetime(2026, 6, 3), ["2026-07-01 Wed 00:00"]),
        ("@yearly", datetime(2026, 6, 3), ["2027-01-01 Fri 00:00"]),
        ("@annually", datetime(2026, 6, 3), ["2027-01-01 Fri 00:00"]),
    ],
)  # fmt: skip
def test_next_runs(expr: str, start: datetime, expected: list[str]) -> None:
    assert _next(expr, start, len(expected)) == expected


def test_aware_times_are_answered_in_utc() -> None:
    t = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert parse_cron("@daily").next_after(t) == datetime(2026, 6, 2, tzinfo=UTC)


def test_fired_counts_minutes_after_since_up_to_now() -> None:
    cron = parse_cron("0 * * * *")
    at = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert cron.fired(at, at) is None  # the run at 12:00 already covered 12:00
    assert cron.fired(at.replace(minute=59), at.replace(hour=13)) == at.replace(hour=13)
    assert cron.fired(at.replace(second=30), at.replace(minute=59)) is None


def test_a_long_gap_is_due_only_if_the_cron_fired_in_it() -> None:
    """The old parser called any gap over 400 days due; Feb 29 did not come in this one."""
    cron = parse_cron("0 0 29 2 *")
    since = datetime(2026, 3, 1, tzinfo=UTC)
    assert cron.fired(since, datetime(2027, 12, 31, tzinfo=UTC)) is None
    assert cron.fired(since, datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2028, 2, 29, tzinfo=UTC)


def test_matches_a_scheduled_minute() -> None:
    cron = parse_cron("0 0 */2 * 1")
    assert cron.matches(datetime(2026, 6, 1, 0, 0, 40))  # Monday the 1st
    assert not cron.matches(datetime(2026, 6, 3))  # odd, but a Wednesday
    assert not cron.matches(datetime(2026, 6, 8))  # a Monday, but even
    assert parse_cron("@daily") == parse_cron("0  0 * * *")


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 0 * * 1#6", "day of week field: '1#6': the week after # must be 1-5"),
        ("0 0 * * 8", "day of week field: 8 is outside 0-7"),
        ("5-1 * * * *", "minute field: range 5-1 runs backwards"),
        ("0 24 * * *", "hour field: 24 is outside 0-23"),
        ("0 0 * 13 *", "month field: 13 is outside 1-12"),
        ("? * * * *", "minute field: '?' is not a number"),
        ("0 0 * * */0", "day of week field: step '0' must be a positive number"),
        ("@often", "a cron expression has 5 fields: minute hour day month weekday; found 1"),
    ],
)
def test_refusals_name_the_field(expr: str, message: str) -> None:
    with pytest.raises(CronError) as info:
        parse_cron(expr)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 0 31 4 */2", "it never fires: April never has a day 31"),  # '*/2' is Vixie's AND
        ("0 0 */20 * 1L", "it never fires: no date matches its day of month and day of week"),
    ],
)
def test_never_fires(expr: str, message: str) -> None:
    with pytest.raises(NeverFires) as info:
        parse_cron(expr)
    assert str(info.value) == message


def test_a_bad_schedule_is_reported_at_its_place_in_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = SPEC.format(name="u") + 'schedule: "0 0 * * 1#6"\n'
    write(tmp_path, {"onesync.yaml": PROJECT, "specs/u.yaml": spec})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as info:
        load_project(".", env={}, offline=True)
    assert [str(d) for d in info.value.diagnostics] == [
        "specs/u.yaml:6:11: error: schedule: day of week field: '1#6': the week after # must be "
        "1-5 (e.g. '*/30 * * * *' runs every 30 minutes)"
    ]
