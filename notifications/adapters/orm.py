"""Notification tables: the outbox, routed events, contact points, preferences, used links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from maintenance.adapters.types import UtcDateTime
from udara.db import Base


class Delivery(Base):
    """One message to one recipient on one channel: the outbox row the dispatcher sends.

    UNIQUE (event_key, recipient, channel) is the idempotency key: an event routed twice (a
    listener and the sweep, two schedulers) still makes one delivery per person and channel.
    A claimed delivery stays `pending` and holds a lease (`lease_owner`, `lease_until`) while
    it is being sent; a lease that runs out makes it claimable again.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("event_key", "recipient", "channel"),
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'suppressed')", name="status"),
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
        Index("ix_notification_deliveries_to", "recipient", "channel", "sent_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The delivery whose message carried this one (itself, or the first of a folded batch).
    sent_with: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    building: Mapped[str | None] = mapped_column(String(64), index=True)
    # Alerts and work orders are other modules' tables: referenced by id only.
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)
    work_order_id: Mapped[int | None] = mapped_column(Integer, index=True)


class RoutedEvent(Base):
    """An event whose deliveries were written (in the same transaction): the sweep's marker
    for "routed", so an event is routed once even when nobody could be told."""

    __tablename__ = "notification_events"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    event: Mapped[str] = mapped_column(String(32))
    building: Mapped[str | None] = mapped_column(String(64))
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)
    work_order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    routed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)


class ContactPoint(Base):
    """One way to reach a user: an e-mail address, or an Apprise URL (one per channel)."""

    __tablename__ = "notification_contacts"
    __table_args__ = (UniqueConstraint("user_id", "channel"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NotificationPrefs(Base):
    """A user's choices; a user without a row has the defaults (Indonesian, nothing muted)."""

    __tablename__ = "notification_prefs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), default="id")
    mute_warnings: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_hours: Mapped[str | None] = mapped_column(String(11))  # "22:00-06:00", local
    timezone: Mapped[str | None] = mapped_column(String(64))
    channels: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)


class UsedAckLink(Base):
    """A one-tap acknowledge link that has been used: each works once."""

    __tablename__ = "notification_used_links"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    alert_id: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime)
