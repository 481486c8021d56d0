"""Invalid messages of every kind ingest must reject, built from a real sensor's topic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ingest.domain.const import MAX_PAYLOAD_BYTES, STATUS_SUFFIX, TOPIC_PREFIX, RejectReason
from ingest.domain.model import SensorRef
from sensors_sim.message import Message

Builder = Callable[[SensorRef, datetime], tuple[str, bytes]]


def _ts(at: datetime) -> str:
    return at.isoformat()


def _body(at: datetime, rest: str) -> bytes:
    return f'{{"ts":"{_ts(at)}",{rest}}}'.encode()


# kind -> (the reason ingest must give, how to build the topic and payload)
MALFORMED: dict[str, tuple[str, Builder]] = {
    "not-json": (RejectReason.NOT_JSON, lambda s, at: (s.topic(), b'{"co2": 812, "temperatu')),
    "nan": (RejectReason.NOT_FINITE, lambda s, at: (s.topic(), _body(at, '"co2": NaN'))),
    "humidity-140": (
        RejectReason.IMPOSSIBLE,
        lambda s, at: (s.topic(), _body(at, '"humidity": 140, "temperature": 24.2')),
    ),
    "negative-co2": (RejectReason.IMPOSSIBLE, lambda s, at: (s.topic(), _body(at, '"co2": -35'))),
    "wrong-type": (
        RejectReason.BAD_TYPE,
        lambda s, at: (s.topic(), _body(at, '"co2": "812", "temperature": true')),
    ),
    "too-large": (
        RejectReason.TOO_LARGE,
        lambda s, at: (s.topic(), _body(at, f'"co2": 700, "log": "{"x" * MAX_PAYLOAD_BYTES}"')),
    ),
    "bad-topic": (
        RejectReason.BAD_TOPIC,
        lambda s, at: (
            f"{TOPIC_PREFIX}/{s.building}/LT3 Rapat!/{s.sensor}/telemetry",
            _body(at, '"co2": 700'),
        ),
    ),
    "not-utf8": (
        RejectReason.NOT_UTF8,
        lambda s, at: (s.topic(), b'{"co2": 700, "site": "\xff\xfe"}'),
    ),
    "not-object": (RejectReason.NOT_OBJECT, lambda s, at: (s.topic(), b"[812, 24.1, 58]")),
    "no-metric": (RejectReason.NO_METRIC, lambda s, at: (s.topic(), _body(at, '"battery": 87'))),
    "bad-timestamp": (
        RejectReason.BAD_TIMESTAMP,  # a device clock without its UTC offset
        lambda s, at: (
            s.topic(),
            f'{{"ts":"{at.replace(tzinfo=None).isoformat()}","co2":700}}'.encode(),
        ),
    ),
    "bad-status": (RejectReason.BAD_STATUS, lambda s, at: (s.topic(STATUS_SUFFIX), b"maybe")),
}
KINDS: tuple[str, ...] = tuple(MALFORMED)


def malformed_message(kind: str, sensor: SensorRef, at: datetime) -> Message:
    """The invalid message of `kind` as `sensor` might send it at `at`."""
    topic, payload = MALFORMED[kind][1](sensor, at)
    return Message(topic, payload, False, at.timestamp())


def expected_reason(kind: str) -> str:
    """The `RejectReason` ingest must count for a malformed message of `kind`."""
    return MALFORMED[kind][0]
