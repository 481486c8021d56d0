"""Words people read for the codes Udara stores (translated; Indonesian from the seed texts)."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask_babel import LazyString

from web.i18n import lazy

METRICS: dict[str, LazyString | str] = {
    "temperature": lazy("Temperature"),
    "humidity": lazy("Humidity"),
    "co2": "CO₂",
    "pm25": "PM2.5",
    "pm10": "PM10",
    "co": "CO",
    "hcho": lazy("Formaldehyde"),
}
CELL_STATUS = {
    "ok": lazy("OK"),
    "warning": lazy("Warning"),
    "critical": lazy("Critical"),
    "no_data": lazy("No data"),
}
SEVERITY = {"warning": lazy("Warning"), "critical": lazy("Critical")}
ALERT_STATE = {
    "active": lazy("Active"),
    "acknowledged": lazy("Acknowledged"),
    "resolved": lazy("Resolved"),
}
ALERT_KIND = {
    "threshold": lazy("Threshold"),
    "offline": lazy("Sensor offline"),
    "faulty": lazy("Sensor faulty"),
}
WO_STATUS = {
    "open": lazy("Open"),
    "assigned": lazy("Assigned"),
    "in_progress": lazy("In progress"),
    "on_hold": lazy("On hold"),
    "done": lazy("Done"),
    "verified": lazy("Verified"),
    "cancelled": lazy("Cancelled"),
}
WO_TYPE = {
    "routine": lazy("Routine"),
    "preventive": lazy("Preventive"),
    "corrective": lazy("Corrective"),
    "emergency": lazy("Emergency"),
}
PRIORITY = {
    "low": lazy("Low"),
    "medium": lazy("Medium"),
    "high": lazy("High"),
    "urgent": lazy("Urgent"),
}
ROLE = {
    "facility_manager": lazy("Facility manager"),
    "cleaning_supervisor": lazy("Cleaning supervisor"),
    "technician": lazy("Technician"),
    "viewer": lazy("Viewer"),
}
FREQ = {
    "daily": lazy("Daily"),
    "weekly": lazy("Weekly"),
    "monthly": lazy("Monthly"),
    "yearly": lazy("Yearly"),
}
OCCURRENCE = {
    "planned": lazy("Planned"),
    "generated": lazy("Generated"),
    "skipped": lazy("Skipped"),
}
WEEKDAY = {
    0: lazy("Mon"),
    1: lazy("Tue"),
    2: lazy("Wed"),
    3: lazy("Thu"),
    4: lazy("Fri"),
    5: lazy("Sat"),
    6: lazy("Sun"),
}


def label(table: dict[Any, Any], code: Any) -> str:
    """The word for `code`, or the code itself when there is none."""
    return str(table.get(code, code if code is not None else "–"))


def lang_url(lang: str) -> str:
    """This page in another language, keeping its query."""
    args: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {})}
    args["lang"] = lang
    args.pop("partial", None)
    if request.endpoint is None:
        return url_for("auth.index", lang=lang)
    return url_for(request.endpoint, **args)


def init_app(app: Flask) -> None:
    """Expose the labels to templates."""

    @app.context_processor
    def _labels() -> dict[str, Any]:
        return {
            "L": {
                "metric": METRICS,
                "cell": CELL_STATUS,
                "severity": SEVERITY,
                "alert_state": ALERT_STATE,
                "alert_kind": ALERT_KIND,
                "wo_status": WO_STATUS,
                "wo_type": WO_TYPE,
                "priority": PRIORITY,
                "role": ROLE,
                "freq": FREQ,
                "occurrence": OCCURRENCE,
                "weekday": WEEKDAY,
            },  # fmt: skip
            "label": label,
            "lang_url": lang_url,
        }
