"""Vocabulary of the maintenance domain: types, priorities, statuses, roles, room kinds."""

from __future__ import annotations

from typing import Final, Literal, get_args

WorkOrderType = Literal["routine", "preventive", "corrective", "emergency"]
Priority = Literal["low", "medium", "high", "urgent"]
Status = Literal["open", "assigned", "in_progress", "on_hold", "done", "verified", "cancelled"]
# `device`: the account of a LoRaWAN network server pushing uplinks (HTTP push); no pages.
Role = Literal["facility_manager", "cleaning_supervisor", "technician", "viewer", "device"]
# request: an occupant's report; inspection: a failed item of an inspection; stock: a
# purchase order opened at an item's reorder level
Source = Literal["plan", "alert", "manual", "request", "inspection", "stock"]
Traffic = Literal["low", "normal", "high"]
Frequency = Literal["daily", "weekly", "monthly", "yearly"]
Anchor = Literal["calendar", "completion"]
CatchUp = Literal["all", "latest", "skip"]

WORK_ORDER_TYPES: Final[tuple[str, ...]] = get_args(WorkOrderType)
PRIORITIES: Final[tuple[str, ...]] = get_args(Priority)
STATUSES: Final[tuple[str, ...]] = get_args(Status)
ROLES: Final[tuple[str, ...]] = get_args(Role)
TRAFFIC_LEVELS: Final[tuple[str, ...]] = get_args(Traffic)
FREQUENCIES: Final[tuple[str, ...]] = get_args(Frequency)
ANCHORS: Final[tuple[str, ...]] = get_args(Anchor)
CATCH_UP_POLICIES: Final[tuple[str, ...]] = get_args(CatchUp)

# A work order in one of these no longer needs work; it frees its (room, rule) slot.
CLOSED_STATUSES: Final[frozenset[str]] = frozenset({"done", "verified", "cancelled"})

ROOM_KINDS: Final[tuple[str, ...]] = (
    "office",
    "meeting_room",
    "lobby",
    "corridor",
    "entrance",
    "toilet",
    "pantry",
    "prayer_room",
    "lift_lobby",
    "stairwell",
    "plant_room",
    "server_room",
    "storage",
    "parking",
    "other",
)

CREW_ID_PATTERN: Final = r"^[a-z0-9][a-z0-9_-]{0,31}$"
CODE_PATTERN: Final = r"^[a-z0-9_-]{1,64}$"
