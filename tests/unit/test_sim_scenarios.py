"""Each simulator scenario produces what it claims."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from ingest.domain.const import RejectReason
from ingest.domain.formats import DeviceSettings, Telemetry, decode
from ingest.domain.model import (
    Reading,
    Rejected,
    SensorRef,
    parse_status,
    parse_telemetry,
    parse_topic,
)
from ingest.domain.quality import QualityDetector
from sensors_sim.malformed import KINDS, expected_reason, malformed_message
from sensors_sim.rooms import make_rooms
from sensors_sim.scenarios import SCENARIOS
from sensors_sim.stream import SimulationSpec, events, messages
from tests.unit.test_sim_model import MONDAY, Series, series

FIVE_MINUTES = timedelta(minutes=5)


def during(
    points: Series, room: str, first_hour: float, last_hour: float
) -> list[dict[str, float]]:
    """Monday's readings of `room` between two local hours."""
    lo, hi = MONDAY + timedelta(hours=first_hour), MONDAY + timedelta(hours=last_hour)
    return [v for at, v in points[room] if lo <= at < hi]


def scenario_day(name: str, rooms: int = 12) -> Series:
    """Monday of a scenario at five-minute readings."""
    return series(SimulationSpec(rooms=rooms, scenario=name, interval=FIVE_MINUTES), MONDAY, 1)


@pytest.fixture(scope="module")
def normal() -> Series:
    """An ordinary Monday."""
    return scenario_day("normal")


def test_meeting_co2_builds_to_1500_2500_ppm_over_hours(normal: Series) -> None:
    day = scenario_day("meeting-co2")
    morning = [v["co2"] for v in during(day, "lt2-rapat-1", 9, 12)]
    assert morning[0] < 1000  # it builds up, it does not jump
    assert 1500 <= max(morning) <= 2500
    assert max(v["co2"] for v in during(day, "lt2-rapat-1", 13, 16.5)) >= 1500
    assert max(v["co2"] for v in during(normal, "lt2-rapat-1", 0, 24)) < 1400
    assert during(day, "lt2-rapat-2", 0, 24) == during(normal, "lt2-rapat-2", 0, 24)


def test_meeting_co2_needs_a_meeting_room() -> None:
    with pytest.raises(ValueError, match="meeting room"):
        next(messages(SimulationSpec(rooms=2, scenario="meeting-co2"), MONDAY))


def test_hvac_failure_heats_humidifies_and_stuffs_one_floor(normal: Series) -> None:
    day = scenario_day("hvac-failure")
    afternoon = during(day, "lt2-kantor-1", 13, 17)
    assert max(v["temperature"] for v in afternoon) >= 31
    assert min(v["humidity"] for v in afternoon) >= 75
    usual = during(normal, "lt2-kantor-1", 13, 17)
    assert all(f["co2"] > n["co2"] + 300 for f, n in zip(afternoon, usual, strict=True))
    other_floor = during(day, "lt3-kantor-1", 13, 17)
    assert other_floor == during(normal, "lt3-kantor-1", 13, 17)
    assert max(v["temperature"] for v in other_floor) < 26.5


def test_renovation_dust_raises_pm25_to_100_300_during_works(normal: Series) -> None:
    day = scenario_day("renovation-dust")
    works = during(day, "lt2-kantor-1", 9, 12)
    assert all(100 <= v["pm25"] <= 300 for v in works)
    assert all(v["pm10"] > 2 * v["pm25"] for v in works)  # coarse construction dust
    assert max(v["pm25"] for v in during(day, "lt2-kantor-1", 19, 24)) < 60
    assert max(v["pm25"] for v in during(normal, "lt2-kantor-1", 0, 24)) < 60


