"""Exceptions the maintenance services raise; entrypoints map them to status codes.

Each refusal can carry a stable `code` and its `params`: `str(exc)` stays the English text
(logs, CLI), and an entrypoint that speaks other languages words `MESSAGES[code]` (a
`%(name)s` template) in the reader's language with the same params.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Self

# The English wording of every coded refusal; the web edge translates these same templates.
MESSAGES: Final[dict[str, str]] = {
    # work-order status machine and roles (domain/transitions.py, services/workflow.py)
    "unknown_status": "unknown status '%(status)s'",
    "no_transition": "a work order cannot go from %(from_status)s to %(to_status)s",
    "assign_to_make_assigned": "assign the work order to someone to make it assigned",
    "verify_own_work": "nobody may verify work they did themselves",
    "may_not_move": "%(role)s %(user)s may not move this work order to %(to_status)s",
    "not_reassignable": "a %(status)s work order cannot be reassigned",
    "may_not_assign": "%(role)s %(user)s may not assign %(crew)s work",
    "cannot_be_given_work": "%(user)s cannot be given work",
    "not_in_crew": "%(user)s is not in the %(crew)s crew",
    "not_in_building": "%(user)s does not work in building %(building)s",
    "work_order_closed": "a %(status)s work order is closed",
    "not_assignee_or_manager": "%(user)s is neither assignee nor manager of this work order",
    "may_not_write_notes": "%(role)s %(user)s may not write notes",
    "may_not_create_work_orders": "%(role)s %(user)s may not create work orders",
    "may_not_manage_plans": "%(role)s %(user)s may not manage plans",
    "checklist_unfinished": "tick every checklist item, or say in the notes why not",
    # work orders (services/workorders.py)
    "no_work_order": "no work order %(id)s",
    "unknown_type_or_priority": "unknown work-order type or priority",
    "empty_title": "title must not be empty",
    "no_crew": "no crew '%(crew)s'",
    "no_building": "no building '%(building)s'",
    "no_room": "no room %(building)s/%(room)s",
    "negative_time_spent": "time_spent is minutes, at least 0",
    "time_spent_without_status": "time_spent goes with a status change",
    "empty_note": "a note needs text",
    "no_checklist_item": "checklist has no item %(index)s",
    # buildings, floors, rooms (services/buildings.py, domain/locations.py, domain/hours.py)
    "bad_code": "code '%(code)s': 1-64 of a-z, 0-9, '-' and '_'",
    "bad_name": "a name has 1 to 100 characters",
    "bad_level": "floor level must be a whole number from -20 to 300",
    "no_floor": "no floor '%(floor)s' in building %(building)s",
    "building_exists": "building '%(building)s' already exists",
    "floor_exists": "floor '%(floor)s' already exists in building %(building)s",
    "room_exists": "room %(building)s/%(room)s already exists",
    "room_is_alias": "%(building)s/%(room)s was merged into room %(into)s: use that room",
    "merge_into_itself": "a room cannot be merged into itself",
    "may_not_manage_locations": "%(role)s %(user)s may not change buildings, floors or rooms",
    "may_not_create_buildings": (
        "%(user)s reaches only some buildings, so may not create one: "
        "ask a facility manager of every building"
    ),
    "hours_clause": (
        "operating hours '%(clause)s': write days, then times or 'closed', "
        "e.g. mon-fri 07:00-19:00,sat 08:00-13:00"
    ),
    "hours_day": (
        "unknown day '%(day)s': use mon, tue, wed, thu, fri, sat, sun, a range such as "
        "mon-fri, or daily"
    ),
    "hours_time": "'%(time)s' is not a time of day: HH:MM from 00:00 to 24:00",
    "hours_period": "'%(period)s' is not a period: write start-end, e.g. 07:00-19:00",
    "hours_order": (
        "the period %(period)s ends before it starts: split a night at midnight "
        "(22:00-24:00, then 00:00-06:00 the next day)"
    ),
    "hours_overlap": "on %(day)s the periods %(first)s and %(second)s overlap",
    "hours_twice": "%(day)s is given twice in the operating hours",
    # people (services/users.py)
    "no_user": "no user '%(user)s'",
    "bad_username": "username: 1-64 letters, digits, '.', '_', '@' or '-'",
    "bad_role": "role must be one of %(allowed)s",
    "user_exists": "a user named '%(user)s' already exists",
    "bad_crew_id": "crew id: 1-32 of a-z, 0-9, '_' and '-'",
    "scope_not_held": "%(user)s may only give access to buildings they reach (%(buildings)s)",
    # plans (services/plans.py, services/plan_rows.py, domain/recurrence.py, domain/catchup.py)
    "no_plan": "no plan %(id)s",
    "plan_exists": "a plan with code '%(code)s' already exists",
    "plan_field_unknown": "plans have no field %(fields)s",
    "plan_code_fixed": "a plan's code cannot change",
    "days_at_least_one": "days must be at least 1",
    "must_be_one_of": "%(what)s must be one of %(allowed)s",
    "empty_code_or_title": "code and title must not be empty",
    "due_minutes_positive": "due_minutes must be positive",
    "unknown_time_zone": "unknown time zone '%(zone)s'",
    "interval_at_least_one": "interval must be at least 1",
    "time_of_day_needed": "at least one time of day is needed",
    "bad_weekdays": "weekdays are 0 (Monday) to 6 (Sunday)",
    "bad_month_day": "month_day must be 1..31 or -1 (last day)",
    "bad_month": "month must be 1..12",
    "end_before_start": "end date is before start date",
    # devices (devices/service.py)
    "no_device": "no device '%(device)s'",
    "may_not_manage_devices": "%(role)s %(user)s may not manage devices",
    "bad_mapping": "'%(source)s' cannot be read as '%(metric)s'",
    "bad_offset": "the offset of %(metric)s must be a number for a known metric",
    # occupants (occupants/services)
    "no_request": "no request %(ref)s",
    "may_not_triage": "%(role)s %(user)s may not accept or reject requests",
    "request_decided": "request %(ref)s is %(status)s already",
    "reject_reason_needed": "say why the request is rejected",
    "may_not_print_links": "%(role)s %(user)s may not print or rotate room links",
    # assets (assets/service.py)
    "no_asset": "no asset '%(asset)s'",
    "asset_exists": "asset '%(asset)s' already exists",
    "may_not_manage_assets": "%(role)s %(user)s may not add or change assets",
    "asset_other_building": "asset '%(asset)s' is not in building %(building)s",
    "meter_not_negative": "a meter reading is a number of at least 0",
    # inspections (inspections/services)
    "no_inspection": "no inspection %(id)s",
    "no_template": "no inspection template '%(template)s'",
    "may_not_inspect": "%(role)s %(user)s may not run inspections",
    "answer_missing": "answer every item: '%(item)s' has no answer",
    "score_out_of_range": "'%(item)s': a score is 1 to 5",
    "photo_required": "'%(item)s' failed: take a photo of it",
    "unknown_item": "the template has no item '%(item)s'",
    # stock (services/stock.py, domain/stock.py)
    "may_not_manage_stock": "%(role)s %(user)s may not manage stock",
    "bad_quantity": "a quantity must be a positive number, not %(value)s",
    "no_item": "no stock item '%(item)s'",
    "item_exists": "a stock item '%(item)s' already exists",
    "bad_unit": "unit must be one of %(allowed)s",
    "not_enough_stock": ("only %(have)s %(unit)s of %(item)s in %(building)s: receive stock first"),
    "consumption_needs_building": "this work order has no building",
}


class MaintenanceError(Exception):
    """Base of every maintenance domain error.

    `code` is "" for refusals without a code (their English text is all there is).
    """

    def __init__(
        self, message: str, code: str = "", params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, object] = dict(params or {})

    @classmethod
    def coded(cls, code: str, /, **params: object) -> Self:
        """The refusal `code`, its English text filled in from `MESSAGES` with `params`."""
        return cls(MESSAGES[code] % params, code, params)


class NotFound(MaintenanceError):
    """The work order, plan, user or location does not exist (HTTP 404)."""


class NotAllowed(MaintenanceError):
    """The acting user's role or crew does not permit this action (HTTP 403)."""


class InvalidTransition(MaintenanceError):
    """The work order cannot move from its current status to the requested one (HTTP 409)."""


class Conflict(MaintenanceError):
    """What is asked for clashes with what exists: a code taken, an alias in the way (HTTP 409)."""


class InvalidInput(MaintenanceError, ValueError):
    """A value is missing, malformed or inconsistent (HTTP 422)."""
