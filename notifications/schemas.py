"""The public JSON of a delivery and a contact point (CONTRACTS.md "Notifications"): the one
model the CLI (and any page or API) emits."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class DeliveryOut(BaseModel):
    """One delivery of the outbox, exactly as CONTRACTS.md names it."""

    id: int
    event: str
    recipient: str
    channel: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    subject: str
    alert_id: int | None
    work_order_id: int | None


class DeliveryRow(DeliveryOut):
    """A delivery as the pages show it: the contract's fields, where it belongs, and why its
    last attempt failed."""

    building: str | None = None
    error: str | None = None


class ContactOut(BaseModel):
    """A contact point; the address with tokens and passwords masked."""

    channel: str
    address: str
    created_at: datetime


class PrefsOut(BaseModel):
    """A user's notification preferences."""

    lang: str
    mute_warnings: bool
    quiet_hours: str | None
    timezone: str | None
    channels: dict[str, list[str]]
