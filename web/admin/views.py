"""Plans (list, create), users (list, create), and the alert rules and profile in force."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import ValidationError

from ingest.domain.profiles import available_profiles, load_profile
from maintenance.domain.errors import NotAllowed, NotFound
from maintenance.domain.model import FREQUENCIES, PRIORITIES, ROLES, WORK_ORDER_TYPES
from maintenance.services.alert_work_orders import load_alert_rules
from maintenance.services.plan_rows import PlanSpec
from web import deps
from web.api.models import PlanCreate
from web.forms import UserBuildingsForm, UserForm
from web.i18n import lazy
from web.refusals import refusal
from web.security import FACILITY_MANAGER, PLANNERS, SUPERVISOR, me, roles_required
from web.workorders import attempt

bp = Blueprint("admin", __name__)
WEEKDAYS = (0, 1, 2, 3, 4, 5, 6)


def _plan_payload(form: Any) -> dict[str, Any]:
    """The plan form as the API's PlanCreate input (same validation for both)."""
    payload: dict[str, Any] = {
        key: form.get(key, "").strip()
        for key in ("code", "title", "type", "crew", "building", "freq", "start_date", "priority")
    }
    payload["description"] = form.get("description", "").strip()
    for key in ("room", "month_day", "due_minutes", "end_date"):
        if form.get(key, "").strip():
            payload[key] = form.get(key).strip()
    times = [t.strip() for t in form.get("times", "").split(",") if t.strip()]
    if times:
        payload["times"] = times
    payload["weekdays"] = [int(d) for d in form.getlist("weekdays") if d.isdigit()]
    payload["checklist"] = [
        line.strip() for line in form.get("checklist", "").splitlines() if line.strip()
    ]
    return payload


@bp.route("/plans", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def plans() -> ResponseReturnValue:
    """Recurring plans, and a form to add one."""
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            body = PlanCreate.model_validate(_plan_payload(request.form))
        except ValidationError as exc:
            errors = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            status = 400
        else:
            data = body.model_dump()
            data.update(
                times=tuple(data["times"]), weekdays=tuple(data["weekdays"]),
                checklist=tuple(data["checklist"]),
            )  # fmt: skip
            service = deps.container().plan_service
            created = attempt(lambda: service.create(PlanSpec(**data), me().username, deps.now()))
            if created is not None:
                flash(lazy("Plan %(code)s created.", code=created.code), "success")
                return redirect(url_for("admin.plans"))
            status = 400
    return render_template(
        "admin/plans.html",
        plans=deps.container().plan_service.list(scope=me().scope),
        errors=errors,
        form=request.form,
        crews=deps.container().user_service.crews(),
        types=WORK_ORDER_TYPES,
        priorities=PRIORITIES,
        frequencies=FREQUENCIES,
        weekdays=WEEKDAYS,
    ), status


def _chosen_buildings(chosen: list[str] | None) -> tuple[str, ...]:
    """The buildings picked in a form; a manager limited to buildings who picks none gives
    their own (they cannot give every building, which they do not hold)."""
    picked = tuple(chosen or ())
    return picked or tuple(me().scope.sorted())


@bp.route("/users", methods=["GET", "POST"])
@roles_required(FACILITY_MANAGER)
def users() -> ResponseReturnValue:
    """The people this manager administers, with roles, crews and buildings; add one."""
    service = deps.container().user_service
    codes = deps.container().location_service.building_codes(scope=me().scope)
    form = UserForm()
    form.role.choices = [(r, r) for r in ROLES]
    form.crew.choices = [("", "–"), *service.crews()]
    form.buildings.choices = [(c, c) for c in codes]
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            crews = (form.crew.data,) if form.crew.data else ()
            created = attempt(
                lambda: service.create(
                    form.username.data,
                    form.role.data,
                    deps.now(),
                    display_name=form.display_name.data or None,
                    password=form.password.data,
                    crews=crews,
                    buildings=_chosen_buildings(form.buildings.data),
                    by=me().actor,
                )
            )
            if created is not None:
                flash(lazy("User %(name)s created.", name=created.username), "success")
                return redirect(url_for("admin.users"))
    buildings_form = UserBuildingsForm()
    buildings_form.buildings.choices = form.buildings.choices
    users = service.list(viewer=me().actor)
    page = render_template(
        "admin/users.html", users=users, form=form, buildings_form=buildings_form
    )
    return page, status


@bp.post("/users/<username>/buildings")
@roles_required(FACILITY_MANAGER)
def user_buildings(username: str) -> ResponseReturnValue:
    """Limit a user to the buildings picked (none: every building, for unlimited managers)."""
    service = deps.container().user_service
    form = UserBuildingsForm()
    codes = deps.container().location_service.building_codes(scope=me().scope)
    form.buildings.choices = [(c, c) for c in codes]
    if not form.validate_on_submit():
        abort(400)
    try:
        service.set_buildings(username, _chosen_buildings(form.buildings.data), by=me().actor)
    except NotFound:
        abort(404)
    except NotAllowed as exc:
        flash(lazy("Not allowed: %(detail)s", detail=refusal(exc)), "error")
    else:
        flash(lazy("Buildings of %(name)s saved.", name=username), "success")
    return redirect(url_for("admin.users"))


@bp.get("/rules")
@roles_required(FACILITY_MANAGER, SUPERVISOR)
def rules() -> ResponseReturnValue:
    """The threshold profile in force (and the others), and which alerts raise which work."""
    return render_template(
        "admin/rules.html",
        profile=deps.profile(),
        profiles=[load_profile(name) for name in available_profiles()],
        rules=load_alert_rules(),
    )
