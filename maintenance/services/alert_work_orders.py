"""Alerts become work orders: one open order per (room, rule), later alerts attach to it.

Zone diagnosis (rules with `zone: true`, domain/zones.py): a room served by a registered
unit (AHU, FCU, ...) looks at the unit's zone first. When another room of the zone has an
open order of the same rule from within the window, the earlier order becomes the unit's
order (key `asset:{id}/{rule}`) naming the rooms, and this alert attaches to it; alerts of
the zone's rooms keep attaching to it while it is open. Decisions of one unit take its row
lock, so concurrent breaches in its rooms are decided one at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session, sessionmaker

from assets.adapters.orm import AssetRoom, AssetRow
from assets.domain.model import ZONE_KINDS
from maintenance.adapters.orm import Room, WorkOrder, WorkOrderAlert
from maintenance.adapters.sql import insert_ignore, lock
from maintenance.domain.model import PRIORITIES
from maintenance.domain.rules import AlertFacts, AlertRule, matching_rules, parse_rules
from maintenance.domain.zones import (
    OpenRoomOrder,
    ZoneConfig,
    ZoneDecision,
    decide_zone,
    parse_zone_config,
)
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


def load_zone_config(path: Path = DEFAULT_RULES_FILE) -> ZoneConfig:
    """The `zones:` settings of the rules file: how many rooms within how long."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_zone_config(data.get("zones"))


@dataclass(frozen=True)
class ServingUnit:
    """The unit that supplies a room, and the rooms of its zone."""

    id: int
    code: str
    room_id: int | None
    zone: tuple[int, ...]


def serving_unit(session: Session, room_id: int) -> ServingUnit | None:
    """The active unit serving `room_id` (an AHU before an FCU: ZONE_KINDS order), if any."""
    preference = case({kind: i for i, kind in enumerate(ZONE_KINDS)}, value=AssetRow.kind, else_=99)
    row = session.execute(
        select(AssetRow.id, AssetRow.code, AssetRow.room_id)
        .join(AssetRoom, AssetRoom.asset_id == AssetRow.id)
        .where(
            AssetRoom.room_id == room_id,
            AssetRow.status == "active",
            AssetRow.kind.in_(ZONE_KINDS),
        )
        .order_by(preference, AssetRow.code)
        .limit(1)
    ).first()
    if row is None:
        return None
    zone = session.scalars(select(AssetRoom.room_id).where(AssetRoom.asset_id == row.id))
    return ServingUnit(int(row.id), str(row.code), row.room_id, tuple(sorted(zone)))


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
        zones: ZoneConfig | None = None,
    ) -> None:
        self._sessions = session_factory
        self._locations = locations
        self.rules = tuple(rules)
        self._clock = clock
        self.zones = zones or ZoneConfig()

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
            unit = serving_unit(session, room.id) if rule.zone else None
            if unit is not None:
                lock(session, AssetRow, unit.id)  # one zone decision of this unit at a time
            existing = session.scalar(
                select(WorkOrderAlert.work_order_id).where(
                    WorkOrderAlert.alert_id == alert.id, WorkOrderAlert.rule_id == rule.id
                )
            )
            if existing is not None:
                return int(existing)  # replayed: the listener and the sweep both saw it
            if unit is None:
                wo_id, created = _open_order(session, key, rule, alert, room, now)
            else:
                wo_id, created = self._zone_order(session, unit, key, rule, alert, room, now)
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

    def _zone_order(
        self,
        session: Session,
        unit: ServingUnit,
        key: str,
        rule: AlertRule,
        alert: AlertView,
        room: RoomView,
        now: datetime,
    ) -> tuple[int, bool]:
        """The order this alert joins when `unit` serves its room; (id, newly made)."""
        unit_key = f"asset:{unit.id}/{rule.id}"
        unit_order = _locked_open(session, unit_key)
        candidates: list[OpenRoomOrder] = []
        if unit_order is None:
            keys = {f"{r}/{rule.id}": r for r in unit.zone if r != room.id}
            candidates = [
                OpenRoomOrder(wo_id, keys[open_key], created_at)
                for wo_id, open_key, created_at in session.execute(
                    select(WorkOrder.id, WorkOrder.open_key, WorkOrder.created_at).where(
                        WorkOrder.open_key.in_(keys),
                        WorkOrder.touched.is_(False),
                        WorkOrder.status == "open",
                        WorkOrder.source == "alert",
                    )
                )
                if open_key is not None
            ]
        decision = decide_zone(room.id, now, unit_order, candidates, self.zones)
        if decision.action == "asset" and decision.work_order_id is not None:
            _join_zone(session, decision.work_order_id, rule, unit, [room.code], alert, now)
            return decision.work_order_id, False
        if decision.action == "promote" and decision.work_order_id is not None:
            promoted = _promote(session, decision, unit_key, rule, unit, room, alert, now)
            if promoted is not None:
                return promoted, False
        return _open_order(session, key, rule, alert, room, now, unit=unit)