def test_sensor_offline_publishes_a_retained_offline_status_then_stops() -> None:
    spec = SimulationSpec(rooms=4, scenario="sensor-offline", interval=timedelta(minutes=1))
    msgs = list(messages(spec, MONDAY, MONDAY + timedelta(hours=1)))
    target = "udara/menara-sim/lt2-kantor-1/s-lt2-kantor-1"
    statuses = [(m.payload, m.retain, m.at) for m in msgs if m.topic == f"{target}/status"]
    onset = (MONDAY + SCENARIOS["sensor-offline"].onset).timestamp()
    assert statuses[0][:2] == (b"online", True)
    assert statuses[1:] == [(b"offline", True, pytest.approx(onset, abs=60))]
    telemetry = [m.at for m in msgs if m.topic == f"{target}/telemetry"]
    assert len(telemetry) == 10 and all(at is not None and at < onset for at in telemetry)
    assert sum(m.topic.endswith("lt2-rapat-1/telemetry") for m in msgs) == 60


def test_onset_moves_the_start_of_a_scenario() -> None:
    spec = SimulationSpec(rooms=2, scenario="sensor-offline", onset=timedelta(minutes=30))
    msgs = list(messages(spec, MONDAY, MONDAY + timedelta(hours=1)))
    offline = [m for m in msgs if m.payload == b"offline"]
    assert len(offline) == 1 and offline[0].at is not None
    assert offline[0].at - MONDAY.timestamp() == pytest.approx(1800, abs=10)


def test_a_run_where_every_sensor_went_offline_ends() -> None:
    spec = SimulationSpec(rooms=1, scenario="sensor-offline")
    assert [m.payload for m in messages(spec, MONDAY, limit=10**6)][-1] == b"offline"


def reject_reason(topic: str, payload: bytes) -> str | None:
    """What ingest's validation says about a message (None: accepted)."""
    try:
        sensor, kind = parse_topic(topic)
        if kind == "status":
            parse_status(sensor, payload)
        else:
            parse_telemetry(sensor, payload, datetime.now(UTC))
    except Rejected as exc:
        return exc.reason
    return None


@pytest.mark.parametrize("kind", KINDS)
def test_each_malformed_kind_is_rejected_by_ingest_for_its_reason(kind: str) -> None:
    msg = malformed_message(kind, make_rooms(3)[2].sensor, MONDAY)
    assert reject_reason(msg.topic, msg.payload) == expected_reason(kind)


def test_malformed_kinds_cover_every_reject_reason_and_the_named_ones() -> None:
    assert {expected_reason(k) for k in KINDS} == set(RejectReason.ALL)
    named = {"not-json", "nan", "humidity-140", "negative-co2", "wrong-type", "too-large"}
    assert named <= set(KINDS)
    assert b"NaN" in malformed_message("nan", make_rooms(1)[0].sensor, MONDAY).payload
    too_large = malformed_message("too-large", make_rooms(1)[0].sensor, MONDAY).payload
    assert len(too_large) > 16 * 1024


def test_malformed_scenario_interleaves_every_kind_among_valid_readings() -> None:
    spec = SimulationSpec(rooms=6, scenario="malformed")
    msgs = [m for m in messages(spec, MONDAY, limit=2000) if m.payload not in (b"online",)]
    reasons = Counter(reject_reason(m.topic, m.payload) for m in msgs)
    valid = reasons.pop(None)
    assert set(reasons) == set(RejectReason.ALL)
    assert sum(reasons.values()) == 2000 // 11  # one after every ten readings
    assert valid == 2000 - sum(reasons.values())
    kinds_per_reason: Counter[str | None] = Counter(expected_reason(k) for k in KINDS)
    per_kind = sum(reasons.values()) // len(KINDS)
    for reason, n in reasons.items():
        assert abs(n - per_kind * kinds_per_reason[reason]) <= kinds_per_reason[reason]


def night_minima(points: Series, room: str) -> list[float]:
    """The lowest CO2 of each night, 22:00 to 05:00 local (the faulty-sensor check's default
    night), of the nights the run covers whole."""
    minima: dict[date, float] = {}
    for at, values in points[room]:
        if at.hour >= 22 or at.hour < 5:
            night = (at - timedelta(hours=12)).date()
            minima[night] = min(minima.get(night, math.inf), values["co2"])
    return [v for night, v in sorted(minima.items()) if night >= MONDAY.date()][:-1]


