"""Defaults that follow from what kind of area a room is and how busy it gets."""

from __future__ import annotations

from datetime import time
from typing import Final

from maintenance.domain.errors import NotAllowed
from maintenance.domain.model import Priority, Traffic
from maintenance.domain.transitions import Actor

# Lobbies, corridors, entrances and toilets wear fastest and are seen by everyone
# (building-articles: "utamakan area dengan trafik tinggi").
HIGH_TRAFFIC_KINDS: Final = frozenset(
    {"lobby", "corridor", "entrance", "toilet", "pantry", "lift_lobby"}
)
LOW_TRAFFIC_KINDS: Final = frozenset({"plant_room", "server_room", "storage", "stairwell"})

_PRIORITY_BY_TRAFFIC: Final[dict[str, Priority]] = {
    "low": "low",
    "normal": "medium",
    "high": "high",
}

# Cleaning rounds per day: busy areas three times, others once before office hours.
_ROUNDS_BY_TRAFFIC: Final[dict[str, tuple[time, ...]]] = {
    "low": (time(7, 0),),
    "normal": (time(7, 0),),
    "high": (time(7, 0), time(12, 0), time(16, 0)),
}


def default_traffic(kind: str) -> Traffic:
    """The traffic level a room of this kind has unless told otherwise."""
    if kind in HIGH_TRAFFIC_KINDS:
        return "high"
    if kind in LOW_TRAFFIC_KINDS:
        return "low"
    return "normal"


def default_priority(traffic: str) -> Priority:
    """Default work-order priority for routine work in an area of this traffic level."""
    return _PRIORITY_BY_TRAFFIC.get(traffic, "medium")


def default_daily_rounds(traffic: str) -> tuple[time, ...]:
    """Local times of the daily cleaning rounds for an area of this traffic level."""
    return _ROUNDS_BY_TRAFFIC.get(traffic, _ROUNDS_BY_TRAFFIC["normal"])


# Words in room codes (Indonesian and English) that tell what a discovered room is.
_KIND_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("meeting_room", ("rapat", "meeting", "meet")),
    ("toilet", ("toilet", "wc", "restroom", "kamar-mandi")),
    ("lift_lobby", ("lift", "elevator")),
    ("lobby", ("lobi", "lobby", "resepsionis", "reception")),
    ("corridor", ("koridor", "corridor", "lorong")),
    ("entrance", ("pintu-masuk", "entrance", "entry")),
    ("pantry", ("pantry", "pantri", "dapur", "kantin")),
    ("prayer_room", ("musholla", "mushola", "musala", "prayer")),
    ("server_room", ("server", "data-center")),
    ("plant_room", ("ahu", "chiller", "mesin", "plant", "genset", "panel")),
    ("storage", ("gudang", "storage", "arsip")),
    ("parking", ("parkir", "parking", "basement")),
    ("stairwell", ("tangga", "stair")),
)


def guess_kind(room_code: str) -> str:
    """A best guess at a room's kind from its code (`lt5-rapat` is a meeting room)."""
    code = room_code.lower().replace("_", "-")
    for kind, words in _KIND_WORDS:
        if any(word in code for word in words):
            return kind
    return "office"


# Who shapes the building register. Reading it follows the building (visibility.py).
LOCATION_ADMIN_ROLE: Final = "facility_manager"


def check_manage_locations(actor: Actor) -> None:
    """Raise unless `actor` may create and change floors and rooms, and edit buildings.

    Which buildings is the caller's scope: the services answer NotFound for the others
    before asking this, so a refusal never tells that a building exists.
    """
    if not (actor.active and actor.role == LOCATION_ADMIN_ROLE):
        raise NotAllowed.coded("may_not_manage_locations", role=actor.role, user=actor.username)


def check_create_building(actor: Actor) -> None:
    """Raise unless `actor` may add a building: a facility manager of every building.

    A manager limited to some buildings would create one outside their own reach (or, if it
    were added to their scope, grant themselves a building nobody gave them).
    """
    check_manage_locations(actor)
    if not actor.scope.is_everything:
        raise NotAllowed.coded("may_not_create_buildings", user=actor.username)
