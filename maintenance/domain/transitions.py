"""Work-order status machine and who may do what: pure checks that raise on refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from maintenance.domain.errors import InvalidTransition, NotAllowed

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
    """Who is acting: role plus the crews they belong to and supervise."""

    username: str
    role: str
    member_of: frozenset[str] = field(default_factory=frozenset)
    supervises: frozenset[str] = field(default_factory=frozenset)
    active: bool = True


@dataclass(frozen=True)
class WorkOrderFacts:
    """The parts of a work order the permission rules look at."""

    status: str
    crew: str
    assignee: str | None = None


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


def check_transition(actor: Actor, wo: WorkOrderFacts, to_status: str) -> None:
    """Raise unless `actor` may move `wo` to `to_status` now."""
    if to_status not in TRANSITIONS:
        raise InvalidTransition(f"unknown status {to_status!r}")
    if to_status not in TRANSITIONS.get(wo.status, frozenset()):
        raise InvalidTransition(f"a work order cannot go from {wo.status} to {to_status}")
    if to_status == "assigned":
        raise InvalidTransition("assign the work order to someone to make it assigned")
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
            raise NotAllowed("nobody may verify work they did themselves")
        allowed = manager
    if not allowed:
        raise NotAllowed(
            f"{actor.role} {actor.username} may not move this work order to {to_status}"
        )


def check_assign(actor: Actor, wo: WorkOrderFacts, assignee: Actor) -> None:
    """Raise unless `actor` may give `wo` to `assignee`."""
    if wo.status not in REASSIGNABLE:
        raise InvalidTransition(f"a {wo.status} work order cannot be reassigned")
    taking_it = assignee.username == actor.username and _can_self_start(actor, wo)
    if not (is_manager_of(actor, wo.crew) or taking_it):
        raise NotAllowed(f"{actor.role} {actor.username} may not assign {wo.crew} work")
    if not assignee.active or assignee.role == "viewer":
        raise NotAllowed(f"{assignee.username} cannot be given work")
    if wo.crew not in assignee.member_of | assignee.supervises:
        raise NotAllowed(f"{assignee.username} is not in the {wo.crew} crew")


def check_work_on(actor: Actor, wo: WorkOrderFacts) -> None:
    """Raise unless `actor` may tick checklist items or log time on `wo`."""
    if wo.status in ("verified", "cancelled"):
        raise InvalidTransition(f"a {wo.status} work order is closed")
    if not (is_manager_of(actor, wo.crew) or _is_assignee(actor, wo)):
        raise NotAllowed(f"{actor.username} is neither assignee nor manager of this work order")


def check_comment(actor: Actor) -> None:
    """Raise unless `actor` may add notes (every active role except viewer)."""
    if not actor.active or actor.role == "viewer":
        raise NotAllowed(f"{actor.role} {actor.username} may not write notes")


def check_create(actor: Actor, crew: str) -> None:
    """Raise unless `actor` may raise a manual work order for `crew`."""
    # Cleaners spot broken AC units: a cleaning supervisor may raise work for any crew.
    if actor.active and actor.role in ("facility_manager", "cleaning_supervisor"):
        return
    if is_manager_of(actor, crew):
        return
    raise NotAllowed(f"{actor.role} {actor.username} may not create work orders")


def check_manage_plans(actor: Actor) -> None:
    """Raise unless `actor` may create or edit recurring plans."""
    if not (actor.active and actor.role in ("facility_manager", "cleaning_supervisor")):
        raise NotAllowed(f"{actor.role} {actor.username} may not manage plans")
