"""Sick building syndrome in the compliance report: occupants' symptom reports of a month, per
room, beside the air recorded with each (CO2, PM2.5, temperature, humidity).

A report counts when it names symptoms, or when its category is `symptoms` ("I feel unwell
here") even without ticking any. The air is what the room's sensors said at the moment of the
report (`air` on the report); a report made while no sensor spoke has none, and is counted
without it: the means are over the reports that recorded the metric.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from occupants.domain.model import SYMPTOMS

# The metrics the compliance report sets beside symptom reports, in this order.
SBS_METRICS: Final[tuple[str, ...]] = ("co2", "pm25", "temperature", "humidity")


def is_symptom_report(category: str, symptoms: Sequence[str]) -> bool:
    """Whether a report tells of symptoms (sick building syndrome)."""
    return category == "symptoms" or bool(symptoms)


@dataclass(frozen=True)
class SymptomReport:
    """One report of symptoms and the room's air when it was made."""

    building: str
    room: str
    room_name: str
    at: datetime
    symptoms: tuple[str, ...]
    air: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomSymptoms:
    """A room's symptom reports of one month."""

    building: str
    room: str
    room_name: str
    reports: tuple[SymptomReport, ...]

    @property
    def count(self) -> int:
        """How many symptom reports."""
        return len(self.reports)

    @property
    def symptom_counts(self) -> dict[str, int]:
        """Symptom → how many reports named it, in the usual order of symptoms."""
        counts = {s: sum(1 for r in self.reports if s in r.symptoms) for s in SYMPTOMS}
        return {s: n for s, n in counts.items() if n}

    def air_mean(self, metric: str) -> float | None:
        """The mean of `metric` recorded with the reports (None when none recorded it)."""
        return mean_air(self.reports, metric)


def mean_air(reports: Iterable[SymptomReport], metric: str) -> float | None:
    """The mean of `metric` over the reports that recorded it."""
    values = [float(r.air[metric]) for r in reports if r.air.get(metric) is not None]
    return sum(values) / len(values) if values else None


def by_room(reports: Iterable[SymptomReport]) -> list[RoomSymptoms]:
    """Reports grouped per room (building, room order), each room's oldest first."""
    grouped: dict[tuple[str, str], list[SymptomReport]] = {}
    for report in reports:
        grouped.setdefault((report.building, report.room), []).append(report)
    return [
        RoomSymptoms(b, r, found[0].room_name, tuple(sorted(found, key=lambda x: x.at)))
        for (b, r), found in sorted(grouped.items())
    ]
