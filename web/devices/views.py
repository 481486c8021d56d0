"""Devices: place a pending one on a room, correct its mapping and offsets, retire it."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from devices.domain import Health, health
from devices.service import DeviceView
from ingest.adapters.influx import InfluxError
from maintenance.domain.errors import InvalidInput, MaintenanceError, NotFound
from web import deps
from web.i18n import lazy
from web.refusals import refusal
from web.security import FACILITY_MANAGER, me, roles_required

bp = Blueprint("devices", __name__)
MAX_PAIRS = 20
HEALTH_PERIOD = timedelta(hours=24)
HEALTH_SLOT = timedelta(minutes=5)


def pairs(text: str, number: bool) -> dict[str, str] | dict[str, float]:
    """`a=b, c=d` from a form field as a dict (values as numbers when `number`)."""
    found: dict[str, object] = {}
    for item in text.replace("\n", ",").split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or len(found) >= MAX_PAIRS:
            raise InvalidInput.coded("bad_mapping", source=item.strip()[:64], metric="?")
        try:
            found[key.strip()] = float(value) if number else value.strip()
        except ValueError as exc:
            raise InvalidInput.coded("bad_offset", metric=key.strip()[:64]) from exc
    return found  # type: ignore[return-value]


def device_health(placed: list[DeviceView]) -> dict[str, Health]:
    """Health of each placed device over the last 24 h: one InfluxDB statement for all of
    them and one query of faulty alerts; without InfluxDB, faulty time alone."""
    until = deps.now()
    since = until - HEALTH_PERIOD
    scope = me().scope
    try:
        slots = deps.readings().slots_with_data(since, until, HEALTH_SLOT, scope.buildings)
    except InfluxError:
        slots = {}
    faults: dict[tuple[str, str, str | None], list[tuple[str, datetime, datetime | None]]] = {}
    for a in deps.container().alert_service.list(scope=scope, kind="faulty", since=since):
        key = (a.building, a.room, a.sensor)
        faults.setdefault(key, []).append((a.metric or "", a.opened_at, a.resolved_at))
    expected = int(HEALTH_PERIOD / HEALTH_SLOT)
    found: dict[str, Health] = {}
    for d in placed:
        if d.building and d.room and d.sensor:
            key = (d.building, d.room, d.sensor)
            found[d.device] = health(slots.get(key, 0), expected, faults.get(key, []), since, until)
    return found


@bp.get("/devices")
@roles_required(FACILITY_MANAGER)
def devices() -> ResponseReturnValue:
    """Devices waiting to be placed, with what they report; the placed ones with their health."""
    found = deps.container().device_service.list(viewer=me().actor)
    rooms = deps.container().location_service.rooms(scope=me().scope)
    placed = [d for d in found if d.status != "pending"]
    return render_template(
        "devices/list.html",
        pending=[d for d in found if d.status == "pending"],
        placed=placed,
        health=device_health([d for d in placed if d.status == "active"]),
        rooms=rooms,
    )


@bp.post("/devices/<path:device>/place")
@roles_required(FACILITY_MANAGER)
def place(device: str) -> ResponseReturnValue:
    """Put a device on the room picked (`building/room`), with its corrections."""
    building, _, room = (request.form.get("room") or "").partition("/")
    service = deps.container().device_service
    try:
        placed = service.place(
            device, building, room,
            sensor=(request.form.get("sensor") or "").strip() or None,
            mapping=pairs(request.form.get("mapping") or "", number=False),  # type: ignore[arg-type]
            offsets=pairs(request.form.get("offsets") or "", number=True),  # type: ignore[arg-type]
            by=me().actor,
        )  # fmt: skip
    except NotFound:
        abort(404)
    except MaintenanceError as exc:
        flash(lazy("Not possible: %(detail)s", detail=refusal(exc)), "error")
    else:
        flash(
            lazy("%(device)s now reports for %(room)s.", device=placed.device, room=room),
            "success",
        )
    return redirect(url_for("devices.devices"))


@bp.post("/devices/<path:device>/correct")
@roles_required(FACILITY_MANAGER)
def correct(device: str) -> ResponseReturnValue:
    """Change how a placed device's values are read (mapping) or corrected (offsets)."""
    try:
        deps.container().device_service.correct(
            device,
            mapping=pairs(request.form.get("mapping") or "", number=False),  # type: ignore[arg-type]
            offsets=pairs(request.form.get("offsets") or "", number=True),  # type: ignore[arg-type]
            by=me().actor,
        )
    except NotFound:
        abort(404)
    except MaintenanceError as exc:
        flash(lazy("Not possible: %(detail)s", detail=refusal(exc)), "error")
    else:
        flash(lazy("Corrections of %(device)s saved.", device=device), "success")
    return redirect(url_for("devices.devices"))


@bp.post("/devices/<path:device>/retire")
@roles_required(FACILITY_MANAGER)
def retire(device: str) -> ResponseReturnValue:
    """Stop storing a device's readings."""
    try:
        deps.container().device_service.retire(device, by=me().actor)
    except NotFound:
        abort(404)
    except MaintenanceError as exc:
        flash(lazy("Not possible: %(detail)s", detail=refusal(exc)), "error")
    else:
        flash(lazy("%(device)s retired.", device=device), "success")
    return redirect(url_for("devices.devices"))
