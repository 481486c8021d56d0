"""Merging a room into another, in one transaction: what pointed at it points at the other.

Decisions:
- Work orders and plans move to the target room. Each moved work order gets a history line
  (`room_merged`) and a new version, so open forms see the change.
- Alert work orders are one open order per (room, rule), keyed by `open_key`
  ("room id/rule"). A moved open order takes the target's key when the target has none for
  that rule; otherwise the target's order stays the one new alerts attach to, and the moved
  order is left to be finished on its own (key cleared, as if closed for matching).
- Aliases the merged room had become aliases of the target, and its own code becomes one:
  discovery never creates it again, and readings filed under any of them are the target's.
- Devices placed on the merged room report for the target from then on (the registry's
  `move_room_devices`, handed in like the alerts; ingest sees the change within seconds).
- Alerts are ingest's table: the composition root hands in `move_alerts` (ingest's
  `move_room_alerts`), which files them under the target in this same transaction and says
  which open ones it resolved; their work orders note the resolution here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from maintenance.adapters.orm import Building, Plan, Room, RoomAlias, WorkOrder
from maintenance.services.alert_resolution import resolve_alert
from maintenance.services.records import record

# (session, building code, from room code, into room code, at) → ids of alerts it resolved
AlertMover = Callable[[Session, str, str, str, datetime], list[int]]
# (session, from room id, into room id) → how many devices now report for the other room
DeviceMover = Callable[[Session, int, int], int]


def _move_work_orders(
    session: Session, source: Room, target: Room, actor: str, now: datetime
) -> None:
    orders = session.scalars(select(WorkOrder).where(WorkOrder.room_id == source.id)).all()
    for wo in orders:
        # A zone's order is keyed by its unit ("asset:{id}/rule"), not by the room it is in.
        if wo.open_key is not None and not wo.open_key.startswith("asset:"):
            _, _, rule = wo.open_key.partition("/")
            key = f"{target.id}/{rule}"
            taken = session.scalar(select(WorkOrder.id).where(WorkOrder.open_key == key))
            wo.open_key = None if taken is not None else key
            session.flush()  # one key at a time: the UNIQUE index sees each change
        wo.room_id = target.id
        wo.version += 1
        wo.updated_at = now
        record(session, wo.id, now, actor, "room_merged", from_room=source.code, into=target.code)


def merge_room(
    session: Session,
    building: Building,
    source: Room,
    target: Room,
    actor: str,
    now: datetime,
    move_alerts: AlertMover | None,
    move_devices: DeviceMover | None = None,
) -> None:
    """Move everything of `source` to `target`, make `source`'s code an alias, delete it."""
    _move_work_orders(session, source, target, actor, now)
    session.execute(
        update(Plan)
        .where(Plan.room_id == source.id)
        .values(room_id=target.id, version=Plan.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(RoomAlias)
        .where(RoomAlias.room_id == source.id)
        .values(room_id=target.id)
        .execution_options(synchronize_session=False)
    )
    if move_alerts is not None:
        for alert_id in move_alerts(session, building.code, source.code, target.code, now):
            resolve_alert(session, alert_id, now, now)
    if move_devices is not None:
        move_devices(session, source.id, target.id)
    session.delete(source)
    session.flush()  # the room's row goes before its code comes back as an alias
    session.add(
        RoomAlias(building_id=building.id, code=source.code, room_id=target.id, merged_at=now)
    )
    session.flush()
