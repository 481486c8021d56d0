"""People's side of notifications: contact points, preferences, test messages, the log."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from notifications.adapters import directory, outbox
from notifications.adapters.apprise_channel import check_url, masked
from notifications.adapters.orm import ContactPoint, NotificationPrefs
from notifications.domain.channels import classify
from notifications.domain.model import EMAIL, KINDS, Event, Person
from notifications.domain.texts import Rendered, render
from notifications.domain.timing import parse_quiet_hours, render_quiet_hours
from notifications.schemas import ContactOut, DeliveryRow, PrefsOut
from notifications.services.links import Links
from notifications.services.notifier import Audience, Notifier
from udara.db import transaction
from udara.scope import EVERYTHING, Scope


class NotFoundError(LookupError):
    """No such user or contact point."""


class InvalidContact(ValueError):
    """An address that is neither an e-mail address nor an Apprise URL Udara can use."""


def masked_address(channel: str, address: str) -> str:
    """What lists show: e-mail addresses as they are, Apprise URLs with secrets masked."""
    return address if channel == EMAIL else masked(address)


class PeopleNotifications:
    """Contact points, preferences, test messages and the delivery log."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        notifier: Notifier,
        links: Links,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = session_factory
        self._notifier = notifier
        self._links = links
        self._clock = clock

    def _user(self, session: Session, username: str) -> int:
        found = directory.user_id(session, username)
        if found is None:
            raise NotFoundError(f"user {username} does not exist")
        return found

    def add_contact(self, username: str, address: str) -> ContactOut:
        """Add a contact point (one per channel); InvalidContact when it cannot be used."""
        try:
            contact = classify(address)
            if contact.channel != EMAIL:
                check_url(contact.address)
        except ValueError as exc:
            raise InvalidContact(str(exc)) from exc
        now = self._clock()
        try:
            with transaction(self._sessions) as session:
                row = ContactPoint(user_id=self._user(session, username), channel=contact.channel,
                                   address=contact.address, created_at=now)  # fmt: skip
                session.add(row)
                session.flush()
        except IntegrityError as exc:
            raise InvalidContact(
                f"{username} already has a contact point on {contact.channel}; remove it first"
            ) from exc
        return ContactOut(channel=contact.channel,
                          address=masked_address(contact.channel, contact.address),
                          created_at=now)  # fmt: skip

    def contacts(self, username: str) -> list[ContactOut]:
        """A user's contact points, secrets masked."""
        with self._sessions() as session:
            user_id = self._user(session, username)
            rows = session.scalars(
                select(ContactPoint).where(ContactPoint.user_id == user_id).order_by(
                    ContactPoint.channel)
            )  # fmt: skip
            return [ContactOut(channel=r.channel, address=masked_address(r.channel, r.address),
                               created_at=r.created_at) for r in rows]  # fmt: skip

    def remove_contact(self, username: str, address: str) -> None:
        """Remove the contact point with this address (or, for an Apprise URL, of its
        channel); NotFoundError when the user has none such."""
        try:
            contact = classify(address)
        except ValueError as exc:
            raise InvalidContact(str(exc)) from exc
        with transaction(self._sessions) as session:
            user_id = self._user(session, username)
            mine = (ContactPoint.user_id == user_id) & (ContactPoint.channel == contact.channel)
            exact = session.execute(
                delete(ContactPoint).where(mine, ContactPoint.address == contact.address)
            )
            if not exact.rowcount:  # type: ignore[attr-defined]
                raise NotFoundError(f"{username} has no contact point {address}")

    def remove_channel(self, username: str, channel: str) -> None:
        """Remove the user's contact point on `channel` (what a page knows: addresses it
        shows are masked); NotFoundError when there is none."""
        with transaction(self._sessions) as session:
            user_id = self._user(session, username)
            gone = session.execute(
                delete(ContactPoint).where(
                    ContactPoint.user_id == user_id, ContactPoint.channel == channel
                )
            )
            if not gone.rowcount:  # type: ignore[attr-defined]
                raise NotFoundError(f"{username} has no contact point on {channel}")

    def prefs(self, username: str) -> PrefsOut:
        """A user's preferences (the defaults when never set)."""
        with self._sessions() as session:
            row = session.get(NotificationPrefs, self._user(session, username))
            p = directory.prefs_of(row)
            return PrefsOut(
                lang=p.lang, mute_warnings=p.mute_warnings,
                quiet_hours=render_quiet_hours(p.quiet_hours) if p.quiet_hours else None,
                timezone=p.timezone, channels={k: list(v) for k, v in p.channels.items()},
            )  # fmt: skip

    def set_prefs(
        self,
        username: str,
        *,
        lang: str | None = None,
        mute_warnings: bool | None = None,
        quiet_hours: str | None = None,
        timezone: str | None = None,
        channels: Mapping[str, Sequence[str]] | None = None,
    ) -> PrefsOut:
        """Change some preferences; `quiet_hours=""` clears them, `channels[kind]=[]` resets
        that kind to every channel. ValueError for a bad value."""
        if lang is not None and lang not in ("id", "en"):
            raise ValueError("language must be id or en")
        if quiet_hours:
            parse_quiet_hours(quiet_hours)
        if timezone:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {timezone}") from exc
        for kind in channels or {}:
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind}; one of {', '.join(KINDS)}")
        with transaction(self._sessions) as session:
            user_id = self._user(session, username)
            row = session.get(NotificationPrefs, user_id)
            if row is None:
                row = NotificationPrefs(user_id=user_id, lang="id", mute_warnings=False,
                                        channels={})  # fmt: skip
                session.add(row)
            if lang is not None:
                row.lang = lang
            if mute_warnings is not None:
                row.mute_warnings = mute_warnings
            if quiet_hours is not None:
                row.quiet_hours = quiet_hours or None
            if timezone is not None:
                row.timezone = timezone or None
            if channels is not None:
                chosen = dict(row.channels or {})
                for kind, names in channels.items():
                    if names:
                        chosen[kind] = list(names)
                    else:
                        chosen.pop(kind, None)
                row.channels = chosen
        return self.prefs(username)

    def send_test(self, username: str) -> int:
        """Queue a test message to every contact point of `username`; how many."""
        now = self._clock()
        event = Event(key=f"test:{username}:{now.isoformat()}", name="test", building=None,
                      at=now, urgent=True)  # fmt: skip

        def texts(lang: str, recipient: Person) -> Rendered:
            return render(lang, "test", user=recipient.username, link=self._links.base + "/")

        with transaction(self._sessions) as session:
            self._user(session, username)
            routed = self._notifier.route(
                session, event, ["creator"], Audience(creator=username), texts, now
            )
        return routed or 0

    def deliveries(
        self,
        status: str | None = None,
        *,
        event: str | None = None,
        channel: str | None = None,
        scope: Scope = EVERYTHING,
        alert_id: int | None = None,
        work_order_id: int | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[DeliveryRow]:
        """The delivery log, newest first, of the buildings in `scope`."""
        with self._sessions() as session:
            rows = outbox.listing(
                session, status=status, event=event, channel=channel,
                buildings=scope.buildings, alert_id=alert_id, work_order_id=work_order_id,
                limit=limit, offset=offset,
            )  # fmt: skip
            return [
                DeliveryRow(
                    id=r.id,
                    event=r.event,
                    recipient=r.recipient,
                    channel=r.channel,
                    status=r.status,
                    attempts=r.attempts,
                    created_at=r.created_at,
                    sent_at=r.sent_at,
                    subject=r.subject,
                    alert_id=r.alert_id,
                    work_order_id=r.work_order_id,
                    building=r.building,
                    error=r.error,
                )  # fmt: skip
                for r in rows
            ]

    def channels(self, scope: Scope = EVERYTHING) -> list[str]:
        """The channels the delivery log of `scope` holds (for its filter)."""
        with self._sessions() as session:
            return outbox.channels(session, scope.buildings)
