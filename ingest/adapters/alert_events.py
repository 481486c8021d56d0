"""Alert opens and resolutions copied to InfluxDB (measurement `iaq_alert`) for dashboards.

An `AlertListener`: the composition root registers it with the `AlertService`, which tells
it about every alert that opened or resolved after the relational record is committed. The
relational record is authoritative; a failed write here is logged and lost, never retried.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime

from ingest.adapters.influx import (
    ALERT_MEASUREMENT,
    InfluxClient,
    epoch_ms,
    escape_tag,
    field_value,
)
from ingest.alert_service import AlertView

log = logging.getLogger(__name__)


def alert_event_line(alert: AlertView, event: str, at: datetime) -> str:
    """The line of an alert opening or resolving, in measurement iaq_alert (tags and fields
    sorted, integers as `…i`, as `Point` writes them; a test holds the two identical)."""
    tags = {
        "building": alert.building,
        "kind": alert.kind,
        "metric": alert.metric or alert.kind,
        "room": alert.room,
        "sensor": alert.sensor,
        "severity": alert.severity,
    }
    tag_text = "".join(
        f",{key}={escape_tag(value)}" for key, value in sorted(tags.items()) if value
    )
    fields = [
        f"alert_id={alert.id}i",
        f'event="{_escape_string(event)}"',
        f"open={1 if event == 'open' else 0}i",
    ]
    if alert.value is not None and math.isfinite(alert.value):
        fields.append(f"value={field_value(alert.value)}")
    return f"{ALERT_MEASUREMENT}{tag_text} {','.join(fields)} {epoch_ms(at)}"


def _escape_string(value: str) -> str:
    """A string field value's escaping: backslashes and double quotes."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


class InfluxAlertEvents:
    """The `AlertListener` that writes one `iaq_alert` point per opened or resolved alert."""

    def __init__(self, influx: InfluxClient) -> None:
        self._influx = influx

    def alert_opened(self, alert: AlertView) -> None:
        """Write the `open` event at the alert's opening time."""
        self._write(alert_event_line(alert, "open", alert.opened_at))

    def alert_resolved(self, alert: AlertView) -> None:
        """Write the `resolve` event at the alert's resolution time."""
        self._write(alert_event_line(alert, "resolve", alert.resolved_at or alert.opened_at))

    def _write(self, line: str) -> None:
        try:
            self._influx.write_lines([line])
        except Exception:  # the relational record is authoritative; the event is a copy
            log.exception("could not write an alert event to InfluxDB")
