"""Filter and parts stock per building: items, receiving, consumption on work orders, and one
purchase work order per item and building when the stock falls to its reorder level."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import (
    Building,
    Crew,
    StockItem,
    StockLevel,
    StockMovement,
    User,
    WorkOrder,
)
from maintenance.adapters.sql import insert_ignore, lock
from maintenance.domain import transitions as rules
from maintenance.domain.errors import Conflict, InvalidInput, NotFound
from maintenance.domain.model import CODE_PATTERN
from maintenance.domain.stock import (
    UNITS,
    check_manage_stock,
    check_quantity,
    needs_reorder,
    purchase_key,
)
from maintenance.domain.visibility import may_see_building, work_order_visibility
from maintenance.services.records import insert_work_order, record
from maintenance.services.sla import load_targets
from maintenance.services.users import load_actor
from maintenance.views import StockItemView, StockLevelView, StockMovementView
from udara.db import transaction

_CODE = re.compile(CODE_PATTERN)
PURCHASE_TYPE, PURCHASE_PRIORITY = "routine", "medium"


class StockService:
    """Stock use cases for the pages, the API and the CLI; writes take the acting username,
    reads the acting `viewer`; a building outside the actor's scope does not exist (404)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    # --- items ---
    def items(self) -> list[StockItemView]:
        """Every stock item (items are the same in every building), by code."""
        with self._sessions() as session:
            return [_item(i) for i in session.scalars(select(StockItem).order_by(StockItem.code))]

    def add_item(
        self, code: str, name: str, unit: str, crew: str, by_user: str | rules.Actor, now: datetime
    ) -> StockItemView:
        """A new item (facility managers and supervisors)."""
        if not _CODE.match(code):
            raise InvalidInput.coded("bad_code", code=code)
        if not 1 <= len(name.strip()) <= 100:
            raise InvalidInput.coded("bad_name")
        if unit not in UNITS:
            raise InvalidInput.coded("bad_unit", allowed=", ".join(UNITS))
        with transaction(self._sessions) as session:
            check_manage_stock(_actor(session, by_user))
            if session.get(Crew, crew) is None:
                raise InvalidInput.coded("no_crew", crew=crew)
            if session.scalar(select(StockItem.id).where(StockItem.code == code)) is not None:
                raise Conflict.coded("item_exists", item=code)
            item = StockItem(code=code, name=name.strip(), unit=unit, crew_id=crew, created_at=now)
            session.add(item)
            session.flush()
            return _item(item)

    # --- levels ---
    def levels(self, *, viewer: rules.Actor, building: str | None = None) -> list[StockLevelView]:
        """Stock of the buildings `viewer` reaches (or of `building`, NotFound outside them)."""
        with self._sessions() as session:
            if building is not None:
                _building_id(session, viewer, building)
            q = (
                select(StockLevel, StockItem, Building.code)
                .join(StockItem, StockItem.id == StockLevel.item_id)
                .join(Building, Building.id == StockLevel.building_id)
                .order_by(Building.code, StockItem.code)
            )
            if building is not None:
                q = q.where(Building.code == building)
            elif viewer.scope.buildings is not None:
                q = q.where(Building.code.in_(viewer.scope.buildings))
            rows = list(session.execute(q))
            orders = _open_purchases(session)
            return [_level(level, item, code, orders) for level, item, code in rows]

    def set_reorder_level(
        self,
        item: str,
        building: str,
        reorder_level: float | None,
        by_user: str | rules.Actor,
        now: datetime,
    ) -> StockLevelView:
        """Set (or clear, None) the level at which the item is reordered in the building; a
        stock already at or below it opens the purchase order now."""
        if reorder_level is not None:
            reorder_level = check_quantity(reorder_level, zero_ok=True)
        with transaction(self._sessions) as session:
            actor = _actor(session, by_user)
            building_id = _building_id(session, actor, building)
            check_manage_stock(actor)
            row = _item_row(session, item)
            _ensure_level(session, row.id, building_id, now)
            session.execute(
                update(StockLevel)
                .where(StockLevel.item_id == row.id, StockLevel.building_id == building_id)
                .values(reorder_level=reorder_level, updated_at=now)
            )
            self._reorder(session, row, building_id, building, by_user, now)
            return self._level_view(session, row, building_id, building)

    def receive(
        self, item: str, building: str, quantity: float, by_user: str | rules.Actor, now: datetime,
        note: str = "",
    ) -> StockLevelView:  # fmt: skip
        """Stock delivered to the building (facility managers and supervisors)."""
        quantity = check_quantity(quantity)
        with transaction(self._sessions) as session:
            actor = _actor(session, by_user)
            building_id = _building_id(session, actor, building)
            check_manage_stock(actor)
            row = _item_row(session, item)
            _ensure_level(session, row.id, building_id, now)
            session.execute(
                update(StockLevel)
                .where(StockLevel.item_id == row.id, StockLevel.building_id == building_id)
                .values(quantity=StockLevel.quantity + quantity, updated_at=now)
            )
            session.add(StockMovement(item_id=row.id, building_id=building_id, kind="receive",
                                      quantity=quantity, at=now, actor=_name(by_user),
                                      note=note.strip()[:500]))  # fmt: skip
            return self._level_view(session, row, building_id, building)

    # --- consumption on work orders ---
    def consume(
        self, wo_id: int, item: str, quantity: float, by_user: str | rules.Actor, now: datetime,
        note: str = "",
    ) -> StockLevelView:  # fmt: skip
        """Record `quantity` of `item` used on work order `wo_id`, from its building's stock
        (its assignee or a manager of its crew); reaching the reorder level opens one
        purchase work order for the item's crew."""
        quantity = check_quantity(quantity)
        with transaction(self._sessions) as session:
            if not lock(session, WorkOrder, wo_id):
                raise NotFound.coded("no_work_order", id=wo_id)
            wo = session.get_one(WorkOrder, wo_id, populate_existing=True)
            actor = _actor(session, by_user)
            facts = _facts(session, wo)
            if not work_order_visibility(actor).admits(facts):
                raise NotFound.coded("no_work_order", id=wo_id)
            rules.check_work_on(actor, facts)
            row = _item_row(session, item)
            building = facts.building or ""
            left = session.execute(
                update(StockLevel)
                .where(
                    StockLevel.item_id == row.id,
                    StockLevel.building_id == wo.building_id,
                    StockLevel.quantity >= quantity,
                )
                .values(quantity=StockLevel.quantity - quantity, updated_at=now)
                .returning(StockLevel.quantity)
            ).scalar_one_or_none()
            if left is None:
                have = session.scalar(
                    select(StockLevel.quantity).where(
                        StockLevel.item_id == row.id, StockLevel.building_id == wo.building_id
                    )
                )
                raise InvalidInput.coded("not_enough_stock", have=f"{have or 0:g}", unit=row.unit,
                                         item=row.code, building=building)  # fmt: skip
            session.add(StockMovement(item_id=row.id, building_id=wo.building_id, kind="consume",
                                      quantity=quantity, work_order_id=wo_id, at=now,
                                      actor=_name(by_user), note=note.strip()[:500]))  # fmt: skip
            record(session, wo_id, now, _name(by_user), "consumption", item=row.code,
                   quantity=quantity, unit=row.unit)  # fmt: skip
            wo.touched, wo.updated_at = True, now
            self._reorder(session, row, wo.building_id, building, by_user, now)
            return self._level_view(session, row, wo.building_id, building)

    def consumption(self, wo_id: int, *, viewer: rules.Actor) -> list[StockMovementView]:
        """What was used on a work order, oldest first (NotFound if `viewer` may not see it)."""
        with self._sessions() as session:
            wo = session.get(WorkOrder, wo_id)
            if wo is None or not work_order_visibility(viewer).admits(_facts(session, wo)):
                raise NotFound.coded("no_work_order", id=wo_id)
            return self._movements(session, StockMovement.work_order_id == wo_id)

    def movements(
        self, *, viewer: rules.Actor, building: str | None = None, limit: int = 100
    ) -> list[StockMovementView]:
        """The latest receipts and consumption in the buildings `viewer` reaches."""
        with self._sessions() as session:
            if building is not None:
                ids = [_building_id(session, viewer, building)]
                where = StockMovement.building_id.in_(ids)
            elif viewer.scope.buildings is not None:
                where = StockMovement.building_id.in_(
                    select(Building.id).where(Building.code.in_(viewer.scope.buildings))
                )
            else:
                where = StockMovement.id.is_not(None)
            return self._movements(session, where, newest_first=True, limit=limit)

    # --- helpers ---
    @staticmethod
    def _movements(
        session: Session, where: object, newest_first: bool = False, limit: int | None = None
    ) -> list[StockMovementView]:
        q = (
            select(StockMovement, StockItem, Building.code)
            .join(StockItem, StockItem.id == StockMovement.item_id)
            .join(Building, Building.id == StockMovement.building_id)
            .where(where)  # type: ignore[arg-type]
        )
        order = StockMovement.id.desc() if newest_first else StockMovement.id
        q = q.order_by(order)
        if limit is not None:
            q = q.limit(limit)
        return [
            StockMovementView(
                id=m.id,
                item=i.code,
                unit=i.unit,
                building=code,
                kind=m.kind,
                quantity=m.quantity,
                work_order_id=m.work_order_id,
                at=m.at,
                actor=m.actor,
                note=m.note,
            )  # fmt: skip
            for m, i, code in session.execute(q)
        ]

    def _reorder(
        self,
        session: Session,
        item: StockItem,
        building_id: int,
        building: str,
        by_user: str | rules.Actor,
        now: datetime,
    ) -> int | None:
        """Open the item's purchase order in the building if the stock is at or below its
        reorder level and none is open (the open key makes a second one impossible)."""
        level = session.scalars(
            select(StockLevel)
            .where(StockLevel.item_id == item.id, StockLevel.building_id == building_id)
            .execution_options(populate_existing=True)
        ).one()
        if not needs_reorder(level.quantity, level.reorder_level):
            return None
        key = purchase_key(item.id, building_id)
        existing = session.scalar(select(WorkOrder.id).where(WorkOrder.open_key == key))
        if existing is not None:
            return int(existing)
        values = {
            "type": PURCHASE_TYPE, "crew_id": item.crew_id, "building_id": building_id,
            "room_id": None, "priority": PURCHASE_PRIORITY, "source": "stock", "open_key": key,
            "title": f"Pesan ulang {item.name} ({building}): sisa {level.quantity:g} {item.unit}"[
                :200
            ],
            "description": (
                f"Reorder {item.name} [{item.code}] for {building}: {level.quantity:g} "
                f"{item.unit} left, reorder level {level.reorder_level:g} {item.unit}."
            ),
        }  # fmt: skip
        target = load_targets(session)[(PURCHASE_TYPE, PURCHASE_PRIORITY)]
        wo_id = insert_work_order(
            session, values, target=target, start=now, now=now, actor="system", on=["open_key"]
        )
        if wo_id is None:  # a concurrent consumption opened it first
            found = session.scalar(select(WorkOrder.id).where(WorkOrder.open_key == key))
            return int(found) if found is not None else None
        record(session, wo_id, now, "system", "reorder", item=item.code, quantity=level.quantity,
               reorder_level=level.reorder_level, by=_name(by_user))  # fmt: skip
        return wo_id

    @staticmethod
    def _level_view(
        session: Session, item: StockItem, building_id: int, building: str
    ) -> StockLevelView:
        level = session.scalars(
            select(StockLevel)
            .where(StockLevel.item_id == item.id, StockLevel.building_id == building_id)
            .execution_options(populate_existing=True)
        ).one()
        return _level(level, item, building, _open_purchases(session, [(item.id, building_id)]))


