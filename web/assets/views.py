"""Assets: the register (facility managers add and edit), one asset's page with the air of
the rooms it serves, its open and past work and its meters, and a QR label opening the page."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import LazyString

from assets.domain.model import ASSET_KINDS, ASSET_READERS, ASSET_STATUSES, METERS
from assets.service import AssetChanges
from ingest.adapters.influx import InfluxError
from maintenance.domain.errors import InvalidInput, MaintenanceError, NotAllowed, NotFound
from maintenance.domain.model import CLOSED_STATUSES
from maintenance.services.queries import WorkOrderFilter
from web import deps
from web.i18n import lazy
from web.occupants.views import qr_svg
from web.refusals import refusal
from web.security import ASSIGNERS, FACILITY_MANAGER, me, roles_required

bp = Blueprint("assets", __name__)
AIR_WITHIN = timedelta(minutes=15)  # readings older than this are not "now"

KIND: dict[str, LazyString] = {
    "ahu": lazy("Air handling unit (AHU)"),
    "fcu": lazy("Fan coil unit (FCU)"),
    "chiller": lazy("Chiller"),
    "cooling_tower": lazy("Cooling tower"),
    "exhaust_fan": lazy("Exhaust fan"),
    "air_purifier": lazy("Air purifier"),
    "sensor": lazy("Sensor"),
    "pump": lazy("Pump"),
    "other": lazy("Other"),
}
METER: dict[str, LazyString] = {
    "run_hours": lazy("Run hours"),
    "filter_pressure_drop": lazy("Filter pressure drop (Pa)"),
    "starts": lazy("Starts"),
    "energy_kwh": lazy("Energy (kWh)"),
}
STATUS: dict[str, LazyString] = {"active": lazy("In service"), "retired": lazy("Retired")}


def _codes(text: str) -> list[str]:
    """Room codes from a comma- or space-separated field."""
    return [c for c in text.replace(",", " ").split() if c]


def _refused(exc: MaintenanceError) -> None:
    flash(lazy("Please check the input: %(detail)s", detail=refusal(exc)), "error")


@bp.get("/assets")
@roles_required(*ASSET_READERS)
def assets() -> ResponseReturnValue:
    """The assets of the user's buildings; facility managers add new ones here."""
    c = deps.container()
    building = request.args.get("building") or None
    found = c.asset_service.list(viewer=me().actor, building=building)
    buildings = c.location_service.building_timezones(scope=me().scope)
    return render_template(
        "assets/list.html", assets=found, kinds=ASSET_KINDS, KIND=KIND, STATUS=STATUS,
        buildings=sorted(buildings), building=building,
    )  # fmt: skip


@bp.post("/assets")
@roles_required(FACILITY_MANAGER)
def add_asset() -> ResponseReturnValue:
    """Register an asset from the form."""
    f = request.form
    try:
        view = deps.container().asset_service.add(
            f.get("code", "").strip(), f.get("kind", ""), f.get("building", "").strip(),
            by=me().actor, room=f.get("room", "").strip() or None,
            serves=_codes(f.get("serves", "")), name=f.get("name", "").strip() or None,
        )  # fmt: skip
    except NotFound:
        abort(404)
    except (InvalidInput, NotAllowed) as exc:
        _refused(exc)
        return redirect(url_for("assets.assets"), 302)
    return redirect(url_for("assets.asset", asset=view.code), 302)


@bp.get("/assets/<asset>")
@roles_required(*ASSET_READERS)
def asset(asset: str) -> ResponseReturnValue:
    """One asset: details, the rooms it serves with their air now, its work, its meters."""
    c = deps.container()
    actor = me().actor
    try:
        view = c.asset_service.get(asset, viewer=actor)
    except NotFound:
        abort(404)
    orders = c.work_order_service.list(
        WorkOrderFilter(asset=asset), viewer=actor, limit=200, now=deps.now()
    ).items
    air: dict[str, dict[str, float]] | None = {}
    if view.serves:
        try:
            latest = deps.readings().latest(deps.now() - AIR_WITHIN, frozenset({view.building}))
            air = {room: latest.get((view.building, room), {}) for room in view.serves}
        except InfluxError:
            air = None  # readings unavailable: the page still shows the asset
    return render_template(
        "assets/detail.html", a=view, KIND=KIND, METER=METER, STATUS=STATUS, meters=METERS,
        statuses=ASSET_STATUSES, air=air,
        open_orders=[w for w in orders if w.status not in CLOSED_STATUSES],
        past_orders=sorted((w for w in orders if w.status in CLOSED_STATUSES),
                           key=lambda w: -w.id),
        readings=c.asset_service.meter_readings(asset, viewer=actor),
    )  # fmt: skip


@bp.post("/assets/<asset>")
@roles_required(FACILITY_MANAGER)
def edit_asset(asset: str) -> ResponseReturnValue:
    """Change an asset's name, location, zone or status."""
    f = request.form
    changes = AssetChanges(
        name=f.get("name"), room=f.get("room", "").strip() if "room" in f else None,
        serves=_codes(f.get("serves", "")) if "serves" in f else None,
        status=f.get("status") or None,
    )  # fmt: skip
    try:
        deps.container().asset_service.update(asset, changes, by=me().actor)
    except NotFound:
        abort(404)
    except (InvalidInput, NotAllowed) as exc:
        _refused(exc)
    return redirect(url_for("assets.asset", asset=asset), 302)


@bp.post("/assets/<asset>/meters")
@roles_required(*ASSET_READERS)
def record_meter(asset: str) -> ResponseReturnValue:
    """Record a meter reading read off the unit."""
    f = request.form
    try:
        value = float(f.get("value", ""))
    except ValueError:
        value = -1.0
    try:
        deps.container().asset_service.record_meter(asset, f.get("meter", ""), value, by=me().actor)
    except NotFound:
        abort(404)
    except InvalidInput as exc:
        _refused(exc)
    return redirect(url_for("assets.asset", asset=asset), 302)


@bp.get("/assets/<asset>/qr")
@roles_required(*ASSIGNERS)
def qr_label(asset: str) -> ResponseReturnValue:
    """A printable label whose QR code opens the asset's page (after signing in)."""
    try:
        view = deps.container().asset_service.get(asset, viewer=me().actor)
    except NotFound:
        abort(404)
    base = deps.container().settings.public_url.rstrip("/")
    url = f"{base}{url_for('assets.asset', asset=view.code)}"
    return render_template("assets/qr.html", a=view, url=url, svg=qr_svg(url), KIND=KIND)
