"""Stock pages: `/stock` (items, levels per building, receiving, reorder levels) for facility
managers and supervisors, and consumption recorded on a work order's page."""

from __future__ import annotations

import math
import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from maintenance.domain.errors import NotFound
from maintenance.domain.stock import UNITS
from maintenance.views import StockMovementView, WorkOrderView
from web import deps
from web.i18n import lazy
from web.iaq.overview import timezones
from web.security import ASSIGNERS, WORKERS, me, roles_required
from web.workorders import attempt, manages, safe_path

bp = Blueprint("stock", __name__)
CODE = re.compile(r"^[a-z0-9_-]{1,64}$")


def _code(name: str) -> str:
    value = (request.form.get(name) or "").strip()
    if not CODE.match(value):
        abort(400)
    return value


def _number(name: str, optional: bool = False) -> float | None:
    raw = (request.form.get(name) or "").strip().replace(",", ".")
    if not raw and optional:
        return None
    try:
        value = float(raw)
    except ValueError:
        abort(400)
    if not math.isfinite(value):
        abort(400)
    return value


@bp.get("/stock")
@roles_required(*ASSIGNERS)
def stock() -> ResponseReturnValue:
    """Every item's stock per building the user reaches, low ones first marked."""
    building = request.args.get("building") or None
    if building is not None and not CODE.match(building):
        abort(400)
    service, viewer = deps.container().stock_service, me().actor
    try:
        levels = service.levels(viewer=viewer, building=building)
        movements = service.movements(viewer=viewer, building=building, limit=50)
    except NotFound:
        abort(404)
    return render_template(
        "stock/index.html",
        levels=levels,
        movements=movements,
        items=service.items(),
        buildings=sorted(timezones()),
        building=building,
        crews=deps.container().user_service.crews(),
        units=UNITS,
        tz=timezones(),
    )


@bp.post("/stock/items")
@roles_required(*ASSIGNERS)
def add_item() -> ResponseReturnValue:
    """A new stock item."""
    code, crew = _code("code"), _code("crew")
    name, unit = (request.form.get("name") or "").strip(), request.form.get("unit") or ""
    service = deps.container().stock_service
    if attempt(lambda: service.add_item(code, name, unit, crew, me().username, deps.now())):
        flash(lazy("Stock item %(item)s added.", item=code), "success")
    return redirect(url_for("stock.stock"))


@bp.post("/stock/receive")
@roles_required(*ASSIGNERS)
def receive() -> ResponseReturnValue:
    """Stock delivered to a building."""
    item, building, quantity = _code("item"), _code("building"), _number("quantity")
    note = (request.form.get("note") or "").strip()[:500]
    service = deps.container().stock_service
    done = attempt(
        lambda: service.receive(item, building, quantity or 0, me().username, deps.now(), note)
    )
    if done is not None:
        flash(lazy("Received: %(q)s %(unit)s of %(item)s in %(building)s.", q=f"{quantity:g}",
                   unit=done.unit, item=item, building=building), "success")  # fmt: skip
    return redirect(url_for("stock.stock", building=request.form.get("back") or None))


@bp.post("/stock/level")
@roles_required(*ASSIGNERS)
def reorder_level() -> ResponseReturnValue:
    """Set or clear (empty) an item's reorder level in a building."""
    item, building = _code("item"), _code("building")
    level = _number("reorder_level", optional=True)
    service = deps.container().stock_service
    done = attempt(
        lambda: service.set_reorder_level(item, building, level, me().username, deps.now())
    )
    if done is not None:
        flash(lazy("Reorder level of %(item)s in %(building)s saved.", item=item,
                   building=building), "success")  # fmt: skip
        if done.purchase_order_id:
            flash(lazy("Purchase work order #%(id)s is open.", id=done.purchase_order_id), "info")
    return redirect(url_for("stock.stock", building=request.form.get("back") or None))


@bp.post("/work-orders/<int:wo_id>/consumption")
@roles_required(*WORKERS)
def consume(wo_id: int) -> ResponseReturnValue:
    """Record stock used on a work order (its assignee or a manager of its crew)."""
    item, quantity = _code("item"), _number("quantity")
    note = (request.form.get("note") or "").strip()[:500]
    service = deps.container().stock_service
    done = attempt(
        lambda: service.consume(wo_id, item, quantity or 0, me().username, deps.now(), note)
    )
    if done is not None:
        flash(lazy("Recorded: %(q)s %(unit)s of %(item)s used.", q=f"{quantity:g}",
                   unit=done.unit, item=item), "success")  # fmt: skip
        if done.purchase_order_id:
            flash(lazy("Stock is low: purchase work order #%(id)s is open.",
                       id=done.purchase_order_id), "info")  # fmt: skip
    default = url_for("board.detail", wo_id=wo_id)
    return redirect(safe_path(request.form.get("next"), default))


def consumption_panel(wo: WorkOrderView) -> dict[str, Any]:
    """What a work-order page needs for its stock panel: what was used, and whether (and
    with which items) the signed-in user may record more."""
    service = deps.container().stock_service
    used: list[StockMovementView] = service.consumption(wo.id, viewer=me().actor)
    user = me()
    may = (
        user.role in WORKERS
        and wo.status not in ("verified", "cancelled")
        and (manages(user, wo) or wo.assignee == user.username)
    )
    return {"used": used, "may_consume": may, "stock_items": service.items() if may else []}
