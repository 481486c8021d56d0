"""Counts of a publishing run, shared by the publisher, the progress display and reports."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class PublishStats:
    """Counts of one publishing run."""

    published: int = 0  # handed to the client
    acked: int = 0  # acknowledged (PUBACK at QoS 1; written to the socket at QoS 0)
    failed: int = 0  # acknowledged with an MQTT 5 failure reason code
    started: float = field(default_factory=time.monotonic)
    elapsed_s: float = 0.0
    last_at: float | None = None  # simulated time of the last message published
    reconnects: int = 0
    interrupted: bool = False  # stopped before the messages ran out (Ctrl-C or `stop`)

    @property
    def unacknowledged(self) -> int:
        """Messages published that the broker has not acknowledged."""
        return self.published - self.acked - self.failed

    @property
    def ok(self) -> bool:
        """True when every message published was acknowledged successfully."""
        return self.acked == self.published

    @property
    def rate(self) -> float:
        """Acknowledged messages per second over the run."""
        elapsed = self.elapsed_s or (time.monotonic() - self.started)
        return self.acked / elapsed if elapsed > 0 else 0.0
