"""What evaluation decides about alerts: pure value objects, no persistence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from ingest.domain.messages import MessageCode, Params

Severity = Literal["warning", "critical"]
AlertKind = Literal["threshold", "offline", "faulty"]
AlertState = Literal["active", "acknowledged", "resolved"]


@dataclass(frozen=True, slots=True)
class AlertKey:
    """The condition an alert is about; at most one alert per key is open at a time.

    Threshold alerts are per (building, room, metric, severity); `offline` alerts per
    sensor, with `metric` None; `faulty` alerts per (sensor, metric), since one sensor may
    have a stuck CO2 cell and a sound thermometer.
    """

    building: str
    room: str
    metric: str | None
    severity: Severity
    kind: AlertKind = "threshold"
    sensor: str | None = None

    @property
    def open_key(self) -> str:
        """A string unique among open alerts (the database enforces it)."""
        if self.kind == "threshold":
            return f"{self.building}/{self.room}/{self.metric}/{self.severity}"
        if self.kind == "faulty":  # at most 64 + 64 + 64 + 32 + 17 characters: fits 255
            return f"{self.building}/{self.room}/sensor:{self.sensor}/faulty/{self.metric}"
        return f"{self.building}/{self.room}/sensor:{self.sensor}/{self.kind}"


@dataclass(frozen=True, slots=True)
class AlertChange:
    """Evaluation's decision: open or clear the alert for `key`, at event time `at`."""

    action: Literal["open", "clear"]
    key: AlertKey
    at: datetime
    value: float | None = None
    limit: str | None = None
    message: str = ""  # English, for logs; people read `message_code` worded in their language
    message_code: MessageCode | None = None
    message_params: Params | None = field(default=None, hash=False)
