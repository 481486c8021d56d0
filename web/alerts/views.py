"""Alert pages: open alerts with acknowledge and a link to their work order; live refresh."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ingest.alert_service import AlertAlreadyResolved, AlertNotFound
from web import deps
from web.i18n import lazy
from web.iaq.overview import timezones
from web.security import FACILITY_MANAGER, IAQ_READERS, me, roles_required

bp = Blueprint("alerts", __name__)
VIEWS = {"open": None, "resolved": "resolved", "all": None}
PAGE = 100
MAX_PAGE = 10_000


def work_orders_by_alert(alert_ids: list[int]) -> dict[int, int]:
    """Alert id → id of the open work order it feeds (newest wins), for the alerts shown."""
    return deps.container().work_order_service.open_for_alerts(alert_ids)


@bp.get("/alerts")
@roles_required(*IAQ_READERS)
def alerts() -> ResponseReturnValue:
    """Open (default), resolved or all alerts, newest first; refreshes itself."""
    show = request.args.get("show", "open")
    if show not in VIEWS:
        abort(400)
    try:
        page = int(request.args.get("page", "0"))
    except ValueError:
        abort(400)
    if not 0 <= page <= MAX_PAGE:
        abort(400)
    found = deps.container().alert_service.list(
        state=VIEWS[show],
        open_only=show == "open",
        limit=PAGE + 1,
        offset=page * PAGE,
        scope=me().scope,
    )
    template = "alerts/_list.html" if request.args.get("partial") else "alerts/list.html"
    shown = found[:PAGE]
    return render_template(
        template,
        alerts=shown,
        places=deps.container().location_service.rooms_by_code((a.building, a.room) for a in shown),
        more=len(found) > PAGE,
        page=page,
        show=show,
        work_orders=work_orders_by_alert([a.id for a in found[:PAGE]]),
        tz=timezones(),
        can_ack=me().role == FACILITY_MANAGER,
    )


@bp.post("/alerts/<int:alert_id>/acknowledge")
@roles_required(FACILITY_MANAGER)
def acknowledge(alert_id: int) -> ResponseReturnValue:
    """Acknowledge an open alert (facility managers)."""
    try:
        deps.container().alert_service.acknowledge(
            alert_id, me().username, deps.now(), scope=me().scope
        )
        flash(lazy("Alert %(id)s acknowledged.", id=alert_id), "success")
    except AlertNotFound:
        abort(404)
    except AlertAlreadyResolved:
        flash(lazy("Alert %(id)s is already resolved.", id=alert_id), "info")
    show = request.args.get("show", "open")
    return redirect(url_for("alerts.alerts", show=show if show in VIEWS else "open"))
