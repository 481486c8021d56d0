"""Reading lines are written by hand for speed; they must stay identical to influxdb-client's
`Point` serializer, escaping included. Timestamps are exact integer milliseconds: `Point`
goes through a float and can land one millisecond early (…01.250 s became …01249 ms)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from influxdb_client import Point, WritePrecision

from ingest.adapters.alert_events import alert_event_line
from ingest.adapters.influx import ALERT_MEASUREMENT, MEASUREMENT, reading_line
from ingest.alert_service import AlertView
from ingest.domain.model import Reading, SensorRef


def point_line(reading: Reading) -> str:
    """What influxdb-client's `Point` makes of the reading, but with the exact timestamp."""
    point = (
        Point(MEASUREMENT)
        .tag("building", reading.sensor.building)
        .tag("room", reading.sensor.room)
        .tag("sensor", reading.sensor.sensor)
        .time(reading.time, WritePrecision.MS)
    )
    for metric, value in reading.values.items():
        point.field(metric, float(value))
    line = str(point.to_line_protocol())
    return line.rsplit(" ", 1)[0] + f" {exact_millis(reading.time)}"


def exact_millis(at: datetime) -> int:
    """Milliseconds since the epoch, in integers all the way."""
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def test_a_typical_reading() -> None:
    reading = Reading(
        SensorRef("menara-a", "lt3-rapat", "s1"),
        datetime(2026, 11, 29, 3, 0, 1, 250_000, tzinfo=UTC),
        {"temperature": 24.5, "co2": 800.0, "humidity": 55.25, "pm25": 12.0},
    )
    assert reading_line(reading) == (
        "iaq,building=menara-a,room=lt3-rapat,sensor=s1 "
        "co2=800,humidity=55.25,pm25=12,temperature=24.5 1795921201250"
    )
    assert reading_line(reading) == point_line(reading)


def test_timestamps_are_exact_milliseconds() -> None:
    at = datetime(2026, 11, 29, 3, 0, 1, 250_999, tzinfo=UTC)
    line = reading_line(Reading(SensorRef("b", "r", "s"), at, {"co2": 1.0}))
    assert line.endswith(" 1795921201250")


@pytest.mark.parametrize(
    "name", ["a b", "a,b", "a=b", "a\\", "tab\there", "new\nline", 'quote"d', "ünï", "x\\ y"]
)
def test_escaping_matches_point(name: str) -> None:
    reading = Reading(SensorRef(name, name, name), datetime(2026, 1, 1, tzinfo=UTC), {"co2": 600.0})
    assert reading_line(reading) == point_line(reading)


def test_random_readings_match_point() -> None:
    rng = random.Random(1077)
    start = datetime(2001, 1, 1, tzinfo=UTC)
    for _ in range(5_000):
        at = start + timedelta(microseconds=rng.randrange(0, 26 * 365 * 86_400 * 10**6))
        values = {
            metric: rng.choice([rng.uniform(-50, 40_000), float(rng.randint(0, 5000)), 1e-7])
            for metric in rng.sample(["co2", "temperature", "humidity", "pm25", "pm10"], 3)
        }
        reading = Reading(SensorRef("b", f"r{rng.randint(0, 999)}", "s"), at, values)
        assert reading_line(reading) == point_line(reading)


def test_flagged_metrics_carry_a_faulty_copy_and_still_match_point() -> None:
    reading = Reading(
        SensorRef("menara-a", "lt3-rapat", "s1"),
        datetime(2026, 11, 29, 3, 0, 1, 250_000, tzinfo=UTC),
        {"temperature": 24.5, "co2": 1500.0, "humidity": 55.25},
    )
    line = reading_line(reading, flagged=["co2", "humidity"])
    assert line == (
        "iaq,building=menara-a,room=lt3-rapat,sensor=s1 co2=1500,faulty_co2=1500,"
        "faulty_humidity=55.25,humidity=55.25,temperature=24.5 1795921201250"
    )
    with_flags = Reading(
        reading.sensor,
        reading.time,
        reading.values | {"faulty_co2": 1500.0, "faulty_humidity": 55.25},
    )
    assert line == point_line(with_flags)
    assert reading_line(reading, flagged=()) == reading_line(reading) == point_line(reading)
    assert reading_line(reading, flagged=["pm25"]) == reading_line(reading)  # not in it


def point_alert_line(alert: AlertView, event: str, at: datetime) -> str:
    """What `Point` makes of an alert event, with the exact timestamp."""
    point = (
        Point(ALERT_MEASUREMENT)
        .tag("building", alert.building)
        .tag("room", alert.room)
        .tag("metric", alert.metric or alert.kind)
        .tag("severity", alert.severity)
        .tag("kind", alert.kind)
        .field("event", event)
        .field("alert_id", alert.id)
        .field("open", 1 if event == "open" else 0)
        .time(at, WritePrecision.MS)
    )
    if alert.sensor:
        point.tag("sensor", alert.sensor)
    if alert.value is not None:
        point.field("value", float(alert.value))
    line = str(point.to_line_protocol())
    return line.rsplit(" ", 1)[0] + f" {exact_millis(at)}"


def _alert(**changes: object) -> AlertView:
    at = datetime(2026, 11, 29, 3, 0, 1, 250_000, tzinfo=UTC)
    fields: dict[str, object] = dict(
        id=42, building="menara-a", room="lt3-rapat", sensor="s1", metric="co2",
        severity="critical", kind="threshold", state="active", opened_at=at,
        acknowledged_at=None, acknowledged_by=None, resolved_at=None, value=1450.5,
        limit="1000 ppm", message="CO2 8 h mean above 1000 ppm",
    )  # fmt: skip
    fields.update(changes)
    return AlertView(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "alert",
    [
        _alert(),
        _alert(sensor=None, value=None, metric=None, kind="offline", severity="warning"),
        _alert(building="a b", room='q"x', sensor="s,1", value=1000.0),
    ],
)
@pytest.mark.parametrize("event", ["open", "resolve", 'we"ird\\'])
def test_alert_lines_match_point(alert: AlertView, event: str) -> None:
    at = datetime(2026, 11, 29, 3, 5, tzinfo=UTC)
    assert alert_event_line(alert, event, at) == point_alert_line(alert, event, at)
