"""Tasmota's adapter picks each metric's value through a plan worked out once per message
shape; here it is held to the straightforward reading it replaced (`reference` below, the
adapter's earlier code) over random messages: sensors, fields, key mappings, bad values."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.domain.formats import tasmota
from ingest.domain.formats._common import measure, telemetry
from ingest.domain.formats.results import DeviceReading, Outcome, ValueRejection
from ingest.domain.formats.settings import DeviceSettings
from ingest.domain.formats.tasmota import FIELD_METRIC, NOT_AIR, _kind, _rank

RECEIVED = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)
SENSORS = ["SCD30", "SCD41", "PMS5003", "SHT3X-44", "ESP32", "BME280", "SEN66", "SGP30", "MHZ19B"]
FIELDS = [*FIELD_METRIC, "DewPoint", "CF1", "CF2.5", "PM1", "PB0.3", "Pressure", "TVOC"]
VALUES: list[Any] = [612, 24.5, 55.0, 12, 0, None, "812", True, -40, 100_000, 1e400, [1]]


def reference(data: dict[str, Any], settings: DeviceSettings) -> Outcome:
    """The adapter's selection as first written: every candidate collected, then sorted."""
    when = tasmota._time(data, RECEIVED, settings)
    temp_unit = data.get("TempUnit", "C")
    temp_unit = (
        {"C": "°C", "F": "°F"}.get(temp_unit, f"TempUnit {temp_unit!r}"[:24])
        if isinstance(temp_unit, str)
        else f"TempUnit {type(temp_unit).__name__}"
    )
    overrides = settings.metrics
    candidates: dict[str, list[tuple[int, int, str, object, str | None]]] = {}
    order = 0
    for name, fields in data.items():
        if not isinstance(fields, dict):
            continue
        not_air = name in NOT_AIR
        kind = None
        for field, raw in fields.items():
            key = f"{name}.{field}" if overrides else ""
            if key in overrides:
                metric = overrides[key]
                if metric is None:
                    continue
                rank = -1
            else:
                default = FIELD_METRIC.get(field)
                if default is None or not_air:
                    continue
                metric = default
                key = key or f"{name}.{field}"
                if kind is None:
                    kind = _kind(fields)
                rank = _rank(metric, field, kind)
            unit = temp_unit if metric == "temperature" else None
            candidates.setdefault(metric, []).append((rank, order, key, raw, unit))
            order += 1
    values: dict[str, float] = {}
    rejected: list[ValueRejection] = []
    for metric, options in candidates.items():
        options.sort(key=lambda c: (c[0], c[1]))
        for _, _, key, raw, unit in options:
            result = measure(key, metric, raw, unit, settings, stated=True)
            if isinstance(result, ValueRejection):
                rejected.append(result)
                continue
            values[metric] = result
            break
    return telemetry("tasmota", "tasmota:x", [DeviceReading(when, values)], rejected)


def random_message(rng: random.Random) -> dict[str, Any]:
    data: dict[str, Any] = {"Time": 1_772_862_874}  # epoch seconds (Time 2): no zone needed
    for name in rng.sample(SENSORS, rng.randint(0, 4)):
        data[name] = {f: rng.choice(VALUES) for f in rng.sample(FIELDS, rng.randint(0, 8))}
    if rng.random() < 0.3:
        data["Extra"] = "text"
    data["TempUnit"] = rng.choice(["C", "C", "F", "K", 3])
    return data


def random_settings(rng: random.Random, data: dict[str, Any]) -> DeviceSettings:
    keys = [f"{n}.{f}" for n, fs in data.items() if isinstance(fs, dict) for f in fs]
    if not keys or rng.random() < 0.5:
        return DeviceSettings()
    mapping = {
        k: rng.choice(["co2", "temperature", "humidity", "pm25", None])
        for k in rng.sample(keys, rng.randint(1, len(keys)))
    }
    return DeviceSettings(metrics=mapping)


@pytest.mark.parametrize("seed", range(4))
def test_the_plan_picks_what_collecting_and_sorting_every_candidate_picked(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(1500):
        data = random_message(rng)
        settings = random_settings(rng, data)
        got = tasmota._sensor("tasmota:x", data, RECEIVED, settings)
        assert got == reference(data, settings), (data, settings.metrics)
