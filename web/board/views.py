"""The board: work orders by status with filters, assignment, detail, today and calendar."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from maintenance.domain.errors import InvalidInput, NotFound
from maintenance.domain.model import PRIORITIES, WORK_ORDER_TYPES
from maintenance.domain.verification import VERIFICATION_STATES
from maintenance.services.queries import WorkOrderFilter
from maintenance.views import WorkOrderView
from web import deps
from web.forms import NoteForm, WorkOrderForm
from web.i18n import lazy, zone
from web.iaq.overview import timezone_of, timezones
from web.notify.views import deliveries_of
from web.security import (
    ASSIGNERS,
    BOARD_READERS,
    WORKERS,
    me,
    roles_required,
)
from web.stock.views import consumption_panel
from web.workorders import attempt, describe, manages, safe_path, wo_photos

bp = Blueprint("board", __name__)
CODE = re.compile(r"^[a-z0-9_-]{1,64}$")
CREW = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
COLUMNS = ("open", "assigned", "in_progress", "on_hold", "done")


def _arg(name: str, pattern: re.Pattern[str] = CODE) -> str | None:
    value = request.args.get(name) or None
    if value is not None and not pattern.match(value):
        abort(400)
    return value


def board_filters() -> dict[str, Any]:
    """The board's filters from the query string (400 on values no order can have)."""
    kind, priority = request.args.get("type") or None, request.args.get("priority") or None
    if (kind and kind not in WORK_ORDER_TYPES) or (priority and priority not in PRIORITIES):
        abort(400)
    verification = request.args.get("verification") or None
    if verification and verification not in VERIFICATION_STATES:
        abort(400)
    return {
        "crew": _arg("crew", CREW),
        "building": _arg("building"),
        "floor": _arg("floor"),
        "type": kind,
        "priority": priority,
        "overdue": True if request.args.get("overdue") else None,
        "verification": verification,
    }


