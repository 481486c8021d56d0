"""The vocabulary of occupant reports and requests, and when reports fold into one request.

Decisions, each with its reason:
- Reports of one room and category fold into the request that room and category already has
  open, as long as the request's first report is less than `FOLD_WINDOW` old: ten people who
  see the same dirty toilet make one job, while a toilet dirty again an hour later is new
  work. The window counts from the first report, so a steady trickle cannot keep one request
  open for ever.
- A request whose work is done, or that was rejected, takes no more reports: the next one
  opens a new request.
- A request's status follows its work order (done when the order is done or verified); the
  request keeps only what the work order cannot say: new, rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal, get_args

Category = Literal[
    "dirty", "smell", "too_hot", "too_cold", "stuffy", "leak", "trash_full", "supplies_empty",
    "symptoms", "other",
]  # fmt: skip
Symptom = Literal[
    "headache", "eye_irritation", "throat_irritation", "cough", "skin_irritation", "fatigue",
    "poor_concentration", "other",
]  # fmt: skip
RequestStatus = Literal["new", "in_work_order", "done", "rejected"]

CATEGORIES: Final[tuple[str, ...]] = get_args(Category)
SYMPTOMS: Final[tuple[str, ...]] = get_args(Symptom)
REQUEST_STATUSES: Final[tuple[str, ...]] = get_args(RequestStatus)
# What the report says about the air: the room's readings of that moment are kept with it.
AIR_CATEGORIES: Final[frozenset[str]] = frozenset({"symptoms", "stuffy", "too_hot", "too_cold"})
# Symptoms may come with these categories (the form shows the checklist for them).
SYMPTOM_CATEGORIES: Final[frozenset[str]] = frozenset({"symptoms", "stuffy"})

FOLD_WINDOW: Final = timedelta(minutes=30)
MAX_PHOTO_BYTES: Final = 5 * 1024 * 1024  # CONTRACTS.md: a JPEG or PNG of at most 5 MB
MAX_MESSAGE: Final = 1000
MAX_CONTACT: Final = 200
# A finished or refused work order ends its request.
DONE_WORK: Final[frozenset[str]] = frozenset({"done", "verified"})
CANCELLED_WORK: Final[frozenset[str]] = frozenset({"cancelled"})


def fold_key(room_id: int, category: str) -> str:
    """The key one open request of a room and category holds (UNIQUE while it may fold)."""
    return f"{room_id}/{category}"


@dataclass(frozen=True)
class OpenRequest:
    """The facts folding looks at: when the request began and whether it still takes reports."""

    first_report_at: datetime
    closed: bool


def folds_into(existing: OpenRequest | None, at: datetime) -> bool:
    """True when a report made at `at` joins `existing` rather than opening a new request."""
    if existing is None or existing.closed:
        return False
    return existing.first_report_at <= at < existing.first_report_at + FOLD_WINDOW


def request_status(stored: str, work_order_status: str | None) -> str:
    """A request's status as people see it: its own when rejected or new, else its work's."""
    if stored == "rejected" or work_order_status is None:
        return stored
    if work_order_status in DONE_WORK:
        return "done"
    if work_order_status in CANCELLED_WORK:
        return "rejected"
    return "in_work_order"


def clean_symptoms(category: str, symptoms: list[str]) -> tuple[str, ...]:
    """The known symptoms given, once each and in the usual order; none for other categories."""
    if category not in SYMPTOM_CATEGORIES:
        return ()
    given = set(symptoms)
    return tuple(s for s in SYMPTOMS if s in given)


class PhotoRefused(ValueError):
    """Not a JPEG or PNG photo Udara keeps: too large, not an image, damaged (`code` says)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
