"""The daily digest: at 07:00 building time, facility managers and supervisors of each
building hear what waits for them — open alerts, overdue and escalated work, yesterday's
new alerts, and messages that could not be delivered.

One event per building and local day (`digest:{building}:{YYYY-MM-DD}`), routed once (its
mark is a primary key) through the outbox like any message: the outbox's UNIQUE (event key,
recipient, channel) makes it one delivery per person, channel and building-day however often
the job runs or however many schedulers run it. A scheduler that was down at 07:00 sends the
day's digest when it comes back, that same day; a day it missed entirely is not sent late.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ingest.adapters.orm import AlertRow
from maintenance.adapters.orm import Building, WorkOrder
from notifications.adapters import outbox
from notifications.adapters.orm import Delivery
from notifications.domain.model import Event, Person
from notifications.domain.texts import Rendered, render
from notifications.services.links import Links
from notifications.services.notifier import Audience, Notifier
from udara.db import transaction

DIGEST_AT = time(7, 0)
AUDIENCE = ("facility_managers", "supervisors")
OPEN_WORK = ("open", "assigned", "in_progress", "on_hold")


def digest_key(building: str, day: str) -> str:
    """The idempotency key of a building's digest of one local day."""
    return f"digest:{building}:{day}"


@dataclass(frozen=True)
class DigestFacts:
    """What one building's digest says."""

    open_alerts: int
    critical: int
    overdue: int
    escalated: int
    yesterday_alerts: int
    failed: int


class Digests:
    """Routes each building's daily digest once its local clock passes 07:00."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        notifier: Notifier,
        links: Links,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = session_factory
        self._notifier = notifier
        self._links = links
        self._clock = clock

    def run(self, now: datetime | None = None) -> int:
        """Route the digests due at `now`; how many deliveries that made."""
        now = now or self._clock()
        with self._sessions() as session:
            buildings = list(session.execute(select(Building.id, Building.code, Building.name,
                                                    Building.timezone)))  # fmt: skip
        made = 0
        for building_id, code, name, tz in buildings:
            local = now.astimezone(ZoneInfo(tz))
            if local.time() < DIGEST_AT:
                continue
            key = digest_key(code, local.date().isoformat())
            with self._sessions() as session:
                if outbox.routed(session, [key]):
                    continue
            midnight = datetime.combine(local.date(), time(0), tzinfo=ZoneInfo(tz))
            with transaction(self._sessions) as session:
                facts = self.facts(session, building_id, code, now, midnight)
                params = {"day": local.date().isoformat(), **asdict(facts)}
                event = Event(key=key, name="digest", building=code, at=now, params=params)
                texts = self._texts(facts, name, local.strftime("%d-%m-%Y"))
                routed = self._notifier.route(session, event, AUDIENCE, Audience(), texts, now)
            made += routed or 0
        return made

    @staticmethod
    def facts(
        session: Session, building_id: int, code: str, now: datetime, midnight: datetime
    ) -> DigestFacts:
        """The counts, in a handful of indexed queries (no readings are read)."""
        alerts = select(AlertRow.severity, func.count()).where(
            AlertRow.building == code, AlertRow.state != "resolved"
        ).group_by(AlertRow.severity)  # fmt: skip
        by_severity = {sev: int(n) for sev, n in session.execute(alerts)}
        work = (WorkOrder.building_id == building_id) & WorkOrder.status.in_(OPEN_WORK)
        overdue = session.scalar(
            select(func.count()).select_from(WorkOrder).where(work, WorkOrder.due_at < now)
        )
        escalated = session.scalar(
            select(func.count()).select_from(WorkOrder).where(work, WorkOrder.escalation_level > 0)
        )
        yesterday = session.scalar(
            select(func.count()).select_from(AlertRow).where(
                AlertRow.building == code, AlertRow.opened_at >= midnight - timedelta(days=1),
                AlertRow.opened_at < midnight,
            )
        )  # fmt: skip
        failed = session.scalar(
            select(func.count()).select_from(Delivery).where(
                Delivery.building == code, Delivery.status == "failed",
                Delivery.created_at >= now - timedelta(days=1),
            )
        )  # fmt: skip
        return DigestFacts(
            open_alerts=sum(by_severity.values()), critical=by_severity.get("critical", 0),
            overdue=int(overdue or 0), escalated=int(escalated or 0),
            yesterday_alerts=int(yesterday or 0), failed=int(failed or 0),
        )  # fmt: skip

    def _texts(self, facts: DigestFacts, place: str, day: str) -> Callable[[str, Person], Rendered]:
        link = self._links.base + "/alerts"

        def texts(lang: str, _recipient: Person) -> Rendered:
            return render(lang, "digest", place=place, day=day, link=link, **asdict(facts))

        return texts
