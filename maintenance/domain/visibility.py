"""Who may see what: one visibility rule per object, pure, used by every service.

Every channel (pages, API, CSV, print views, charts, CLI, notifications) asks the services,
and the services ask these rules; no view re-implements them. An object the actor may not
see is, to them, an object that does not exist: the services raise NotFound (HTTP 404).

Each rule comes in two forms built from the same data: `admits(facts)` for one object in
hand, and the fields the query layer turns into a WHERE clause for lists, so a list and a
single read can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from maintenance.domain.errors import NotAllowed
from maintenance.domain.transitions import Actor, WorkOrderFacts
from udara.scope import Scope

USER_ADMIN_ROLE = "facility_manager"


@dataclass(frozen=True)
class WorkOrderVisibility:
    """The work orders one actor sees: in `scope`, and (when `crews` is not None) of those
    crews or assigned to `assignee`."""

    scope: Scope
    crews: frozenset[str] | None = None
    assignee: str | None = None

    def admits(self, wo: WorkOrderFacts) -> bool:
        """True when the actor may see this work order."""
        if not self.scope.allows(wo.building):
            return False
        if self.crews is None:
            return True
        return wo.crew in self.crews or (wo.assignee is not None and wo.assignee == self.assignee)


def work_order_visibility(actor: Actor) -> WorkOrderVisibility:
    """Technicians see their crews' work and what is assigned to them; the other roles see
    all work of their buildings. Everyone sees only their buildings."""
    if actor.role == "technician":
        return WorkOrderVisibility(actor.scope, actor.member_of | actor.supervises, actor.username)
    return WorkOrderVisibility(actor.scope)


def may_see_building(actor: Actor, building: str | None) -> bool:
    """Rooms, readings, alerts, compliance and plans follow their building."""
    return actor.scope.allows(building)


def may_see_colleague(actor: Actor, user_scope: Scope) -> bool:
    """Someone to give work to: a person who shares a building with the actor (or reaches
    every building). A person only of other buildings does not exist for the actor."""
    return actor.scope.overlaps(user_scope)


def may_see_user(actor: Actor, user_scope: Scope) -> bool:
    """A user administrator sees the people entirely within their own buildings.

    A manager of buildings A and B sees the crews of A and B, not the company-wide
    administrator nor a colleague who also works in building C: seeing them would let the
    manager change, deactivate or mint tokens for someone who reaches C.
    """
    return actor.active and actor.role == USER_ADMIN_ROLE and actor.scope.covers(user_scope)


def check_grant(actor: Actor, granted: Scope) -> None:
    """Raise unless `actor` holds every building of the scope they want to give someone."""
    if not actor.scope.covers(granted):
        raise NotAllowed.coded(
            "scope_not_held", user=actor.username, buildings=", ".join(granted.sorted()) or "*"
        )
