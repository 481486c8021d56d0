"""Words for room kinds and traffic levels, and the time zones offered for a building."""

from __future__ import annotations

from typing import Final

from flask_babel import LazyString

from web.i18n import lazy

ROOM_KIND: Final[dict[str, LazyString]] = {
    "office": lazy("Office"),
    "meeting_room": lazy("Meeting room"),
    "lobby": lazy("Lobby"),
    "corridor": lazy("Corridor"),
    "entrance": lazy("Entrance"),
    "toilet": lazy("Toilet"),
    "pantry": lazy("Pantry"),
    "prayer_room": lazy("Prayer room"),
    "lift_lobby": lazy("Lift lobby"),
    "stairwell": lazy("Stairwell"),
    "plant_room": lazy("Plant room"),
    "server_room": lazy("Server room"),
    "storage": lazy("Storage"),
    "parking": lazy("Parking"),
    "other": lazy("Other"),
}
TRAFFIC: Final[dict[str, LazyString]] = {
    "low": lazy("Low"),
    "normal": lazy("Normal"),
    "high": lazy("High"),
}
# Indonesia's zones first (WIB, WITA, WIT); any IANA zone is accepted.
TIME_ZONES: Final = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")
