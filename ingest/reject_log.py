"""Logs rejected messages with topic and truncated payload, without flooding the log."""

from __future__ import annotations

import logging
import time

PAYLOAD_PREVIEW = 200
PER_REASON_PER_MINUTE = 20


class RejectLog:
    """One warning per rejected message, up to a cap per reason and minute, then a summary."""

    def __init__(self, logger: logging.Logger) -> None:
        self._log = logger
        self._window_start = time.monotonic()
        self._counts: dict[str, int] = {}

    def record(self, reason: str, topic: str, payload: bytes, detail: str) -> None:
        """Log one rejection (or count it silently once the reason's cap is reached)."""
        now = time.monotonic()
        if now - self._window_start >= 60:
            self._flush_summary()
            self._window_start = now
        count = self._counts.get(reason, 0) + 1
        self._counts[reason] = count
        if count <= PER_REASON_PER_MINUTE:
            preview = payload[:PAYLOAD_PREVIEW].decode("utf-8", "replace")
            self._log.warning(
                "rejected message (%s) on %r: %s; payload %r%s",
                reason,
                topic[:200],
                detail[:200],
                preview,
                "…" if len(payload) > PAYLOAD_PREVIEW else "",
            )

    def _flush_summary(self) -> None:
        for reason, count in self._counts.items():
            if count > PER_REASON_PER_MINUTE:
                self._log.warning(
                    "%d more messages rejected (%s) in the last minute, not logged one by one",
                    count - PER_REASON_PER_MINUTE,
                    reason,
                )
        self._counts.clear()
