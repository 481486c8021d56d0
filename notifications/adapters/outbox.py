"""The outbox table's statements: write idempotently, claim with a lease, confirm, retry.

Claiming is one guarded UPDATE: it takes only rows still `pending`, due, and without a live
lease, and stamps them with this dispatcher's owner id and a lease expiry. On PostgreSQL the
rows are picked with `FOR UPDATE SKIP LOCKED`, so a second dispatcher skips them instead of
waiting; on SQLite the UPDATE holds the database's write lock. Either way two dispatchers
never both claim a row, and confirming checks the owner, so a dispatcher whose lease ran out
cannot mark a row another one has claimed since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from notifications.adapters.orm import Delivery, RoutedEvent
from notifications.domain.model import Event
from udara.db import insert_ignoring_conflicts, insert_many_ignoring_conflicts

IDEMPOTENCY_KEY = ["event_key", "recipient", "channel"]
CLAIM_LIMIT = 100


def mark_routed(session: Session, event: Event, now: datetime) -> bool:
    """Record that `event` is being routed; False when it already was (by anyone)."""
    values = {
        "key": event.key, "event": event.name, "building": event.building,
        "alert_id": event.alert_id, "work_order_id": event.work_order_id,
        "routed_at": now, "deliveries": 0,
    }  # fmt: skip
    return insert_ignoring_conflicts(session, RoutedEvent, values, on=["key"]) is not None


def count_routed(session: Session, key: str, deliveries: int) -> None:
    """Note how many deliveries routing `key` made."""
    session.execute(update(RoutedEvent).where(RoutedEvent.key == key).values(deliveries=deliveries))


def routed(session: Session, keys: Sequence[str]) -> dict[str, datetime]:
    """Which of `keys` have been routed, and when."""
    if not keys:
        return {}
    query = select(RoutedEvent.key, RoutedEvent.routed_at).where(RoutedEvent.key.in_(list(keys)))
    return {key: at for key, at in session.execute(query)}


def add(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert deliveries; one already there for (event_key, recipient, channel) is kept."""
    insert_many_ignoring_conflicts(session, Delivery, rows, on=IDEMPOTENCY_KEY)


def told(session: Session, alert_id: int) -> list[str]:
    """Everyone an alert's opening or escalation was addressed to (not suppressed)."""
    query = select(Delivery.recipient).where(
        Delivery.alert_id == alert_id,
        Delivery.event.in_(("alert_opened", "alert_escalated")),
        Delivery.status != "suppressed",
    )
    return sorted(set(session.scalars(query)))


def alerts_told_open(session: Session) -> list[int]:
    """Alerts whose opening was routed and whose resolution was not (yet)."""
    resolved = select(RoutedEvent.alert_id).where(RoutedEvent.event == "alert_resolved")
    query = select(RoutedEvent.alert_id).where(
        RoutedEvent.event == "alert_opened",
        RoutedEvent.alert_id.is_not(None),
        RoutedEvent.alert_id.not_in(resolved),
    )
    return [int(a) for a in session.scalars(query) if a is not None]


@dataclass(frozen=True)
class Group:
    """The deliveries that go out together: one recipient, one channel, one address."""

    recipient: str
    channel: str
    address: str


def _free(now: datetime) -> Any:
    return or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now)


def due_groups(session: Session, now: datetime, limit: int = 200) -> list[Group]:
    """Recipients and channels with at least one delivery due and not leased."""
    query = (
        select(Delivery.recipient, Delivery.channel, Delivery.address)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now, _free(now))
        .group_by(Delivery.recipient, Delivery.channel, Delivery.address)
        .order_by(func.min(Delivery.next_attempt_at))
        .limit(limit)
    )
    return [Group(*row) for row in session.execute(query)]


def _of(group: Group) -> Any:
    return and_(
        Delivery.recipient == group.recipient,
        Delivery.channel == group.channel,
        Delivery.address == group.address,
        Delivery.status == "pending",
    )


def last_sent(session: Session, group: Group) -> datetime | None:
    """When this recipient was last sent something on this channel and address (several
    occupants who reported one request share its recipient, each at their own address)."""
    return session.scalar(
        select(func.max(Delivery.sent_at)).where(
            Delivery.recipient == group.recipient,
            Delivery.channel == group.channel,
            Delivery.address == group.address,
            Delivery.status == "sent",
        )
    )


def hold(session: Session, group: Group, until: datetime, now: datetime) -> None:
    """Hold the group's pending deliveries until `until` (they fold into one message)."""
    session.execute(
        update(Delivery)
        .where(_of(group), _free(now), Delivery.next_attempt_at < until)
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )


def claim(
    session: Session, group: Group, owner: str, now: datetime, horizon: datetime, lease: timedelta
) -> list[Delivery]:
    """Lease the group's deliveries due by `horizon` to `owner`; those it got, oldest first."""
    pick = (
        select(Delivery.id)
        .where(_of(group), Delivery.next_attempt_at <= horizon, _free(now))
        .order_by(Delivery.id)
        .limit(CLAIM_LIMIT)
    )
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(pick.scalar_subquery()), Delivery.status == "pending", _free(now))
        .values(lease_owner=owner, lease_until=now + lease, attempts=Delivery.attempts + 1)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return []
    rows = session.scalars(
        select(Delivery).where(Delivery.id.in_(claimed)).order_by(Delivery.id)
    ).all()
    return list(rows)


def confirm(session: Session, ids: Sequence[int], owner: str, now: datetime) -> int:
    """Mark the deliveries sent (only while `owner` holds them); how many it marked."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(list(ids)), Delivery.lease_owner == owner, Delivery.status == "pending"
        )  # fmt: skip
        .values(
            status="sent",
            sent_at=now,
            sent_with=min(ids),
            lease_owner=None,
            lease_until=None,
            error=None,
        )  # fmt: skip
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def release(
    session: Session, delivery_id: int, owner: str, *, retry_at: datetime | None, error: str
) -> bool:
    """After a failed attempt: due again at `retry_at`, or `failed` when it is None."""
    values: dict[str, Any] = {"lease_owner": None, "lease_until": None, "error": error[:1000]}
    if retry_at is None:
        values["status"] = "failed"
    else:
        values["next_attempt_at"] = retry_at
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id, Delivery.lease_owner == owner, Delivery.status == "pending"
        )  # fmt: skip
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def listing(
    session: Session,
    *,
    status: str | None = None,
    event: str | None = None,
    channel: str | None = None,
    buildings: frozenset[str] | None = None,
    alert_id: int | None = None,
    work_order_id: int | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[Delivery]:
    """Deliveries, newest first, filtered; `buildings` None is every building (and the
    deliveries of none, such as test messages)."""
    query = select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc())
    if status:
        query = query.where(Delivery.status == status)
    if event:
        query = query.where(Delivery.event == event)
    if channel:
        query = query.where(Delivery.channel == channel)
    if buildings is not None:
        query = query.where(Delivery.building.in_(sorted(buildings)))
    if alert_id is not None:
        query = query.where(Delivery.alert_id == alert_id)
    if work_order_id is not None:
        query = query.where(Delivery.work_order_id == work_order_id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def channels(session: Session, buildings: frozenset[str] | None = None) -> list[str]:
    """The channels deliveries (of these buildings) went out on."""
    query = select(Delivery.channel).distinct().order_by(Delivery.channel)
    if buildings is not None:
        query = query.where(Delivery.building.in_(sorted(buildings)))
    return list(session.scalars(query))