def _item(item: StockItem) -> StockItemView:
    return StockItemView(code=item.code, name=item.name, unit=item.unit, crew=item.crew_id)


def _level(
    level: StockLevel, item: StockItem, building: str, orders: dict[str, int]
) -> StockLevelView:
    return StockLevelView(
        item=item.code, name=item.name, unit=item.unit, crew=item.crew_id, building=building,
        quantity=level.quantity, reorder_level=level.reorder_level,
        low=needs_reorder(level.quantity, level.reorder_level),
        purchase_order_id=orders.get(purchase_key(item.id, level.building_id)),
    )  # fmt: skip


def _open_purchases(
    session: Session, keys: Sequence[tuple[int, int]] | None = None
) -> dict[str, int]:
    """Open purchase orders by open key."""
    q = select(WorkOrder.open_key, WorkOrder.id).where(WorkOrder.source == "stock")
    if keys is not None:
        q = q.where(WorkOrder.open_key.in_([purchase_key(i, b) for i, b in keys]))
    else:
        q = q.where(WorkOrder.open_key.is_not(None))
    return {key: wo_id for key, wo_id in session.execute(q) if key is not None}


def _building_id(session: Session, actor: rules.Actor, building: str) -> int:
    """The building's id; NotFound when there is none or `actor` does not reach it."""
    found = session.scalar(select(Building.id).where(Building.code == building))
    if found is None or not may_see_building(actor, building):
        raise NotFound.coded("no_building", building=building)
    return int(found)


