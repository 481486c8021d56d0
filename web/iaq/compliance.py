"""Monthly compliance, as the web shows it: windows read from InfluxDB, scored by the domain
(`ingest.domain.compliance`, where the rules are), and the report as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from ingest.domain.compliance import (
    BuildingScore,
    MetricScore,
    Report,
    Window,
    WindowRead,
    month_bounds,
    windows_to_read,
)
from ingest.domain.compliance import building_score as score_building
from ingest.domain.evaluation import EvaluationConfig
from ingest.domain.profiles import Profile
from occupants.domain.symptoms import SBS_METRICS, RoomSymptoms, SymptomReport, mean_air
from web.iaq.readings import IaqReadings

__all__ = ["Report", "building_score", "to_csv"]


def building_score(
    readings: IaqReadings,
    profile: Profile,
    config: EvaluationConfig,
    building: str,
    tz: str,
    rooms: Sequence[str],
    month: date,
    now: datetime,
) -> BuildingScore:
    """Score every room of one building for `month` (one InfluxDB query per window size,
    one more per metric with flagged readings, one to find those)."""
    start, end = month_bounds(month, tz, now)
    flagged = readings.flagged_metrics(building, start, end)
    found: list[tuple[WindowRead, Mapping[str, list[Window]]]] = []
    for read in windows_to_read(profile, config, start, end, flagged):
        windows: Mapping[str, list[Window]] = {}
        if read.total:
            windows = readings.windows(
                building,
                start,
                start + read.total * read.window,
                read.window,
                read.slots,
                read.metrics,
                read.shift,
                exclude_flagged=read.exclude_flagged,
            )
        found.append((read, windows))
    return score_building(profile, config, building, tz, rooms, found)


def to_csv(report: Report, symptoms: Mapping[str, Sequence[RoomSymptoms]] | None = None) -> str:
    """The report as CSV: one line per room and metric, plus building totals.

    The last two columns set occupants' symptom reports beside the air: how many the room
    (or building, `*`) had in the month, and the mean of the line's metric recorded with them
    (CO2, PM2.5, temperature and humidity; empty for other metrics or when none recorded it).
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["month", "profile", "building", "room", "metric", "limit", "window_minutes",
         "windows", "covered", "compliant", "compliant_share", "coverage", "worst_mean",
         "symptom_reports", "mean_at_symptom_reports"]
    )  # fmt: skip

    def line(building: str, room: str, s: MetricScore, told: Sequence[SymptomReport]) -> None:
        at_reports = mean_air(told, s.metric) if s.metric in SBS_METRICS else None
        writer.writerow(
            [report.month.strftime("%Y-%m"), report.profile.name, building, room, s.metric,
             s.limit.label, int(s.window.total_seconds() // 60), s.total, s.covered,
             s.compliant, _fmt(s.share), _fmt(s.coverage), _fmt(s.worst), len(told),
             _fmt(at_reports)]
        )  # fmt: skip

    for b in report.buildings:
        rooms = {r.room: r.reports for r in (symptoms or {}).get(b.building, ())}
        for r in b.rooms:
            for s in r.metrics.values():
                line(b.building, r.room, s, rooms.get(r.room, ()))
        everyone = [report for reports in rooms.values() for report in reports]
        for s in b.totals.values():
            line(b.building, "*", s, everyone)
    return out.getvalue()


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
