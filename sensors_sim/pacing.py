"""When each message may go out: at a fixed rate, or following simulated time at a speed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

MAX_CATCH_UP_S = 1.0  # after a stall, burst at most this much backlog at once


class RatePace:
    """Not-before times that spread messages evenly at `rate` messages per second."""

    def __init__(self, rate: float) -> None:
        self.step = 1.0 / rate
        self.next: float | None = None

    def __call__(self, message: Sequence[Any]) -> float:
        """The monotonic time this message is due."""
        now = time.monotonic()
        due = now if self.next is None else max(self.next, now - MAX_CATCH_UP_S)
        self.next = due + self.step
        return due


class SimTimePace:
    """Not-before times that replay simulated time `speed` times faster than the wall clock."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self.origin: tuple[float, float] | None = None  # (simulated time, monotonic time)

    def __call__(self, message: Sequence[Any]) -> float | None:
        """The monotonic time this message is due (None for messages without a time)."""
        at = message[3] if len(message) > 3 else None
        if at is None:
            return None
        if self.origin is None:
            self.origin = (at, time.monotonic())
        sim0, wall0 = self.origin
        return float(wall0 + (at - sim0) / self.speed)
