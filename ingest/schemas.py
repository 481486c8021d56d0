"""The public JSON of an alert (CONTRACTS.md): the one model the API and the CLI both emit.

Pydantic only: `udara alerts list --json` builds it without loading Flask, and the API's
OpenAPI document is generated from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

from ingest.domain.messages import word
from udara.i18n import words

if TYPE_CHECKING:
    from ingest.alert_service import AlertView


class Place(Protocol):
    """What an alert's JSON says about its room (maintenance's `RoomView` is one)."""

    @property
    def name(self) -> str:
        """The room's name people use."""
        ...

    @property
    def timezone(self) -> str:
        """The IANA zone of the room's building."""
        ...


class AlertOut(BaseModel):
    """An alert (CONTRACTS.md): a threshold breach, or a sensor problem (`kind` offline with
    `metric` null, or faulty naming the metric)."""

    id: int
    building: str
    room: str
    room_name: str = Field(description="the room's name; its code when it has none")
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
    message: str = Field(description="in the reader's language (`?lang=`, cookie, UDARA_LANG)")
    message_code: str | None = Field(
        None, description="stable code of the message; null for alerts stored before codes"
    )
    message_params: dict[str, Any] | None = Field(
        None, description="what the message words: metric and sensor codes, numbers, seconds"
    )

    @classmethod
    def of(cls, alert: AlertView, lang: str, place: Place | None = None) -> AlertOut:
        """`alert` for a reader of `lang`, with its room's name and local times if known."""
        data = {name: getattr(alert, name) for name in cls.model_fields if hasattr(alert, name)}
        data["room_name"] = place.name if place else alert.room
        text = words(lang, place.timezone if place else None)
        data["message"] = word(alert.message_code, alert.message_params, alert.message, text)
        return cls.model_validate(data)
