"""Faulty-sensor conditions as alerts: `QualityChange` in, `AlertChange` out. Pure.

- One alert per faulty (sensor, metric): `AlertKey(building, room, metric, "warning",
  "faulty", sensor)`. Its open key names the metric, so a stuck CO2 cell and a jumping
  thermometer of one sensor are two alerts (and two lines on the work order).
- Severity `warning`: the alert is about the sensor, not the air. `critical` stays what
  the regulation's averages say about the air; what a faulty sensor costs is knowledge
  of the air, and the technician's work order says so.
- One message code per reason (`sensor_stuck`, `sensor_jump`, `sensor_drift_low`,
  `sensor_drift_high`) with the detector's own numbers, so the technician reads what the
  sensor did; `sensor_faulty_cleared` for the clear (kept for logs: a resolved alert keeps
  the message it opened with). The alert's `value` is the value that decided it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.const import UNITS
from ingest.domain.messages import MessageCode, Params, message
from ingest.domain.model import SensorRef
from ingest.domain.quality import FaultKey, QualityChange, Reason

REASON_CODES: Final[dict[Reason, MessageCode]] = {
    "stuck": "sensor_stuck",
    "jump": "sensor_jump",
    "drift_low": "sensor_drift_low",
    "drift_high": "sensor_drift_high",
}
CLEARED: Final[MessageCode] = "sensor_faulty_cleared"


def alert_key(key: FaultKey) -> AlertKey:
    """The alert key of a faulty (sensor, metric)."""
    s = key.sensor
    return AlertKey(s.building, s.room, key.metric, "warning", "faulty", s.sensor)


def fault_keys(keys: Iterable[AlertKey]) -> list[FaultKey]:
    """The faulty conditions among open alert keys (the others are evaluation's)."""
    return [
        FaultKey(SensorRef(k.building, k.room, k.sensor), k.metric)
        for k in keys
        if k.kind == "faulty" and k.sensor is not None and k.metric is not None
    ]


def alert_change(change: QualityChange) -> AlertChange:
    """The alert open or clear that a quality change means."""
    key = alert_key(change.key)
    params: Params = {
        "sensor": key.sensor,
        "building": key.building,
        "room": key.room,
        "metric": key.metric,
        "unit": UNITS.get(change.key.metric, ""),
    }
    if change.action == "open" and change.reason is not None:
        code = REASON_CODES[change.reason]
        params.update(change.params)
    else:  # a clear, or the database's belief reconcile drops (no reason)
        code = CLEARED
        params["reason"] = change.reason
    code, params, text = message(code, **params)
    value = change.params.get("value")
    return AlertChange(
        change.action,
        key,
        change.at,
        value=float(value) if isinstance(value, int | float) else None,
        message=text,
        message_code=code,
        message_params=params,
    )
