"""Zone diagnosis: rooms served by one unit breaching together are one job on the unit.

When an alert opens in a room that an asset (an AHU, an FCU) supplies, and the same rule
already has an open work order in another room of that asset's zone opened within the
window, the problem is the unit, not the rooms: the earlier room's order becomes the unit's
order naming the rooms, and the later rooms' alerts attach to it. Pure: times are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from maintenance.domain.errors import InvalidInput


@dataclass(frozen=True)
class ZoneConfig:
    """How many rooms of one zone, within how long, make a breach the unit's."""

    min_rooms: int = 2
    window: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        """Reject settings that cannot group anything."""
        if self.min_rooms < 2:
            raise InvalidInput("zones.min_rooms must be at least 2")
        if self.window <= timedelta(0):
            raise InvalidInput("zones.window_minutes must be positive")


def parse_zone_config(raw: Mapping[str, Any] | None) -> ZoneConfig:
    """The `zones:` mapping of alert_rules.yaml (defaults: 2 rooms within 30 minutes)."""
    raw = raw or {}
    return ZoneConfig(
        min_rooms=int(raw.get("min_rooms", 2)),
        window=timedelta(minutes=float(raw.get("window_minutes", 30))),
    )


@dataclass(frozen=True)
class OpenRoomOrder:
    """An open, untouched alert-born order of the same rule in a room of the zone."""

    work_order_id: int
    room_id: int
    since: datetime


@dataclass(frozen=True)
class ZoneDecision:
    """`asset`: attach to the unit's open order; `promote`: turn `work_order_id` into the
    unit's order and fold `merge` into it; `room`: an order of the room alone."""

    action: Literal["asset", "promote", "room"]
    work_order_id: int | None = None
    merge: tuple[int, ...] = ()


def decide_zone(
    room_id: int,
    at: datetime,
    asset_order: int | None,
    zone_orders: Sequence[OpenRoomOrder],
    config: ZoneConfig,
) -> ZoneDecision:
    """What an alert opened at `at` in `room_id` becomes, given the unit's open order (if
    any) and the open orders of the same rule in the zone's rooms."""
    if asset_order is not None:
        return ZoneDecision("asset", asset_order)
    recent = sorted(
        (o for o in zone_orders if o.room_id != room_id and abs(at - o.since) <= config.window),
        key=lambda o: (o.since, o.work_order_id),
    )
    rooms = {o.room_id for o in recent} | {room_id}
    if not recent or len(rooms) < config.min_rooms:
        return ZoneDecision("room")
    first, *others = recent
    return ZoneDecision("promote", first.work_order_id, tuple(o.work_order_id for o in others))
