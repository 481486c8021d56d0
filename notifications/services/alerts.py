"""Alerts reach people: the listener ingest calls, and the scheduler's sweep.

Ingest's AlertService commits an alert before it calls listeners, so the deliveries of an
alert's opening cannot share that transaction. Instead the listener routes the event in a
transaction of its own, keyed `alert:{id}:opened`; the event mark and the deliveries commit
together. If the listener call fails (database blip, process killed between the two
commits), the sweep — every half minute in the scheduler — finds open critical alerts
without the mark and routes them, as maintenance's `AlertWorkOrders.sweep` repairs missed
work orders. Because the mark is a primary key, the listener and the sweep (or two
schedulers) cannot both route one event.

The sweep also does what only time can tell: warnings that have lasted 30 minutes within
the building's operating hours, escalation of critical alerts nobody acknowledged (15 min:
level 2, 60 min: level 3, from `routing.yaml`, counted from when people were first told),
and resolutions the listener missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from ingest.domain.messages import METRIC_NAMES
from ingest.domain.messages import word as alert_message
from notifications.adapters import directory, outbox
from notifications.domain.model import Event, Person
from notifications.domain.texts import Rendered, render, word
from notifications.domain.timing import open_time
from notifications.services.links import Links
from notifications.services.notifier import Audience, Notifier
from udara.db import transaction
from udara.i18n import words
from udara.scope import EVERYTHING

if TYPE_CHECKING:
    from ingest.alert_service import AlertService, AlertView

log = logging.getLogger(__name__)
ACK_ROLE = "facility_manager"


def alert_key(alert_id: int, name: str, level: int | None = None) -> str:
    """The idempotency key of an alert event."""
    suffix = {"alert_opened": "opened", "alert_resolved": "resolved"}.get(name, "escalated")
    return f"alert:{alert_id}:{suffix}" + (f":{level}" if level is not None else "")


@dataclass
class AlertSweepReport:
    """What one sweep routed."""

    opened: int = 0
    warnings: int = 0
    escalated: int = 0
    resolved: int = 0

    def to_json(self) -> dict[str, int]:
        """A JSON-ready dict."""
        return asdict(self)


class AlertNotifications:
    """The `AlertListener` notifications register with ingest, and the alert sweep."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        notifier: Notifier,
        links: Links,
        crews_for: Callable[[AlertView], frozenset[str]],
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = session_factory
        self._notifier = notifier
        self._links = links
        self._crews_for = crews_for
        self._clock = clock

    # --- the listener: called by ingest after the alert committed ---
    def alert_opened(self, alert: AlertView) -> None:
        """Critical alerts are told at once; warnings wait for the sweep (they must last)."""
        if alert.severity != "critical":
            return
        try:
            self.route(alert, "alert_opened", self._clock())
        except Exception:
            log.exception("could not route the opening of alert %s (the sweep will)", alert.id)

    def alert_resolved(self, alert: AlertView) -> None:
        """Whoever was told it opened hears it is over."""
        try:
            self.route(alert, "alert_resolved", self._clock())
        except Exception:
            log.exception("could not route the resolution of alert %s (the sweep will)", alert.id)

    # --- routing ---
    def route(
        self, alert: AlertView, name: str, now: datetime, level: int | None = None
    ) -> int | None:
        """Route one alert event; None when it was routed before."""
        routing = self._notifier.routing
        if name == "alert_resolved":
            names = routing.resolved
        elif name == "alert_escalated":
            names = next(s.notify for s in routing.escalation if s.level == level)
        else:
            names = routing.critical if alert.severity == "critical" else routing.warning
        event = Event(
            key=alert_key(alert.id, name, level),
            name=name,
            building=alert.building,
            at=now,
            urgent=alert.severity == "critical" and name != "alert_resolved",
            severity=alert.severity,
            alert_id=alert.id,
            params={"severity": alert.severity, "level": level, "kind": alert.kind,
                    "metric": alert.metric},
        )  # fmt: skip
        audience = Audience(crews=self._crews_for(alert), alert_id=alert.id)
        with transaction(self._sessions) as session:
            if name == "alert_resolved" and not outbox.routed(
                session, [alert_key(alert.id, "alert_opened")]
            ):
                return None  # nobody was told it opened (a short warning): nothing to say
            texts = self._texts(session, alert, name, level, now)
            return self._notifier.route(session, event, names, audience, texts, now)

    def _texts(
        self, session: Session, alert: AlertView, name: str, level: int | None, now: datetime
    ) -> Callable[[str, Person], Rendered]:
        building = directory.building(session, alert.building)
        tz = building.timezone if building else None
        room = directory.room_name(session, alert.building, alert.room)
        place = f"{room} ({building.name if building else alert.building})"
        key = f"alert_opened.{alert.severity}" if name == "alert_opened" else name
        link = self._links.alert(alert.id)
        with_ack = name != "alert_resolved" and alert.state == "active"

        def texts(lang: str, recipient: Person) -> Rendered:
            w = words(lang, tz)
            if alert.kind == "threshold" and alert.metric:
                what = w.gettext(METRIC_NAMES.get(alert.metric, alert.metric))
            else:
                what = word(lang, alert.kind)
            text = render(
                lang, key, what=what, place=place, level=level or "", link=link,
                message=alert_message(alert.message_code, alert.message_params, alert.message, w),
                since=w.instant(alert.opened_at), at=w.instant(alert.resolved_at or now),
            )  # fmt: skip
            # Only those who may acknowledge get the one-tap link (the API's rule: managers).
            if not with_ack or recipient.role != ACK_ROLE:
                return text
            ack = render(lang, "ack", link=self._links.ack(alert.id, recipient.username, now))
            return Rendered(text.subject, f"{text.body}\n{ack.body}")

        return texts

    # --- the sweep: run by the scheduler ---
    def sweep(self, alerts: AlertService, now: datetime) -> AlertSweepReport:
        """Route what time decides and what failed listener calls missed."""
        report = AlertSweepReport()
        routing = self._notifier.routing
        open_alerts = alerts.list(open_only=True, scope=EVERYTHING)
        opened_keys = [alert_key(a.id, "alert_opened") for a in open_alerts]
        with self._sessions() as session:
            told_at = outbox.routed(session, opened_keys)
        wanted: list[tuple[AlertView, str, int | None]] = []
        for alert in open_alerts:
            first_told = told_at.get(alert_key(alert.id, "alert_opened"))
            if first_told is None:
                if alert.severity == "critical" or self._warning_lasted(alert, now):
                    wanted.append((alert, "alert_opened", None))
            elif alert.severity == "critical" and alert.state == "active":
                # Counted from when people were first told, not from the reading's time:
                # an alert found in back-filled history is not already an hour overdue.
                wanted += [
                    (alert, "alert_escalated", step.level)
                    for step in routing.escalation
                    if now - first_told >= step.after
                ]
        with self._sessions() as session:
            done = outbox.routed(session, [alert_key(a.id, n, lv) for a, n, lv in wanted])
            told_open = outbox.alerts_told_open(session)
        for alert, name, level in wanted:
            if alert_key(alert.id, name, level) in done:
                continue
            if self._route_logged(alert, name, now, level) is not None:
                if name == "alert_escalated":
                    report.escalated += 1
                elif alert.severity == "critical":
                    report.opened += 1
                else:
                    report.warnings += 1
        still_open = {a.id for a in open_alerts}
        for alert_id in told_open:
            if alert_id in still_open:
                continue
            current = alerts.get(alert_id, scope=EVERYTHING)
            if current is not None and current.state == "resolved":
                if self._route_logged(current, "alert_resolved", now) is not None:
                    report.resolved += 1
        return report

    def _route_logged(
        self, alert: AlertView, name: str, now: datetime, level: int | None = None
    ) -> int | None:
        try:
            return self.route(alert, name, now, level)
        except Exception:
            log.exception("could not route %s of alert %s", name, alert.id)
            return None

    def _warning_lasted(self, alert: AlertView, now: datetime) -> bool:
        routing = self._notifier.routing
        if now - alert.opened_at < routing.warning_after:
            return False
        if not routing.warning_within_hours:
            return True
        with self._sessions() as session:
            building = directory.building(session, alert.building)
        if building is None:
            return True
        lasted = open_time(building.hours, building.timezone, alert.opened_at, now)
        return lasted >= routing.warning_after
