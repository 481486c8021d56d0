"""Offline sensors: silence beyond the allowance, and the retained status topic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ingest.domain.alerts import AlertKey
from ingest.domain.evaluation import EvaluationConfig, Evaluator
from ingest.domain.model import Reading, SensorRef, StatusChange
from ingest.domain.profiles import load_profile

T0 = datetime(2024, 3, 1, tzinfo=UTC)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
S1 = SensorRef("b1", "r1", "s1")
OFFLINE_S1 = AlertKey("b1", "r1", None, "warning", "offline", "s1")


def evaluator(offline_after: timedelta = timedelta(minutes=15)) -> Evaluator:
    """An evaluator of the default profile with the given silence allowance."""
    config = EvaluationConfig(offline_after=offline_after)
    return Evaluator(load_profile("permenkes-1077-2011"), config)


def co2(at: datetime, sensor: SensorRef = S1) -> Reading:
    """An unremarkable CO2 reading."""
    return Reading(sensor, at, {"co2": 500.0})


def test_sensor_goes_offline_after_15_minutes_of_silence() -> None:
    ev = evaluator()
    ev.observe(co2(T0))
    assert ev.check_offline(T0 + 15 * MIN) == []
    [change] = ev.check_offline(T0 + 16 * MIN)
    assert (change.action, change.key, change.at) == ("open", OFFLINE_S1, T0 + 16 * MIN)
    assert "silent since" in change.message


def test_offline_alert_has_no_metric_and_names_the_sensor() -> None:
    ev = evaluator()
    ev.observe(co2(T0))
    [change] = ev.check_offline(T0 + HOUR)
    assert (change.key.kind, change.key.metric, change.key.severity) == (
        "offline",
        None,
        "warning",
    )
    assert change.key.open_key == "b1/r1/sensor:s1/offline"


def test_offline_opens_once_and_clears_on_the_next_reading() -> None:
    ev = evaluator()
    ev.observe(co2(T0))
    assert len(ev.check_offline(T0 + 20 * MIN)) == 1
    assert ev.check_offline(T0 + 40 * MIN) == []
    [clear] = ev.observe(co2(T0 + 41 * MIN))
    assert (clear.action, clear.key, clear.at) == ("clear", OFFLINE_S1, T0 + 41 * MIN)
    assert ev.check_offline(T0 + 42 * MIN) == []


def test_only_the_silent_sensor_goes_offline() -> None:
    ev = evaluator()
    other = SensorRef("b1", "r1", "s2")
    ev.observe(co2(T0))
    ev.observe(co2(T0 + 10 * MIN, other))
    assert [c.key.sensor for c in ev.check_offline(T0 + 20 * MIN)] == ["s1"]


def test_offline_allowance_is_configurable() -> None:
    ev = evaluator(5 * MIN)
    ev.observe(co2(T0))
    assert len(ev.check_offline(T0 + 6 * MIN)) == 1


def test_sensor_back_filling_old_readings_is_heard_when_receipt_time_is_given() -> None:
    ev = evaluator()
    ev.observe(co2(T0 - 3 * HOUR), received_at=T0)
    assert ev.check_offline(T0 + 10 * MIN) == []


def test_unknown_sensor_is_not_reported_until_known_from_storage() -> None:
    ev = evaluator()
    assert ev.check_offline(T0) == []
    ev.restore_seen(S1, "co2", (T0 - 2 * HOUR).timestamp(), now=T0 - HOUR)
    assert [c.key for c in ev.check_offline(T0)] == [OFFLINE_S1]


def test_status_offline_opens_at_once_and_online_clears() -> None:
    ev = evaluator()
    [opened] = ev.status(StatusChange(S1, online=False), T0)
    assert (opened.action, opened.key, opened.at) == ("open", OFFLINE_S1, T0)
    assert ev.status(StatusChange(S1, online=False), T0 + MIN) == []
    [cleared] = ev.status(StatusChange(S1, online=True), T0 + 2 * MIN)
    assert (cleared.action, cleared.key) == ("clear", OFFLINE_S1)
    assert ev.status(StatusChange(S1, online=True), T0 + 3 * MIN) == []


def test_online_status_restarts_the_silence_allowance() -> None:
    ev = evaluator()
    ev.observe(co2(T0))
    ev.check_offline(T0 + HOUR)
    ev.status(StatusChange(S1, online=True), T0 + HOUR)
    assert ev.check_offline(T0 + HOUR + 10 * MIN) == []


def test_buffered_reading_older_than_the_offline_alert_clears_it_no_earlier_than_it_opened() -> (
    None
):
    ev = evaluator()
    ev.status(StatusChange(S1, online=False), T0)
    [clear] = ev.observe(co2(T0 - 5 * MIN))
    assert (clear.action, clear.at) == ("clear", T0)


def test_retained_offline_status_after_a_restart_does_not_open_twice() -> None:
    ev = evaluator()
    ev.restore_open([OFFLINE_S1])
    assert ev.status(StatusChange(S1, online=False), T0) == []
    assert [c.action for c in ev.observe(co2(T0 + MIN))] == ["clear"]
    assert ev.open_keys() == set()
