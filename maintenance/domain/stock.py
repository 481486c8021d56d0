"""Filter and parts stock: who may manage it, what a quantity is, when to reorder. Pure."""

from __future__ import annotations

import math
from typing import Final

from maintenance.domain.errors import InvalidInput, NotAllowed
from maintenance.domain.transitions import Actor

STOCK_MANAGERS: Final = ("facility_manager", "cleaning_supervisor")
UNITS: Final = ("pcs", "box", "roll", "l", "ml", "kg", "g", "m", "set")
MOVEMENT_KINDS: Final = ("receive", "consume")
MAX_QUANTITY: Final = 1_000_000.0


def check_manage_stock(actor: Actor) -> None:
    """Raise unless `actor` may add items, receive stock and set reorder levels."""
    if not (actor.active and actor.role in STOCK_MANAGERS):
        raise NotAllowed.coded("may_not_manage_stock", role=actor.role, user=actor.username)


def check_quantity(value: float, *, zero_ok: bool = False) -> float:
    """A finite quantity, positive (or zero when `zero_ok`), not absurdly large."""
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        raise InvalidInput.coded("bad_quantity", value=value)
    if value > MAX_QUANTITY:
        raise InvalidInput.coded("bad_quantity", value=value)
    return float(value)


def needs_reorder(quantity: float, reorder_level: float | None) -> bool:
    """True when the stock is at or below its reorder level (no level: never)."""
    return reorder_level is not None and quantity <= reorder_level


def purchase_key(item_id: int, building_id: int) -> str:
    """The open-order key of an item's purchase order in a building: UNIQUE while it is open,
    so one item and building never have two open purchase orders."""
    return f"stock/{item_id}/{building_id}"
