"""One-tap acknowledgement: a message's signed link opens a confirm page; confirming
acknowledges the alert as the person the link was made for, once.

Refusals change nothing and say why: `tampered` (the signature does not hold), `expired`
(older than 24 h), `used` (confirmed before), `gone` (no such alert in the person's
buildings, or the person may no longer acknowledge), `resolved` (nothing left to do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from notifications.adapters import directory
from notifications.adapters.orm import UsedAckLink
from notifications.domain.model import Person
from notifications.services.alerts import ACK_ROLE
from notifications.services.links import AckClaim, AckRefused, Links
from udara.db import insert_ignoring_conflicts, transaction

if TYPE_CHECKING:
    from ingest.alert_service import AlertService, AlertView


@dataclass(frozen=True)
class AckPreview:
    """What the confirm page shows: the alert, and as whom it will be acknowledged."""

    alert: AlertView
    username: str
    lang: str
    expires: datetime


class Acknowledgements:
    """Checks and uses acknowledge links."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        links: Links,
        alerts: Callable[[], AlertService],
    ) -> None:
        self._sessions = session_factory
        self._links = links
        self._alerts = alerts

    def _check(self, token: str, now: datetime) -> tuple[AckClaim, Person, AlertView]:
        claim = self._links.read_ack(token, now)
        with self._sessions() as session:
            used = session.scalar(select(UsedAckLink.nonce).where(UsedAckLink.nonce == claim.nonce))
            found = directory.named(session, [claim.username])
        if used is not None:
            raise AckRefused("used")
        if not found or not found[0].active or found[0].role != ACK_ROLE:
            raise AckRefused("gone")
        person = found[0]
        alert = self._alerts().get(claim.alert_id, scope=person.scope)
        if alert is None:
            raise AckRefused("gone")
        if alert.state == "resolved":
            raise AckRefused("resolved")
        return claim, person, alert

    def preview(self, token: str, now: datetime) -> AckPreview:
        """What confirming would do; AckRefused when it cannot be done."""
        claim, person, alert = self._check(token, now)
        return AckPreview(alert, person.username, person.prefs.lang, claim.expires)

    def confirm(self, token: str, now: datetime) -> AckPreview:
        """Acknowledge the link's alert as its person, using up the link."""
        from ingest.alert_service import AlertAlreadyResolved, AlertNotFound

        claim, person, alert = self._check(token, now)
        with transaction(self._sessions) as session:
            row = {"nonce": claim.nonce, "alert_id": claim.alert_id, "username": person.username,
                   "used_at": now}  # fmt: skip
            if insert_ignoring_conflicts(session, UsedAckLink, row, on=["nonce"]) is None:
                raise AckRefused("used")  # a second tap at the same moment
        try:
            done = self._alerts().acknowledge(alert.id, person.username, now, scope=person.scope)
        except (AlertNotFound, AlertAlreadyResolved) as exc:
            reason = "resolved" if isinstance(exc, AlertAlreadyResolved) else "gone"
            raise AckRefused(reason) from exc
        except Exception:
            with transaction(self._sessions) as session:  # not used after all: give it back
                session.execute(delete(UsedAckLink).where(UsedAckLink.nonce == claim.nonce))
            raise
        return AckPreview(done, person.username, person.prefs.lang, claim.expires)
