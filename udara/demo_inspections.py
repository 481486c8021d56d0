"""The demo history's inspections: twice a week (Tuesday and Friday, 09:30 local) the cleaning
supervisor inspects a few rooms with the toilet, pantry or office-floor checklist, so the
audit summary and the KPI page show a month in `make run`. Marks are drawn from a seeded
generator, mostly good; a failed item opens its work order (with a photo where the checklist
asks for one), which the demo's crews then work on like any other."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from PIL import Image

from inspections.domain.model import Template
from inspections.services.inspections import InspectionInput, ItemInput

if TYPE_CHECKING:
    from udara.bootstrap import Container

INSPECTOR = "supervisor"
DAYS = (1, 4)  # Tuesday, Friday
AT = time(9, 30)
ROOMS_PER_ROUND = 3
PASS_SHARE = 0.92
SCORES = (2, 3, 4, 4, 5, 5, 5)


def template_for(room: str) -> str:
    """The checklist a demo room is inspected with, from its code."""
    if "toilet" in room:
        return "toilet"
    if "pantri" in room:
        return "pantry"
    return "office_floor"


@dataclass(frozen=True)
class Visit:
    """One planned inspection."""

    at: datetime
    room: str


def photo(seed: int) -> bytes:
    """A small JPEG standing in for the inspector's phone photo."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (120 + seed % 100, 110, 90)).save(out, "JPEG", quality=70)
    return out.getvalue()


class InspectionRounds:
    """The inspections of [start, end), submitted as the replay's event time reaches them."""

    def __init__(
        self, container: Container, building: str, rooms: list[str], start: datetime,
        end: datetime, tz: tzinfo, seed: int,
    ) -> None:  # fmt: skip
        self._container = container
        self._building = building
        self._rng = random.Random(seed)  # noqa: S311 - a demo, not a secret
        self._visits: list[Visit] = []
        day = start.astimezone(tz).date()
        while True:
            at = datetime.combine(day, AT, tz)
            if at >= end:
                break
            if at >= start and day.weekday() in DAYS and rooms:
                picked = self._rng.sample(rooms, min(ROOMS_PER_ROUND, len(rooms)))
                self._visits += [Visit(at + timedelta(minutes=20 * i), r)
                                 for i, r in enumerate(picked)]  # fmt: skip
            day += timedelta(days=1)
        self.done = 0

    def _answers(self, template: Template) -> list[ItemInput]:
        answers = []
        for item in template.items:
            if item.kind == "pass_fail":
                passed = self._rng.random() < PASS_SHARE
                failed, answer = not passed, ItemInput(item.code, passed=passed)
            else:
                mark = self._rng.choice(SCORES)
                failed, answer = mark <= 2, ItemInput(item.code, score=mark)
            if failed and item.photo_on_fail:
                answer = ItemInput(answer.item, answer.passed, answer.score,
                                   "Perlu dibersihkan ulang", photo(self.done))  # fmt: skip
            answers.append(answer)
        return answers

    def run_until(self, now: datetime, set_clock: Callable[[datetime], None]) -> int:
        """Submit every inspection due by `now` (`set_clock(at)` moves the event time);
        how many were submitted."""
        from maintenance.services.users import actor_of

        user = self._container.user_service.by_username(INSPECTOR)
        if user is None:
            return 0
        count = 0
        service = self._container.inspections
        while self._visits and self._visits[0].at <= now:
            visit = self._visits.pop(0)
            set_clock(visit.at)
            code = template_for(visit.room)
            key = f"demo-{self._building}-{visit.room}-{visit.at:%Y%m%d%H%M}"
            data = InspectionInput(key, code, self._building, visit.room,
                                   self._answers(service.template(code)))  # fmt: skip
            service.submit(actor_of(user), data)
            self.done += 1
            count += 1
        return count
