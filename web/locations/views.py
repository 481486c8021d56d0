"""Pages of the building register: the buildings, one building's floors and rooms, a room.

Thin: forms in, one BuildingService call with the signed-in user's Actor, a flashed result.
The service decides scope (other buildings are 404) and permissions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields import SelectChoice

from maintenance.domain.errors import NotFound
from maintenance.domain.hours import parse_hours
from maintenance.services.buildings import BuildingService
from maintenance.views import BuildingView, FloorView, PlaceView
from web import deps
from web.i18n import lazy
from web.locations.forms import (
    BuildingEditForm,
    BuildingForm,
    FloorForm,
    MergeForm,
    RoomEditForm,
    RoomForm,
    hours_data,
    hours_fields,
    hours_text,
)
from web.locations.labels import ROOM_KIND, TIME_ZONES, TRAFFIC
from web.security import FACILITY_MANAGER, me, roles_required
from web.workorders import attempt

bp = Blueprint("locations", __name__, url_prefix="/locations")
T = TypeVar("T")


def _register() -> BuildingService:
    return deps.container().building_service


def _found(read: Callable[[], T]) -> T:
    """A read that 404s when the building or room is missing or out of reach."""
    try:
        return read()
    except NotFound:
        abort(404)


def _page(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    context.update(kinds=ROOM_KIND, traffic_levels=TRAFFIC, zones=TIME_ZONES)
    context.update(hours_fields=hours_fields)
    return render_template(template, **context), status


# --- buildings ---
def _index(form: BuildingForm, status: int = 200) -> ResponseReturnValue:
    buildings = _register().buildings(me().actor)
    may_create = me().scope.is_everything
    return _page(
        "locations/index.html", status, buildings=buildings, form=form, may_create=may_create
    )


@bp.get("")
@roles_required(FACILITY_MANAGER)
def index() -> ResponseReturnValue:
    """The buildings the manager reaches, and (for a manager of every one) a form to add one."""
    return _index(
        BuildingForm(prefix="new", formdata=None, timezone=deps.container().settings.timezone)
    )


@bp.post("")
@roles_required(FACILITY_MANAGER)
def create_building() -> ResponseReturnValue:
    """Add a building."""
    form = BuildingForm(prefix="new")
    if form.validate_on_submit():
        made = attempt(
            lambda: _register().create_building(
                me().actor,
                form.code.data,
                name=form.name.data,
                timezone=form.timezone.data or None,
                hours=parse_hours(hours_text(form)),
            )
        )
        if made is not None:
            flash(lazy("Building %(code)s created.", code=made.code), "success")
            return redirect(url_for("locations.building", code=made.code))
    return _index(form, 400)


def _building_page(code: str, status: int = 200, **forms: Any) -> ResponseReturnValue:
    """The building with its floors and rooms, and its forms (those given keep their input)."""
    actor = me().actor
    building: BuildingView = _found(lambda: _register().building(actor, code))
    floors: list[FloorView] = _register().floors(actor, code)
    rooms: list[PlaceView] = _register().rooms(actor, code)
    edit = forms.get("edit") or BuildingEditForm(
        prefix="b", formdata=None,
        data={"name": building.name, "timezone": building.timezone,
              **hours_data(building.hours_by_day)},
    )  # fmt: skip
    floor_form = forms.get("floor") or FloorForm(prefix="floor", formdata=None)
    room_form = forms.get("room") or RoomForm(prefix="room", formdata=None)
    merge = forms.get("merge") or MergeForm(prefix="merge", formdata=None)
    _floor_choices(room_form, floors, blank=True)
    _room_choices(merge, rooms)
    return _page(
        "locations/building.html", status, building=building, floors=floors, rooms=rooms,
        edit=edit, floor_form=floor_form, room_form=room_form, merge=merge,
    )  # fmt: skip


def _floor_choices(form: RoomForm | RoomEditForm, floors: list[FloorView], blank: bool) -> None:
    choices = [SelectChoice(f.code, f"{f.name} ({f.code})") for f in floors]
    if blank:
        choices.insert(0, SelectChoice("", lazy("where its code says, else unplaced")))
    form.floor.choices = choices


def _room_choices(form: MergeForm, rooms: list[PlaceView]) -> None:
    choices = [SelectChoice(r.code, f"{r.name} ({r.code})") for r in rooms]
    form.from_room.choices = choices
    form.into.choices = choices


@bp.get("/<code>")
@roles_required(FACILITY_MANAGER)
def building(code: str) -> ResponseReturnValue:
    """One building: its settings, floors and rooms."""
    return _building_page(code)


@bp.post("/<code>")
@roles_required(FACILITY_MANAGER)
def update_building(code: str) -> ResponseReturnValue:
    """Rename a building, change its time zone or operating hours."""
    form = BuildingEditForm(prefix="b")
    if form.validate_on_submit():
        changed = attempt(
            lambda: _register().update_building(
                me().actor,
                code,
                name=form.name.data,
                timezone=form.timezone.data,
                hours=parse_hours(hours_text(form)),
            )
        )
        if changed is not None:
            flash(lazy("Building %(code)s saved.", code=code), "success")
            return redirect(url_for("locations.building", code=code))
    return _building_page(code, 400, edit=form)


@bp.post("/<code>/floors")
@roles_required(FACILITY_MANAGER)
def add_floor(code: str) -> ResponseReturnValue:
    """Add a floor."""
    form = FloorForm(prefix="floor")
    if form.validate_on_submit():
        made = attempt(
            lambda: _register().add_floor(
                me().actor, code, form.code.data, name=form.name.data, level=form.level.data
            )
        )
        if made is not None:
            flash(lazy("Floor %(floor)s added.", floor=made.code), "success")
            return redirect(url_for("locations.building", code=code))
    return _building_page(code, 400, floor=form)


@bp.post("/<code>/rooms")
@roles_required(FACILITY_MANAGER)
def add_room(code: str) -> ResponseReturnValue:
    """Add a room."""
    floors = _found(lambda: _register().floors(me().actor, code))
    form = RoomForm(prefix="room")
    _floor_choices(form, floors, blank=True)
    if form.validate_on_submit():
        made = attempt(
            lambda: _register().add_room(
                me().actor,
                code,
                form.code.data,
                floor=form.floor.data or None,
                name=form.name.data,
                kind=form.kind.data or None,
                traffic=form.traffic.data or None,
            )
        )
        if made is not None:
            flash(lazy("Room %(room)s added.", room=made.code), "success")
            return redirect(url_for("locations.building", code=code))
    return _building_page(code, 400, room=form)


@bp.post("/<code>/merge")
@roles_required(FACILITY_MANAGER)
def merge_rooms(code: str) -> ResponseReturnValue:
    """Merge a room into another."""
    rooms = _found(lambda: _register().rooms(me().actor, code))
    form = MergeForm(prefix="merge")
    _room_choices(form, rooms)
    if form.validate_on_submit():
        merged = attempt(
            lambda: _register().merge_rooms(
                me().actor, code, form.from_room.data, form.into.data, deps.now()
            )
        )
        if merged is not None:
            flash(
                lazy(
                    "Room %(old)s merged into %(room)s.", old=form.from_room.data, room=merged.code
                ),
                "success",
            )
            return redirect(url_for("locations.building", code=code))
    return _building_page(code, 400, merge=form)


# --- one room ---
def _room_page(
    code: str, room: str, form: RoomEditForm | None, status: int = 200
) -> ResponseReturnValue:
    actor = me().actor
    place: PlaceView = _found(lambda: _register().room(actor, code, room))
    building = _register().building(actor, code)
    floors = _register().floors(actor, code)
    form = form or RoomEditForm(
        prefix="edit", formdata=None,
        data={"name": place.name, "floor": place.floor, "kind": place.kind,
              "traffic": place.traffic},
    )  # fmt: skip
    _floor_choices(form, floors, blank=False)
    return _page("locations/room.html", status, building=building, place=place, form=form)


@bp.get("/<code>/rooms/<room>")
@roles_required(FACILITY_MANAGER)
def room(code: str, room: str) -> ResponseReturnValue:
    """One room and a form to rename or change it."""
    return _room_page(code, room, None)


@bp.post("/<code>/rooms/<room>")
@roles_required(FACILITY_MANAGER)
def update_room(code: str, room: str) -> ResponseReturnValue:
    """Rename a room, move it to another floor, change its kind or traffic level."""
    floors = _found(lambda: _register().floors(me().actor, code))
    form = RoomEditForm(prefix="edit")
    _floor_choices(form, floors, blank=False)
    if form.validate_on_submit():
        changed = attempt(
            lambda: _register().update_room(
                me().actor,
                code,
                room,
                floor=form.floor.data,
                name=form.name.data,
                kind=form.kind.data,
                traffic=form.traffic.data,
            )
        )
        if changed is not None:
            flash(lazy("Room %(room)s saved.", room=room), "success")
            return redirect(url_for("locations.building", code=code))
    return _room_page(code, room, form, 400)
