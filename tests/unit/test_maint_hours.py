"""Operating hours: one line of text in, the same line out, every mistake named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maintenance.domain.errors import InvalidInput
from maintenance.domain.hours import OperatingHours, parse_hours, render_hours


def test_weekday_ranges_and_single_days_are_read_as_minutes_after_local_midnight() -> None:
    hours = parse_hours("mon-fri 07:00-19:00,sat 08:00-13:00")
    for day in ("mon", "tue", "wed", "thu", "fri"):
        assert hours.periods(day) == ((420, 1140),)
    assert hours.periods("sat") == ((480, 780),)
    assert hours.periods("sun") == ()


@pytest.mark.parametrize(
    "text",
    [
        "mon-fri 07:00-19:00,sat 08:00-13:00",
        "mon-fri 07:00-12:00 13:00-17:00,sat 08:00-13:00,sun closed",
        "mon 06:00-24:00,tue 00:00-06:00",
        "mon-sun 00:00-24:00",
        "mon 08:00-12:00,wed 08:00-12:00",
        "sat-sun closed",
        "",
    ],
)
def test_canonical_text_renders_back_to_itself(text: str) -> None:
    assert render_hours(parse_hours(text)) == text


def test_other_spellings_render_in_the_canonical_form() -> None:
    assert render_hours(parse_hours(" Mon-Tue 07:00-19:00 ; wed-fri 7:00-19:00 ")) == (
        "mon-fri 07:00-19:00"
    )
    assert render_hours(parse_hours("daily 08:00-17:00")) == "mon-sun 08:00-17:00"
    assert render_hours(parse_hours("fri-mon 09:00-10:00")) == (
        "mon 09:00-10:00,fri-sun 09:00-10:00"
    )  # a range wraps over the weekend; rendering keeps weekday order
    assert render_hours(parse_hours("mon 13:00-17:00 07:00-12:00,")) == (
        "mon 07:00-12:00 13:00-17:00"
    )  # periods sorted, a stray comma ignored


def test_a_closed_day_is_kept_apart_from_a_day_not_mentioned() -> None:
    hours = parse_hours("mon-fri 07:00-19:00,sun closed")
    assert hours.to_json()["sun"] == []
    assert "sat" not in hours.to_json()
    assert hours.periods("sat") == hours.periods("sun") == ()
    assert not OperatingHours().is_set and hours.is_set


def test_stored_form_round_trips() -> None:
    hours = parse_hours("mon-fri 07:00-12:00 13:00-19:00,sun closed")
    stored = hours.to_json()
    assert stored["mon"] == [["07:00", "12:00"], ["13:00", "19:00"]]
    assert OperatingHours.from_json(stored) == hours
    assert OperatingHours.from_json({}) == OperatingHours() == OperatingHours.from_json(None)


def test_is_open_uses_the_building_time_zone() -> None:
    hours = parse_hours("mon-fri 07:00-19:00")
    # Tuesday 2026-03-10 00:30 UTC is 07:30 in Jakarta and 08:30 in Makassar.
    at = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)
    assert hours.is_open(at, "Asia/Jakarta")
    assert not hours.is_open(at, "UTC")
    assert not hours.is_open(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), "Asia/Jakarta")  # 19:00
    assert not hours.is_open(datetime(2026, 3, 14, 3, 0, tzinfo=UTC), "Asia/Jakarta")  # Sat


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("mon-fri", "hours_clause", {"clause": "mon-fri"}),
        ("monday 07:00-19:00", "hours_day", {"day": "monday"}),
        ("mon-fry 07:00-19:00", "hours_day", {"day": "fry"}),
        ("mon_fri 07:00-19:00", "hours_day", {"day": "mon_fri"}),
        ("mon 7-19", "hours_time", {"time": "7"}),
        ("mon 07:00-25:00", "hours_time", {"time": "25:00"}),
        ("mon 07:60-19:00", "hours_time", {"time": "07:60"}),
        ("mon 24:00-24:00", "hours_order", {"period": "24:00-24:00"}),
        ("mon 0700", "hours_period", {"period": "0700"}),
        ("mon 22:00-06:00", "hours_order", {"period": "22:00-06:00"}),
        ("mon 07:00-07:00", "hours_order", {"period": "07:00-07:00"}),
        (
            "mon 07:00-12:00 11:00-15:00",
            "hours_overlap",
            {"day": "mon", "first": "07:00-12:00", "second": "11:00-15:00"},
        ),
        ("mon-fri 07:00-19:00,wed 08:00-12:00", "hours_twice", {"day": "wed"}),
        ("sun closed 08:00-12:00", "hours_period", {"period": "closed"}),
    ],
)
def test_mistakes_are_refused_with_what_is_wrong(
    text: str, code: str, params: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_hours(text)
    assert refused.value.code == code
    assert refused.value.params == params


def test_the_refusal_text_tells_how_to_write_a_night() -> None:
    with pytest.raises(InvalidInput, match="split a night at midnight"):
        parse_hours("mon 22:00-06:00")


def test_stored_hours_are_checked_like_typed_ones() -> None:
    with pytest.raises(InvalidInput) as refused:
        OperatingHours.from_json({"mon": [["19:00", "07:00"]]})
    assert refused.value.code == "hours_order"
    with pytest.raises(InvalidInput):
        OperatingHours.from_json({"funday": []})
    with pytest.raises(InvalidInput):
        OperatingHours.from_json({"mon": [["07:00", "12:00", "13:00"]]})
