"""Threshold profiles against the standards page (docs/reference/iaq-standards.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from ingest.domain.const import METRICS, UNITS
from ingest.domain.profiles import (
    DEFAULT_PROFILE,
    OFFICE_LOBBY_OR_CORRIDOR,
    OFFICE_WORK_ROOM,
    Limit,
    RoomOverride,
    UnknownProfile,
    available_profiles,
    load_profile,
)

H24, H8, MIN30 = timedelta(hours=24), timedelta(hours=8), timedelta(minutes=30)

# (metric, lower, upper, unit, averaging time), as the standards page lists them.
PERMENKES_1077 = [
    ("temperature", 18, 30, "°C", None),
    ("humidity", 40, 60, "%", None),
    ("pm25", None, 35, "µg/m³", H24),
    ("pm10", None, 70, "µg/m³", H24),
    ("co2", None, 1000, "ppm", H8),
    ("co", None, 9, "ppm", H8),
    ("hcho", None, 0.1, "ppm", MIN30),
    ("lighting", 60, None, "lux", None),
    ("air_velocity", 0.15, 0.25, "m/s", None),
]
PERMENKES_2_2023 = [
    ("temperature", 18, 30, "°C", None),
    ("humidity", 40, 60, "%", None),
    ("pm25", None, 25, "µg/m³", H24),
    ("pm10", None, 70, "µg/m³", H24),
    ("co2", None, 1000, "ppm", H8),
    ("co", None, 9, "ppm", H8),
    ("hcho", None, 0.1, "ppm", MIN30),
    ("lighting", 60, None, "lux", None),
    ("air_velocity", 0.15, 0.25, "m/s", None),
]
WHO_2021 = [
    ("temperature", 18, 30, "°C", None),
    ("humidity", 40, 60, "%", None),
    ("pm25", None, 15, "µg/m³", H24),
    ("pm10", None, 45, "µg/m³", H24),
    ("co2", None, 1000, "ppm", H8),
    ("co", None, 3.5, "ppm", H24),
    ("hcho", None, 0.1, "ppm", MIN30),
    ("lighting", 60, None, "lux", None),
    ("air_velocity", 0.15, 0.25, "m/s", None),
]
TABLES = {
    "permenkes-1077-2011": PERMENKES_1077,
    "permenkes-2-2023": PERMENKES_2_2023,
    "who-2021": WHO_2021,
}
ROWS = [(name, *row) for name, rows in TABLES.items() for row in rows]


def limit_of(profile: str, metric: str) -> Limit:
    """The profile's limit of `metric`, which the test expects to exist."""
    limit = load_profile(profile).limit(metric)
    assert limit is not None, f"{profile} has no {metric} limit"
    return limit


@pytest.mark.parametrize(("profile", "metric", "lower", "upper", "unit", "averaging"), ROWS)
def test_profile_limit_matches_the_standards_page(
    profile: str,
    metric: str,
    lower: float | None,
    upper: float | None,
    unit: str,
    averaging: timedelta | None,
) -> None:
    limit = load_profile(profile).limit(metric)
    assert limit is not None
    assert (limit.lower, limit.upper, limit.unit, limit.averaging) == (
        lower,
        upper,
        unit,
        averaging,
    )
    assert limit.source


def test_the_three_standards_are_available_and_1077_is_the_default() -> None:
    assert available_profiles() == list(TABLES)
    assert DEFAULT_PROFILE == "permenkes-1077-2011"


def test_who_profile_pm25_limit_is_15() -> None:
    pm25 = load_profile("who-2021").limit("pm25")
    assert pm25 is not None and pm25.upper == 15 and pm25.averaging == H24


def test_who_co_limit_is_3_5_ppm_and_keeps_its_4_mg_per_m3_source() -> None:
    co = load_profile("who-2021").limit("co")
    assert co is not None and co.upper == 3.5 and co.unit == "ppm"
    assert "4 mg/m³" in co.source


def test_permenkes_1077_names_its_successor() -> None:
    assert load_profile("permenkes-1077-2011").superseded_by == "permenkes-2-2023"
    assert load_profile("permenkes-2-2023").superseded_by is None