def _zone_title(rule: AlertRule, unit: ServingUnit, rooms: Sequence[str], alert: AlertView) -> str:
    words = _Blank(building=alert.building, room=", ".join(rooms), rooms=", ".join(rooms),
                   asset=unit.code, metric=alert.metric or "", sensor="",
                   value=f"{alert.value:g}" if alert.value is not None else "")  # fmt: skip
    template = rule.zone_title or "{asset}: " + rule.title
    return template.format_map(words)[:200]


def _join_zone(
    session: Session,
    wo_id: int,
    rule: AlertRule,
    unit: ServingUnit,
    rooms: Sequence[str],
    alert: AlertView,
    now: datetime,
) -> None:
    """Name `rooms` on the unit's order (once each) and retitle it."""
    wo = session.get_one(WorkOrder, wo_id, populate_existing=True)
    named = list(wo.zone_rooms or ())
    new = [r for r in rooms if r not in named]
    if not new:
        return
    named = sorted({*named, *new})
    wo.zone_rooms = named
    wo.title = _zone_title(rule, unit, named, alert)
    wo.updated_at = now
    record(session, wo_id, now, "system", "zone_rooms_added", rooms=new, asset=unit.code)


def _promote(
    session: Session,
    decision: ZoneDecision,
    unit_key: str,
    rule: AlertRule,
    unit: ServingUnit,
    room: RoomView,
    alert: AlertView,
    now: datetime,
) -> int | None:
    """Turn the zone's earlier room order into the unit's order and fold the others into
    it; None when a person touched it meanwhile (then this room gets its own order)."""
    first = decision.work_order_id
    promoted = session.execute(
        update(WorkOrder)
        .where(WorkOrder.id == first, WorkOrder.touched.is_(False), WorkOrder.status == "open")
        .values(open_key=unit_key, asset_id=unit.id, version=WorkOrder.version + 1)
        .returning(WorkOrder.room_id)
        .execution_options(synchronize_session=False)
    ).first()
    if promoted is None or first is None:
        return None
    rooms = {room.code}
    first_room = session.get(Room, promoted.room_id) if promoted.room_id else None
    if first_room is not None:
        rooms.add(first_room.code)
    for other in decision.merge:
        folded = session.execute(
            update(WorkOrder)
            .where(WorkOrder.id == other, WorkOrder.touched.is_(False), WorkOrder.status == "open")
            .values(
                status="cancelled", open_key=None, updated_at=now, version=WorkOrder.version + 1
            )  # fmt: skip
            .returning(WorkOrder.room_id)
            .execution_options(synchronize_session=False)
        ).first()
        if folded is None:
            continue
        session.execute(
            update(WorkOrderAlert)
            .where(WorkOrderAlert.work_order_id == other)
            .values(work_order_id=first)
            .execution_options(synchronize_session=False)
        )
        other_room = session.get(Room, folded.room_id) if folded.room_id else None
        if other_room is not None:
            rooms.add(other_room.code)
        record(session, other, now, "system", "zone_merged", "open", "cancelled", into=first)
    wo = session.get_one(WorkOrder, first, populate_existing=True)
    wo.room_id = unit.room_id
    wo.zone_rooms = sorted(rooms)
    wo.title = _zone_title(rule, unit, wo.zone_rooms, alert)
    wo.updated_at = now
    record(session, first, now, "system", "zone_promoted", asset=unit.code, rooms=sorted(rooms))
    return first


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
    session: Session,
    key: str,
    rule: AlertRule,
    alert: AlertView,
    room: RoomView,
    now: datetime,
    unit: ServingUnit | None = None,
) -> tuple[int, bool]:
    for _ in range(3):  # only loops if an order closes between our two statements
        wo_id = _locked_open(session, key)
        if wo_id is not None:
            return wo_id, False
        priority = rule.priority_for(alert.severity)
        words = _Blank(building=alert.building, room=room.name, metric=alert.metric or "",
                       value=f"{alert.value:g}" if alert.value is not None else "",
                       sensor=alert.sensor or "", asset=unit.code if unit else "")  # fmt: skip
        title = rule.title.format_map(words)
        description = rule.description
        if unit is not None:  # the room's own order names the unit that serves it
            if unit.code not in title:
                title = f"{title} [{unit.code}]"
            description = f"Ruangan ini dilayani {unit.code}.\n{description}".strip()
        values = {
            "type": rule.type, "crew_id": rule.crew, "building_id": None, "room_id": room.id,
            "title": title[:200], "description": description,
            "asset_id": unit.id if unit else None,
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
