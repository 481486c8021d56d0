"""Facility manager views of the air: the room grid, a room's charts, monthly compliance."""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from typing import Any

from flask import Blueprint, abort, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask.wrappers import Response

from ingest.domain.const import METRICS, UNITS
from maintenance.domain.errors import NotFound
from occupants.domain.symptoms import SBS_METRICS
from web import deps, labels
from web.extensions import compressed
from web.i18n import current_lang, format_number, lazy, zone
from web.iaq import compliance, overview
from web.iaq.grid import reported_metrics
from web.labels import label
from web.public import words
from web.security import IAQ_READERS, roles_required, scope

bp = Blueprint("iaq", __name__)
CODE = re.compile(r"^[a-z0-9_-]{1,64}$")
MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")


def _building_arg() -> str | None:
    building = request.args.get("building") or None
    if building is not None and not CODE.match(building):
        abort(400)
    return building


def _month_arg() -> date:
    text = request.args.get("month")
    if not text:
        today = deps.now().astimezone(zone(deps.container().settings.timezone))
        return date(today.year, today.month, 1)
    match = MONTH.match(text)
    if not match:
        abort(400)
    return date(int(match[1]), int(match[2]), 1)


def grid_words(grid: overview.Grid) -> dict[str, Any]:
    """The words of the grid's tiles and their number format, worked out once per request:
    500 rooms have 3,500 tiles but seven metrics, four statuses and seven limits. Plain
    template variables, since Jinja looks `a.b` up as an attribute before trying a key."""
    limits = {c.limit for card in grid.cards() for c in card.cells if c.limit is not None}
    return {
        "metric_word": {m: label(labels.METRICS, m) for m in METRICS},
        "status_word": {s: label(labels.CELL_STATUS, s) for s in labels.CELL_STATUS},
        "limit_title": {limit: labels.limit_text(limit) for limit in limits},
        "value_text": partial(format_number, lang=current_lang()),
    }


@bp.get("/rooms")
@roles_required(*IAQ_READERS)
def rooms() -> ResponseReturnValue:
    """Buildings → floors → rooms, coloured by status per metric; refreshes itself."""
    building = _building_arg()
    grid = overview.grid(building)
    # Tiles only for metrics some shown room reports; all of them while readings are unknown.
    shown = reported_metrics(grid.cards()) if grid.readings_ok else METRICS
    words = grid_words(grid)
    tiles = {
        **words,
        "grid": grid,
        "shown": shown,
        "hidden": {m: words["metric_word"][m] for m in METRICS if m not in shown},
        "fresh_minutes": deps.container().settings.offline_after_s // 60,
    }
    if request.args.get("partial"):  # the live refresh: the grid alone, no building picker
        return compressed(make_response(render_template("iaq/_grid.html", **tiles)))
    return render_template(
        "iaq/grid.html",
        **tiles,
        building=building,
        profile=deps.profile(),
        buildings=sorted(overview.timezones()),
    )


@bp.get("/rooms/<building>/<room>")
@roles_required(*IAQ_READERS)
def room(building: str, room: str) -> ResponseReturnValue:
    """One room: each metric over 24 h / 7 d / 30 d with the profile's limits as bands."""
    if not (CODE.match(building) and CODE.match(room)):
        abort(404)
    try:
        place = deps.container().location_service.get_room(building, room, scope=scope())
    except NotFound:
        abort(404)
    alerts = deps.container().alert_service.list(
        building=building, room=room, limit=20, scope=scope()
    )
    return render_template(
        "iaq/room.html",
        place=place,
        metrics=METRICS,
        limits=deps.profile().evaluated_limits(),
        alerts=alerts,
        profile=deps.profile(),
        tz=place.timezone,
        metric_info={
            m: {
                "label": label(labels.METRICS, m),
                "unit": UNITS[m],
                "points": str(lazy("points")),
                "empty": str(lazy("No readings in this range.")),
            }
            for m in METRICS
        },
    )


@bp.get("/compliance")
@roles_required(*IAQ_READERS)
def compliance_report() -> ResponseReturnValue:
    """The monthly compliance report on screen."""
    month, building = _month_arg(), _building_arg()
    report = overview.report(month, building)
    return render_template(
        "iaq/compliance.html",
        report=report,
        symptoms=overview.symptoms(report),
        SBS=SBS_METRICS,
        UNITS=UNITS,
        W=words,
        month=month,
        building=building,
        buildings=sorted(overview.timezones()),
    )


@bp.get("/compliance/print")
@roles_required(*IAQ_READERS)
def compliance_print() -> ResponseReturnValue:
    """The same report laid out for paper."""
    month, building = _month_arg(), _building_arg()
    report = overview.report(month, building)
    return render_template(
        "iaq/compliance_print.html",
        report=report,
        symptoms=overview.symptoms(report),
        SBS=SBS_METRICS,
        UNITS=UNITS,
        W=words,
        month=month,
        building=building,
        generated=deps.now(),
    )


@bp.get("/compliance.csv")
@roles_required(*IAQ_READERS)
def compliance_csv() -> ResponseReturnValue:
    """The report as CSV."""
    month, building = _month_arg(), _building_arg()
    report = overview.report(month, building)
    name = f"udara-compliance-{month:%Y-%m}{'-' + building if building else ''}.csv"
    return Response(
        compliance.to_csv(report, overview.symptoms(report)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
