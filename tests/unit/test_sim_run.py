"""Run planning, pacing and the progress display of the simulator (no broker)."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sensors_sim.message import Message
from sensors_sim.pacing import RatePace, SimTimePace
from sensors_sim.progress import Progress
from sensors_sim.run import parse_duration, parse_start, plan_run
from sensors_sim.stats import PublishStats

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 2, 3, 0, 0, 123456, tzinfo=UTC)
TEN_S = timedelta(seconds=10)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3d", 259200), ("6h", 21600), ("90m", 5400), ("45s", 45), ("1d12h", 129600), ("2.5", 2.5)],
)
def test_durations_read_like_people_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "3 days", "h", "1x", "-5m"])
def test_nonsense_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_start_without_offset_is_the_buildings_local_time() -> None:
    assert parse_start("2026-11-02T08:00", WIB) == datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    assert parse_start("2026-11-02", WIB).hour == 0
    assert parse_start("2026-11-02T01:00:00Z", WIB) == datetime(2026, 11, 2, 1, tzinfo=UTC)


def test_default_run_is_real_time_from_now_without_end() -> None:
    plan = plan_run(NOW, rooms=12, interval=TEN_S)
    assert plan.mode == "real time" and isinstance(plan.pace, SimTimePace)
    assert plan.start == NOW.replace(microsecond=0) and plan.end is None and plan.limit is None


def test_start_alone_replays_as_fast_as_acknowledged() -> None:
    start = datetime(2026, 10, 1, tzinfo=WIB)
    plan = plan_run(NOW, rooms=12, interval=TEN_S, start=start, duration=timedelta(days=3))
    assert plan.pace is None and plan.end == start + timedelta(days=3)


def test_speed_paces_simulated_time() -> None:
    plan = plan_run(NOW, rooms=12, interval=TEN_S, speed=60)
    assert isinstance(plan.pace, SimTimePace) and plan.pace.speed == 60


def test_load_run_with_a_count_ends_now_so_no_reading_is_in_the_future() -> None:
    plan = plan_run(NOW, rooms=100, interval=TEN_S, rate=500, count=10_000)
    assert isinstance(plan.pace, RatePace)
    assert plan.start == (NOW - timedelta(seconds=1000)).replace(microsecond=0)
    assert plan.limit == 10_000


def test_rate_pace_spreads_messages_evenly() -> None:
    pace = RatePace(100)
    message = Message("t", b"{}")
    due = [pace(message) for _ in range(5)]
    assert [round(b - a, 6) for a, b in zip(due, due[1:], strict=False)] == [0.01] * 4


def test_rate_pace_catches_up_at_most_one_second_after_a_stall() -> None:
    pace = RatePace(10)
    first = pace(Message("t", b"{}"))
    pace.next = first - 30  # as if the broker had stalled for half a minute
    assert pace(Message("t", b"{}")) >= time.monotonic() - 1.01


def test_sim_time_pace_follows_message_times_at_speed() -> None:
    pace = SimTimePace(speed=10)
    first = pace(Message("t", b"{}", False, 1000.0))
    assert first is not None
    assert pace(Message("t", b"{}", False, 1060.0)) == pytest.approx(first + 6)
    assert pace(Message("t", b"{}")) is None


def test_progress_redraws_one_line_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(WIB, out, tty=True, refresh_s=0)
    stats = PublishStats(published=120, acked=100, last_at=NOW.timestamp())
    progress(stats)
    progress(stats)
    progress.finish()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1
    assert "sent 120" in text and "acked 100" in text and "in flight 20" in text
    assert "sim 2026-11-02 10:00 WIB" in text and "msg/s" in text and "elapsed 00:00:00" in text


def test_progress_logs_whole_lines_periodically_when_not_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(WIB, out, tty=False, log_every_s=3600)
    stats = PublishStats(published=5, acked=5)
    progress(stats)
    assert out.getvalue() == ""
    progress._last = (time.monotonic() - 3601, 0)
    progress(stats)
    progress.finish()
    assert out.getvalue().count("\n") == 1 and "\r" not in out.getvalue()


def test_stats_count_unacknowledged_and_failed_messages() -> None:
    stats = PublishStats(published=10, acked=7, failed=1)
    assert stats.unacknowledged == 2 and not stats.ok
    assert PublishStats(published=3, acked=3).ok
