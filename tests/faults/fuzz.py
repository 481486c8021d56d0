"""Generated bad messages, each with exactly one defect and the reason ingest must count.

Every topic matches ingest's subscriptions (`udara/+/+/+/telemetry|status`), so the broker
delivers each message. Every bad telemetry payload carries a time no good reading uses (good
readings sit on whole seconds, bad ones on the half second), so a bad message that slipped
into InfluxDB would show up as an extra point.
"""

from __future__ import annotations

import json
import random
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ingest.domain.const import MAX_PAYLOAD_BYTES, PHYSICAL_RANGES, RejectReason
from ingest.domain.model import SensorRef

R = RejectReason
Build = Callable[[random.Random, SensorRef, datetime], tuple[str, bytes]]


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _raw(at: datetime, rest: str) -> bytes:
    """A JSON object written by hand (for literals `json.dumps` refuses to write)."""
    return f'{{"ts":"{at.isoformat()}",{rest}}}'.encode()


def _reading(at: datetime) -> dict[str, Any]:
    return {"ts": at.isoformat(), "co2": 700.0, "temperature": 24.0}


# --- not UTF-8 -------------------------------------------------------------------------------


def random_bytes(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    data = bytearray(rng.randbytes(rng.randint(1, 300)))
    data.insert(rng.randint(0, len(data)), 0xFF)  # 0xFF never occurs in UTF-8
    return s.topic(), bytes(data)


def bad_utf8_in_json(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    bad = rng.choice([b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80"])
    return s.topic(), f'{{"ts":"{at.isoformat()}","co2":700,"site":"'.encode() + bad + b'"}'


# --- not JSON ------------------------------------------------------------------------------


def truncated_json(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    whole = _json(_reading(at))
    return s.topic(), whole[: rng.randint(0, len(whole) - 1)]


def random_text(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    while True:
        text = "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 200)))
        try:
            json.loads(text)
        except ValueError:
            return s.topic(), text.encode()


def broken_syntax(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    ts = at.isoformat()
    return s.topic(), rng.choice(
        [
            f"{{'ts': '{ts}', 'co2': 700}}",  # single quotes
            f'{{"ts": "{ts}", "co2": 700,}}',  # trailing comma
            f'{{ts: "{ts}", co2: 700}}',  # unquoted keys
            f'{{"ts": "{ts}" "co2": 700}}',  # missing comma
            f'{{"ts": "{ts}", "co2": 0x2BC}}',  # hex literal
            f'{{"ts": "{ts}", "co2": 700}} trailing',
            "",
            "{",
        ]
    ).encode()


def deep_nesting(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    # Deeper than the parser's recursion limit (1,000), yet under 16 KiB.
    if rng.random() < 0.5:
        depth = rng.randint(1_200, 1_800)
        return s.topic(), b'{"co2":' * depth + b"1" + b"}" * depth
    depth = rng.randint(1_200, 8_000)
    return s.topic(), b"[" * depth + b"]" * depth


def huge_integer(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(4_400, 9_000)))
    return s.topic(), _raw(at, f'"co2":9{digits}')  # beyond Python's int-parsing digit limit


# --- not an object -------------------------------------------------------------------------


def not_an_object(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    literal = rng.choice(["[812, 24.1, 58]", '"co2=700"', "700", "null", "true", "NaN", "[]"])
    return s.topic(), literal.encode()


# --- wrong types ---------------------------------------------------------------------------


def wrong_type(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    metric = rng.choice(list(PHYSICAL_RANGES))
    value = rng.choice(['"812"', "true", "false", "[812]", '{"v":812}', '"55%"', "9" * 400])
    return s.topic(), _raw(at, f'"{metric}":{value}')


# --- NaN and infinity ----------------------------------------------------------------------


def not_finite(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    metric = rng.choice(list(PHYSICAL_RANGES))
    literal = rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
    good = "" if metric == "temperature" else ',"temperature":24.0'  # a good value beside it
    return s.topic(), _raw(at, f'"{metric}":{literal}{good}')


# --- physically impossible -----------------------------------------------------------------


def impossible(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    metric = rng.choice(list(PHYSICAL_RANGES))
    low, high = PHYSICAL_RANGES[metric]
    value = rng.choice([low - rng.uniform(0.5, 1e6), high + rng.uniform(0.5, 1e6)])
    body = {"ts": at.isoformat(), metric: value}
    if metric != "humidity":
        body["humidity"] = 55.0  # a good value next to the impossible one
    return s.topic(), _json(body)


# --- no metric -----------------------------------------------------------------------------


def no_metric(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    body: dict[str, Any] = rng.choice(
        [
            {"ts": at.isoformat(), "battery": 87},
            {},
            {"ts": at.isoformat()},
            {"ts": at.isoformat(), "co2": None},
            {"ts": at.isoformat(), "CO2": 700},  # metric names are lower case
            {"ts": at.isoformat(), "values": {"co2": 700}},
        ]
    )
    return s.topic(), _json(body)


# --- bad timestamps ------------------------------------------------------------------------


def bad_timestamp(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    ts = rng.choice(
        [
            json.dumps(at.replace(tzinfo=None).isoformat()),  # no UTC offset
            '"yesterday"',
            '""',
            "true",
            "[]",
            '{"s": 1}',
            "1e20",
            "NaN",
            "Infinity",
            '"2026-13-45T00:00:00Z"',
            json.dumps(at.isoformat().replace("+00:00", "+24:00")),
            json.dumps(at.strftime("%d/%m/%Y %H:%M")),
        ]
    )
    return s.topic(), f'{{"ts":{ts},"co2":700,"humidity":55}}'.encode()


# --- too large -----------------------------------------------------------------------------


def too_large(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    pad = "x" * rng.randint(MAX_PAYLOAD_BYTES, 3 * MAX_PAYLOAD_BYTES)
    payload = _json({**_reading(at), "log": pad})  # otherwise a good reading
    if rng.random() < 0.3:
        payload += b"\xff"  # size is checked first, whatever else is wrong
    return s.topic(), payload


# --- bad topics (matching the subscription's wildcards) ------------------------------------


def bad_topic(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    level = rng.choice(
        [
            s.room.upper(),
            "r" * rng.randint(65, 200),
            "lt3 rapat",
            "lt3.rapat",
            "ruang-rapat-é",
            "rapat@lt3",
            "",  # an empty level matches "+"
        ]
    )
    parts = [s.building, s.room, s.sensor]
    parts[rng.randrange(3)] = level
    suffix = rng.choice(["telemetry", "status"])
    topic = "udara/" + "/".join(parts) + "/" + suffix
    payload = b"online" if suffix == "status" else _json(_reading(at))  # a good payload
    return topic, payload


# --- bad status payloads -------------------------------------------------------------------


def bad_status(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    payload = rng.choice(
        [b"maybe", b"", b"1", b"on line", b"online!", b"\xff\xfe", b'{"status":"online"}']
    )
    return s.topic("status"), payload


# --- clocks never set or far off: outside what InfluxDB could store, rejected before it ------


def beyond_influx_range(rng: random.Random, s: SensorRef, at: datetime) -> tuple[str, bytes]:
    # InfluxDB 1.x stores 1677..2262 only; ingest refuses anything before 2000 or more than
    # a day ahead, so such a line never reaches InfluxDB.
    year = rng.choice([1600, 1650, 1970, 2300, 2500, 2999])
    return s.topic(), _json({"ts": at.replace(year=year).isoformat(), "co2": 700.0})


@dataclass(frozen=True)
class Kind:
    """One kind of bad message: how often, how to build it, the reason ingest must count."""

    name: str
    weight: int
    reason: str
    build: Build


KINDS: tuple[Kind, ...] = (
    Kind("random-bytes", 10, R.NOT_UTF8, random_bytes),
    Kind("bad-utf8-in-json", 5, R.NOT_UTF8, bad_utf8_in_json),
    Kind("truncated-json", 10, R.NOT_JSON, truncated_json),
    Kind("random-text", 5, R.NOT_JSON, random_text),
    Kind("broken-syntax", 5, R.NOT_JSON, broken_syntax),
    Kind("deep-nesting", 2, R.NOT_JSON, deep_nesting),
    Kind("huge-integer", 1, R.NOT_JSON, huge_integer),
    Kind("not-an-object", 5, R.NOT_OBJECT, not_an_object),
    Kind("wrong-type", 10, R.BAD_TYPE, wrong_type),
    Kind("nan-infinity", 10, R.NOT_FINITE, not_finite),
    Kind("impossible-value", 10, R.IMPOSSIBLE, impossible),
    Kind("no-metric", 5, R.NO_METRIC, no_metric),
    Kind("bad-timestamp", 10, R.BAD_TIMESTAMP, bad_timestamp),
    Kind("too-large", 3, R.TOO_LARGE, too_large),
    Kind("bad-topic", 10, R.BAD_TOPIC, bad_topic),
    Kind("bad-status", 5, R.BAD_STATUS, bad_status),
    Kind("beyond-influx-range", 1, R.BAD_TIMESTAMP, beyond_influx_range),
)


@dataclass
class Fuzz:
    """Bad messages and what ingest must count for them."""

    messages: list[tuple[str, bytes]]
    reasons: Counter[str]
    kinds: Counter[str]


def fuzz_messages(
    rng: random.Random, n: int, refs: list[SensorRef], start: datetime, step: timedelta
) -> Fuzz:
    """`n` bad messages from the given sensors, times around start + k*step + step/2."""
    weights = [k.weight for k in KINDS]
    messages: list[tuple[str, bytes]] = []
    reasons: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for i in range(n):
        kind = rng.choices(KINDS, weights)[0]
        at = start + step * (i // len(refs)) + step / 2
        messages.append(kind.build(rng, refs[i % len(refs)], at))
        reasons[kind.reason] += 1
        kinds[kind.name] += 1
    return Fuzz(messages, reasons, kinds)
