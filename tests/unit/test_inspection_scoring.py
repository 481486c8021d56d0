"""Audit scoring: weights, pass/fail and 1–5 marks, what counts as failed, photos, weeks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inspections.domain.model import (
    Answer,
    AnswerError,
    Result,
    TemplateError,
    averages,
    parse_templates,
    score,
    week_of,
)
from inspections.services.inspections import load_templates

T = parse_templates(
    {
        "wc": {
            "crew": "cleaning",
            "title": {"id": "Toilet", "en": "Toilet"},
            "items": [
                {"code": "floor", "kind": "score", "weight": 2, "photo_on_fail": True,
                 "text": {"id": "Lantai", "en": "Floor"}},
                {"code": "smell", "kind": "pass_fail", "weight": 1,
                 "text": {"id": "Bau", "en": "Smell"}},
                {"code": "soap", "kind": "pass_fail",
                 "text": {"id": "Sabun", "en": "Soap"}},
            ],
        }
    }
)["wc"]  # fmt: skip


def test_the_score_is_the_weighted_mean_of_the_items_marks() -> None:
    # floor 4 → 75 % (weight 2), smell pass → 100 %, soap fail → 0 %: (150 + 100 + 0) / 4
    result = score(T, [Answer("floor", score=4), Answer("smell", passed=True),
                       Answer("soap", passed=False)])  # fmt: skip
    assert result.score == 62.5
    assert [m.percent for m in result.items] == [75.0, 100.0, 0.0]
    assert [m.item.code for m in result.failures] == ["soap"]


MARKS = [(1, 0.0, True), (2, 25.0, True), (3, 50.0, False), (5, 100.0, False)]


@pytest.mark.parametrize(("mark", "percent", "failed"), MARKS)
def test_scores_map_one_to_five_onto_0_to_100_and_two_or_less_fails(
    mark: int, percent: float, failed: bool
) -> None:
    result = score(T, [Answer("floor", score=mark, has_photo=True),
                       Answer("smell", passed=True), Answer("soap", passed=True)])  # fmt: skip
    assert result.items[0].percent == percent
    assert result.items[0].failed is failed


def test_all_pass_is_100_and_all_worst_is_0() -> None:
    best = score(T, [Answer("floor", score=5), Answer("smell", passed=True),
                     Answer("soap", passed=True)])  # fmt: skip
    worst = score(T, [Answer("floor", score=1, has_photo=True), Answer("smell", passed=False),
                      Answer("soap", passed=False)])  # fmt: skip
    assert (best.score, worst.score, len(worst.failures)) == (100.0, 0.0, 3)


@pytest.mark.parametrize(("answers", "code"), [
    ([Answer("smell", passed=True), Answer("soap", passed=True)], "answer_missing"),
    ([Answer("floor", score=6), Answer("smell", passed=True), Answer("soap", passed=True)],
     "score_out_of_range"),
    ([Answer("floor", score=2), Answer("smell", passed=True), Answer("soap", passed=True)],
     "photo_required"),
    ([Answer("floor", score=5), Answer("smell"), Answer("soap", passed=True)], "answer_missing"),
    ([Answer("floor", score=5), Answer("smell", passed=True), Answer("soap", passed=True),
      Answer("roof", passed=True)], "unknown_item"),
])  # fmt: skip
def test_answers_that_cannot_be_scored_are_refused(answers: list[Answer], code: str) -> None:
    with pytest.raises(AnswerError) as refused:
        score(T, answers)
    assert refused.value.code == code


def test_the_shipped_templates_have_both_languages_and_the_right_crews() -> None:
    shipped = load_templates()
    assert set(shipped) == {"toilet", "office_floor", "pantry", "ahu_room"}
    assert shipped["ahu_room"].crew == "hvac"
    assert {shipped[c].crew for c in ("toilet", "office_floor", "pantry")} == {"cleaning"}
    for template in shipped.values():
        for item in template.items:
            assert item.words("id") and item.words("en") and item.words("id") != item.words("en")


MALFORMED = [
    {"x": {"title": {"id": "a", "en": "b"}, "items": []}},
    {"x": {"crew": "c", "title": {"id": "a", "en": "b"}, "items": []}},
    {"x": {"crew": "c", "title": {"id": "a", "en": "b"},
           "items": [{"code": "a", "kind": "stars", "text": {"id": "a", "en": "b"}}]}},
    {"x": {"crew": "c", "title": {"id": "a"},
           "items": [{"code": "a", "kind": "score", "text": {"id": "a", "en": "b"}}]}},
]  # fmt: skip
MALFORMED.append(  # an unquoted comma in a YAML flow mapping makes a key of the rest
    {"x": {"crew": "c", "title": {"id": "a", "en": "b"}, "items": [{"code": "a", "kind": "score",
     "text": {"id": "Kloset", "urinoir": None, "en": "Toilets"}}]}}
)  # fmt: skip


@pytest.mark.parametrize("bad", MALFORMED)
def test_malformed_templates_are_refused(bad: dict) -> None:
    with pytest.raises(TemplateError):
        parse_templates(bad)


def test_weeks_start_on_monday_in_the_building_time_zone() -> None:
    # Sunday 2026-03-08 20:00 UTC is Monday 03:00 in Jakarta.
    at = datetime(2026, 3, 8, 20, 0, tzinfo=UTC)
    assert week_of(at, "Asia/Jakarta").isoformat() == "2026-03-09"
    assert week_of(at, "UTC").isoformat() == "2026-03-02"
    results = [
        Result(at, "cleaning", "wc", "toilet", 80.0),
        Result(datetime(2026, 3, 10, 3, tzinfo=UTC), "cleaning", "wc", "toilet", 60.0),
        Result(datetime(2026, 3, 3, 3, tzinfo=UTC), "hvac", "ahu", "ahu_room", 50.0),
    ]
    by_week = averages(results, "Asia/Jakarta", ["week"])
    assert [(a.key, a.count, a.mean) for a in by_week] == [
        (("2026-03-02",), 1, 50.0), (("2026-03-09",), 2, 70.0)]  # fmt: skip
    by_crew = averages(results, "Asia/Jakarta", ["crew"])
    assert [(a.key, a.mean) for a in by_crew] == [(("cleaning",), 70.0), (("hvac",), 50.0)]
