"""Work-order status machine and who may do what: pure checks that raise on refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from maintenance.domain.errors import InvalidTransition, NotAllowed
from udara.scope import EVERYTHING, Scope

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "open": frozenset({"assigned", "in_progress", "cancelled"}),
    "assigned": frozenset({"open", "in_progress", "cancelled"}),
    "in_progress": frozenset({"on_hold", "done", "cancelled"}),
    "on_hold": frozenset({"in_progress", "cancelled"}),
    # A supervisor who rejects finished work sends it back to in_progress.
    "done": frozenset({"verified", "in_progress"}),
    "verified": frozenset(),
    "cancelled": frozenset(),
}
REASSIGNABLE: Final = frozenset({"open", "assigned", "in_progress", "on_hold"})


@dataclass(frozen=True)
class Actor:
    """Who is acting: role, the crews they belong to and supervise, the buildings they reach."""

    username: str
    role: str
    member_of: frozenset[str] = field(default_factory=frozenset)
    supervises: frozenset[str] = field(default_factory=frozenset)
    active: bool = True
    scope: Scope = EVERYTHING


# Who the operator's shell and the scheduler read as: every building, every crew.
SYSTEM: Final = Actor("system", "facility_manager")


@dataclass(frozen=True)
class WorkOrderFacts:
    """The parts of a work order the permission rules look at."""

    status: str
    crew: str
    assignee: str | None = None
    building: str | None = None


def is_manager_of(actor: Actor, crew: str) -> bool:
    """Facility managers manage every crew; supervisors manage the crews they supervise."""
    if not actor.active or actor.role == "viewer":
        return False
    return actor.role == "facility_manager" or crew in actor.supervises


def _is_assignee(actor: Actor, wo: WorkOrderFacts) -> bool:
    return actor.active and actor.role != "viewer" and wo.assignee == actor.username


def _can_self_start(actor: Actor, wo: WorkOrderFacts) -> bool:
    # A crew member may pick up unassigned work of their own crew and start it.
    return (
        actor.active
        and actor.role != "viewer"
        and wo.assignee is None
        and wo.status == "open"
        and wo.crew in actor.member_of
    )


def may_manage(actor: Actor, wo: WorkOrderFacts) -> bool:
    """Whether the actor manages this work order's crew (assign, verify, cancel, hold)."""
    return is_manager_of(actor, wo.crew)


def may_work_on(actor: Actor, wo: WorkOrderFacts) -> bool:
    """Whether the actor works this order: its assignee, or a crew member who may pick it up."""
    return _is_assignee(actor, wo) or _can_self_start(actor, wo)


def may_tick(actor: Actor, wo: WorkOrderFacts) -> bool:
    """Whether the actor may tick the checklist: the assignee or a manager of the crew."""
    return _is_assignee(actor, wo) or is_manager_of(actor, wo.crew)


def check_transition(actor: Actor, wo: WorkOrderFacts, to_status: str) -> None:
    """Raise unless `actor` may move `wo` to `to_status` now."""
    if to_status not in TRANSITIONS:
        raise InvalidTransition.coded("unknown_status", status=to_status)
    if to_status not in TRANSITIONS.get(wo.status, frozenset()):
        raise InvalidTransition.coded("no_transition", from_status=wo.status, to_status=to_status)
    if to_status == "assigned":
        raise InvalidTransition.coded("assign_to_make_assigned")
    manager = is_manager_of(actor, wo.crew)
    if to_status in ("open", "cancelled"):
        allowed = manager
    elif to_status == "in_progress":
        reopening = wo.status == "done"
        allowed = manager or (
            not reopening and (_is_assignee(actor, wo) or _can_self_start(actor, wo))
        )
    elif to_status in ("on_hold", "done"):
        allowed = manager or _is_assignee(actor, wo)
    else:  # verified: four eyes, nobody verifies their own work
        if manager and wo.assignee == actor.username:
            raise NotAllowed.coded("verify_own_work")
        allowed = manager
    if not allowed:
        raise NotAllowed.coded(
            "may_not_move", role=actor.role, user=actor.username, to_status=to_status
        )


def check_assign(actor: Actor, wo: WorkOrderFacts, assignee: Actor) -> None:
    """Raise unless `actor` may give `wo` to `assignee`."""
    if wo.status not in REASSIGNABLE:
        raise InvalidTransition.coded("not_reassignable", status=wo.status)
    taking_it = assignee.username == actor.username and _can_self_start(actor, wo)
    if not (is_manager_of(actor, wo.crew) or taking_it):
        raise NotAllowed.coded("may_not_assign", role=actor.role, user=actor.username, crew=wo.crew)
    if not assignee.active or assignee.role == "viewer":
        raise NotAllowed.coded("cannot_be_given_work", user=assignee.username)
    if wo.crew not in assignee.member_of | assignee.supervises:
        raise NotAllowed.coded("not_in_crew", user=assignee.username, crew=wo.crew)
    if not assignee.scope.allows(wo.building):
        raise NotAllowed.coded("not_in_building", user=assignee.username, building=wo.building)


def check_work_on(actor: Actor, wo: WorkOrderFacts) -> None:
    """Raise unless `actor` may tick checklist items or log time on `wo`."""
    if wo.status in ("verified", "cancelled"):
        raise InvalidTransition.coded("work_order_closed", status=wo.status)
    if not (is_manager_of(actor, wo.crew) or _is_assignee(actor, wo)):
        raise NotAllowed.coded("not_assignee_or_manager", user=actor.username)


def check_comment(actor: Actor) -> None:
    """Raise unless `actor` may add notes (every active role except viewer)."""
    if not actor.active or actor.role == "viewer":
        raise NotAllowed.coded("may_not_write_notes", role=actor.role, user=actor.username)


def check_create(actor: Actor, crew: str) -> None:
    """Raise unless `actor` may raise a manual work order for `crew` (the building's reach is
    checked by the service first: a building out of scope does not exist for the actor)."""
    # Cleaners spot broken AC units: a cleaning supervisor may raise work for any crew.
    if actor.active and actor.role in ("facility_manager", "cleaning_supervisor"):
        return
    if is_manager_of(actor, crew):
        return
    raise NotAllowed.coded("may_not_create_work_orders", role=actor.role, user=actor.username)


def check_manage_plans(actor: Actor) -> None:
    """Raise unless `actor` may create or edit recurring plans."""
    if not (actor.active and actor.role in ("facility_manager", "cleaning_supervisor")):
        raise NotAllowed.coded("may_not_manage_plans", role=actor.role, user=actor.username)
