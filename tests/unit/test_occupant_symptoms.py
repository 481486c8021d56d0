"""Pure parts of occupants' updates and symptom reports: which reports count as symptoms,
grouping per room, means over the reports that recorded a metric, the update texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifications.domain.texts import TEXTS, WORDS, render, word
from occupants.domain.model import CATEGORIES
from occupants.domain.symptoms import SymptomReport, by_room, is_symptom_report, mean_air

T0 = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def report(room: str, minutes: int, symptoms: tuple[str, ...], **air: float) -> SymptomReport:
    return SymptomReport("hq", room, room.upper(), T0 + timedelta(minutes=minutes), symptoms, air)


def test_a_report_counts_when_it_names_symptoms_or_says_unwell() -> None:
    assert is_symptom_report("symptoms", [])
    assert is_symptom_report("stuffy", ["headache"])
    assert not is_symptom_report("stuffy", [])
    assert not is_symptom_report("dirty", [])


def test_reports_group_per_room_oldest_first_with_counts_and_means() -> None:
    found = by_room([
        report("r2", 5, ("headache",), co2=1600.0),
        report("r1", 0, ("cough",)),
        report("r2", 0, ("headache", "fatigue"), co2=1400.0, humidity=70.0),
    ])  # fmt: skip
    assert [(r.room, r.count) for r in found] == [("r1", 1), ("r2", 2)]
    r2 = found[1]
    assert [x.at for x in r2.reports] == [T0, T0 + timedelta(minutes=5)]
    assert r2.symptom_counts == {"headache": 2, "fatigue": 1}
    assert r2.air_mean("co2") == 1500.0
    assert r2.air_mean("humidity") == 70.0  # over the one report that recorded it
    assert r2.air_mean("pm25") is None and found[0].air_mean("co2") is None
    assert mean_air([], "co2") is None


def test_every_request_update_is_worded_in_both_languages_for_every_category() -> None:
    for lang in ("id", "en"):
        for status in ("in_work_order", "done", "rejected"):
            assert f"request_update.{status}" in TEXTS[lang]
        assert set(CATEGORIES) <= set(WORDS[lang])  # every category has its word
        link = "https://x/r/t/requests/RABC"
        text = render(lang, "request_update.done", ref="RABC", what=word(lang, "leak"),
                      place="Lobi (Menara A)", note="", link=link)  # fmt: skip
        assert "RABC" in text.subject and link in text.body
