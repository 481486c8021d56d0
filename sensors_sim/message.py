"""What the simulator publishes: one MQTT message."""

from __future__ import annotations

from typing import NamedTuple


class Message(NamedTuple):
    """A topic and payload to publish; `at` is the simulated Unix time it belongs to."""

    topic: str
    payload: bytes
    retain: bool = False
    at: float | None = None
