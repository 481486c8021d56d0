"""Recurrence expanded in local time: month ends, leap years, time zones, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from maintenance.domain.errors import InvalidInput
from maintenance.domain.recurrence import (
    Recurrence,
    default_due_window,
    expand,
    next_after_completion,
    next_occurrence,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_dates(rec: Recurrence, after: datetime, until: datetime) -> list[date]:
    return [rec.to_local(t).date() for t in expand(rec, after, until)]


def test_daily_at_eight_in_jakarta_is_one_in_the_morning_utc() -> None:
    rec = Recurrence("daily", date(2025, 1, 1), "Asia/Jakarta", (time(8, 0),))
    got = expand(rec, utc(2025, 1, 1), utc(2025, 1, 3, 23))
    assert got == [utc(2025, 1, 1, 1), utc(2025, 1, 2, 1), utc(2025, 1, 3, 1)]


def test_window_is_open_at_the_start_and_closed_at_the_end() -> None:
    rec = Recurrence("daily", date(2025, 1, 1), "UTC", (time(8, 0),))
    assert expand(rec, utc(2025, 1, 1, 8), utc(2025, 1, 2, 8)) == [utc(2025, 1, 2, 8)]


def test_several_rounds_a_day_come_out_in_order() -> None:
    rec = Recurrence("daily", date(2025, 1, 1), "Asia/Makassar", (time(16, 0), time(7, 0)))
    got = expand(rec, utc(2024, 12, 31), utc(2025, 1, 1, 22))
    assert [rec.to_local(t).time() for t in got] == [time(7, 0), time(16, 0)]


def test_thirty_first_of_the_month_falls_on_each_months_last_day() -> None:
    rec = Recurrence("monthly", date(2025, 1, 31), "Asia/Jakarta", month_day=31)
    got = local_dates(rec, utc(2025, 1, 1), utc(2026, 1, 1))
    assert got == [
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30),
        date(2025, 5, 31), date(2025, 6, 30), date(2025, 7, 31), date(2025, 8, 31),
        date(2025, 9, 30), date(2025, 10, 31), date(2025, 11, 30), date(2025, 12, 31),
    ]  # fmt: skip


def test_start_on_the_31st_without_month_day_still_runs_every_month() -> None:
    rec = Recurrence("monthly", date(2024, 1, 31), "Asia/Jakarta")
    got = local_dates(rec, utc(2024, 1, 1), utc(2024, 4, 30))
    assert got == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]


def test_the_30th_in_february_is_the_28th_or_29th() -> None:
    rec = Recurrence("monthly", date(2023, 1, 30), "UTC", month_day=30)
    feb = [d for d in local_dates(rec, utc(2023, 1, 1), utc(2025, 3, 1)) if d.month == 2]
    assert feb == [date(2023, 2, 28), date(2024, 2, 29), date(2025, 2, 28)]


def test_last_day_of_month_with_minus_one() -> None:
    rec = Recurrence("monthly", date(2024, 1, 1), "UTC", month_day=-1)
    assert local_dates(rec, utc(2024, 1, 1), utc(2024, 3, 1)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
    ]


def test_yearly_on_february_29th_runs_every_year_not_every_four() -> None:
    rec = Recurrence("yearly", date(2024, 2, 29), "Asia/Jakarta", (time(9, 0),))
    got = local_dates(rec, utc(2024, 1, 1), utc(2029, 1, 1))
    assert got == [
        date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28),
        date(2028, 2, 29),
    ]  # fmt: skip


def test_quarterly_plans_step_three_months_from_the_start() -> None:
    rec = Recurrence("monthly", date(2025, 1, 15), "UTC", interval=3)
    got = local_dates(rec, utc(2025, 1, 1), utc(2025, 12, 31))
    assert got == [date(2025, 1, 15), date(2025, 4, 15), date(2025, 7, 15), date(2025, 10, 15)]


def test_weekly_on_chosen_weekdays() -> None:
    rec = Recurrence("weekly", date(2025, 3, 3), "UTC", weekdays=(0, 3))  # Mon, Thu
    got = local_dates(rec, utc(2025, 3, 1), utc(2025, 3, 14))
    assert got == [date(2025, 3, 3), date(2025, 3, 6), date(2025, 3, 10), date(2025, 3, 13)]


def test_every_other_week_skips_alternate_weeks() -> None:
    rec = Recurrence("weekly", date(2025, 3, 3), "UTC", interval=2)
    got = local_dates(rec, utc(2025, 3, 1), utc(2025, 4, 1))
    assert got == [date(2025, 3, 3), date(2025, 3, 17), date(2025, 3, 31)]


def test_end_date_is_inclusive_and_nothing_comes_after_it() -> None:
    rec = Recurrence("daily", date(2025, 1, 1), "UTC", end=date(2025, 1, 3))
    assert len(expand(rec, utc(2024, 12, 1), utc(2025, 2, 1))) == 3
    assert next_occurrence(rec, utc(2025, 1, 3, 9)) is None


def test_nothing_before_the_start_date() -> None:
    rec = Recurrence("daily", date(2025, 6, 1), "UTC")
    assert expand(rec, utc(2025, 1, 1), utc(2025, 5, 31, 23)) == []


def test_local_time_holds_across_dst_so_utc_shifts_by_an_hour() -> None:
    # Europe/Berlin leaves summer time on 2025-10-26.
    rec = Recurrence("daily", date(2025, 10, 24), "Europe/Berlin", (time(8, 0),))
    got = expand(rec, utc(2025, 10, 24), utc(2025, 10, 28))
    assert [t.hour for t in got] == [6, 6, 7, 7]
    assert all(rec.to_local(t).time() == time(8, 0) for t in got)


def test_a_time_inside_the_spring_forward_gap_moves_forward_and_is_not_lost() -> None:
    rec = Recurrence("daily", date(2025, 3, 8), "America/New_York", (time(2, 30),))
    got = expand(rec, utc(2025, 3, 8), utc(2025, 3, 11))
    assert len(got) == 3
    assert rec.to_local(got[1]) == datetime(2025, 3, 9, 3, 30)


def test_an_ambiguous_fall_back_time_happens_once() -> None:
    rec = Recurrence("daily", date(2025, 11, 1), "America/New_York", (time(1, 30),))
    got = expand(rec, utc(2025, 11, 2), utc(2025, 11, 3))
    assert got == [utc(2025, 11, 2, 5, 30)]


def test_next_occurrence_crosses_into_the_next_month_and_zone_day() -> None:
    rec = Recurrence("monthly", date(2025, 1, 31), "Asia/Jayapura", (time(6, 0),), month_day=31)
    # 06:00 WIT (UTC+9) on Feb 28 is 21:00 UTC on Feb 27.
    assert next_occurrence(rec, utc(2025, 2, 1)) == utc(2025, 2, 27, 21)


def test_completion_anchor_counts_from_the_day_the_work_was_done() -> None:
    rec = Recurrence("monthly", date(2025, 1, 1), "Asia/Jakarta", (time(9, 0),))
    done_early = datetime(2025, 3, 20, 10, tzinfo=UTC)
    assert rec.to_local(next_after_completion(rec, done_early)) == datetime(2025, 4, 20, 9)  # type: ignore[arg-type]
    done_jan_31 = datetime(2025, 1, 31, 3, tzinfo=UTC)
    assert rec.to_local(next_after_completion(rec, done_jan_31)).date() == date(2025, 2, 28)  # type: ignore[arg-type]


def test_completion_anchor_stops_after_the_end_date() -> None:
    rec = Recurrence("weekly", date(2025, 1, 1), "UTC", end=date(2025, 1, 10))
    assert next_after_completion(rec, utc(2025, 1, 6)) is None


@pytest.mark.parametrize(
    "kwargs",
    [{"freq": "hourly"}, {"interval": 0}, {"times": ()}, {"weekdays": (7,)},
     {"month_day": 32}, {"month_day": 0}, {"month": 13}, {"end": date(2024, 1, 1)},
     {"tz": "Mars/Olympus"}],
)  # fmt: skip
def test_nonsense_schedules_are_rejected(kwargs: dict[str, object]) -> None:
    base: dict[str, object] = {"freq": "daily", "start": date(2025, 1, 1), "tz": "UTC"}
    with pytest.raises(InvalidInput):
        Recurrence(**{**base, **kwargs})  # type: ignore[arg-type]


def test_due_windows_grow_with_the_period() -> None:
    assert default_due_window("daily") < default_due_window("weekly")
    assert default_due_window("monthly", 3) == timedelta(days=7)
    assert default_due_window("yearly") == timedelta(days=14)