@pytest.mark.parametrize("metric", ["co2", "co", "hcho"])
def test_permenkes_2_2023_takes_unconfirmed_chemicals_from_1077(metric: str) -> None:
    profile = load_profile("permenkes-2-2023")
    limit = profile.limit(metric)
    assert limit is not None and limit.taken_from == "permenkes-1077-2011"
    assert "1077/2011" in limit.source
    assert any("not confirmed" in note for note in profile.notes)


def test_permenkes_2_2023_own_values_are_not_borrowed() -> None:
    profile = load_profile("permenkes-2-2023")
    own = ("temperature", "humidity", "pm25", "pm10")
    assert all(limit_of(profile.name, m).taken_from is None for m in own)


@pytest.mark.parametrize("profile", list(TABLES))
def test_lighting_and_air_velocity_are_listed_but_not_evaluated(profile: str) -> None:
    loaded = load_profile(profile)
    assert loaded.limit("lighting") is not None and loaded.limit("air_velocity") is not None
    assert set(loaded.evaluated_limits()) == set(METRICS)


@pytest.mark.parametrize("profile", list(TABLES))
def test_evaluated_units_are_the_units_sensors_report(profile: str) -> None:
    for metric, limit in load_profile(profile).evaluated_limits().items():
        assert limit.unit == UNITS[metric]


@pytest.mark.parametrize("name", ["permenkes-1999", "../../etc/passwd", ""])
def test_unknown_profile_raises_an_error_listing_the_available_ones(name: str) -> None:
    with pytest.raises(UnknownProfile, match="available: permenkes-1077-2011"):
        load_profile(name)


def test_office_override_narrows_temperature_range() -> None:
    office = load_profile(DEFAULT_PROFILE).with_overrides(OFFICE_WORK_ROOM)
    temperature = office.limit("temperature")
    assert temperature is not None and (temperature.lower, temperature.upper) == (23, 26)
    assert "48/2016" in temperature.source


def test_lobby_and_corridor_override_allows_up_to_28() -> None:
    lobby = load_profile(DEFAULT_PROFILE).with_overrides(OFFICE_LOBBY_OR_CORRIDOR)
    temperature = lobby.limit("temperature")
    assert temperature is not None and (temperature.lower, temperature.upper) == (23, 28)


def test_override_leaves_other_limits_and_the_profile_alone() -> None:
    base = load_profile(DEFAULT_PROFILE)
    office = base.with_overrides(OFFICE_WORK_ROOM)
    assert office.limit("co2") == base.limit("co2")
    assert limit_of(DEFAULT_PROFILE, "temperature").upper == 30


def test_later_override_wins() -> None:
    hot = Limit(metric="temperature", lower=20, upper=32, unit="°C", source="test")
    profile = load_profile(DEFAULT_PROFILE).with_overrides(
        OFFICE_WORK_ROOM, RoomOverride(limits=(hot,))
    )
    assert profile.limit("temperature") == hot


@pytest.mark.parametrize(
    ("text", "expected"),
    [("24h", H24), ("8h", H8), ("30min", MIN30), ("75s", timedelta(seconds=75)), (None, None)],
)
def test_averaging_time_reads_as_the_regulations_write_it(
    text: str | None, expected: timedelta | None
) -> None:
    limit = Limit.model_validate(
        {"metric": "co2", "upper": 1, "unit": "ppm", "averaging": text, "source": "s"}
    )
    assert limit.averaging == expected


@pytest.mark.parametrize(
    "fields",
    [
        {"metric": "co2", "unit": "ppm", "source": "no bound"},
        {"metric": "temperature", "lower": 30, "upper": 18, "unit": "°C", "source": "upside down"},
        {"metric": "co2", "upper": 1, "unit": "ppm", "source": "s", "averaging": "0h"},
        {"metric": "co2", "upper": 1, "unit": "ppm", "source": "s", "colour": "red"},
    ],
)
def test_malformed_limit_is_rejected(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Limit.model_validate(fields)


def test_labels_read_like_the_standards() -> None:
    metrics = ("temperature", "pm25", "hcho", "lighting")
    labels = {m: limit_of(DEFAULT_PROFILE, m).label for m in metrics}
    assert labels == {
        "temperature": "18–30 °C",
        "pm25": "≤ 35 µg/m³ (24 h mean)",
        "hcho": "≤ 0.1 ppm (30 min mean)",
        "lighting": "≥ 60 lux",
    }
