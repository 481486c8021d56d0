"""API endpoints: parse (spectree + pydantic), check the role, call a service, shape the reply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from spectree import Response as Spec

from ingest.alert_service import AlertView
from ingest.domain.const import METRICS
from maintenance.services.plan_rows import PlanSpec
from maintenance.services.queries import WorkOrderFilter
from maintenance.services.workorders import UNSET
from maintenance.views import WorkOrderView
from web import deps
from web.api import bp, spec
from web.api.auth import api_auth, api_user
from web.api.errors import ApiError
from web.api.models import (
    AlertOut,
    AlertQuery,
    AlertsOut,
    ErrorOut,
    LimitOut,
    MetricOut,
    PlanCreate,
    PlanOut,
    PlansOut,
    PlansQuery,
    ProfileOut,
    ReadingPoint,
    ReadingsOut,
    ReadingsQuery,
    RoomOut,
    RoomsOut,
    RoomsQuery,
    WorkOrderCreate,
    WorkOrderOut,
    WorkOrderPatch,
    WorkOrderQuery,
    WorkOrdersOut,
)
from web.i18n import current_lang
from web.iaq import overview
from web.iaq.readings import MAX_POINTS, interval
from web.security import ALL_ROLES, FACILITY_MANAGER, PLANNERS, SUPERVISOR, VIEWER

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut}


def _resp(ok: type, *extra: int) -> Spec:
    return Spec(HTTP_200=ok, **ERRORS, **{f"HTTP_{code}": ErrorOut for code in extra})


def _next(offset: int, limit: int, count: int, total: int | None = None) -> int | None:
    if total is not None:
        return offset + limit if offset + limit < total else None
    return offset + limit if count > limit else None


# --- rooms and readings ---
@bp.get("/rooms")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(RoomsOut, 503), tags=["rooms"])
def list_rooms(query: RoomsQuery) -> RoomsOut:
    """Every room with its latest reading and status per metric (active profile)."""
    grid = overview.grid(query.building)
    if not grid.readings_ok:
        raise ApiError(503, "readings_unavailable", "the time-series database is unavailable")
    profile = deps.profile()
    # The cells hold the profile's limits: label each once, not once per room and metric.
    limit_labels = {lim: lim.label for lim in profile.evaluated_limits().values()}
    items = [
        RoomOut(
            building=card.building,
            floor=card.floor or None,
            room=card.room,
            name=card.name,
            status=card.status,
            metrics={
                c.metric: MetricOut(
                    value=c.value,
                    unit=c.unit,
                    status=c.status,
                    limit=limit_labels[c.limit] if c.limit else None,
                )
                for c in card.cells
            },
            open_alerts=sorted(
                {i for c in card.cells for i in c.alert_ids} | {a.id for a in card.sensor_alerts}
            ),
        )
        for b in grid.buildings
        for f in b.floors
        for card in f.rooms
    ]
    return RoomsOut(
        profile=ProfileOut(
            name=profile.name, title=profile.title, superseded_by=profile.superseded_by
        ),
        items=items,
    )


def default_bucket(span: timedelta) -> timedelta:
    """5 min for a day, 30 min for a week, 2 h for a month, a day beyond."""
    for limit, bucket in (
        (timedelta(days=1), timedelta(minutes=5)),
        (timedelta(days=7), timedelta(minutes=30)),
        (timedelta(days=31), timedelta(hours=2)),
    ):
        if span <= limit:
            return bucket
    return timedelta(days=1)


@bp.get("/rooms/<building>/<room>/readings")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(ReadingsOut, 404, 503), tags=["rooms"])
def room_readings(building: str, room: str, query: ReadingsQuery) -> ReadingsOut:
    """Means per time bucket of one room, computed in InfluxDB (GROUP BY time)."""
    deps.container().location_service.get_room(building, room, scope=api_user().scope)  # or 404
    end = query.end or deps.now()
    start = query.start or end - timedelta(days=1)
    if end <= start:
        raise ApiError(422, "invalid_request", "end must be after start (end defaults to now)")
    every = query.bucket() or default_bucket(end - start)
    if (end - start) / every > MAX_POINTS:
        raise ApiError(
            422, "invalid_request", f"at most {MAX_POINTS} buckets: choose a larger `every`"
        )
    metrics: list[str] = [query.metric] if query.metric else list(METRICS)
    points = deps.readings().series(building, room, start, end, every, metrics)
    limits = deps.profile().evaluated_limits()
    return ReadingsOut(
        building=building,
        room=room,
        start=start,
        end=end,
        every=interval(every),
        metrics=metrics,
        limits={
            m: LimitOut(
                lower=lim.lower,
                upper=lim.upper,
                unit=lim.unit,
                averaging_minutes=int(lim.averaging.total_seconds() // 60)
                if lim.averaging
                else None,
                label=lim.label,
                source=lim.source,
            )
            for m, lim in limits.items()
            if m in metrics
        },
        points=[ReadingPoint(time=p.at, values=p.values) for p in points],
    )


# --- alerts ---
def _alerts(found: Sequence[AlertView]) -> list[AlertOut]:
    """Alerts in the request's language, with their rooms' names."""
    places = deps.container().location_service.rooms_by_code((a.building, a.room) for a in found)
    lang = current_lang()
    return [AlertOut.of(a, lang, places.get((a.building, a.room))) for a in found]


@bp.get("/alerts")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(AlertsOut), tags=["alerts"])
def list_alerts(query: AlertQuery) -> AlertsOut:
    """Alerts, newest first; `state` or `open=true` narrow them."""
    found = deps.container().alert_service.list(
        state=query.state,
        open_only=bool(query.open),
        building=query.building,
        room=query.room,
        limit=query.limit + 1,
        offset=query.offset,
        scope=api_user().scope,
    )
    return AlertsOut(
        items=_alerts(found[: query.limit]),
        limit=query.limit,
        offset=query.offset,
        next_offset=_next(query.offset, query.limit, len(found)),
    )


@bp.get("/alerts/<int:alert_id>")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(AlertOut, 404), tags=["alerts"])
def get_alert(alert_id: int) -> AlertOut:
    """One alert."""
    alert = deps.container().alert_service.get(alert_id, scope=api_user().scope)
    if alert is None:
        raise ApiError(404, "not_found", f"alert {alert_id} does not exist")
    return _alerts([alert])[0]


@bp.post("/alerts/<int:alert_id>/acknowledge")
@api_auth(FACILITY_MANAGER)
@spec.validate(resp=_resp(AlertOut, 404, 409), tags=["alerts"])
def acknowledge_alert(alert_id: int) -> AlertOut:
    """Mark an open alert as seen (facility managers); acknowledging twice keeps the first."""
    alert = deps.container().alert_service.acknowledge(
        alert_id, api_user().username, deps.now(), scope=api_user().scope
    )
    return _alerts([alert])[0]


# --- work orders ---
def _work_order(view: WorkOrderView) -> WorkOrderOut:
    return WorkOrderOut.of(view)


@bp.get("/work-orders")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(WorkOrdersOut), tags=["work orders"])
def list_work_orders(query: WorkOrderQuery) -> WorkOrdersOut:
    """Work orders, soonest due first, filtered and paginated."""
    f = WorkOrderFilter(
        status=query.status,
        crew=query.crew,
        assignee=query.assignee,
        building=query.building,
        floor=query.floor,
        room=query.room,
        type=query.type,
        priority=query.priority,
        overdue=query.overdue,
        open_only=bool(query.open),
        verification=query.verification,
    )
    page = deps.container().work_order_service.list(
        f, viewer=api_user().actor, limit=query.limit, offset=query.offset, now=deps.now()
    )
    return WorkOrdersOut(
        items=[_work_order(v) for v in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        next_offset=_next(page.offset, page.limit, len(page.items), page.total),
    )


@bp.get("/work-orders/<int:wo_id>")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(WorkOrderOut, 404), tags=["work orders"])
def get_work_order(wo_id: int) -> WorkOrderOut:
    """One work order."""
    service = deps.container().work_order_service
    return _work_order(service.get(wo_id, deps.now(), viewer=api_user().actor))


@bp.post("/work-orders")
@api_auth(FACILITY_MANAGER, SUPERVISOR)
@spec.validate(resp=Spec(HTTP_201=WorkOrderOut, **ERRORS), tags=["work orders"])
def create_work_order(json: WorkOrderCreate) -> tuple[WorkOrderOut, int]:
    """Raise a work order by hand (facility managers and cleaning supervisors)."""
    view = deps.container().work_order_service.create(
        api_user().username, deps.now(), **json.model_dump()
    )
    return _work_order(view), 201


@bp.patch("/work-orders/<int:wo_id>")
@api_auth(*ALL_ROLES)
@spec.validate(resp=_resp(WorkOrderOut, 404, 409), tags=["work orders"])
def update_work_order(wo_id: int, json: WorkOrderPatch) -> WorkOrderOut:
    """Assign, tick the checklist, change status, add notes: all of it or, refused, none."""
    if api_user().role == VIEWER:
        raise ApiError(403, "forbidden", "the viewer role is read-only")
    view = deps.container().work_order_service.update(
        wo_id,
        api_user().username,
        deps.now(),
        ticks=[(tick.index, tick.done) for tick in json.checklist or ()],
        status=json.status,
        notes=json.notes,
        time_spent=json.time_spent_minutes,
        assignee=json.assignee if "assignee" in json.model_fields_set else UNSET,
    )
    return _work_order(view)


# --- plans ---
@bp.get("/plans")
@api_auth(*PLANNERS)
@spec.validate(resp=_resp(PlansOut), tags=["plans"])
def list_plans(query: PlansQuery) -> PlansOut:
    """Recurring plans (facility managers and cleaning supervisors)."""
    plans = deps.container().plan_service.list(
        query.building, query.crew, query.active, scope=api_user().scope
    )
    return PlansOut(items=[PlanOut.model_validate(p, from_attributes=True) for p in plans])


@bp.post("/plans")
@api_auth(*PLANNERS)
@spec.validate(resp=Spec(HTTP_201=PlanOut, **ERRORS), tags=["plans"])
def create_plan(json: PlanCreate) -> tuple[PlanOut, int]:
    """Add a recurring plan; generation starts now (facility managers and supervisors)."""
    data = json.model_dump()
    data.update(
        times=tuple(data["times"]), weekdays=tuple(data["weekdays"]),
        checklist=tuple(data["checklist"]),
    )  # fmt: skip
    view = deps.container().plan_service.create(PlanSpec(**data), api_user().username, deps.now())
    return PlanOut.model_validate(view, from_attributes=True), 201
