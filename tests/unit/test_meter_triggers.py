"""Meter triggers: every N run hours, calendar or meter whichever comes first (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assets.domain.meters import Due, MeterTrigger, Reading, crossing, meter_due, whichever_first
from maintenance.domain.errors import InvalidInput

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
EVERY_500 = MeterTrigger("run_hours", 500)


def test_due_once_the_meter_advanced_by_the_step_since_the_baseline() -> None:
    assert not meter_due(EVERY_500, 1000, 1499.9)
    assert meter_due(EVERY_500, 1000, 1500)
    assert meter_due(EVERY_500, None, 500)  # no order yet: counted from zero
    assert not meter_due(EVERY_500, 1000, 20)  # a meter reset is not due by itself


def test_the_crossing_is_the_first_reading_past_the_step_in_time_order() -> None:
    readings = [
        Reading(T0 + timedelta(days=2), 1620),
        Reading(T0, 1200),
        Reading(T0 + timedelta(days=1), 1510),
    ]
    assert crossing(EVERY_500, 1000, readings) == Reading(T0 + timedelta(days=1), 1510)
    assert crossing(EVERY_500, 1500, readings) is None


def test_whichever_comes_first() -> None:
    meter = Reading(T0 + timedelta(days=3), 1510)
    calendar = T0 + timedelta(days=10)
    now = T0 + timedelta(days=4)
    assert whichever_first(calendar, meter, now) == Due(meter.at, "meter")
    later = T0 + timedelta(days=11)
    assert whichever_first(calendar, meter, later) == Due(meter.at, "meter")
    assert whichever_first(T0 + timedelta(days=1), meter, now) == Due(
        T0 + timedelta(days=1), "calendar"
    )
    assert whichever_first(calendar, None, now) is None
    assert whichever_first(None, None, now) is None


def test_a_trigger_needs_a_positive_step() -> None:
    with pytest.raises(InvalidInput):
        MeterTrigger("run_hours", 0)
