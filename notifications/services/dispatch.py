"""The dispatcher: sends due deliveries, folded per recipient, with retries per channel.

One pass (`run`), run by the scheduler every few seconds:

1. Find recipients with something due (pending, due, not leased), per channel and address.
2. Fold: a recipient sent something on a channel less than the fold window ago (2 min) has
   their new deliveries held until the window ends; then everything pending goes out as one
   message. The first message of a quiet spell goes at once (after the short gather that
   lets an alert storm's listener calls land), a storm becomes one message per window.
3. Claim the group with a lease (see `adapters/outbox.py`), send it, confirm it `sent`.
   A failed send makes each delivery due again after its channel's backoff, or `failed`
   after the channel's last attempt (or at once when the address was refused for good).

Channels run in parallel threads, one per channel, so a slow or failing channel holds up
nobody else's messages.

Crash safety: a delivery is claimed (committed) before it is sent and confirmed (committed)
after. A crash before the send loses nothing: the lease runs out and it is sent then. A
crash after the service accepted the message but before the confirm committed sends it once
more when the lease (5 min) has run out: at most one extra copy per crash, never sooner than
the lease; each claim counts an attempt, so a delivery that keeps crashing its sender ends
`failed` after the channel's attempts. A send never outlasts its lease (SMTP and Apprise
time out well within it), and a dispatcher finding its lease gone does not confirm.
E-mail copies carry the same Message-ID, so mail clients show one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from notifications.adapters import outbox
from notifications.adapters.outbox import Group
from notifications.domain.channels import Channel, OutgoingMessage, SendFailed
from notifications.domain.model import EMAIL
from notifications.domain.routing import Routing
from notifications.domain.texts import Rendered, fold
from udara.db import transaction

log = logging.getLogger(__name__)
MAX_THREADS = 4


@dataclass
class DispatchReport:
    """What one pass did: messages sent, deliveries in them, failures, groups held to fold."""

    messages: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0

    def add(self, other: DispatchReport) -> None:
        """Add another report's counts to this one."""
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def to_json(self) -> dict[str, int]:
        """A JSON-ready dict."""
        return asdict(self)


class Dispatcher:
    """Sends the outbox; `owner` names this dispatcher in the leases it takes."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        routing: Routing,
        email: Channel,
        other: Channel,
        clock: Callable[[], datetime],
        owner: str | None = None,
    ) -> None:
        self._sessions = session_factory
        self._routing = routing
        self._email = email
        self._other = other
        self._clock = clock
        self.owner = owner or f"dispatcher-{uuid.uuid4().hex[:12]}"

    def channel(self, name: str) -> Channel:
        """The adapter that sends channel `name`."""
        return self._email if name == EMAIL else self._other

    def run(self, now: datetime | None = None) -> DispatchReport:
        """One pass over everything due at `now` (default: the clock)."""
        start = now or self._clock()
        # A pass takes a while (each send can); every claim and confirm reads the time anew,
        # shifted to the instant the pass was asked for (tests pass an accelerated one).
        offset = start - self._clock()

        def now_() -> datetime:
            return self._clock() + offset

        now = start
        with self._sessions() as session:
            groups = outbox.due_groups(session, now)
        by_channel: dict[str, list[Group]] = {}
        for group in groups:
            by_channel.setdefault(group.channel, []).append(group)
        report = DispatchReport()
        if not by_channel:
            return report
        with ThreadPoolExecutor(min(MAX_THREADS, len(by_channel))) as pool:
            futures = [pool.submit(self._channel_pass, g, now_) for g in by_channel.values()]
        for future in futures:
            report.add(future.result())
        return report

    def _channel_pass(self, groups: list[Group], now: Callable[[], datetime]) -> DispatchReport:
        report = DispatchReport()
        for group in groups:
            try:
                report.add(self.send_group(group, now()))
            except Exception:  # one recipient's trouble must not stop the channel's others
                log.exception("dispatching to %s on %s failed", group.recipient, group.channel)
        return report

    def send_group(self, group: Group, now: datetime) -> DispatchReport:
        """Fold-hold, claim, send and confirm one recipient's deliveries on one channel."""
        report = DispatchReport()
        claimed = self.claim(group, now)
        if claimed is None:
            report.held = 1
            return report
        if not claimed:
            return report
        ids = [d.id for d in claimed]
        message = self.compose(claimed)
        try:
            self.channel(group.channel).send(group.address, message)
        except SendFailed as exc:
            return self._failed(claimed, str(exc), exc.permanent, now)
        except Exception as exc:  # an adapter bug: retried like a temporary failure
            log.exception("channel %s raised", group.channel)
            return self._failed(claimed, f"{type(exc).__name__}: {exc}", False, now)
        with transaction(self._sessions) as session:
            confirmed = outbox.confirm(session, ids, self.owner, now)
        if confirmed < len(ids):
            log.warning(
                "lease lost on %d of deliveries %s after sending", len(ids) - confirmed, ids
            )
        report.messages, report.delivered = 1, confirmed
        return report

    def claim(self, group: Group, now: datetime) -> list[outbox.Delivery] | None:
        """Lease the group's due deliveries; None when they are held to fold."""
        window = self._routing.fold_window
        with transaction(self._sessions) as session:
            last = outbox.last_sent(session, group)
            if last is not None and now < last + window:
                outbox.hold(session, group, last + window, now)
                return None
            rows = outbox.claim(
                session, group, self.owner, now, now + self._routing.gather, self._routing.lease
            )
            session.expunge_all()
            return rows

    @staticmethod
    def compose(deliveries: list[outbox.Delivery]) -> OutgoingMessage:
        """One message for a recipient's deliveries (folded when there are several)."""
        lang = deliveries[0].lang
        text = fold(lang, [Rendered(d.subject, d.body) for d in deliveries])
        message_id = f"udara.{deliveries[0].id}.{len(deliveries)}"
        return OutgoingMessage(text.subject, text.body, lang, message_id)

    def _failed(
        self, claimed: list[outbox.Delivery], error: str, permanent: bool, now: datetime
    ) -> DispatchReport:
        report = DispatchReport()
        policy = self._routing.retry_for(claimed[0].channel)
        with transaction(self._sessions) as session:
            for delivery in claimed:
                # `attempts` already counts this one: the claim counted it.
                wait = None if permanent else policy.next_try(delivery.attempts)
                retry_at = now + wait if wait is not None else None
                outbox.release(session, delivery.id, self.owner, retry_at=retry_at, error=error)
                if retry_at is None:
                    report.failed += 1
                else:
                    report.retried += 1
        log.warning(
            "sending %d deliveries on %s failed: %s", len(claimed), claimed[0].channel, error
        )
        return report
