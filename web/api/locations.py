"""The building register over JSON: buildings, floors and rooms of the caller's buildings.

Every role reads the buildings it reaches; facility managers change them. A building out of
the caller's reach answers 404 like one that does not exist (the service decides).
"""

from __future__ import annotations

from typing import Any

from spectree import Response as Spec

from maintenance.domain.hours import OperatingHours, parse_hours
from maintenance.services.buildings import BuildingService
from web import deps
from web.api import bp, spec
from web.api.auth import api_auth, api_user
from web.api.location_models import (
    BuildingCreate,
    BuildingOut,
    BuildingPatch,
    BuildingRoomCreate,
    BuildingRoomOut,
    BuildingRoomPatch,
    BuildingRoomsOut,
    BuildingsOut,
    FloorCreate,
    FloorOut,
    FloorPatch,
    FloorsOut,
    RoomMerge,
)
from web.api.models import ErrorOut
from web.security import ALL_ROLES, FACILITY_MANAGER

TAGS = ["buildings"]


def _resp(ok: type, *extra: int, status: int = 200) -> Spec:
    codes = {f"HTTP_{code}": ErrorOut for code in (401, 403, *extra)}
    return Spec(**{f"HTTP_{status}": ok}, **codes)


def _register() -> BuildingService:
    return deps.container().building_service


def _hours(value: str | dict[Any, Any] | None) -> OperatingHours | None:
    """Hours as text or per day; None when the request leaves them alone."""
    if value is None:
        return None
    return parse_hours(value) if isinstance(value, str) else OperatingHours.from_json(value)


# --- buildings ---
@bp.get("/buildings")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(BuildingsOut), tags=TAGS)
def list_buildings() -> BuildingsOut:
    """The buildings the caller reaches, with time zone, operating hours and counts."""
    found = _register().buildings(api_user().actor)
    return BuildingsOut(items=[BuildingOut.model_validate(b, from_attributes=True) for b in found])


@bp.post("/buildings")
@api_auth(FACILITY_MANAGER)
@spec.validate(resp=_resp(BuildingOut, 409, 422, status=201), tags=TAGS)
def create_building(json: BuildingCreate) -> tuple[BuildingOut, int]:
    """Add a building (facility managers of every building: a manager limited to some
    buildings would create one outside their reach, so is refused with 403)."""
    made = _register().create_building(
        api_user().actor,
        json.code,
        name=json.name,
        timezone=json.timezone,
        hours=_hours(json.hours),
    )
    return BuildingOut.model_validate(made, from_attributes=True), 201


@bp.get("/buildings/<building>")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(BuildingOut, 404), tags=TAGS)
def get_building(building: str) -> BuildingOut:
    """One building."""
    found = _register().building(api_user().actor, building)
    return BuildingOut.model_validate(found, from_attributes=True)


@bp.patch("/buildings/<building>")
@api_auth(FACILITY_MANAGER)
@spec.validate(resp=_resp(BuildingOut, 404, 422), tags=TAGS)
def update_building(building: str, json: BuildingPatch) -> BuildingOut:
    """Rename a building, or change its time zone or operating hours."""
    changed = _register().update_building(
        api_user().actor,
        building,
        name=json.name,
        timezone=json.timezone,
        hours=_hours(json.hours),
    )
    return BuildingOut.model_validate(changed, from_attributes=True)


# --- floors ---
@bp.get("/buildings/<building>/floors")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(FloorsOut, 404), tags=TAGS)
def list_floors(building: str) -> FloorsOut:
    """The floors of a building, lowest level first."""
    found = _register().floors(api_user().actor, building)
    return FloorsOut(items=[FloorOut.model_validate(f, from_attributes=True) for f in found])


@bp.post("/buildings/<building>/floors")
@api_auth(FACILITY_MANAGER)
@spec.validate(resp=_resp(FloorOut, 404, 409, 422, status=201), tags=TAGS)
def create_floor(building: str, json: FloorCreate) -> tuple[FloorOut, int]:
    """Add a floor to a building."""
    made = _register().add_floor(
        api_user().actor, building, json.code, name=json.name, level=json.level
    )
    return FloorOut.model_validate(made, from_attributes=True), 201


@bp.patch("/buildings/<building>/floors/<floor>")
@api_auth(FACILITY_MANAGER)
@spec.validate(resp=_resp(FloorOut, 404, 422), tags=TAGS)
def update_floor(building: str, floor: str, json: FloorPatch) -> FloorOut:
    """Rename a floor or change its level."""
    changed = _register().update_floor(
        api_user().actor,
        building,
        floor,
        name=json.name,
        level=json.level,
        clear_level="level" in json.model_fields_set and json.level is None,
    )
    return FloorOut.model_validate(changed, from_attributes=True)


# --- rooms ---
def _room(view: object) -> BuildingRoomOut:
    return BuildingRoomOut.model_validate(view, from_attributes=True)


@bp.get("/buildings/<building>/rooms")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(BuildingRoomsOut, 404), tags=TAGS)
def list_building_rooms(building: str) -> BuildingRoomsOut:
    """The rooms of a building, with floor, kind, traffic and merged codes."""
    return BuildingRoomsOut(items=[_room(r) for r in _register().rooms(api_user().actor, building)])


@bp.post("/buildings/<building>/rooms")
@api_auth(FACILITY_MANAGER)
@spec.validate(resp=_resp(BuildingRoomOut, 404, 409, 422, status=201), tags=TAGS)
def create_building_room(building: str, json: BuildingRoomCreate) -> tuple[BuildingRoomOut, int]:
    """Add a room; without a floor it goes where ingest's discovery would put it."""
    made = _register().add_room(
        api_user().actor,
        building,
        json.code,
        floor=json.floor,
        name=json.name,
        kind=json.kind,
        traffic=json.traffic,
    )
    return _room(made), 201


@bp.get("/buildings/<building>/rooms/<room>")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(BuildingRoomOut, 404), tags=TAGS)
def get_building_room(building: str, room: str) -> BuildingRoomOut:
    """One room of the register."""
    return _room(_register().room(api_user().actor, building, room))


@bp.patch("/buildings/<building>/rooms/<room>")
@api_auth(FACILITY_MANAGER)
@spec.validate(resp=_resp(BuildingRoomOut, 404, 422), tags=TAGS)
def update_building_room(building: str, room: str, json: BuildingRoomPatch) -> BuildingRoomOut:
    """Rename a room, move it to another floor, or change its kind or traffic level."""
    changed = _register().update_room(
        api_user().actor,
        building,
        room,
        floor=json.floor,
        name=json.name,
        kind=json.kind,
        traffic=json.traffic,
    )
    return _room(changed)


@bp.post("/buildings/<building>/rooms/<room>/merge")
@api_auth(FACILITY_MANAGER)
@spec.validate(resp=_resp(BuildingRoomOut, 404, 422), tags=TAGS)
def merge_building_room(building: str, room: str, json: RoomMerge) -> BuildingRoomOut:
    """Merge this room (say, a typo a sensor was set up with) into `into`; answers with the
    room that stays, its merged codes included."""
    merged = _register().merge_rooms(api_user().actor, building, room, json.into, deps.now())
    return _room(merged)
