"""Inspections on a phone, their photos, the monthly audit summary (screen, print, CSV) and
the KPI page (screen, CSV)."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response

from inspections.services.inspections import AuditSummary, InspectionInput, ItemInput
from inspections.services.kpis import kpi_row, to_csv
from maintenance.domain.errors import InvalidInput, NotAllowed, NotFound
from occupants.domain.model import PhotoRefused
from web import deps, security
from web.i18n import current_lang, lazy, zone
from web.refusals import photo_refusal, refusal
from web.security import ASSIGNERS, IAQ_READERS, roles_required

bp = Blueprint("inspections", __name__)
CODE = re.compile(r"^[a-z0-9_-]{1,64}$")
MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")


def _month_arg() -> date:
    text = request.args.get("month")
    if not text:
        today = deps.now().astimezone(zone(deps.container().settings.timezone))
        return date(today.year, today.month, 1)
    match = MONTH.match(text)
    if not match:
        abort(400)
    return date(int(match[1]), int(match[2]), 1)


def _buildings() -> list[str]:
    return deps.container().location_service.building_codes(scope=security.scope())


def _building_arg() -> str:
    """The building asked for, else the first the user reaches (404 when there is none)."""
    building = request.args.get("building") or None
    if building is None:
        found = _buildings()
        if not found:
            abort(404)
        return found[0]
    if not CODE.match(building):
        abort(400)
    return building


# --- running an inspection ---
@bp.get("/inspections")
@roles_required(*IAQ_READERS)
def inspections() -> ResponseReturnValue:
    """Recent inspections of the user's buildings."""
    building = request.args.get("building") or None
    if building is not None and not CODE.match(building):
        abort(400)
    found = deps.container().inspections.recent(scope=security.scope(), building=building)
    return render_template(
        "inspections/list.html",
        inspections=found[:200],
        building=building,
        buildings=_buildings(),
        T=deps.container().inspections.templates,
    )


@bp.get("/inspections/new")
@roles_required(*ASSIGNERS)
def new() -> ResponseReturnValue:
    """Pick a room and a template, then the checklist to fill in on the spot."""
    c = deps.container()
    rooms = c.location_service.rooms(scope=security.scope())
    template_code = request.args.get("template") or None
    place = request.args.get("room") or None
    template = room = None
    if template_code is not None:
        template = c.inspections.templates.get(template_code)
        if template is None:
            abort(404)
    if place is not None:
        room = next((r for r in rooms if f"{r.building}/{r.code}" == place), None)
        if room is None:
            abort(404)
    return render_template(
        "inspections/new.html",
        rooms=rooms,
        templates=c.inspections.templates,
        template=template,
        room=room,
        key=uuid.uuid4().hex,
        lang=current_lang(),
    )


def _item_inputs(codes: list[str]) -> list[ItemInput]:
    items = []
    for code in codes:
        mark = request.form.get(f"item-{code}", "")
        passed = {"pass": True, "fail": False}.get(mark)
        score = int(mark) if mark.isdigit() else None
        photo = request.files.get(f"photo-{code}")
        data = photo.read() if photo and photo.filename else None
        items.append(
            ItemInput(code, passed, score, request.form.get(f"note-{code}", ""), data or None)
        )
    return items


@bp.post("/inspections")
@roles_required(*ASSIGNERS)
def submit() -> ResponseReturnValue:
    """Record the inspection: its score, and work orders for what failed."""
    c = deps.container()
    place = request.form.get("room", "")
    building, _, room = place.partition("/")
    template = c.inspections.templates.get(request.form.get("template", ""))
    if template is None or not CODE.match(building) or not CODE.match(room):
        abort(400)
    data = InspectionInput(
        key=request.form.get("key", ""),
        template=template.code,
        building=building,
        room=room,
        items=_item_inputs([i.code for i in template.items]),
        asset_code=request.form.get("asset_code") or None,
        note=request.form.get("note", ""),
    )
    try:
        done = c.inspections.submit(security.actor(), data)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    except PhotoRefused as exc:
        flash(photo_refusal(exc.code), "error")
    except InvalidInput as exc:
        flash(lazy("Please check the input: %(detail)s", detail=refusal(exc)), "error")
    else:
        return redirect(url_for("inspections.detail", inspection_id=done.id), 303)
    rooms = c.location_service.rooms(building, scope=security.scope())
    found = next((r for r in rooms if r.code == room), None)
    if found is None:
        abort(404)
    return render_template(
        "inspections/new.html",
        rooms=rooms,
        templates=c.inspections.templates,
        template=template,
        room=found,
        key=data.key,
        lang=current_lang(),
        kept=request.form,
    ), 400


