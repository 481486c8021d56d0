"""Progress of a long run: one updating line on a terminal, a periodic log line otherwise."""

from __future__ import annotations

import sys
import time
from datetime import datetime, tzinfo
from typing import TextIO

from sensors_sim.stats import PublishStats


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


class Progress:
    """Call with the stats as often as you like; it redraws or logs at its own pace."""

    def __init__(
        self,
        tz: tzinfo,
        out: TextIO | None = None,
        *,
        tty: bool | None = None,
        refresh_s: float = 0.5,
        log_every_s: float = 10.0,
    ) -> None:
        self.tz = tz
        self.out = out or sys.stderr
        self.tty = self.out.isatty() if tty is None else tty
        self.every = refresh_s if self.tty else log_every_s
        self._last = (time.monotonic(), 0)  # (when, acked) at the last display
        self._shown = False

    def line(self, stats: PublishStats, rate: float) -> str:
        """The text shown for these stats."""
        elapsed = time.monotonic() - stats.started
        text = (
            f"sent {stats.published:,}  acked {stats.acked:,}  "
            f"in flight {stats.unacknowledged:,}  {rate:,.0f} msg/s  elapsed {_clock(elapsed)}"
        )
        if stats.failed:
            text += f"  failed {stats.failed:,}"
        if stats.last_at is not None:
            sim = datetime.fromtimestamp(stats.last_at, self.tz)
            text += f"  sim {sim:%Y-%m-%d %H:%M} {sim.tzname()}"
        return text

    def __call__(self, stats: PublishStats) -> None:
        """Show the progress if it is time to."""
        now = time.monotonic()
        since, acked = self._last
        if now - since < self.every:
            return
        rate = (stats.acked - acked) / (now - since)
        self._last = (now, stats.acked)
        if self.tty:
            self.out.write("\r" + self.line(stats, rate) + "\x1b[K")
            self._shown = True
        else:
            self.out.write(self.line(stats, rate) + "\n")
        self.out.flush()

    def finish(self) -> None:
        """End the updating line so later output starts on a fresh one."""
        if self._shown:
            self.out.write("\n")
            self.out.flush()
