"""A simulator run: the choices turned into a plan (start, end, limit, pacing), then played."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

import paho.mqtt.client as mqtt

from sensors_sim.pacing import RatePace, SimTimePace
from sensors_sim.publisher import DEFAULT_WINDOW, Pace, publish_readings
from sensors_sim.stats import PublishStats
from sensors_sim.stream import SimulationSpec, messages
from udara.settings import MqttTarget

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """`3d`, `6h`, `90m`, `45s`, combinations like `1d12h`, or plain seconds."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return timedelta(seconds=float(text))
    parts = _DURATION.findall(text)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != text.replace(" ", ""):
        raise ValueError(f"{text!r} is not a duration like 3d, 6h, 90m or 1d12h")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def parse_start(text: str, tz: tzinfo) -> datetime:
    """RFC 3339 with an offset, or a date or date-time in the building's local time."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=tz)


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What a run covers and how fast it goes."""

    start: datetime
    end: datetime | None
    limit: int | None
    pace: Pace | None
    mode: str


def plan_run(
    now: datetime,
    *,
    rooms: int,
    interval: timedelta,
    start: datetime | None = None,
    duration: timedelta | None = None,
    speed: float | None = None,
    rate: float | None = None,
    count: int | None = None,
) -> RunPlan:
    """Pick the mode: load (`rate`), accelerated (`speed`, or `start` alone), or real time.

    A load run with a count ends at `now` by default, so its readings are recent and never
    in the future; `--start` alone replays as fast as the broker acknowledges.
    """
    pace: Pace | None
    if rate is not None:
        span = interval * math.ceil(count / rooms) if count else timedelta(0)
        start = start or now - span
        pace, mode = RatePace(rate), f"load: {rate:,.0f} readings/s"
    elif speed is not None:
        start = start or now
        pace, mode = SimTimePace(speed), f"accelerated: {speed:g}x real time"
    elif start is not None:
        pace, mode = None, "accelerated: as fast as the broker acknowledges"
    else:
        start = now
        pace, mode = SimTimePace(1.0), "real time"
    start = start.replace(microsecond=0)
    end = start + duration if duration is not None else None
    return RunPlan(start, end, count, pace, mode)


def run_simulation(
    target: MqttTarget | str,
    spec: SimulationSpec,
    plan: RunPlan,
    *,
    window: int = DEFAULT_WINDOW,
    ack_timeout: float = 30.0,
    progress: Callable[[PublishStats], None] | None = None,
    stop: threading.Event | None = None,
    protocol: mqtt.MQTTProtocolVersion = mqtt.MQTTv5,
) -> PublishStats:
    """Publish the planned messages of `spec` at the plan's pace and wait for every PUBACK."""
    return publish_readings(
        target,
        messages(spec, plan.start, plan.end, plan.limit),
        window=window,
        ack_timeout=ack_timeout,
        pace=plan.pace,
        progress=progress,
        stop=stop,
        protocol=protocol,
    )
