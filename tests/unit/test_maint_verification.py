"""The sensor verification decision: inside for N minutes verifies, a breach first means not
fixed, gaps in the data keep it pending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maintenance.domain.verification import Bounds, Sample, decide

DONE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOLD = timedelta(minutes=30)
CO2 = Bounds(upper=1000.0)


def every(minutes: float, values: list[float], start: datetime = DONE) -> list[Sample]:
    return [Sample(start + timedelta(minutes=minutes * i), v) for i, v in enumerate(values)]


def test_inside_the_limit_for_the_whole_hold_verifies_with_the_mean() -> None:
    readings = every(1, [600.0] * 16 + [800.0] * 15)  # 0..30 min, 31 readings
    verdict = decide(since=DONE, now=DONE + timedelta(minutes=45), readings=readings,
                     bounds=CO2, hold=HOLD)  # fmt: skip
    assert verdict.state == "verified"
    assert verdict.window_start == DONE
    assert verdict.window_end == DONE + HOLD
    assert verdict.samples == 31
    assert verdict.mean == pytest.approx((600 * 16 + 800 * 15) / 31)


def test_not_long_enough_yet_is_pending() -> None:
    readings = every(1, [600.0] * 20)
    verdict = decide(since=DONE, now=DONE + timedelta(minutes=20), readings=readings,
                     bounds=CO2, hold=HOLD)  # fmt: skip
    assert verdict.state == "pending"


def test_a_reading_outside_the_limit_before_the_hold_ends_is_not_fixed() -> None:
    readings = every(1, [600.0] * 10 + [1250.0] + [600.0] * 30)
    verdict = decide(since=DONE, now=DONE + timedelta(hours=1), readings=readings,
                     bounds=CO2, hold=HOLD)  # fmt: skip
    assert verdict.state == "not_fixed"
    assert verdict.reason == "reading_outside"
    assert verdict.value == 1250.0
    assert verdict.breach_at == DONE + timedelta(minutes=10)


def test_a_new_alert_for_the_room_and_metric_first_is_not_fixed() -> None:
    readings = every(1, [600.0] * 40)
    alert_at = DONE + timedelta(minutes=12)
    verdict = decide(since=DONE, now=DONE + timedelta(hours=1), readings=readings,
                     bounds=CO2, hold=HOLD, new_alert_at=alert_at)  # fmt: skip
    assert (verdict.state, verdict.reason) == ("not_fixed", "new_alert")
    assert verdict.breach_at == alert_at


def test_what_comes_first_decides() -> None:
    readings = every(1, [600.0] * 31 + [1500.0])  # verified at 30 min, breach at 31
    verdict = decide(since=DONE, now=DONE + timedelta(hours=1), readings=readings,
                     bounds=CO2, hold=HOLD, new_alert_at=DONE + timedelta(minutes=40))  # fmt: skip
    assert verdict.state == "verified"


def test_a_gap_in_the_data_keeps_it_pending_and_restarts_the_hold() -> None:
    # 0..10 min, then 25 minutes of silence, then 0..19 min again: never 30 covered minutes.
    readings = every(1, [600.0] * 11) + every(1, [600.0] * 20, DONE + timedelta(minutes=35))
    verdict = decide(since=DONE, now=DONE + timedelta(minutes=55), readings=readings,
                     bounds=CO2, hold=HOLD)  # fmt: skip
    assert verdict.state == "pending"
    assert verdict.window_start == DONE + timedelta(minutes=35)
    # The hold counted from after the gap completes later.
    more = readings + every(1, [600.0] * 11, DONE + timedelta(minutes=55))
    later = decide(since=DONE, now=DONE + timedelta(minutes=70), readings=more,
                   bounds=CO2, hold=HOLD)  # fmt: skip
    assert later.state == "verified"
    assert later.window_start == DONE + timedelta(minutes=35)


def test_no_readings_at_all_is_pending_however_long_it_waits() -> None:
    verdict = decide(since=DONE, now=DONE + timedelta(days=1), readings=[], bounds=CO2, hold=HOLD)
    assert verdict.state == "pending"


def test_a_silent_start_is_a_gap_too() -> None:
    readings = every(1, [600.0] * 31, DONE + timedelta(minutes=15))
    verdict = decide(since=DONE, now=DONE + timedelta(hours=1), readings=readings,
                     bounds=CO2, hold=HOLD)  # fmt: skip
    assert verdict.state == "verified"
    assert verdict.window_start == DONE + timedelta(minutes=15)


def test_readings_before_the_work_was_done_do_not_count() -> None:
    before = every(1, [1800.0] * 10, DONE - timedelta(minutes=10))
    verdict = decide(since=DONE, now=DONE + timedelta(minutes=40),
                     readings=before + every(1, [700.0] * 31), bounds=CO2, hold=HOLD)  # fmt: skip
    assert verdict.state == "verified"


def test_a_range_limit_checks_both_bounds() -> None:
    humidity = Bounds(lower=40.0, upper=60.0)
    low = decide(since=DONE, now=DONE + timedelta(hours=1), readings=every(1, [50.0, 39.0]),
                 bounds=humidity, hold=HOLD)  # fmt: skip
    assert low.state == "not_fixed"
    edge = decide(since=DONE, now=DONE + timedelta(hours=1), readings=every(1, [40.0] * 31),
                  bounds=humidity, hold=HOLD)  # fmt: skip
    assert edge.state == "verified"
