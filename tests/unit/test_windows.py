"""Epoch-aligned slot windows: slot-mean weighting, coverage, bounded retention."""

from __future__ import annotations

import random

import pytest

from ingest.domain.windows import SlotWindow

HOUR = 3600.0
T0 = 1_709_251_200.0  # 2024-03-01T00:00Z, a whole hour since the epoch


def day_window() -> SlotWindow:
    """A 24 h window of 24 hourly slots."""
    return SlotWindow(24 * HOUR, 24)


def test_mean_is_the_mean_of_slot_means_so_a_chatty_hour_does_not_outweigh_others() -> None:
    window = day_window()
    window.add(T0, 10.0)
    for i in range(100):  # one busy hour
        window.add(T0 + HOUR + i, 40.0)
    assert window.mean == pytest.approx(25.0)


def test_coverage_is_the_share_of_slots_holding_a_reading() -> None:
    window = day_window()
    for hour in range(0, 24, 2):
        window.add(T0 + hour * HOUR, 1.0)
        window.add(T0 + hour * HOUR + 60, 1.0)
    assert window.coverage == 0.5
    assert window.filled == 12


def test_slots_are_aligned_to_the_epoch() -> None:
    window = day_window()
    window.add(T0 + HOUR - 1, 1.0)  # last second of the first hour
    window.add(T0 + HOUR, 3.0)  # first second of the next
    assert window.filled == 2


def test_slots_leave_the_window_when_it_moves_on() -> None:
    window = day_window()
    window.add(T0, 100.0)
    window.add(T0 + 23 * HOUR, 0.0)
    assert window.filled == 2
    window.add(T0 + 24 * HOUR, 0.0)  # the window now starts at hour 1
    assert (window.filled, window.mean) == (2, 0.0)


def test_reading_older_than_the_kept_window_is_ignored() -> None:
    window = day_window()
    window.add(T0 + 30 * HOUR, 5.0)
    assert window.add(T0 + 6 * HOUR, 500.0) is False
    assert window.add(T0 + 7 * HOUR, 7.0) is True
    assert window.mean == pytest.approx(6.0)


def test_a_long_silence_empties_the_window() -> None:
    window = day_window()
    for hour in range(24):
        window.add(T0 + hour * HOUR, 50.0)
    window.add(T0 + 100 * HOUR, 1.0)
    assert (window.filled, window.mean) == (1, 1.0)


def test_window_at_an_earlier_or_later_time_uses_only_its_own_slots() -> None:
    window = day_window()
    for hour in range(24):
        window.add(T0 + hour * HOUR, float(hour))
    assert window.at(T0 + 9 * HOUR + 5) == (pytest.approx(4.5), 10 / 24)
    assert window.at(T0 + 30 * HOUR) == (pytest.approx(15.0), 17 / 24)  # hours 7..23
    assert window.at(T0 + 60 * HOUR) == (None, 0.0)


def test_running_totals_match_a_full_recount_over_random_readings() -> None:
    rng = random.Random(1077)
    window = SlotWindow(30 * 60.0, 24)  # 75 s slots
    t = newest = T0
    for _ in range(5000):
        t += rng.choice([0.5, 3.0, 40.0, 200.0, 2000.0])
        when = t - rng.random() * 1200 if rng.random() < 0.1 else t
        window.add(when, rng.uniform(0, 1))
        newest = max(newest, when)
        mean, coverage = window.at(newest)
        assert coverage == window.coverage
        assert mean == pytest.approx(window.mean, rel=1e-9)


@pytest.mark.parametrize(("length", "n"), [(0.0, 24), (3600.0, 0)])
def test_window_needs_a_length_and_slots(length: float, n: int) -> None:
    with pytest.raises(ValueError, match="positive length"):
        SlotWindow(length, n)
