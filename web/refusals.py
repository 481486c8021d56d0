"""Maintenance refusals in the reader's language: the domain's coded errors, worded here.

The domain keeps English text for logs and the CLI (`str(exc)`); pages and the API show
`refusal(exc)`, the same template translated, with statuses and roles in words too.
"""

from __future__ import annotations

from flask_babel import LazyString

from maintenance.domain.errors import MaintenanceError
from web.i18n import lazy
from web.labels import ROLE, WO_STATUS

# The same templates as `maintenance.domain.errors.MESSAGES` (a test keeps them equal).
MESSAGES: dict[str, LazyString] = {
    "unknown_status": lazy("unknown status '%(status)s'"),
    "no_transition": lazy("a work order cannot go from %(from_status)s to %(to_status)s"),
    "assign_to_make_assigned": lazy("assign the work order to someone to make it assigned"),
    "verify_own_work": lazy("nobody may verify work they did themselves"),
    "may_not_move": lazy("%(role)s %(user)s may not move this work order to %(to_status)s"),
    "not_reassignable": lazy("a %(status)s work order cannot be reassigned"),
    "may_not_assign": lazy("%(role)s %(user)s may not assign %(crew)s work"),
    "cannot_be_given_work": lazy("%(user)s cannot be given work"),
    "not_in_crew": lazy("%(user)s is not in the %(crew)s crew"),
    "not_in_building": lazy("%(user)s does not work in building %(building)s"),
    "work_order_closed": lazy("a %(status)s work order is closed"),
    "not_assignee_or_manager": lazy("%(user)s is neither assignee nor manager of this work order"),
    "may_not_write_notes": lazy("%(role)s %(user)s may not write notes"),
    "may_not_create_work_orders": lazy("%(role)s %(user)s may not create work orders"),
    "may_not_manage_plans": lazy("%(role)s %(user)s may not manage plans"),
    "checklist_unfinished": lazy("tick every checklist item, or say in the notes why not"),
    "no_work_order": lazy("no work order %(id)s"),
    "unknown_type_or_priority": lazy("unknown work-order type or priority"),
    "empty_title": lazy("title must not be empty"),
    "no_crew": lazy("no crew '%(crew)s'"),
    "no_building": lazy("no building '%(building)s'"),
    "no_room": lazy("no room %(building)s/%(room)s"),
    "negative_time_spent": lazy("time_spent is minutes, at least 0"),
    "time_spent_without_status": lazy("time_spent goes with a status change"),
    "empty_note": lazy("a note needs text"),
    "no_checklist_item": lazy("checklist has no item %(index)s"),
    "bad_code": lazy("code '%(code)s': 1-64 of a-z, 0-9, '-' and '_'"),
    "bad_name": lazy("a name has 1 to 100 characters"),
    "bad_level": lazy("floor level must be a whole number from -20 to 300"),
    "no_floor": lazy("no floor '%(floor)s' in building %(building)s"),
    "building_exists": lazy("building '%(building)s' already exists"),
    "floor_exists": lazy("floor '%(floor)s' already exists in building %(building)s"),
    "room_exists": lazy("room %(building)s/%(room)s already exists"),
    "room_is_alias": lazy("%(building)s/%(room)s was merged into room %(into)s: use that room"),
    "merge_into_itself": lazy("a room cannot be merged into itself"),
    "may_not_manage_locations": lazy("%(role)s %(user)s may not change buildings, floors or rooms"),
    "may_not_create_buildings": lazy(
        "%(user)s reaches only some buildings, so may not create one: ask a facility "
        "manager of every building"
    ),
    "hours_clause": lazy(
        "operating hours '%(clause)s': write days, then times or 'closed', e.g. mon-fri "
        "07:00-19:00,sat 08:00-13:00"
    ),
    "hours_day": lazy(
        "unknown day '%(day)s': use mon, tue, wed, thu, fri, sat, sun, a range such as "
        "mon-fri, or daily"
    ),
    "hours_time": lazy("'%(time)s' is not a time of day: HH:MM from 00:00 to 24:00"),
    "hours_period": lazy("'%(period)s' is not a period: write start-end, e.g. 07:00-19:00"),
    "hours_order": lazy(
        "the period %(period)s ends before it starts: split a night at midnight "
        "(22:00-24:00, then 00:00-06:00 the next day)"
    ),
    "hours_overlap": lazy("on %(day)s the periods %(first)s and %(second)s overlap"),
    "hours_twice": lazy("%(day)s is given twice in the operating hours"),
    "no_user": lazy("no user '%(user)s'"),
    "bad_username": lazy("username: 1-64 letters, digits, '.', '_', '@' or '-'"),
    "bad_role": lazy("role must be one of %(allowed)s"),
    "user_exists": lazy("a user named '%(user)s' already exists"),
    "bad_crew_id": lazy("crew id: 1-32 of a-z, 0-9, '_' and '-'"),
    "scope_not_held": lazy("%(user)s may only give access to buildings they reach (%(buildings)s)"),
    "no_plan": lazy("no plan %(id)s"),
    "plan_exists": lazy("a plan with code '%(code)s' already exists"),
    "plan_field_unknown": lazy("plans have no field %(fields)s"),
    "plan_code_fixed": lazy("a plan's code cannot change"),
    "days_at_least_one": lazy("days must be at least 1"),
    "must_be_one_of": lazy("%(what)s must be one of %(allowed)s"),
    "empty_code_or_title": lazy("code and title must not be empty"),
    "due_minutes_positive": lazy("due_minutes must be positive"),
    "unknown_time_zone": lazy("unknown time zone '%(zone)s'"),
    "interval_at_least_one": lazy("interval must be at least 1"),
    "time_of_day_needed": lazy("at least one time of day is needed"),
    "bad_weekdays": lazy("weekdays are 0 (Monday) to 6 (Sunday)"),
    "bad_month_day": lazy("month_day must be 1..31 or -1 (last day)"),
    "bad_month": lazy("month must be 1..12"),
    "end_before_start": lazy("end date is before start date"),
    "no_device": lazy("no device '%(device)s'"),
    "may_not_manage_devices": lazy("%(role)s %(user)s may not manage devices"),
    "bad_mapping": lazy("'%(source)s' cannot be read as '%(metric)s'"),
    "bad_offset": lazy("the offset of %(metric)s must be a number for a known metric"),
    "no_request": lazy("no request %(ref)s"),
    "may_not_triage": lazy("%(role)s %(user)s may not accept or reject requests"),
    "request_decided": lazy("request %(ref)s is %(status)s already"),
    "reject_reason_needed": lazy("say why the request is rejected"),
    "may_not_print_links": lazy("%(role)s %(user)s may not print or rotate room links"),
    "no_asset": lazy("no asset '%(asset)s'"),
    "asset_exists": lazy("asset '%(asset)s' already exists"),
    "may_not_manage_assets": lazy("%(role)s %(user)s may not add or change assets"),
    "asset_other_building": lazy("asset '%(asset)s' is not in building %(building)s"),
    "meter_not_negative": lazy("a meter reading is a number of at least 0"),
    "no_inspection": lazy("no inspection %(id)s"),
    "no_template": lazy("no inspection template '%(template)s'"),
    "may_not_inspect": lazy("%(role)s %(user)s may not run inspections"),
    "answer_missing": lazy("answer every item: '%(item)s' has no answer"),
    "score_out_of_range": lazy("'%(item)s': a score is 1 to 5"),
    "photo_required": lazy("'%(item)s' failed: take a photo of it"),
    "unknown_item": lazy("the template has no item '%(item)s'"),
    "may_not_manage_stock": lazy("%(role)s %(user)s may not manage stock"),
    "bad_quantity": lazy("a quantity must be a positive number, not %(value)s"),
    "no_item": lazy("no stock item '%(item)s'"),
    "item_exists": lazy("a stock item '%(item)s' already exists"),
    "bad_unit": lazy("unit must be one of %(allowed)s"),
    "not_enough_stock": lazy(
        "only %(have)s %(unit)s of %(item)s in %(building)s: receive stock first"
    ),
    "consumption_needs_building": lazy("this work order has no building"),
}

_WORDED = {"status": WO_STATUS, "from_status": WO_STATUS, "to_status": WO_STATUS, "role": ROLE}


def refusal(exc: MaintenanceError) -> str:
    """What `exc` says, in the language of this request; uncoded errors in English."""
    template = MESSAGES.get(exc.code)
    if template is None:
        return str(exc)
    params = {
        name: _WORDED[name].get(str(value), value) if name in _WORDED else value
        for name, value in exc.params.items()
    }
    return str(template) % params if params else str(template)


# A refused upload (occupants.domain.model.PhotoRefused's codes), worded for every form and
# the API alike.
PHOTO_REFUSALS: dict[str, LazyString] = {
    "photo_too_large": lazy("The photo is too large: at most 5 MB."),
    "photo_not_jpeg_or_png": lazy("The photo must be a JPEG or PNG picture."),
    "photo_unreadable": lazy("The photo could not be read. Try another one."),
}


def photo_refusal(code: str) -> LazyString:
    """Why a photo was refused, in the reader's language."""
    return PHOTO_REFUSALS.get(code, PHOTO_REFUSALS["photo_unreadable"])
