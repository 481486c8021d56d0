"""The values the notification rules work on: events, recipients, contact points, deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from udara.scope import EVERYTHING, Scope

EventName = Literal[
    "alert_opened",
    "alert_escalated",
    "alert_resolved",
    "work_order_assigned",
    "work_order_escalated",
    "work_order_done",
    "work_order_not_fixed",
    "request_update",
    "digest",
    "test",
]
EVENTS: Final[tuple[str, ...]] = (
    "alert_opened",
    "alert_escalated",
    "alert_resolved",
    "work_order_assigned",
    "work_order_escalated",
    "work_order_done",
    "work_order_not_fixed",
    "request_update",
    "digest",
    "test",
)
# What a person chooses channels for: each event belongs to one kind.
KIND_OF: Final[dict[str, str]] = {
    "alert_opened": "alert",
    "alert_escalated": "alert",
    "alert_resolved": "alert",
    "work_order_assigned": "work_order",
    "work_order_escalated": "work_order",
    "work_order_done": "work_order",
    "work_order_not_fixed": "work_order",
    "request_update": "request",
    "digest": "digest",
    "test": "test",
}
KINDS: Final = ("alert", "work_order", "request", "digest")
# `sending` is not a status: a claimed delivery stays `pending` with a lease (see outbox).
STATUSES: Final = ("pending", "sent", "failed", "suppressed")
EMAIL: Final = "email"


@dataclass(frozen=True)
class Contact:
    """One way to reach a person: `email` and an address, or an Apprise scheme and its URL."""

    channel: str
    address: str


@dataclass(frozen=True)
class Prefs:
    """What a person chose: language, muted warnings, quiet hours, channels per kind."""

    lang: str = "id"
    mute_warnings: bool = False
    quiet_hours: tuple[int, int] | None = None  # minutes after local midnight: [start, end)
    timezone: str | None = None  # None: the site's default zone
    channels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> channels

    def wants(self, kind: str, channel: str) -> bool:
        """True unless the person chose channels for `kind` and `channel` is not one."""
        chosen = self.channels.get(kind)
        return chosen is None or channel in chosen


@dataclass(frozen=True)
class Person:
    """A possible recipient as routing sees them."""

    username: str
    role: str
    active: bool = True
    scope: Scope = EVERYTHING
    supervises: frozenset[str] = frozenset()
    contacts: tuple[Contact, ...] = ()
    prefs: Prefs = field(default_factory=Prefs)


@dataclass(frozen=True)
class Event:
    """Something that happened and should reach people.

    `key` identifies it for idempotency (`alert:42:opened`, `work_order:7:assigned:v3`): the
    outbox holds at most one delivery per (key, recipient, channel), however often the event
    is routed. `urgent` events pass quiet hours (critical alerts and their escalations).
    """

    key: str
    name: str
    building: str | None
    at: datetime
    urgent: bool = False
    severity: str | None = None  # alerts: `warning` or `critical`
    alert_id: int | None = None
    work_order_id: int | None = None
    actor: str | None = None  # who caused it: nobody is told what they did themselves
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """`alert`, `work_order`, ... (what channel choices are made for)."""
        return KIND_OF[self.name]


@dataclass(frozen=True)
class Planned:
    """A delivery routing decided on: to whom, by which contact, pending or suppressed, when."""

    recipient: str
    lang: str
    contact: Contact
    status: str  # `pending` or `suppressed`
    not_before: datetime
    reason: str | None = None  # why suppressed or deferred
