"""Alerts become work orders: one open order per (room, rule), later alerts attach to it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import Room, WorkOrder, WorkOrderAlert
from maintenance.adapters.sql import insert_ignore
from maintenance.domain.model import PRIORITIES
from maintenance.domain.rules import AlertFacts, AlertRule, matching_rules, parse_rules
from maintenance.services.alert_resolution import resolve_alert, settle_resolved_orders
from maintenance.services.locations import LocationService
from maintenance.services.records import checklist_from, insert_work_order, record
from maintenance.services.sla import load_targets
from maintenance.views import RoomView
from udara.db import transaction
from udara.scope import EVERYTHING

if TYPE_CHECKING:
    from ingest.alert_service import AlertService, AlertView

log = logging.getLogger(__name__)
DEFAULT_RULES_FILE = Path(__file__).parents[1] / "alert_rules.yaml"


def load_alert_rules(path: Path = DEFAULT_RULES_FILE) -> tuple[AlertRule, ...]:
    """The alert rules in a YAML file (the shipped defaults unless told otherwise)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_rules(data.get("rules", []))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass
class SweepReport:
    """What one reconcile sweep over alerts did."""

    attached: int = 0
    resolved: int = 0


class AlertWorkOrders:
    """The `AlertListener` maintenance registers with ingest's AlertService."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        locations: LocationService,
        rules: Sequence[AlertRule],
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = session_factory
        self._locations = locations
        self.rules = tuple(rules)
        self._clock = clock

    def alert_opened(self, alert: AlertView) -> None:
        """Listener hook; a failure is logged and the next reconcile sweep repairs it."""
        try:
            self.handle_opened(alert, self._clock())
        except Exception:
            log.exception("could not turn alert %s into a work order", alert.id)

    def alert_resolved(self, alert: AlertView) -> None:
        """Listener hook; a failure is logged and the next reconcile sweep repairs it."""
        try:
            self.handle_resolved(alert, self._clock())
        except Exception:
            log.exception("could not record resolution of alert %s", alert.id)

    def handle_opened(self, alert: AlertView, now: datetime) -> list[int]:
        """Attach `alert` to one work order per matching rule; ids of those work orders."""
        facts = AlertFacts(alert.kind, alert.severity, alert.metric, alert.value)
        rules = matching_rules(self.rules, facts)
        if not rules:
            return []
        room = self._locations.ensure_room(alert.building, alert.room)
        return [self._attach(rule, alert, room, now) for rule in rules]

    def handle_resolved(self, alert: AlertView, now: datetime) -> int:
        """Record on its work orders that `alert` resolved; how many orders noted it."""
        with transaction(self._sessions) as session:
            return resolve_alert(session, alert.id, alert.resolved_at or now, now)

    def sweep(self, alerts: AlertService, now: datetime) -> SweepReport:
        """Repair what failed listener calls missed: unlinked open alerts, unnoted resolutions."""
        report = SweepReport()
        open_alerts = list(alerts.list(open_only=True, scope=EVERYTHING))
        links = select(WorkOrderAlert.alert_id, WorkOrderAlert.rule_id).where(
            WorkOrderAlert.alert_id.in_([a.id for a in open_alerts])
        )
        unresolved = (
            select(WorkOrderAlert.alert_id).where(WorkOrderAlert.resolved_at.is_(None)).distinct()
        )
        with self._sessions() as session:
            done = set(session.execute(links))
            pending = list(session.scalars(unresolved))
        for alert in open_alerts:
            facts = AlertFacts(alert.kind, alert.severity, alert.metric, alert.value)
            missing = [r for r in matching_rules(self.rules, facts) if (alert.id, r.id) not in done]
            if missing:
                room = self._locations.ensure_room(alert.building, alert.room)
                for rule in missing:
                    self._attach(rule, alert, room, now)
                    report.attached += 1
        for alert_id in pending:
            current = alerts.get(alert_id, scope=EVERYTHING)
            if current is None or current.state == "resolved":
                at = (current.resolved_at if current is not None else None) or now
                with transaction(self._sessions) as session:
                    report.resolved += resolve_alert(session, alert_id, at, now)
        with transaction(self._sessions) as session:
            report.resolved += settle_resolved_orders(session, now)
        return report

    def _attach(self, rule: AlertRule, alert: AlertView, room: RoomView, now: datetime) -> int:
        key = f"{room.id}/{rule.id}"
        with transaction(self._sessions) as session:
            existing = session.scalar(
                select(WorkOrderAlert.work_order_id).where(
                    WorkOrderAlert.alert_id == alert.id, WorkOrderAlert.rule_id == rule.id
                )
            )
            if existing is not None:
                return int(existing)  # replayed: the listener and the sweep both saw it
            wo_id, created = _open_order(session, key, rule, alert, room, now)
            link = {"work_order_id": wo_id, "alert_id": alert.id, "rule_id": rule.id,
                    "attached_at": now, "resolved_at": alert.resolved_at}  # fmt: skip
            if insert_ignore(session, WorkOrderAlert, link, on=["alert_id", "rule_id"]) is None:
                return wo_id
            if not created:
                if alert.resolved_at is None:
                    _condition_back(session, wo_id, now)
                _raise_priority(session, wo_id, rule.priority_for(alert.severity), now)
                record(session, wo_id, now, "system", "alert_attached", alert_id=alert.id)
            return wo_id


def _locked_open(session: Session, key: str) -> int | None:
    # UPDATE .. RETURNING locks the open order (or waits for whoever is closing it).
    stmt = (
        update(WorkOrder)
        .where(WorkOrder.open_key == key)
        .values(version=WorkOrder.version + 1)
        .returning(WorkOrder.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def _open_order(
    session: Session, key: str, rule: AlertRule, alert: AlertView, room: RoomView, now: datetime
) -> tuple[int, bool]:
    for _ in range(3):  # only loops if an order closes between our two statements
        wo_id = _locked_open(session, key)
        if wo_id is not None:
            return wo_id, False
        priority = rule.priority_for(alert.severity)
        words = _Blank(building=alert.building, room=room.name, metric=alert.metric or "",
                       value=f"{alert.value:g}" if alert.value is not None else "",
                       sensor=alert.sensor or "")  # fmt: skip
        values = {
            "type": rule.type, "crew_id": rule.crew, "building_id": None, "room_id": room.id,
            "title": rule.title.format_map(words)[:200], "description": rule.description,
            "priority": priority, "checklist": checklist_from(rule.checklist),
            "source": "alert", "alert_id": alert.id, "rule_id": rule.id, "open_key": key,
        }  # fmt: skip
        values["building_id"] = session.get_one(Room, room.id).building_id
        target = load_targets(session)[(rule.type, priority)]
        new_id = insert_work_order(
            session, values, target=target, start=alert.opened_at, now=now, actor="system",
            on=["open_key"],
        )  # fmt: skip
        if new_id is not None:
            return new_id, True
    raise RuntimeError(f"could not open or find the work order for {key}")


def _condition_back(session: Session, wo_id: int, now: datetime) -> None:
    # The order is locked (`_locked_open`): a resolution counting its open alerts waits for us.
    wo = session.get_one(WorkOrder, wo_id)
    if wo.alert_resolved_at is not None:
        wo.alert_resolved_at = None
        wo.updated_at = now


def _raise_priority(session: Session, wo_id: int, priority: str, now: datetime) -> None:
    wo = session.get_one(WorkOrder, wo_id)
    if PRIORITIES.index(priority) > PRIORITIES.index(wo.priority):
        record(session, wo_id, now, "system", "priority_raised", old=wo.priority, new=priority)
        wo.priority = priority
        wo.updated_at = now