def test_sensor_drift_raises_the_night_minimum_30_ppm_a_night_past_550() -> None:
    spec = SimulationSpec(rooms=3, interval=timedelta(minutes=10))
    drifting = series(replace(spec, scenario="sensor-drift"), MONDAY, 8)
    normal = series(spec, MONDAY, 8)
    target, other = "lt2-kantor-1", "lt2-rapat-1"
    drift, usual = night_minima(drifting, target), night_minima(normal, target)
    assert len(drift) == 7
    assert max(usual) < 460  # a sound sensor sees outdoor air at night
    assert drift[0] < 480
    offsets = [d - u for d, u in zip(drift, usual, strict=True)]
    steps = [b - a for a, b in zip(offsets, offsets[1:], strict=False)]
    assert all(25 <= s <= 35 for s in steps), steps
    assert all(m > 550 for m in drift[-3:])  # three nights in a row: what the check needs
    assert drifting[other] == normal[other]
    # Only the baseline moves: the sensor's other values are those of a sound one.
    for (_, d), (_, u) in zip(drifting[target], normal[target], strict=True):
        assert {k: v for k, v in d.items() if k != "co2"} == {
            k: v for k, v in u.items() if k != "co2"
        }


def test_sensor_stuck_repeats_one_co2_value_while_the_sensor_keeps_reporting() -> None:
    spec = SimulationSpec(rooms=3, interval=timedelta(minutes=1))
    stuck = series(replace(spec, scenario="sensor-stuck"), MONDAY, 1)
    normal = series(spec, MONDAY, 1)
    target = "lt2-kantor-1"
    onset = MONDAY + SCENARIOS["sensor-stuck"].onset
    before = [v["co2"] for at, v in stuck[target] if at < onset]
    after = [v["co2"] for at, v in stuck[target] if at >= onset]
    assert len(before) + len(after) == len(normal[target]) == 24 * 60  # still reporting
    assert len(set(before)) > 1 and set(after) == {after[0]}
    assert after[0] == next(v["co2"] for at, v in normal[target] if at >= onset)  # froze there
    assert len({v["co2"] for at, v in normal[target] if at >= onset}) > 100  # the room's air
    assert len({v["temperature"] for at, v in stuck[target] if at >= onset}) > 50
    assert [v["humidity"] for _, v in stuck[target]] == [v["humidity"] for _, v in normal[target]]
    assert stuck["lt2-rapat-1"] == normal["lt2-rapat-1"]


@pytest.mark.parametrize("fmt", ["tasmota", "chirpstack"])
def test_a_stuck_sensor_stays_stuck_in_a_firmware_format(fmt: str) -> None:
    spec = SimulationSpec(rooms=2, scenario="sensor-stuck", format=fmt)
    start = MONDAY + timedelta(hours=9)
    settings = DeviceSettings(timezone="Asia/Jakarta")
    co2 = []
    for sent in events(spec, start, start + timedelta(hours=2)):
        if sent.kind == "reading" and sent.device.room.name == "lt2-kantor-1":
            [msg] = sent.messages
            outcome = decode(msg.topic, msg.payload, sent.at + timedelta(seconds=1), settings)
            assert isinstance(outcome, Telemetry)
            co2.append(outcome.readings[0].values["co2"])
    assert len(co2) == 2 * 360  # a reading every 10 s
    assert len(set(co2[:180])) > 1 and set(co2[180:]) == {co2[180]}  # stuck from 30 min on


@pytest.mark.parametrize(
    ("scenario", "days", "reason"),
    [("sensor-drift", 8, "drift_high"), ("sensor-stuck", 1, "stuck")],
)
def test_ingests_faulty_sensor_check_finds_the_scenarios_fault(
    scenario: str, days: int, reason: str
) -> None:
    """The room's building has no known hours, so nights are the check's default ones."""
    spec = SimulationSpec(rooms=3, scenario=scenario, interval=timedelta(minutes=5))
    detector = QualityDetector()
    changes = []
    for room, points in series(spec, MONDAY, days).items():
        sensor = SensorRef(spec.building, room, f"s-{room}")
        for at, values in points:
            changes += detector.observe_reading(Reading(sensor, at, values))
    opened = [(c.key.sensor.room, c.key.metric, c.reason) for c in changes if c.action == "open"]
    assert opened == [("lt2-kantor-1", "co2", reason)]
