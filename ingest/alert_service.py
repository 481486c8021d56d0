"""Alerts for the rest of Udara: open/resolve from evaluation, list and acknowledge for people.

This is the one interface other modules use; listeners registered by the composition root
copy alert events to InfluxDB and turn alerts into work orders.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select, update

from ingest.adapters.orm import AlertRow
from ingest.domain.alerts import AlertChange, AlertKey
from udara.db import insert_ignoring_conflicts, transaction
from udara.scope import Scope

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

OPEN_STATES = ("active", "acknowledged")


class AlertNotFound(LookupError):
    """No alert with that id."""


class AlertAlreadyResolved(ValueError):
    """A resolved alert cannot be acknowledged."""


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything Udara stores is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AlertView:
    """An alert as other modules and the API see it."""

    id: int
    building: str
    room: str
    sensor: str | None
    metric: str | None
    severity: str
    kind: str
    state: str
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    value: float | None
    limit: str | None
    message: str  # English; `message_code` with `message_params` is what readers see worded
    message_code: str | None = None
    message_params: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: AlertRow) -> AlertView:
        """Copy a table row into an immutable view."""
        return cls(
            id=row.id,
            building=row.building,
            room=row.room,
            sensor=row.sensor,
            metric=row.metric,
            severity=row.severity,
            kind=row.kind,
            state=row.state,
            opened_at=_utc(row.opened_at) or row.opened_at,
            acknowledged_at=_utc(row.acknowledged_at),
            acknowledged_by=row.acknowledged_by,
            resolved_at=_utc(row.resolved_at),
            value=row.value,
            limit=row.limit_text,
            message=row.message,
            message_code=row.message_code,
            message_params=row.message_params,
        )

    @property
    def is_open(self) -> bool:
        """Active or acknowledged, not yet resolved."""
        return self.state in OPEN_STATES


class AlertListener(Protocol):
    """Told after an alert opened or resolved (maintenance turns these into work orders)."""

    def alert_opened(self, alert: AlertView) -> None:
        """Called once per newly opened alert, after it is committed."""

    def alert_resolved(self, alert: AlertView) -> None:
        """Called once per resolved alert, after it is committed."""


class AlertService:
    """Persists alert changes with one open alert per condition, and serves alert queries."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        listeners: Sequence[AlertListener] = (),
    ) -> None:
        self._sessions = session_factory
        self._listeners = list(listeners)

    def add_listener(self, listener: AlertListener) -> None:
        """Register another listener (the composition root wires maintenance here)."""
        self._listeners.append(listener)

    def apply(self, changes: Iterable[AlertChange]) -> list[AlertView]:
        """Open or resolve alerts; returns the alerts that actually changed."""
        opened: list[AlertView] = []
        resolved: list[AlertView] = []
        with transaction(self._sessions) as session:
            for change in changes:
                if change.action == "open":
                    view = self._open(session, change)
                    if view:
                        opened.append(view)
                else:
                    view = self._resolve(session, change.key, change.at)
                    if view:
                        resolved.append(view)
        self._publish(opened, resolved)
        return opened + resolved

    def _open(self, session: Session, change: AlertChange) -> AlertView | None:
        key = change.key
        new_id = insert_ignoring_conflicts(
            session,
            AlertRow,
            {
                "building": key.building,
                "room": key.room,
                "sensor": key.sensor,
                "metric": key.metric,
                "severity": key.severity,
                "kind": key.kind,
                "state": "active",
                "open_key": key.open_key,
                "opened_at": change.at,
                "value": change.value,
                "limit_text": change.limit,
                "message": change.message,
                "message_code": change.message_code,
                "message_params": change.message_params,
            },
            on=["open_key"],
        )
        if new_id is None:
            return None
        row = session.get(AlertRow, new_id)
        return AlertView.from_row(row) if row else None

    def _resolve(self, session: Session, key: AlertKey, at: datetime) -> AlertView | None:
        row = session.scalars(
            select(AlertRow).where(AlertRow.open_key == key.open_key).with_for_update()
        ).first()
        if row is None:
            return None
        opened_at = _utc(row.opened_at)
        row.state = "resolved"
        # Event time can run behind the open of a back-filled alert; never resolve before opening.
        row.resolved_at = max(at, opened_at) if opened_at else at
        row.open_key = None
        session.flush()
        return AlertView.from_row(row)

    def _publish(self, opened: list[AlertView], resolved: list[AlertView]) -> None:
        for listener in self._listeners:
            for alert in opened:
                self._notify(listener.alert_opened, alert)
            for alert in resolved:
                self._notify(listener.alert_resolved, alert)

    @staticmethod
    def _notify(callback: Any, alert: AlertView) -> None:
        try:
            callback(alert)
        except Exception:  # a listener's failure must never lose or block alerts
            log.exception("alert listener %r failed for alert %s", callback, alert.id)

    def list(
        self,
        state: str | None = None,
        open_only: bool = False,
        building: str | None = None,
        room: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        *,
        scope: Scope,
        kind: str | None = None,
        since: datetime | None = None,
    ) -> list[AlertView]:
        """Alerts of buildings in `scope`, newest first, filtered by state, openness,
        building and room."""
        query = select(AlertRow).order_by(AlertRow.opened_at.desc(), AlertRow.id.desc())
        if state:
            query = query.where(AlertRow.state == state)
        if open_only:
            query = query.where(AlertRow.state.in_(OPEN_STATES))
        if kind:
            query = query.where(AlertRow.kind == kind)
        if since is not None:  # open at some point since then
            query = query.where((AlertRow.resolved_at.is_(None)) | (AlertRow.resolved_at >= since))
        buildings = scope.narrow(building)
        if buildings is not None:
            query = query.where(AlertRow.building.in_(buildings))
        if room:
            query = query.where(AlertRow.room == room)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with self._sessions() as session:
            return [AlertView.from_row(row) for row in session.scalars(query)]

    def get(self, alert_id: int, *, scope: Scope) -> AlertView | None:
        """One alert by id; None when there is none in `scope`."""
        with self._sessions() as session:
            row = session.get(AlertRow, alert_id)
            return AlertView.from_row(row) if row and scope.allows(row.building) else None

    def acknowledge(self, alert_id: int, by: str, at: datetime, *, scope: Scope) -> AlertView:
        """Mark an open alert as seen by a person; acknowledging twice keeps the first."""
        with transaction(self._sessions) as session:
            row = session.get(AlertRow, alert_id, with_for_update=True)
            if row is None or not scope.allows(row.building):
                raise AlertNotFound(f"alert {alert_id} does not exist")
            if row.state == "resolved":
                raise AlertAlreadyResolved(f"alert {alert_id} is already resolved")
            if row.state == "active":
                row.state = "acknowledged"
                row.acknowledged_at = at
                row.acknowledged_by = by
            return AlertView.from_row(row)

    def open_keys(self) -> builtins.list[AlertKey]:
        """Keys of every open alert, to seed evaluation after a restart."""
        with self._sessions() as session:
            rows = session.scalars(select(AlertRow).where(AlertRow.open_key.is_not(None)))
            return [
                AlertKey(
                    building=r.building,
                    room=r.room,
                    metric=r.metric,
                    severity=r.severity,  # type: ignore[arg-type]
                    kind=r.kind,  # type: ignore[arg-type]
                    sensor=r.sensor,
                )
                for r in rows
            ]

    def count_open(self) -> int:
        """How many alerts are open (for the live summary and /metrics)."""
        from sqlalchemy import func

        with self._sessions() as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(AlertRow).where(AlertRow.open_key.is_not(None))
                )
                or 0
            )


