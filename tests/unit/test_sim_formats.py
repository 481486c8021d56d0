"""The simulator's firmware formats round-trip through ingest's own adapters.

Every message `udara simulate --format F` publishes is fed to `ingest.domain.formats` as
ingest would get it (the registry picks the adapter from the topic): each reading decodes to
the values the simulator meant, within the resolution the firmware reports, at the right
time, from the right device; each status to the right availability. And ingest subscribes to
every topic it needs to.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from paho.mqtt.client import topic_matches_sub

from ingest.domain.formats import (
    DeviceSettings,
    Status,
    Telemetry,
    decode,
    route,
    subscriptions,
)
from ingest.domain.formats.results import Outcome
from sensors_sim.formats import CHOICES, FORMATS, MIXED, TasmotaDevice, format_of
from sensors_sim.rooms import make_rooms
from sensors_sim.stream import Sent, SimulationSpec, devices, events, messages
from tests.unit.test_sim_model import MONDAY, WIB

SETTINGS = DeviceSettings(timezone="Asia/Jakarta")  # the simulated building's zone
DELAY = timedelta(milliseconds=250)  # from the sensor to ingest
INGEST_TOPICS = subscriptions()


def received(at: datetime) -> datetime:
    return at.astimezone(UTC) + DELAY


def time_ok(fmt: str, decoded: datetime, at: datetime) -> bool:
    """The reading's time as the format can carry it."""
    if fmt == "esphome":  # no timestamp: the time of receipt
        return decoded == received(at)
    if fmt == "tasmota":  # local time to the second
        return decoded == at.replace(microsecond=0)
    if fmt == "shelly":  # Unix seconds with two decimals
        return abs(decoded - at) <= timedelta(milliseconds=5)
    return decoded == at  # RFC 3339 with µs, ms (last_seen), ns (ChirpStack)


def run(fmt: str, scenario: str = "sensor-offline", hours: float = 2) -> list[Sent]:
    """Twelve rooms (every kind, sensors with and without PM10) from Monday 08:00, a reading a
    minute; by default one office's sensor goes offline after ten minutes."""
    spec = SimulationSpec(rooms=12, scenario=scenario, interval=timedelta(minutes=1), format=fmt)
    start = (MONDAY + timedelta(hours=8)).astimezone(UTC)  # as the CLI passes it
    return list(events(spec, start, start + timedelta(hours=hours)))


def ingest_decodes(sent: Sent) -> list[Outcome]:
    out = []
    for msg in sent.messages:
        assert any(topic_matches_sub(f, msg.topic) for f in INGEST_TOPICS), msg.topic
        assert msg.at == sent.at.timestamp()
        out.append(decode(msg.topic, msg.payload, received(sent.at), SETTINGS))
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_reading_decodes_to_the_simulated_values_and_time(fmt: str) -> None:
    readings = 0
    for sent in run(fmt):
        if sent.kind != "reading":
            continue
        assert sent.values
        device = sent.device
        decoded: dict[str, float] = {}
        for outcome in ingest_decodes(sent):
            assert isinstance(outcome, Telemetry), outcome
            assert (outcome.format, outcome.device) == (fmt, device.device_id)
            assert outcome.rejected == ()
            for reading in outcome.readings:
                assert time_ok(fmt, reading.time, sent.at), (reading.time, sent.at)
                assert not set(reading.values) & set(decoded)
                decoded.update(reading.values)
        assert set(decoded) == set(sent.values), sent.messages
        for metric, value in sent.values.items():
            tolerance = device.resolution[metric] / 2 + 1e-9
            assert decoded[metric] == pytest.approx(value, abs=tolerance), (metric, sent.messages)
        readings += 1
    assert readings == 12 * 120 - 110  # the offline sensor's last 110 minutes are missing


@pytest.mark.parametrize("fmt", FORMATS)
def test_statuses_decode_to_the_devices_availability(fmt: str) -> None:
    statuses = [s for s in run(fmt) if s.kind == "status"]
    assert [s.online for s in statuses] == [True] * 12 + [False]
    for sent in statuses:
        if fmt == "chirpstack":  # LoRaWAN has no availability topic: the device goes silent
            assert sent.messages == ()
            continue
        [msg] = sent.messages
        assert msg.retain
        if fmt == "shelly":  # `{prefix}/online`: published, but ingest reads no Shelly status
            assert route(msg.topic) is None
            assert not any(topic_matches_sub(f, msg.topic) for f in INGEST_TOPICS)
            assert msg.payload == (b"true" if sent.online else b"false")
            continue
        [outcome] = ingest_decodes(sent)
        assert isinstance(outcome, Status), outcome
        assert (outcome.format, outcome.device) == (fmt, sent.device.device_id)
        assert outcome.online is sent.online


def test_hardware_reports_what_it_measures() -> None:
    metrics = {
        fmt: Counter(m for s in run(fmt, "normal", 0.25) if s.values for m in s.values)
        for fmt in FORMATS
    }
    assert set(metrics["shelly"]) == {"temperature", "humidity"}  # Plus H&T
    assert set(metrics["zigbee2mqtt"]) == {"temperature", "humidity", "co2", "pm25"}
    for fmt in ("tasmota", "esphome", "chirpstack"):  # a PM sensor always gives PM10
        assert metrics[fmt]["pm10"] == metrics[fmt]["co2"] == 12 * 15
    assert 0 < metrics["udara"]["pm10"] < metrics["udara"]["co2"]  # as the room kind's sensor


