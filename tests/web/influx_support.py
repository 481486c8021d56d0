"""Writing readings into the test InfluxDB for the web tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ingest.adapters.influx import InfluxClient


def write_readings(
    influx: InfluxClient,
    building: str,
    room: str,
    points: Iterable[tuple[datetime, dict[str, float]]],
    sensor: str = "s1",
) -> int:
    """Write (time, {metric: value}) readings as the ingest pipeline would; returns the count."""
    lines = []
    for at, values in points:
        fields = ",".join(f"{metric}={float(value)}" for metric, value in values.items())
        millis = int(at.timestamp() * 1000)
        lines.append(f"iaq,building={building},room={room},sensor={sensor} {fields} {millis}")
    influx.write_lines(lines)
    return len(lines)
