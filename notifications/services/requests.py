"""The reporter hears back: when the work order an occupant's report became is started, done
or cancelled, or the request is rejected at triage, everyone who left an e-mail address with a
report of it gets a message, in the language of their report, with the link to the request's
status page.

Maintenance calls this inside the work-order change's transaction (a `WorkOrderListener`,
like `work_orders.py`), occupants inside the rejection's (a `RequestListener`), so the change
and its messages commit together or not at all.

Idempotent: one message per request status (`in_work_order`, `done`, `rejected`) per address,
however often the work order moves (paused and resumed, reopened and done again): the
routed-event mark `request:{ref}:{status}` makes routing happen once, and the outbox's UNIQUE
key (the event key with the address's digest, recipient `request:{ref}`, channel) once per
address. Phone numbers are kept on the report but get nothing: Udara has no SMS channel.
Which statuses reporters hear of is `routing.yaml`'s `requests.reporter_updates`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from maintenance.services.events import WorkOrderChange
from notifications.adapters import directory, outbox
from notifications.domain.model import EMAIL, Event
from notifications.domain.routing import Routing
from notifications.domain.texts import Rendered, render, supported, word
from notifications.services.links import Links

# The work order's change → the request status the reporter hears about.
STATUS_OF: dict[str, str] = {"started": "in_work_order", "done": "done", "cancelled": "rejected"}


def request_key(ref: str, status: str) -> str:
    """The routed-event key of one request's status change."""
    return f"request:{ref}:{status}"


def delivery_key(ref: str, status: str, address: str) -> str:
    """The delivery's key: the event's, with a digest of the address (one per reporter)."""
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]
    return f"{request_key(ref, status)}:{digest}"


def is_email(contact: str) -> bool:
    """Whether a reporter's contact is an e-mail address (the rest are phone numbers)."""
    return "@" in contact


class RequestUpdates:
    """The `WorkOrderListener` that tells occupants what became of their reports."""

    def __init__(self, routing: Routing, links: Links) -> None:
        self._routing = routing
        self._links = links

    def work_order_changed(self, session: Session, change: WorkOrderChange) -> None:
        """Write the reporters' deliveries in the change's transaction."""
        status = STATUS_OF.get(change.kind)
        if status is None or status not in self._routing.reporter_updates:
            return
        found = directory.reporters(session, wo_id=change.work_order_id)
        self._tell_each(session, found, status, change.at, change.work_order_id)

    def request_rejected(self, session: Session, request_id: int, at: datetime) -> None:
        """Occupants' `RequestListener`: the request was rejected at triage."""
        if "rejected" not in self._routing.reporter_updates:
            return
        found = directory.reporters(session, request_id=request_id)
        self._tell_each(session, found, "rejected", at, None)

    def _tell_each(
        self, session: Session, found: list[directory.Reporter], status: str, at: datetime,
        wo_id: int | None,
    ) -> None:  # fmt: skip
        by_ref: dict[str, list[directory.Reporter]] = {}
        for reporter in found:
            if is_email(reporter.contact):
                by_ref.setdefault(reporter.ref, []).append(reporter)
        for ref, reporters in by_ref.items():
            self._tell(session, status, ref, reporters, at, wo_id)

    def _tell(
        self, session: Session, status: str, ref: str, reporters: list[directory.Reporter],
        at: datetime, wo_id: int | None,
    ) -> None:  # fmt: skip
        first = reporters[0]
        event = Event(
            key=request_key(ref, status), name="request_update", building=first.building,
            at=at, work_order_id=wo_id, params={"ref": ref, "status": status},
        )  # fmt: skip
        if not outbox.mark_routed(session, event, at):
            return
        latest: dict[str, directory.Reporter] = {}
        for reporter in reporters:  # oldest first: the latest report's language wins
            latest[reporter.contact.strip().lower()] = reporter
        rows: list[dict[str, Any]] = []
        for address, reporter in latest.items():
            lang = supported(reporter.lang)
            text = self.text(lang, status, reporter)
            rows.append({
                "event": event.name, "event_key": delivery_key(ref, status, address),
                "recipient": f"request:{ref}", "channel": EMAIL,
                "address": reporter.contact.strip(), "lang": lang, "status": "pending",
                "reason": None, "attempts": 0, "created_at": at,
                "next_attempt_at": at + self._routing.gather, "subject": text.subject,
                "body": text.body, "params": event.params, "building": event.building,
                "alert_id": None, "work_order_id": wo_id,
            })  # fmt: skip
        outbox.add(session, rows)
        outbox.count_routed(session, event.key, len(rows))

    def text(self, lang: str, status: str, reporter: directory.Reporter) -> Rendered:
        """The message to one reporter."""
        note = ""
        if status == "done" and reporter.completion_notes:
            note = "\n" + render(lang, "request_update.note", note=reporter.completion_notes).body
        if status == "rejected" and reporter.reject_reason:
            note = "\n" + render(lang, "request_update.reason", reason=reporter.reject_reason).body
        return render(
            lang, f"request_update.{status}", ref=reporter.ref,
            what=word(lang, reporter.category),
            place=f"{reporter.room_name} ({reporter.building_name})", note=note,
            link=self._links.request_status(reporter.room_token, reporter.ref),
        )  # fmt: skip
