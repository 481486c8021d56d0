"""Pydantic models of the building register API (`/api/v1/buildings…`).

The `…Out` models have the fields of the service views (`BuildingView`, `FloorView`,
`PlaceView`), so the API and `udara … --json` emit the same shapes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from web.api.models import CODE, Body

RoomKind = Literal[
    "office", "meeting_room", "lobby", "corridor", "entrance", "toilet", "pantry",
    "prayer_room", "lift_lobby", "stairwell", "plant_room", "server_room", "storage",
    "parking", "other",
]  # fmt: skip
Traffic = Literal["low", "normal", "high"]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HoursByDay = dict[Day, list[tuple[str, str]]]

HOURS_DOC = (
    "operating hours, local to the building: text such as "
    "`mon-fri 07:00-19:00,sat 08:00-13:00,sun closed`, or per day "
    '`{"mon": [["07:00", "19:00"]], "sun": []}`; an empty text or object clears them'
)
TIMEZONE_DOC = "IANA time zone, e.g. `Asia/Jakarta`, `Asia/Makassar`, `Asia/Jayapura`"
FLOOR_DOC = "floor code; a floor the building does not have yet is created"


# --- buildings ---
class BuildingOut(BaseModel):
    """A building: hours as text and per day ({"mon": [["07:00", "19:00"]]}), local time."""

    code: str
    name: str
    timezone: str
    hours: str = Field(description="canonical text, e.g. `mon-fri 07:00-19:00`; empty: not set")
    hours_by_day: dict[str, list[list[str]]]
    floors: int
    rooms: int


class BuildingsOut(BaseModel):
    """The buildings the caller reaches, by code."""

    items: list[BuildingOut]


class BuildingCreate(Body):
    """A new building (facility managers of every building)."""

    code: str = Field(pattern=CODE, description="as in MQTT topics")
    name: str | None = Field(None, max_length=100)
    timezone: str | None = Field(None, max_length=64, description=TIMEZONE_DOC)
    hours: str | HoursByDay | None = Field(None, description=HOURS_DOC)


class BuildingPatch(Body):
    """Change a building's name, time zone or operating hours; absent fields stay."""

    name: str | None = Field(None, min_length=1, max_length=100)
    timezone: str | None = Field(None, min_length=1, max_length=64, description=TIMEZONE_DOC)
    hours: str | HoursByDay | None = Field(None, description=HOURS_DOC)


# --- floors ---
class FloorOut(BaseModel):
    """A floor and how many rooms it has."""

    building: str
    code: str
    name: str
    level: int | None
    rooms: int


class FloorsOut(BaseModel):
    """The floors of a building, lowest level first."""

    items: list[FloorOut]


class FloorCreate(Body):
    """A new floor."""

    code: str = Field(pattern=CODE)
    name: str | None = Field(None, max_length=100)
    level: int | None = Field(None, ge=-20, le=300, description="0 ground floor, -1 below it")


class FloorPatch(Body):
    """Rename a floor or change its level (`null` removes it); absent fields stay."""

    name: str | None = Field(None, min_length=1, max_length=100)
    level: int | None = Field(None, ge=-20, le=300)


# --- rooms ---
class BuildingRoomOut(BaseModel):
    """A room of the register, with the codes merged into it."""

    building: str
    floor: str
    code: str
    name: str
    kind: str
    traffic: str
    aliases: list[str] = Field(description="codes merged into this room (their readings count)")


class BuildingRoomsOut(BaseModel):
    """The rooms of a building, by code."""

    items: list[BuildingRoomOut]


class BuildingRoomCreate(Body):
    """A new room; kind is guessed from the code and traffic follows kind unless given."""

    code: str = Field(pattern=CODE, description="as in MQTT topics")
    floor: str | None = Field(None, pattern=CODE, description=FLOOR_DOC)
    name: str | None = Field(None, max_length=100)
    kind: RoomKind | None = None
    traffic: Traffic | None = None


class BuildingRoomPatch(Body):
    """Rename a room, move it to another floor, change kind or traffic; absent fields stay.
    The code stays: a room known under a wrong code is merged into the right one."""

    floor: str | None = Field(None, pattern=CODE, description=FLOOR_DOC)
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: RoomKind | None = None
    traffic: Traffic | None = None


class RoomMerge(Body):
    """Merge this room into `into`: its work orders, plans, alerts and readings go there."""

    into: str = Field(pattern=CODE, description="code of the room that stays")
