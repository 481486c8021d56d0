"""Every adapter, fed garbage, returns an outcome and raises nothing.

Random bytes, random JSON of random shapes (with the keys the adapters look for), huge and
non-finite numbers, deep nesting, and real payloads with random parts swapped for garbage.
Whatever comes back must be one of the four outcomes, with a known reason, and any reading
in it must be physically possible, finite and plausibly timed. Seeded: a failure reproduces.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ingest.domain.const import METRICS, PHYSICAL_RANGES, RejectReason
from ingest.domain.formats import registry
from ingest.domain.formats.results import (
    FormatReason,
    Ignored,
    IgnoreReason,
    Outcome,
    Rejection,
    Status,
    Telemetry,
)
from ingest.domain.formats.settings import DeviceSettings

SEED = 20260307
ROUNDS = 1500
RECEIVED = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

TOPICS: dict[str, list[str]] = {
    "udara": ["udara/b/r/s/telemetry", "udara/b/r/s/status"],
    "tasmota": ["tele/t/SENSOR", "tele/t/LWT", "tele/t/STATE"],
    "esphome": [
        "n/sensor/co2/state",
        "n/sensor/temperature/state",
        "n/sensor/pm_2_5/state",
        "n/sensor/formaldehyde/state",
        "n/status",
    ],
    "zigbee2mqtt": ["zigbee2mqtt/a/b", "zigbee2mqtt/a/availability", "zigbee2mqtt/bridge/x"],
    "shelly": ["s/events/rpc"],
    "chirpstack": ["application/a/device/0101010101010101/event/up", ""],
    "tts": [""],
}

# Keys the adapters look for, so random objects reach past the first checks.
KEYS = [
    "Time", "Epoch", "TempUnit", "Temperature", "Humidity", "CarbonDioxide", "eCO2", "PM2.5",
    "PM2_5", "PM10", "CO", "CF2.5", "ESP32", "SHT3X", "SCD30", "PMS5003", "src", "method",
    "NotifyStatus", "params", "ts", "temperature:0", "humidity:0", "temperature:100", "tC",
    "rh", "deviceInfo", "devEui", "object", "time", "history", "timestamp", "end_device_ids",
    "device_id", "uplink_message", "decoded_payload", "rx_metadata", "received_at",
    "simulated", "last_seen", "temperature", "humidity", "co2", "pm25", "pm2_5", "pm10",
    "hcho", "formaldehyd", "formaldehyde", "state", "x",
]  # fmt: skip

SCALARS: list[Callable[[random.Random], Any]] = [
    lambda r: None,
    lambda r: r.random() < 0.5,
    lambda r: r.randint(-(10**6), 10**6),
    lambda r: 10 ** r.randint(15, 400),  # beyond float
    lambda r: -(10 ** r.randint(15, 400)),
    lambda r: r.uniform(-1e6, 1e6),
    lambda r: r.uniform(0, 100),
    lambda r: r.choice([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0]),
    lambda r: r.choice(
        [
            "",
            "nan",
            "NaN",
            "Online",
            "offline",
            "NotifyFullStatus",
            "NotifyStatus",
            "2026-03-07T12:54:34",
            "2026-03-07T05:54:34.123456789Z",
            "9999-12-31T23:59:59-23:59",
            "0001-01-01T00:00:00+14:00",
            "2026-02-30T00:00:00",
            "F",
            "C",
            "0101010101010101",
            "\u0000\ud7ff\U0001f4a9",
        ]
    ),
    lambda r: "".join(chr(r.randint(0, 0x2FFF)) for _ in range(r.randint(0, 12))),
]


def scalar(rng: random.Random) -> Any:
    return rng.choice(SCALARS)(rng)


def value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 0 and roll < 0.25:
        return {rng.choice(KEYS): value(rng, depth - 1) for _ in range(rng.randint(0, 6))}
    if depth > 0 and roll < 0.35:
        return [value(rng, depth - 1) for _ in range(rng.randint(0, 4))]
    return scalar(rng)


REAL: list[dict[str, Any]] = [
    {
        "Time": "2026-03-07T12:54:34",
        "BME280": {"Temperature": 20.7, "Humidity": 24.4, "DewPoint": -0.4, "Pressure": 1013.4},
        "PMS5003": {"CF1": 22, "CF2.5": 32, "CF10": 49, "PM1": 22, "PM2.5": 32, "PM10": 49},
        "SCD30": {"CarbonDioxide": 814, "eCO2": 787, "Temperature": 24.3, "Humidity": 47.1},
        "TempUnit": "C",
    },
    {
        "src": "shellyplusht-b8d61a8b17cc",
        "method": "NotifyFullStatus",
        "params": {
            "ts": 1772862874.62,
            "humidity:0": {"id": 0, "rh": 42.2},
            "temperature:0": {"id": 0, "tC": 19.8, "tF": 67.6},
        },
    },
    {
        "time": "2026-03-07T05:54:15.775023242+00:00",
        "deviceInfo": {"devEui": "0101010101010101"},
        "object": {
            "temperature": 23.8,
            "humidity": 62,
            "co2": 936,
            "hcho": 0.04,
            "pm2_5": 32,
            "pm10": 48,
            "history": [{"timestamp": 1772862000, "co2": 900, "temperature": 23.0}],
        },
    },
    {
        "end_device_ids": {"device_id": "dev1"},
        "received_at": "2026-03-07T05:54:46.014773143Z",
        "uplink_message": {
            "decoded_payload": {"temperature": 21.0, "co2": 700},
            "rx_metadata": [{"time": "2026-03-07T05:54:45.787Z"}],
            "received_at": "2026-03-07T05:54:45.789585559Z",
        },
    },
    {"temperature": 27.34, "humidity": 44.72, "formaldehyd": 0.03, "last_seen": 1772862874000},
    {"co2": 800, "temperature": 24.5, "ts": 1772862874},
]


def mutate(rng: random.Random, node: Any) -> Any:
    """A deep copy of `node` with random parts swapped for garbage."""
    if isinstance(node, dict):
        out = {
            k: (value(rng, 2) if rng.random() < 0.15 else mutate(rng, v)) for k, v in node.items()
        }
        if rng.random() < 0.1:
            out[rng.choice(KEYS)] = value(rng, 2)
        return out
    if isinstance(node, list):
        return [mutate(rng, v) for v in node]
    return value(rng, 1) if rng.random() < 0.1 else node


def payload(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.1:
        return rng.randbytes(rng.randint(0, 300))
    if roll < 0.15:
        return rng.choice(
            [
                b"[" * 5000 + b"]" * 5000,
                b'{"a":' * 3000 + b"1" + b"}" * 3000,
                b"1" * 5000,  # an integer too long for int()
                b'{"Time":' + b"9" * 400 + b"}",
                b"",
                b"nan",
                b"None",
                b"1e999",
                b"   42.5  ",
                b"-0",
                b"\x00",
                b" " * 70000,
            ]
        )
    if roll < 0.2:
        return repr(scalar(rng)).encode("utf-8", "surrogatepass")
    if roll < 0.6:
        body: Any = mutate(rng, rng.choice(REAL))
    else:
        body = {rng.choice(KEYS): value(rng, 3) for _ in range(rng.randint(0, 8))}
    try:
        return json.dumps(body).encode("utf-8", "surrogatepass")
    except (ValueError, TypeError):
        return b"{}"


SETTINGS = [
    DeviceSettings(),
    DeviceSettings(
        timezone="America/New_York",  # a zone with DST: local times that repeat or vanish
        metrics={
            "SHT3X.Temperature": "temperature",
            "x": "co2",
            "temperature:100": "hcho",
            "state": "humidity",
            "co2": None,
        },
        units={"temperature": "°F", "x": "ppb", "formaldehyd": "ppm"},
        offsets={"co2": 10.0, "temperature": -50.0, "humidity": 99.0},
    ),
]

REASONS = set(RejectReason.ALL) | set(FormatReason.ALL)


def check(outcome: Outcome) -> None:
    assert isinstance(outcome, Telemetry | Status | Ignored | Rejection), outcome
    if isinstance(outcome, Rejection):
        assert outcome.reason in REASONS, outcome
    if isinstance(outcome, Ignored):
        assert outcome.reason in IgnoreReason.ALL, outcome
    if isinstance(outcome, Telemetry):
        assert outcome.readings
        for reading in outcome.readings:
            assert reading.values
            assert reading.time.utcoffset() == timedelta(0)
            assert EARLIEST <= reading.time <= RECEIVED + timedelta(days=1)
            for metric, number in reading.values.items():
                assert metric in METRICS
                assert type(number) is float and math.isfinite(number)
                low, high = PHYSICAL_RANGES[metric]
                assert low <= number <= high
    for rejected in getattr(outcome, "rejected", ()):
        assert rejected.reason in REASONS, rejected


@pytest.mark.parametrize("fmt", registry.FORMATS)
def test_adapter_never_raises(fmt: str) -> None:
    rng = random.Random(f"{SEED}-{fmt}")
    decode = registry.DECODERS[fmt]
    for _ in range(ROUNDS):
        topic = rng.choice(TOPICS[fmt])
        check(decode(topic, payload(rng), RECEIVED, rng.choice(SETTINGS)))


def test_registry_never_reports_an_adapter_error() -> None:
    rng = random.Random(SEED)
    topics = [t for ts in TOPICS.values() for t in ts if t]
    topics += ["", "#", "/", "a//b", "zigbee2mqtt/", "tele//SENSOR", "x/sensor//state"]
    for _ in range(ROUNDS):
        outcome = registry.decode(rng.choice(topics), payload(rng), RECEIVED, SETTINGS[0])
        check(outcome)
        assert not (isinstance(outcome, Rejection) and outcome.reason == registry.ADAPTER_ERROR)
