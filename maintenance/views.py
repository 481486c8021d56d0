"""Immutable views the services return; `to_json` gives the shapes of CONTRACTS.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from maintenance.domain.transitions import WorkOrderFacts


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class _Json:
    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO 8601 datetimes in UTC)."""
        return {k: _jsonable(v) for k, v in asdict(self).items()}  # type: ignore[call-overload]


@dataclass(frozen=True)
class UserView(_Json):
    """A person, without the password hash."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    crews: tuple[str, ...] = ()
    supervises: tuple[str, ...] = ()
    # The buildings the user is limited to; empty: every building.
    buildings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoomView(_Json):
    """A room with the building and floor it is in."""

    id: int
    building: str
    floor: str
    code: str
    name: str
    kind: str
    traffic: str
    timezone: str


@dataclass(frozen=True)
class BuildingView(_Json):
    """A building of the register: `hours` as text (`mon-fri 07:00-19:00`), `hours_by_day`
    as stored ({"mon": [["07:00", "19:00"]]}), both local to `timezone`."""

    code: str
    name: str
    timezone: str
    hours: str
    hours_by_day: dict[str, list[list[str]]]
    floors: int
    rooms: int


@dataclass(frozen=True)
class FloorView(_Json):
    """A floor of a building and how many rooms it has."""

    building: str
    code: str
    name: str
    level: int | None
    rooms: int


@dataclass(frozen=True)
class PlaceView(_Json):
    """A room as the register shows it, with the codes merged into it (`aliases`)."""

    building: str
    floor: str
    code: str
    name: str
    kind: str
    traffic: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChecklistItem(_Json):
    """One checklist line and who ticked it."""

    text: str
    done: bool = False
    done_by: str | None = None
    done_at: str | None = None


@dataclass(frozen=True)
class VerificationView(_Json):
    """Sensor verification of a done alert work order: `pending`, `verified` (with the mean
    over the window the readings stayed inside the limit) or `not_fixed` (when and why)."""

    state: str
    metric: str
    lower: float | None
    upper: float | None
    since: datetime
    decided_at: datetime | None = None
    mean: float | None = None
    samples: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    breach_at: datetime | None = None
    reason: str | None = None
    value: float | None = None
    alert_id: int | None = None


@dataclass(frozen=True)
class WorkOrderView(_Json):
    """A work order; `overdue` is as of when the view was read."""

    id: int
    type: str
    crew: str
    building: str
    room: str | None
    floor: str | None
    title: str
    description: str
    priority: str
    status: str
    assignee: str | None
    source: str
    due_at: datetime | None
    respond_by: datetime | None
    plan_id: int | None
    occurrence_at: datetime | None
    alert_id: int | None
    alert_ids: tuple[int, ...]
    rule_id: str | None
    checklist: tuple[ChecklistItem, ...]
    created_at: datetime
    created_by: str
    responded_at: datetime | None
    completed_at: datetime | None
    verified_at: datetime | None
    alert_resolved_at: datetime | None
    completion_notes: str | None
    time_spent_minutes: int | None
    escalation_level: int
    overdue: bool
    asset: str | None = None  # the equipment the work is on (code)
    zone_rooms: tuple[str, ...] = ()  # a zone order: the rooms that breached together
    verification: VerificationView | None = None

    def facts(self) -> WorkOrderFacts:
        """The parts the permission and visibility rules look at."""
        return WorkOrderFacts(self.status, self.crew, self.assignee, self.building)


@dataclass(frozen=True)
class Page(_Json):
    """One page of a filtered list, with the total across all pages."""

    items: tuple[Any, ...]
    total: int
    limit: int
    offset: int

    def to_json(self) -> dict[str, Any]:
        """Items as their own JSON."""
        return {
            "items": [item.to_json() for item in self.items],
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
        }


@dataclass(frozen=True)
class EventView(_Json):
    """One history line of a work order."""

    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanView(_Json):
    """A recurring plan and its schedule (times are local to the building)."""

    id: int
    code: str
    title: str
    description: str
    type: str
    crew: str
    priority: str
    building: str
    room: str | None
    checklist: tuple[str, ...]
    freq: str
    interval: int
    times: tuple[str, ...]
    weekdays: tuple[int, ...]
    month_day: int | None
    month: int | None
    start_date: date
    end_date: date | None
    anchor: str
    catch_up: str
    due_minutes: int
    active: bool
    timezone: str
    asset_kind: str | None = None
    meter: str | None = None
    meter_every: float | None = None


@dataclass(frozen=True)
class Occurrence(_Json):
    """A planned occurrence: already a work order, skipped, or still to come."""

    plan_id: int
    plan_code: str
    title: str
    crew: str
    building: str
    room: str | None
    occurrence_at: datetime
    local_time: datetime
    due_at: datetime
    state: str  # "planned", "generated" or "skipped"
    work_order_id: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class SlaView(_Json):
    """A work order's SLA position at one moment."""

    work_order_id: int
    respond_by: datetime | None
    due_at: datetime | None
    response_breached: bool
    overdue: bool
    escalation_level: int
    escalate_to: str | None
    recorded_escalation_level: int


@dataclass(frozen=True)
class StockItemView(_Json):
    """Something kept in stock, counted in `unit`; `crew` buys it when it runs low."""

    code: str
    name: str
    unit: str
    crew: str


@dataclass(frozen=True)
class StockLevelView(_Json):
    """An item's stock in one building; `low` at or below the reorder level, and the open
    purchase work order if there is one."""

    item: str
    name: str
    unit: str
    crew: str
    building: str
    quantity: float
    reorder_level: float | None
    low: bool
    purchase_order_id: int | None


@dataclass(frozen=True)
class StockMovementView(_Json):
    """Stock received or consumed (on a work order)."""

    id: int
    item: str
    unit: str
    building: str
    kind: str
    quantity: float
    work_order_id: int | None
    at: datetime
    actor: str
    note: str