def _item_row(session: Session, code: str) -> StockItem:
    item = session.scalar(select(StockItem).where(StockItem.code == code))
    if item is None:
        raise NotFound.coded("no_item", item=code)
    return item


def _ensure_level(session: Session, item_id: int, building_id: int, now: datetime) -> None:
    row = {"item_id": item_id, "building_id": building_id, "quantity": 0.0,
           "reorder_level": None, "updated_at": now}  # fmt: skip
    insert_ignore(session, StockLevel, row, on=["item_id", "building_id"])


def _actor(session: Session, by: str | rules.Actor) -> rules.Actor:
    """The acting user: a username read in this transaction, or an actor given (the CLI's
    operator, who reaches every building)."""
    return by if isinstance(by, rules.Actor) else load_actor(session, by)


def _name(by: str | rules.Actor) -> str:
    return by.username if isinstance(by, rules.Actor) else by


def _facts(session: Session, wo: WorkOrder) -> rules.WorkOrderFacts:
    """The parts of a work order the visibility and permission rules look at."""
    assignee = session.get(User, wo.assignee_id) if wo.assignee_id else None
    building = session.get_one(Building, wo.building_id)
    return rules.WorkOrderFacts(
        wo.status, wo.crew_id, assignee.username if assignee else None, building.code
    )
