"""Words people read for the codes Udara stores (translated; Indonesian from the seed texts)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask, request, url_for
from flask_babel import LazyString

from ingest.domain.messages import limit_label, word
from ingest.domain.profiles import Limit
from udara.i18n import words
from web.i18n import current_lang, lazy, number

if TYPE_CHECKING:
    from ingest.alert_service import AlertView

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
HISTORY = {
    "created": lazy("created"),
    "plan_updated": lazy("updated from its plan"),
    "escalated": lazy("escalated"),
    "priority_raised": lazy("priority raised"),
    "alert_attached": lazy("alert attached"),
    "alert_resolved": lazy("alert resolved"),
    "room_merged": lazy("moved with its room into another"),
    "sensor_watch": lazy("the sensor watches the room"),
    "verified_by_sensor": lazy("verified by sensor"),
    "not_fixed_by_sensor": lazy("not fixed: the sensor saw the air breach again"),
    "consumption": lazy("stock used"),
    "reorder": lazy("opened at the reorder level"),
}
VERIFICATION = {
    "pending": lazy("Sensor check pending"),
    "verified": lazy("Verified by sensor"),
    "not_fixed": lazy("Not fixed"),
}
BREACH = {
    "reading_outside": lazy("a reading outside the limit"),
    "new_alert": lazy("a new alert for the room"),
}
STOCK_MOVEMENT = {"receive": lazy("received"), "consume": lazy("used")}
WEEKDAY = {
    0: lazy("Mon"),
    1: lazy("Tue"),
    2: lazy("Wed"),
    3: lazy("Thu"),
    4: lazy("Fri"),
    5: lazy("Sat"),
    6: lazy("Sun"),
}


def duration_text(span: timedelta) -> str:
    """`24 jam`, `30 menit` (or `24 h`, `30 min`)."""
    seconds = int(span.total_seconds())
    if seconds % 3600 == 0:
        return str(lazy("%(n)s h", n=seconds // 3600))
    if seconds % 60 == 0:
        return str(lazy("%(n)s min", n=seconds // 60))
    return str(lazy("%(n)s s", n=seconds))


def limit_text(limit: Limit | None) -> str:
    """A limit in the reader's language and number format, e.g. `≤ 0,1 ppm (rata-rata 30 menit)`."""
    if limit is None:
        return "–"
    if limit.lower is not None and limit.upper is not None:
        text = f"{number(limit.lower, 2)}–{number(limit.upper, 2)} {limit.unit}"
    elif limit.upper is not None:
        text = f"≤ {number(limit.upper, 2)} {limit.unit}"
    else:
        text = f"≥ {number(limit.lower, 2)} {limit.unit}"
    if limit.averaging is None:
        return text
    return text + " (" + str(lazy("%(span)s mean", span=duration_text(limit.averaging))) + ")"


def alert_message(alert: AlertView, tz: str | None = None) -> str:
    """An alert's message in the page's language (times in zone `tz`); older alerts as stored."""
    return word(alert.message_code, alert.message_params, alert.message, words(current_lang(), tz))


def alert_limit(alert: AlertView) -> str | None:
    """The limit an alert is about in the page's language, e.g. `≤ 1.000 ppm (rata-rata 8 jam)`."""
    if alert.message_code and alert.message_params:
        worded = limit_label(alert.message_params, words(current_lang()))
        if worded is not None:
            return worded
    return alert.limit


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
    app.jinja_env.filters.update(
        limit_text=limit_text, alert_message=alert_message, alert_limit=alert_limit
    )

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
                "history": HISTORY,
                "verification": VERIFICATION,
                "breach": BREACH,
                "stock_movement": STOCK_MOVEMENT,
            },  # fmt: skip
            "label": label,
            "lang_url": lang_url,
        }