def test_payloads_have_the_firmware_shapes() -> None:
    first = {
        fmt: next(s for s in run(fmt, "normal", 0.1) if s.kind == "reading") for fmt in FORMATS
    }
    tasmota = json.loads(first["tasmota"].messages[0].payload)
    assert first["tasmota"].messages[0].topic == "tele/menara-sim-lt1-lobi/SENSOR"
    assert list(tasmota) == ["Time", "PMS5003", "SCD30", "TempUnit"]
    assert tasmota["Time"] == "2026-11-02T08:00:00" and tasmota["TempUnit"] == "C"
    assert {"CarbonDioxide", "eCO2", "Temperature", "Humidity", "DewPoint"} == set(tasmota["SCD30"])
    esphome = [(m.topic, m.payload) for m in first["esphome"].messages]
    assert esphome[0] == ("menara-sim-lt1-lobi/sensor/co2/state", esphome[0][1])
    assert esphome[0][1].isdigit() and {t.split("/")[2] for t, _ in esphome} == {
        "co2", "temperature", "humidity", "pm_2_5", "pm_10_0",
    }  # fmt: skip
    zigbee = json.loads(first["zigbee2mqtt"].messages[0].payload)
    assert first["zigbee2mqtt"].messages[0].topic == "zigbee2mqtt/menara-sim/lt1-lobi/air"
    assert zigbee["last_seen"] == "2026-11-02T01:00:00.000Z" and "linkquality" in zigbee
    shelly = json.loads(first["shelly"].messages[0].payload)
    assert shelly["method"] == "NotifyStatus" and shelly["params"]["ts"] == pytest.approx(
        MONDAY.timestamp() + 8 * 3600
    )
    up = json.loads(first["chirpstack"].messages[0].payload)
    assert up["time"] == "2026-11-02T01:00:00.000000000+00:00"
    assert "fCnt" not in up  # the first uplink after a join: 0, a default value, left out
    assert up["deviceInfo"]["devEui"].startswith("24e124") and "o3" in up["object"]


def test_chirpstack_data_holds_the_bytes_milesight_decodes_to_the_object() -> None:
    import base64

    sent = next(s for s in run("chirpstack", "normal", 0.1) if s.kind == "reading")
    up = json.loads(sent.messages[0].payload)
    raw = base64.b64decode(up["data"])
    fields: dict[bytes, bytes] = {}
    sizes = {b"\x03\x67": 2, b"\x04\x68": 1, b"\x05\x00": 1, b"\x06\xcb": 1, b"\x09\x73": 2}
    i = 0
    while i < len(raw):
        head = raw[i : i + 2]
        size = sizes.get(head, 2)
        fields[head] = raw[i + 2 : i + 2 + size]
        i += 2 + size
    obj = up["object"]
    assert int.from_bytes(fields[b"\x03\x67"], "little", signed=True) / 10 == obj["temperature"]
    assert fields[b"\x04\x68"][0] / 2 == obj["humidity"]
    assert int.from_bytes(fields[b"\x07\x7d"], "little") == obj["co2"]
    assert int.from_bytes(fields[b"\x0b\x7d"], "little") == obj["pm2_5"]
    assert int.from_bytes(fields[b"\x0c\x7d"], "little") == obj["pm10"]
    assert int.from_bytes(fields[b"\x09\x73"], "little") / 10 == obj["pressure"]


def test_a_tasmota_in_fahrenheit_round_trips_through_the_conversion() -> None:
    [room] = make_rooms(1)
    device = TasmotaDevice(room, WIB, temp_unit="F")
    values = {"temperature": 24.37, "humidity": 61.2, "co2": 812.0, "pm25": 12.4, "pm10": 20.1}
    at = MONDAY + timedelta(hours=9, seconds=5)
    [msg] = device.reading(values, at)
    body = json.loads(msg.payload)
    assert body["TempUnit"] == "F" and body["SCD30"]["Temperature"] == 75.9
    outcome = decode(msg.topic, msg.payload, received(at), SETTINGS)
    assert isinstance(outcome, Telemetry)
    decoded = outcome.readings[0].values
    assert decoded["temperature"] == pytest.approx(24.37, abs=device.resolution["temperature"])
    assert outcome.readings[0].time == at


def test_mixed_takes_the_formats_in_turn_and_every_device_id_is_stable_and_unique() -> None:
    spec = SimulationSpec(rooms=14, format=MIXED)
    mixed = devices(spec)
    assert [d.format for d in mixed] == [format_of(MIXED, i) for i in range(14)]
    assert [d.format for d in mixed[:6]] == list(FORMATS)
    again = devices(SimulationSpec(rooms=14, format=MIXED, seed=99))
    assert [d.device_id for d in again] == [d.device_id for d in mixed]
    for fmt in FORMATS:
        ids = [d.device_id for d in devices(SimulationSpec(rooms=500, format=fmt))]
        assert len(set(ids)) == 500
    other = devices(SimulationSpec(rooms=2, building="menara-b", format="chirpstack"))
    assert other[0].device_id != devices(SimulationSpec(rooms=2, format="chirpstack"))[0].device_id
    assert set(CHOICES) == {*FORMATS, MIXED}


def test_mixed_round_trips_too() -> None:
    for sent in run(MIXED, "normal", 0.25):
        if sent.device.format == "shelly" and sent.kind == "status":
            continue  # `{prefix}/online`, which ingest does not read
        for outcome in ingest_decodes(sent):
            assert isinstance(outcome, Telemetry | Status), outcome
            assert outcome.device == sent.device.device_id


def test_udara_format_is_what_the_simulator_always_published() -> None:
    spec = SimulationSpec(rooms=3)
    msgs = list(messages(spec, MONDAY, limit=3))
    assert msgs[0].topic == "udara/menara-sim/lt1-lobi/s-lt1-lobi/status"
    assert json.loads(msgs[3].payload)["ts"] == MONDAY.isoformat()