def crew_members(crews: set[str], building: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """(username, name) of the people each crew's work can be given to: in `building`, or in
    any building the signed-in user reaches."""
    users = deps.container().user_service
    return {
        crew: [
            (u.username, u.display_name)
            for u in users.crew_members(crew, building=building, viewer=me().actor)
        ]
        for crew in sorted(crews)
    }


@bp.get("/board")
@roles_required(*BOARD_READERS)
def board() -> ResponseReturnValue:
    """Open work by status, overdue and escalated highlighted; refreshes itself."""
    filters = board_filters()
    service, now = deps.container().work_order_service, deps.now()
    viewer = me().actor
    open_page = service.list(
        WorkOrderFilter(open_only=True, **filters), viewer=viewer, limit=500, now=now
    )
    done_page = service.list(
        WorkOrderFilter(status="done", **filters), viewer=viewer, limit=100, now=now
    )
    columns: dict[str, list[WorkOrderView]] = {status: [] for status in COLUMNS}
    for wo in (*open_page.items, *done_page.items):
        columns.setdefault(wo.status, []).append(wo)
    orders = [*open_page.items, *done_page.items]
    template = "board/_board.html" if request.args.get("partial") else "board/board.html"
    return render_template(
        template,
        columns=columns,
        filters=filters,
        query=describe(filters),
        members=crew_members({wo.crew for wo in orders}),
        crews=deps.container().user_service.crews(),
        buildings=sorted(timezones()),
        tz=timezones(),
        manages=lambda wo: manages(me(), wo),
        overdue_count=sum(1 for wo in orders if wo.overdue),
        escalated_count=sum(1 for wo in orders if wo.escalation_level > 0),
        total=open_page.total,
        types=WORK_ORDER_TYPES,
        priorities=PRIORITIES,
    )


@bp.post("/work-orders/<int:wo_id>/assign")
@roles_required(*ASSIGNERS)
def assign(wo_id: int) -> ResponseReturnValue:
    """Give a work order to a crew member, or take it back (empty assignee)."""
    assignee = (request.form.get("assignee") or "").strip() or None
    service = deps.container().work_order_service
    done = attempt(lambda: service.assign(wo_id, assignee, me().username, deps.now()))
    if done is not None:
        if assignee:
            flash(lazy("Work order %(id)s assigned to %(who)s.", id=wo_id, who=assignee), "success")
        else:
            flash(lazy("Work order %(id)s is unassigned again.", id=wo_id), "success")
    return redirect(safe_path(request.form.get("next"), url_for("board.board")))


@bp.post("/work-orders/<int:wo_id>/status")
@roles_required(*ASSIGNERS)
def change_status(wo_id: int) -> ResponseReturnValue:
    """Verify, cancel, hold or reopen (the role rules decide)."""
    to_status = request.form.get("status", "")
    notes = (request.form.get("notes") or "").strip() or None
    service = deps.container().work_order_service
    if attempt(lambda: service.transition(wo_id, to_status, me().username, deps.now(), notes)):
        flash(lazy("Work order %(id)s updated.", id=wo_id), "success")
    return redirect(safe_path(request.form.get("next"), url_for("board.detail", wo_id=wo_id)))


@bp.get("/work-orders/<int:wo_id>")
@roles_required(*BOARD_READERS, *WORKERS)
def detail(wo_id: int) -> ResponseReturnValue:
    """One work order with its checklist and history."""
    service = deps.container().work_order_service
    try:
        wo = service.get(wo_id, deps.now(), viewer=me().actor)
    except NotFound:
        abort(404)
    return render_template(
        "board/detail.html",
        wo=wo,
        history=service.history(wo_id, viewer=me().actor),
        tz=timezone_of(wo.building),
        members=crew_members({wo.crew}, wo.building).get(wo.crew, []),
        manages=manages(me(), wo),
        note_form=NoteForm(),
        deliveries=deliveries_of(wo_id=wo.id),
        photos=wo_photos(wo.id),
        stock=consumption_panel(wo),
    )


@bp.route("/work-orders/new", methods=["GET", "POST"])
@roles_required(*ASSIGNERS)
def new_work_order() -> ResponseReturnValue:
    """Raise a work order by hand."""
    form = WorkOrderForm()
    form.type.choices = [(t, t) for t in WORK_ORDER_TYPES]
    form.priority.choices = [(p, p) for p in PRIORITIES]
    form.crew.choices = deps.container().user_service.crews()
    if request.method == "GET":
        form.building.data = form.building.data or request.args.get("building", "")
        form.room.data = form.room.data or request.args.get("room", "")
        form.title.data = form.title.data or request.args.get("title", "")
        form.asset.data = form.asset.data or request.args.get("asset", "")
    if form.validate_on_submit():
        checklist = [line.strip() for line in (form.checklist.data or "").splitlines()]
        service = deps.container().work_order_service
        created = attempt(
            lambda: service.create(
                me().username,
                deps.now(),
                type=form.type.data,
                crew=form.crew.data,
                building=form.building.data,
                room=form.room.data or None,
                title=form.title.data,
                description=form.description.data or "",
                priority=form.priority.data,
                checklist=[c for c in checklist if c],
                asset=form.asset.data or None,
            )
        )
        if created is not None:
            flash(lazy("Work order %(id)s created.", id=created.id), "success")
            return redirect(url_for("board.detail", wo_id=created.id))
    status = 400 if request.method == "POST" else 200
    return render_template("board/new.html", form=form), status


def _building_choice() -> tuple[str | None, list[str]]:
    buildings = sorted(timezones())
    building = _arg("building")
    return building or (buildings[0] if buildings else None), buildings


@bp.get("/board/today")
@roles_required(*BOARD_READERS)
def today() -> ResponseReturnValue:
    """Today's planned work in the building's local day."""
    building, buildings = _building_choice()
    crew = _arg("crew", CREW)
    occurrences = []
    if building:
        try:
            occurrences = deps.container().plan_service.today(
                building, deps.now(), crew, scope=me().scope
            )
        except NotFound:
            abort(404)
    return render_template(
        "board/today.html",
        occurrences=occurrences,
        building=building,
        buildings=buildings,
        crew=crew,
        crews=deps.container().user_service.crews(),
        tz=timezone_of(building),
        now=deps.now(),
    )


@bp.get("/board/calendar")
@roles_required(*BOARD_READERS)
def calendar() -> ResponseReturnValue:
    """Planned, generated and skipped occurrences, day by day in the building's zone."""
    building, buildings = _building_choice()
    crew = _arg("crew", CREW)
    tz = zone(timezone_of(building))
    try:
        days = int(request.args.get("days", "7"))
        start_text = request.args.get("start")
        first = date.fromisoformat(start_text) if start_text else None
    except ValueError:
        abort(400)
    if days not in (7, 14, 31) or (first is not None and not 2000 <= first.year <= 2100):
        abort(400)
    if first is None:
        today_local = deps.now().astimezone(tz).date()
        first = today_local - timedelta(days=today_local.weekday())
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    try:
        found = deps.container().plan_service.calendar(
            start, start + timedelta(days=days), building, crew, scope=me().scope
        )
    except InvalidInput:
        abort(400)
    except NotFound:
        abort(404)
    by_day: dict[date, list[object]] = {first + timedelta(days=i): [] for i in range(days)}
    for occ in found:
        by_day.setdefault(occ.occurrence_at.astimezone(tz).date(), []).append(occ)
    return render_template(
        "board/calendar.html",
        by_day=by_day,
        first=first,
        days=days,
        building=building,
        buildings=buildings,
        crew=crew,
        crews=deps.container().user_service.crews(),
        tz=timezone_of(building),
        prev=first - timedelta(days=days),
        next=first + timedelta(days=days),
        today=deps.now().astimezone(tz).date(),
    )
