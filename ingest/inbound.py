"""A message as it travels from the MQTT process to the pipeline worker: a plain tuple,
because it crosses a process boundary thousands of times a second."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

# (topic, payload, mid, qos, received_at epoch seconds, connection generation)
WireMessage = tuple[str, bytes, int, int, float, int]
# (mid, qos, connection generation)
WireAck = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A received message; `generation` identifies the broker connection it came on."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    received_at: datetime
    generation: int

    @classmethod
    def from_wire(cls, wire: WireMessage) -> InboundMessage:
        """Rebuild a message sent by the MQTT process."""
        topic, payload, mid, qos, received, generation = wire
        return cls(topic, payload, mid, qos, datetime.fromtimestamp(received, UTC), generation)

    def ack_wire(self) -> WireAck:
        """What the MQTT process needs to acknowledge this message."""
        return (self.mid, self.qos, self.generation)
