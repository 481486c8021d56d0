"""What the public pages say: categories, symptoms and the air in plain words, in the
reader's language; and the air of rooms from the same evaluation as the grid."""

from __future__ import annotations

import logging
from datetime import timedelta

from ingest.adapters.influx import InfluxError
from occupants.domain.air import plain_word
from udara.scope import EVERYTHING
from web import deps
from web.i18n import lazy
from web.iaq.grid import OpenAlert, Place, RoomCard, build_grid

log = logging.getLogger(__name__)

CATEGORY = {
    "dirty": lazy("Dirty"),
    "smell": lazy("Bad smell"),
    "too_hot": lazy("Too hot"),
    "too_cold": lazy("Too cold"),
    "stuffy": lazy("Stuffy air"),
    "leak": lazy("Leak or water"),
    "trash_full": lazy("Trash bin full"),
    "supplies_empty": lazy("Soap, tissue or supplies empty"),
    "symptoms": lazy("I feel unwell here"),
    "other": lazy("Something else"),
}
SYMPTOM = {
    "headache": lazy("Headache"),
    "eye_irritation": lazy("Eye irritation"),
    "throat_irritation": lazy("Throat irritation"),
    "cough": lazy("Cough"),
    "skin_irritation": lazy("Skin irritation"),
    "fatigue": lazy("Tiredness"),
    "poor_concentration": lazy("Hard to concentrate"),
    "other": lazy("Something else"),
}
PLAIN = {"good": lazy("Good"), "attention": lazy("Needs attention"), "poor": lazy("Poor")}
METRIC = {
    "co2": lazy("Fresh air (CO₂)"),
    "pm25": lazy("Fine dust (PM2.5)"),
    "pm10": lazy("Dust (PM10)"),
    "temperature": lazy("Temperature"),
    "humidity": lazy("Humidity"),
    "tvoc": lazy("Chemical smells (VOC)"),
    "hcho": lazy("Formaldehyde"),
    "co": lazy("Carbon monoxide"),
}
STATUS = {
    "new": lazy("Received"),
    "in_work_order": lazy("In work"),
    "done": lazy("Done"),
    "rejected": lazy("Closed without work"),
}


def cards(building: str, room: str | None = None) -> list[RoomCard]:
    """The grid's room cards of a building (or one room): same statuses as the staff grid."""
    c = deps.container()
    rooms = [r for r in c.location_service.rooms(building, scope=EVERYTHING)
             if room is None or r.code == room]  # fmt: skip
    places = [Place(r.building, r.floor, r.code, r.name) for r in rooms]
    since = deps.now() - timedelta(seconds=c.settings.offline_after_s)
    try:
        latest = deps.readings().latest(since, frozenset({building}))
    except InfluxError:
        log.warning("InfluxDB unavailable for a public page", exc_info=True)
        latest = {}
    alerts = [
        OpenAlert(a.id, a.building, a.room, a.metric, a.severity, a.kind)
        for a in c.alert_service.list(open_only=True, building=building, scope=EVERYTHING)
        if room is None or a.room == room
    ]
    latest = {k: v for k, v in latest.items() if room is None or k[1] == room}
    known = {(p.building, p.room) for p in places}
    latest = {k: v for k, v in latest.items() if k in known}
    alerts = [a for a in alerts if (a.building, a.room) in known]
    groups = build_grid(places, latest, alerts, deps.profile())
    return [card for g in groups for floor in g.floors for card in floor.rooms]


def air_words(card: RoomCard | None) -> list[tuple[str, str]]:
    """(metric label, plain word) for each metric the room has something to say about."""
    if card is None:
        return []
    found = []
    for cell in card.cells:
        word = plain_word(cell.status)
        if word is not None and cell.metric in METRIC:
            found.append((str(METRIC[cell.metric]), word))
    return found
