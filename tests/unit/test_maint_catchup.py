"""Catch-up policies after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maintenance.domain.catchup import decide
from maintenance.domain.errors import InvalidInput

NOW = datetime(2025, 5, 8, 9, 0, tzinfo=UTC)
DAILY = [NOW - timedelta(days=3, hours=1) + timedelta(days=i) for i in range(6)]
MISSED, UPCOMING = DAILY[:4], DAILY[4:]  # May 5-8 08:00 missed; 9 and 10 ahead


def test_all_generates_every_missed_occurrence() -> None:
    d = decide(DAILY, NOW, "all")
    assert d.generate == tuple(DAILY) and d.skip == ()


def test_latest_generates_only_the_newest_missed_one_and_records_the_rest() -> None:
    d = decide(DAILY, NOW, "latest")
    assert d.generate == (MISSED[-1], *UPCOMING)
    assert d.skip == tuple(MISSED[:-1])


def test_skip_records_every_missed_occurrence_and_keeps_the_future() -> None:
    d = decide(DAILY, NOW, "skip")
    assert d.generate == tuple(UPCOMING) and d.skip == tuple(MISSED)


def test_without_downtime_every_policy_generates_everything() -> None:
    for policy in ("all", "latest", "skip"):
        assert decide(UPCOMING, NOW, policy).generate == tuple(UPCOMING)


def test_unknown_policy_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        decide(DAILY, NOW, "some")
