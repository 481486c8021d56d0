"""Work orders reach people: maintenance calls this inside the change's own transaction, so a
work order is assigned, escalated or done together with its deliveries, or neither is."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from maintenance.services.events import WorkOrderChange
from notifications.adapters import directory
from notifications.adapters.directory import WorkOrderFacts
from notifications.domain.model import Event, Person
from notifications.domain.texts import Rendered, render, word
from notifications.services.links import Links
from notifications.services.notifier import Audience, Notifier
from udara.i18n import words


def work_order_key(change: WorkOrderChange) -> str:
    """The idempotency key: one per assignment or completion (by version), one per level."""
    if change.kind == "escalated":
        return f"work_order:{change.work_order_id}:escalated:{change.level}"
    return f"work_order:{change.work_order_id}:{change.kind}:v{change.version}"


class WorkOrderNotifications:
    """The `WorkOrderListener` notifications give maintenance's services."""

    def __init__(self, notifier: Notifier, links: Links) -> None:
        self._notifier = notifier
        self._links = links

    def work_order_changed(self, session: Session, change: WorkOrderChange) -> None:
        """Write the change's deliveries in its transaction (an error rolls both back)."""
        names = self._notifier.routing.for_work_order(change.kind, change.level)
        if not names:
            return
        wo = directory.work_order(session, change.work_order_id)
        if wo is None:
            return
        event = Event(
            key=work_order_key(change),
            name=f"work_order_{change.kind}",
            building=wo.building,
            at=change.at,
            work_order_id=wo.id,
            actor=change.actor if change.actor != "system" else None,
            params={"level": change.level, "reason": change.reason, "crew": wo.crew},
        )
        audience = Audience(
            crews=frozenset({wo.crew}), assignee=change.assignee or wo.assignee,
            creator=wo.created_by,
        )  # fmt: skip
        texts = self._texts(session, wo, change)
        self._notifier.route(session, event, names, audience, texts, change.at)

    def _texts(
        self, session: Session, wo: WorkOrderFacts, change: WorkOrderChange
    ) -> Callable[[str, Person], Rendered]:
        building = directory.building(session, wo.building)
        tz = building.timezone if building else None
        room = directory.room_name(session, wo.building, wo.room) if wo.room else None
        where = building.name if building else wo.building
        place = f"{room} ({where})" if room else where
        link = self._links.work_order(wo.id)

        def texts(lang: str, _recipient: Person) -> Rendered:
            w = words(lang, tz)
            return render(
                lang, f"work_order_{change.kind}", id=wo.id, title=wo.title, place=place,
                priority=word(lang, wo.priority), crew=wo.crew, actor=change.actor,
                due=w.instant(wo.due_at) if wo.due_at else word(lang, "none"),
                at=w.instant(change.at), reason=word(lang, change.reason or ""), link=link,
            )  # fmt: skip

        return texts
