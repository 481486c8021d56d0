"""Readings of devices not placed on a room yet: kept apart in `iaq_unplaced`, never dropped.

A pending device's readings are written to measurement `iaq_unplaced` with tag `device` and
the same float fields as `iaq`. When the device is placed, `copy_held` rewrites them into
`iaq` under the room: point by point with their own times, so copying twice (the page that
placed it, then ingest noticing the placement) stores each reading once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ingest.adapters.influx import InfluxClient, _field_key, escape_tag, field_value, quote_ident
from ingest.domain.const import METRICS
from ingest.domain.model import Reading, SensorRef

if TYPE_CHECKING:
    from devices.domain import Placement

UNPLACED_MEASUREMENT = "iaq_unplaced"
COPY_PAGE = 5_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def unplaced_line(device: str, time: datetime, values: dict[str, float]) -> str:
    """The line of one held reading: measurement iaq_unplaced, tag device, ms time."""
    fields = ",".join(
        f"{_field_key(metric)}={field_value(value)}"
        for metric, value in sorted(values.items())
        if math.isfinite(value)
    )
    return f"{UNPLACED_MEASUREMENT},device={escape_tag(device)} {fields} {(time - _EPOCH) // _MS}"


def copy_held(
    influx: InfluxClient, placement: Placement, keep: Callable[[Reading], None] | None = None
) -> int:
    """Copy every held reading of a placed device into `iaq` under its room, a page at a
    time (bounded memory); returns how many readings were copied. `keep` sees each copied
    reading (ingest evaluates the recent ones)."""
    if not placement.is_placed:
        return 0
    assert placement.building and placement.room  # noqa: S101 - is_placed says so
    sensor = SensorRef(placement.building, placement.room, placement.sensor or "sensor")
    fields = ", ".join(quote_ident(m) for m in METRICS)
    query = (
        f"SELECT {fields} FROM {quote_ident(UNPLACED_MEASUREMENT)} "
        f"WHERE {quote_ident('device')} = $device AND time > $after "
        f"ORDER BY time ASC LIMIT {COPY_PAGE}"
    )
    after, copied = 0, 0
    while True:
        params = {"device": placement.device, "after": after * 1_000_000}  # ns since epoch
        series = influx.query(query, params)
        rows = series[0]["values"] if series else []
        if not rows:
            return copied
        columns = series[0]["columns"]
        readings = []
        for row in rows:
            values = {
                c: float(v)
                for c, v in zip(columns, row, strict=False)
                if c in METRICS and v is not None
            }
            if values:
                readings.append(Reading(sensor, _EPOCH + row[0] * _MS, values))
        copied += influx.write_readings(readings)
        if keep is not None:
            for reading in readings:
                keep(reading)
        after = int(rows[-1][0])
        if len(rows) < COPY_PAGE:
            return copied