@bp.get("/inspections/<int:inspection_id>")
@roles_required(*IAQ_READERS)
def detail(inspection_id: int) -> ResponseReturnValue:
    """One inspection: its items, marks, photos and the work it opened."""
    c = deps.container()
    try:
        found = c.inspections.get(inspection_id, scope=security.scope())
    except NotFound:
        abort(404)
    return render_template(
        "inspections/detail.html",
        inspection=found,
        template=c.inspections.templates.get(found.template),
        lang=current_lang(),
    )


@bp.get("/inspections/<int:inspection_id>/photos/<int:position>")
@roles_required(*IAQ_READERS)
def photo(inspection_id: int, position: int) -> ResponseReturnValue:
    """The photo of one item of an inspection."""
    try:
        data = deps.container().inspections.photo(inspection_id, position, scope=security.scope())
    except NotFound:
        abort(404)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# --- the monthly audit summary ---
def _summary() -> AuditSummary:
    try:
        return deps.container().inspections.audit_summary(
            scope=security.scope(), building=_building_arg(), month=_month_arg()
        )
    except NotFound:
        abort(404)


@bp.get("/audits")
@roles_required(*IAQ_READERS)
def audits() -> ResponseReturnValue:
    """A building's inspections of one month and their scores by week, crew, room, template;
    `?print=1` lays it out for paper (for the client)."""
    summary = _summary()
    page = "inspections/audit_print.html" if request.args.get("print") else "inspections/audit.html"
    return render_template(
        page,
        s=summary,
        buildings=_buildings(),
        T=deps.container().inspections.templates,
        lang=current_lang(),
        generated=deps.now(),
    )


@bp.get("/audits.csv")
@roles_required(*IAQ_READERS)
def audits_csv() -> ResponseReturnValue:
    """The month's inspections as CSV, one line per inspection."""
    s = _summary()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "month",
            "building",
            "inspection",
            "at",
            "template",
            "crew",
            "room",
            "asset_code",
            "inspector",
            "score",
            "failed_items",
            "work_orders",
        ]
    )
    for i in s.inspections:
        writer.writerow(
            [
                f"{s.month:%Y-%m}",
                s.building,
                i.id,
                i.at.isoformat(),
                i.template,
                i.crew,
                i.room,
                i.asset_code or "",
                i.inspector,
                i.score,
                i.failed,
                " ".join(str(w) for w in i.work_orders),
            ]
        )
    name = f"udara-audits-{s.month:%Y-%m}-{s.building}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- KPIs ---
@bp.get("/kpis")
@roles_required(*IAQ_READERS)
def kpis() -> ResponseReturnValue:
    """A building's KPIs for a month, overall and per crew, with the last six months' trend."""
    building, month = _building_arg(), _month_arg()
    service = deps.container().kpis
    months = [_shift(month, -n) for n in range(5, -1, -1)]
    try:
        trend = [service.month(scope=security.scope(), building=building, month=m) for m in months]
    except NotFound:
        abort(404)
    chart = {
        "labels": [f"{m:%Y-%m}" for m in months],
        "series": {
            key: [kpi_row(t.overall)[key] for t in trend]
            for key in (
                "pm_compliance",
                "sla_response_hit_rate",
                "sla_resolution_hit_rate",
                "audit_score",
            )
        },
        "mttr": [t.overall.mttr_hours for t in trend],
    }
    return render_template(
        "inspections/kpis.html",
        k=trend[-1],
        building=building,
        buildings=_buildings(),
        chart=chart,
        month=month,
    )


@bp.get("/kpis.csv")
@roles_required(*IAQ_READERS)
def kpis_csv() -> ResponseReturnValue:
    """The month's KPIs as CSV: the building, then each crew."""
    building, month = _building_arg(), _month_arg()
    try:
        found = deps.container().kpis.month(scope=security.scope(), building=building, month=month)
    except NotFound:
        abort(404)
    name = f"udara-kpis-{month:%Y-%m}-{building}.csv"
    return Response(
        to_csv(building, found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)
