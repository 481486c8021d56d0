"""Links in messages: pages under `UDARA_PUBLIC_URL`, and one-tap acknowledge links.

An acknowledge link carries a payload signed with the site's secret (itsdangerous): the
alert, the recipient, a random nonce and an expiry. The signature binds it to that alert and
that person; the nonce makes it single use (a used one is recorded); the expiry is checked
against the clock passed in, so tests need no sleeping.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

ACK_SALT = "udara.notifications.ack"
ACK_VALID = timedelta(hours=24)


class Links:
    """Absolute links to Udara's pages."""

    def __init__(self, public_url: str, secret: str) -> None:
        self.base = public_url.rstrip("/")
        self._signer = URLSafeSerializer(secret, salt=ACK_SALT)

    def alert(self, alert_id: int) -> str:
        """The alerts page, scrolled to this alert."""
        return f"{self.base}/alerts?show=all#alert-{alert_id}"

    def work_order(self, wo_id: int) -> str:
        """The work order's page."""
        return f"{self.base}/work-orders/{wo_id}"

    def request_status(self, room_token: str | None, ref: str) -> str:
        """An occupant's status page of request `ref` (the site itself without the room's
        token: its link was rotated and not printed again)."""
        if not room_token:
            return f"{self.base}/"
        return f"{self.base}/r/{room_token}/requests/{ref}"

    def ack(self, alert_id: int, username: str, now: datetime) -> str:
        """A signed single-use link acknowledging `alert_id` as `username`, valid 24 h."""
        payload = {
            "a": alert_id,
            "u": username,
            "n": secrets.token_urlsafe(12),
            "e": int((now + ACK_VALID).timestamp()),
        }
        return f"{self.base}/n/ack/{self._signer.dumps(payload)}"

    def read_ack(self, token: str, now: datetime) -> AckClaim:
        """What an acknowledge token claims; AckRefused("tampered" / "expired") otherwise."""
        try:
            payload: Any = self._signer.loads(token)
        except BadSignature as exc:
            raise AckRefused("tampered") from exc
        if not isinstance(payload, dict) or not {"a", "u", "n", "e"} <= payload.keys():
            raise AckRefused("tampered")
        expires = datetime.fromtimestamp(int(payload["e"]), UTC)
        if now >= expires:
            raise AckRefused("expired")
        return AckClaim(int(payload["a"]), str(payload["u"]), str(payload["n"]), expires)


@dataclass(frozen=True)
class AckClaim:
    """A genuine, unexpired acknowledge link: which alert, as whom."""

    alert_id: int
    username: str
    nonce: str
    expires: datetime


class AckRefused(Exception):
    """An acknowledge link that cannot be used: `tampered`, `expired`, `used`, `gone`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
