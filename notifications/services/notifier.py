"""Routing one event into the outbox, in the caller's transaction.

The event is marked routed and its deliveries written in one transaction: for work orders
it is the change's own (maintenance calls us inside it), for alerts our own right after
ingest committed the alert (the scheduler's sweep routes whatever a failed listener call
missed). The mark makes routing happen once per event; the outbox's UNIQUE (event key,
recipient, channel) makes each person's message once per channel however it is reached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notifications.adapters import directory, outbox
from notifications.domain.model import Event, Person
from notifications.domain.routing import ON_CALL, Routing, plan
from notifications.domain.texts import Rendered

log = logging.getLogger(__name__)
# (language, recipient) -> the message's subject and body for that person.
Texts = Callable[[str, Person], Rendered]


@dataclass(frozen=True)
class Audience:
    """What the audience names refer to for one event."""

    crews: frozenset[str] = frozenset()
    assignee: str | None = None
    creator: str | None = None
    alert_id: int | None = None


class Notifier:
    """Turns an event and its audiences into outbox rows."""

    def __init__(self, routing: Routing, default_tz: str) -> None:
        self.routing = routing
        self._default_tz = default_tz

    def people(self, session: Session, names: Iterable[str], audience: Audience) -> list[Person]:
        """The people the audience names stand for (routing narrows them further)."""
        found: list[Person] = []
        for name in names:
            if name == "facility_managers":
                found += directory.facility_managers(session)
            elif name == "supervisors":
                found += directory.supervisors(session)
            elif name == "crew_supervisors":
                found += directory.crew_supervisors(session, audience.crews)
            elif name == "assignee" and audience.assignee:
                found += directory.named(session, [audience.assignee])
            elif name == "creator" and audience.creator:
                found += directory.named(session, [audience.creator])
            elif name == "told" and audience.alert_id is not None:
                found += directory.named(session, outbox.told(session, audience.alert_id))
            elif name.startswith(ON_CALL):
                listed = self.routing.on_call.get(name[len(ON_CALL) :], ())
                found += directory.named(session, listed)
        return found

    def route(
        self,
        session: Session,
        event: Event,
        names: Iterable[str],
        audience: Audience,
        texts: Texts,
        now: datetime,
    ) -> int | None:
        """Write the event's deliveries; None when it had been routed before."""
        if not outbox.mark_routed(session, event, now):
            return None
        people = self.people(session, names, audience)
        by_name = {p.username: p for p in people}
        rows: list[dict[str, Any]] = []
        for planned in plan(event, people, now, self._default_tz):
            text = self._worded(texts, planned.lang, by_name[planned.recipient], event)
            pending = planned.status == "pending"
            rows.append({
                "event": event.name, "event_key": event.key, "recipient": planned.recipient,
                "channel": planned.contact.channel, "address": planned.contact.address,
                "lang": planned.lang, "status": planned.status, "reason": planned.reason,
                "attempts": 0, "created_at": now,
                # Gathered a moment, so what happens together goes out together.
                "next_attempt_at": planned.not_before + self.routing.gather if pending else now,
                "subject": text.subject, "body": text.body, "params": event.params,
                "building": event.building, "alert_id": event.alert_id,
                "work_order_id": event.work_order_id,
            })  # fmt: skip
        outbox.add(session, rows)
        outbox.count_routed(session, event.key, len(rows))
        return len(rows)

    @staticmethod
    def _worded(texts: Texts, lang: str, person: Person, event: Event) -> Rendered:
        """The person's text; a plain fallback if wording fails, so that a text's bug never
        refuses the work-order change whose transaction this is, nor loses the message."""
        try:
            return texts(lang, person)
        except Exception:
            log.exception("could not word %s for %s", event.key, person.username)
            return Rendered(f"[Udara] {event.name}: {event.key}", event.key)
