"""The simulator's pure model: office days, physical ranges, determinism."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ingest.domain.const import PHYSICAL_RANGES
from ingest.domain.model import parse_telemetry, parse_topic
from sensors_sim.climate import OUTDOOR_PM25_RANGE, occupancy_share, outdoor
from sensors_sim.model import RoomModel
from sensors_sim.rooms import KINDS, make_rooms
from sensors_sim.stream import SimulationSpec, messages

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 11, 2, tzinfo=WIB)  # 00:00 WIB
FRIDAY = MONDAY + timedelta(days=4)
SUNDAY = MONDAY - timedelta(days=1)

Series = dict[str, list[tuple[datetime, dict[str, float]]]]


def series(spec: SimulationSpec, start: datetime, days: float) -> Series:
    """Every valid reading of a run, by room, with its local time."""
    by_room: Series = defaultdict(list)
    for msg in messages(spec, start, start + timedelta(days=days)):
        if not msg.topic.endswith("/telemetry"):
            continue
        try:
            body = json.loads(msg.payload)
            at = datetime.fromisoformat(body.pop("ts"))
        except (ValueError, KeyError, TypeError):
            continue
        by_room[msg.topic.split("/")[2]].append((at, body))
    return by_room


def value_at(points: list[tuple[datetime, dict[str, float]]], when: datetime, metric: str) -> float:
    """The reading closest to `when`."""
    return min(points, key=lambda p: abs(p[0] - when))[1][metric]


@pytest.fixture(scope="module")
def week() -> Series:
    """Sunday to Saturday of twelve rooms at five-minute readings."""
    return series(SimulationSpec(interval=timedelta(minutes=5)), SUNDAY, 7)


def test_rooms_are_named_by_floor_and_kind_with_one_sensor_each() -> None:
    rooms = make_rooms(12)
    names = [r.name for r in rooms]
    assert names[0] == "lt1-lobi"
    assert "lt3-rapat-1" in names
    assert {r.kind.name for r in rooms} == set(KINDS)
    assert rooms[2].sensor.topic() == "udara/menara-sim/lt2-rapat-1/s-lt2-rapat-1/telemetry"
    many = make_rooms(500)
    assert len({r.name for r in many}) == 500
    assert [r.name for r in many[:12]] == names


def test_office_hours_raise_co2_above_the_night(week: Series) -> None:
    office = week["lt2-kantor-1"]
    night = value_at(office, MONDAY + timedelta(hours=4), "co2")
    morning = value_at(office, MONDAY + timedelta(hours=10), "co2")
    assert 400 <= night < 480
    assert morning > night + 200


def test_weekend_co2_stays_near_outdoor_levels(week: Series) -> None:
    office = week["lt2-kantor-1"]
    sunday = value_at(office, SUNDAY + timedelta(hours=10), "co2")
    monday = value_at(office, MONDAY + timedelta(hours=10), "co2")
    assert sunday < 480
    assert monday - sunday > 200


def test_lunch_and_friday_prayers_dip_office_occupancy() -> None:
    at = MONDAY + timedelta(hours=10)
    assert occupancy_share("office", at + timedelta(hours=2, minutes=30)) < 0.5
    assert occupancy_share("office", at) > 0.8
    friday_noon = FRIDAY + timedelta(hours=12, minutes=15)
    monday_noon = friday_noon - timedelta(days=4)
    assert occupancy_share("office", friday_noon) < occupancy_share("office", monday_noon)


def test_air_conditioning_keeps_23_to_26_degrees_and_50_to_65_percent(week: Series) -> None:
    for points in week.values():
        for at, values in points:
            if at.weekday() < 5 and 10 <= at.hour < 17:
                assert 22.8 <= values["temperature"] <= 26.3, (at, values)
                assert 48 <= values["humidity"] <= 67, (at, values)


def test_nights_without_air_conditioning_are_warmer_and_more_humid(week: Series) -> None:
    office = week["lt2-kantor-1"]
    night = MONDAY + timedelta(hours=3)
    day = MONDAY + timedelta(hours=11)
    assert value_at(office, night, "temperature") > value_at(office, day, "temperature") + 1.5
    assert value_at(office, night, "humidity") > 72


def test_outdoor_pm25_follows_a_jakarta_day_and_is_filtered_indoors(week: Series) -> None:
    low, high = OUTDOOR_PM25_RANGE
    hours = [MONDAY + timedelta(hours=h) for h in range(24)]
    curve = [outdoor(1, at)[2] for at in hours]
    assert all(low <= v <= high for v in curve)
    assert curve[7] > curve[15] + 15  # morning haze, cleaner afternoon
    office = week["lt2-kantor-1"]
    assert value_at(office, hours[14], "pm25") < outdoor(1, hours[14])[2] * 0.6


def test_every_reading_is_valid_for_ingest_and_physically_possible(week: Series) -> None:
    spec = SimulationSpec(rooms=12, interval=timedelta(minutes=15))
    received = datetime.now(UTC)
    count = 0
    for msg in messages(spec, MONDAY, MONDAY + timedelta(days=2)):
        sensor, kind = parse_topic(msg.topic)
        if kind == "telemetry":
            reading = parse_telemetry(sensor, msg.payload, received)
            for metric, value in reading.values.items():
                low, high = PHYSICAL_RANGES[metric]
                assert low <= value <= high
            count += 1
    assert count == 12 * 4 * 48


def test_some_sensors_report_pm10_above_their_pm25(week: Series) -> None:
    with_pm10 = [room for room, points in week.items() if "pm10" in points[0][1]]
    assert "lt1-lobi" in with_pm10 and "lt2-rapat-1" not in with_pm10
    assert all(v["pm10"] >= v["pm25"] for room in with_pm10 for _, v in week[room])


def test_same_seed_gives_the_same_messages_and_another_seed_differs() -> None:
    spec = SimulationSpec(rooms=5, seed=7)
    first = list(messages(spec, MONDAY, limit=500))
    assert first == list(messages(spec, MONDAY, limit=500))
    other = list(messages(SimulationSpec(rooms=5, seed=8), MONDAY, limit=500))
    assert [m.topic for m in other] == [m.topic for m in first]
    assert [m.payload for m in other] != [m.payload for m in first]


def test_large_and_small_steps_reach_the_same_air() -> None:
    room = make_rooms(2)[1]
    fine, coarse = RoomModel(room, 1, WIB), RoomModel(room, 1, WIB)
    fine.start(MONDAY)
    coarse.start(MONDAY)
    for minute in range(1, 11 * 60 + 1):
        fine.advance(MONDAY + timedelta(minutes=minute))
    for hour in range(1, 12):
        coarse.advance(MONDAY + timedelta(hours=hour))
    assert fine.state is not None and coarse.state is not None
    assert abs(fine.state.co2 - coarse.state.co2) < 60
    assert abs(fine.state.temperature - coarse.state.temperature) < 0.5


def test_readings_carry_explicit_local_timestamps_spread_over_the_interval() -> None:
    spec = SimulationSpec(rooms=4, interval=timedelta(seconds=20))
    readings = [m for m in messages(spec, MONDAY, limit=8) if m.topic.endswith("telemetry")]
    stamps = [datetime.fromisoformat(json.loads(m.payload)["ts"]) for m in readings]
    assert stamps[0] == MONDAY and stamps[0].utcoffset() == timedelta(hours=7)
    assert [(s - MONDAY).total_seconds() for s in stamps] == [0, 5, 10, 15, 20, 25, 30, 35]
    assert [m.at for m in readings] == [s.timestamp() for s in stamps]