def move_room_alerts(
    session: Session, building: str, from_room: str, into_room: str, at: datetime
) -> builtins.list[int]:
    """File the alerts of room `from_room` under `into_room` (a typo merged into the right
    room), in the caller's transaction; returns the ids of the open ones it resolved.

    An open alert is evaluation's belief about the stream it came from, keyed by that
    stream's room code: re-keyed to the other room, neither the running evaluator (which
    clears under the old key) nor a restarted one (which reads the new) could ever clear it.
    So open alerts resolve at the merge; a condition that persists opens a new alert.
    """
    same_room = (AlertRow.building == building) & (AlertRow.room == from_room)
    still_open = session.scalars(
        select(AlertRow).where(same_room, AlertRow.open_key.is_not(None)).with_for_update()
    ).all()
    for row in still_open:
        opened_at = _utc(row.opened_at)
        row.state = "resolved"
        row.resolved_at = max(at, opened_at) if opened_at else at
        row.open_key = None
    session.flush()
    session.execute(
        update(AlertRow)
        .where(same_room)
        .values(room=into_room)
        .execution_options(synchronize_session=False)
    )
    return [row.id for row in still_open]


__all__ = [
    "AlertAlreadyResolved",
    "AlertListener",
    "AlertNotFound",
    "AlertService",
    "AlertView",
    "move_room_alerts",
]
