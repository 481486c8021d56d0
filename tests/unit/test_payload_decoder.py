"""The fast reading of payloads (orjson, and `model._plain` for the common shape) answers
exactly as the standard library's `json` and the pydantic model do: the same reading, or the
same rejection reason and detail, for every reason of the contract and for random payloads
around the common shape and around JSON's corners."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from ingest.domain import model
from ingest.domain.const import METRICS, RejectReason
from ingest.domain.model import Reading, Rejected, SensorRef, parse_telemetry

SENSOR = SensorRef("b1", "r1", "s1")
RECEIVED = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def outcome(payload: bytes) -> Reading | tuple[str, str]:
    try:
        return parse_telemetry(SENSOR, payload, RECEIVED)
    except Rejected as exc:
        return (exc.reason, exc.detail)


def reference(payload: bytes, monkeypatch: pytest.MonkeyPatch) -> Reading | tuple[str, str]:
    """What `json` and the pydantic model alone say."""

    def refuse(payload: bytes) -> Any:
        raise orjson.JSONDecodeError("not used", "", 0)

    with monkeypatch.context() as m:
        m.setattr(model, "_plain", lambda data: None)
        m.setattr(orjson, "loads", refuse)
        return outcome(payload)


def same(payload: bytes, monkeypatch: pytest.MonkeyPatch) -> Reading | tuple[str, str]:
    fast = outcome(payload)
    slow = reference(payload, monkeypatch)
    assert fast == slow, payload
    if isinstance(fast, Reading) and isinstance(slow, Reading):
        assert list(fast.values) == list(slow.values)  # the same order of metrics
        assert all(type(v) is float for v in fast.values.values())
        assert fast.time.utcoffset() == slow.time.utcoffset()
    return fast


CASES: list[tuple[bytes, str | None]] = [
    (b'{"co2":612,"temperature":24.5,"ts":"2026-12-02T09:59:00+00:00"}', None),
    (b'{"co2":612.0,"ts":"2026-12-02T16:59:00.123456+07:00"}', None),
    (b'{"co2":612,"ts":"2026-12-02T09:59:00.5Z"}', None),
    (b'{"co2":612,"ts":1796205540}', None),
    (b'{"co2":612,"ts":1796205540.25}', None),
    (b'{"co2":612,"ts":null,"extra":[1,2]}', None),
    (b'{"humidity":55,"pm25":12,"pm10":20,"co":1.5,"hcho":0.01}', None),
    (b'{"co2":612,"ts":"1796205540"}', None),  # a numeric string: pydantic reads seconds
    (b'{"co2":612,"ts":"2026-12-02 09:59:00Z"}', None),  # not the plain shape: pydantic
    (b"x" * (17 * 1024), RejectReason.TOO_LARGE),
    (b'{"co2":\xff}', RejectReason.NOT_UTF8),
    (b'{"co2":', RejectReason.NOT_JSON),
    (b"[1,2]", RejectReason.NOT_OBJECT),
    (b'"co2"', RejectReason.NOT_OBJECT),
    (b'{"co2":"612"}', RejectReason.BAD_TYPE),
    (b'{"co2":true}', RejectReason.BAD_TYPE),
    (b'{"co2":[612]}', RejectReason.BAD_TYPE),
    (b'{"co2":612,"temperature":{"v":1}}', RejectReason.BAD_TYPE),
    (b'{"co2":NaN}', RejectReason.NOT_FINITE),
    (b'{"temperature":Infinity}', RejectReason.NOT_FINITE),
    (b'{"co2":1e999}', RejectReason.NOT_FINITE),
    (b'{"humidity":140}', RejectReason.IMPOSSIBLE),
    (b'{"co2":-5}', RejectReason.IMPOSSIBLE),
    (b'{"co2":' + b"9" * 400 + b"}", RejectReason.BAD_TYPE),  # too large for a float
    (b'{"ts":"2026-12-02T09:59:00Z"}', RejectReason.NO_METRIC),
    (b'{"co2":null}', RejectReason.NO_METRIC),
    (b"{}", RejectReason.NO_METRIC),
    (b'{"co2":612,"ts":"2026-12-02T09:59:00"}', RejectReason.BAD_TIMESTAMP),  # no offset
    (b'{"co2":612,"ts":"2026-13-02T09:59:00Z"}', RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":"2026-02-30T09:59:00Z"}', RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":"0001-01-01T00:00:00+14:00"}', RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":"1970-01-01T00:00:00Z"}', RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":"2027-12-02T09:59:00Z"}', RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":0}', RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":NaN}', RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":' + b"9" * 400 + b"}", RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":true}', RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":[1]}', RejectReason.BAD_TIMESTAMP),
    (b'{"co2":612,"ts":"yesterday"}', RejectReason.BAD_TIMESTAMP),
    # JSON's corners, where orjson and `json` differ: `json` decides.
    (b'{"co2":612,"co2":-2}', RejectReason.IMPOSSIBLE),  # the last duplicate counts
    (b'{"co2":123456789012345678901234567890}', RejectReason.IMPOSSIBLE),
    (b'{"co2":612,"note":"\\ud800"}', None),  # a lone surrogate: orjson refuses it
    (b'\xef\xbb\xbf{"co2":612}', RejectReason.NOT_JSON),  # a byte-order mark
    (b'{"co2":612,"x":' + b"[" * 2000 + b"]" * 2000 + b"}", RejectReason.NOT_JSON),
    (b' {"co2":-0} ', None),
    (b'{"co2":612}\n', None),
    (b'{"co2":6\xc3\xa9}', RejectReason.NOT_JSON),
    (b'{"co2":612,"t\xc3\xa9":1}', None),
    (b'{"co2":612,"x":"\xed\xa0\x80"}', RejectReason.NOT_UTF8),  # an encoded surrogate
]


def test_the_cases_cover_every_reason_of_a_telemetry_payload() -> None:
    telemetry_reasons = set(RejectReason.ALL) - {RejectReason.BAD_TOPIC, RejectReason.BAD_STATUS}
    assert {r for _, r in CASES if r is not None} == telemetry_reasons


@pytest.mark.parametrize(("payload", "reason"), CASES)
def test_each_case_reads_as_pydantic_reads_it(
    payload: bytes, reason: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = same(payload, monkeypatch)
    if reason is None:
        assert isinstance(result, Reading)
    else:
        assert isinstance(result, tuple) and result[0] == reason


def test_the_common_shape_is_read_without_pydantic(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: Any) -> None:
        raise AssertionError("pydantic used")

    monkeypatch.setattr(model.Telemetry, "model_validate", refuse)
    monkeypatch.setattr(json, "loads", refuse)
    reading = outcome(b'{"co2":612,"temperature":24.5,"ts":"2026-12-02T09:59:00+00:00"}')
    assert reading == Reading(
        SENSOR, datetime(2026, 12, 2, 9, 59, tzinfo=UTC), {"co2": 612.0, "temperature": 24.5}
    )


def _value(rng: random.Random) -> Any:
    return rng.choice(
        [
            rng.uniform(-100, 3000),
            rng.randint(-10, 3000),
            True,
            None,
            "612",
            [1],
            {"a": 1},
            math.nan,
            math.inf,
            10**400,
            1e308,
        ]
    )


def _ts(rng: random.Random) -> Any:
    year = rng.choice(["2026", "1999", "2027", "0001", "9999", "2026"])
    month = rng.choice(["12", "13", "00", "02"])
    day = rng.choice(["02", "30", "31", "01"])
    clock = rng.choice(["09:59:00", "24:00:00", "23:59:60", "00:00:00"])
    frac = rng.choice(["", ".5", ".123456", ".1234567", ".", ",5"])
    zone = rng.choice(["Z", "z", "+07:00", "-00:00", "+14:00", "+24:00", "+0700", "", "+07"])
    sep = rng.choice(["T", "T", " ", "t"])
    return rng.choice(
        [
            f"{year}-{month}-{day}{sep}{clock}{frac}{zone}",
            rng.uniform(0, 2e9),
            rng.randint(1_700_000_000, 1_800_000_000),
            None,
            True,
            "1796205540",
            "",
            10**400,
        ]
    )


def test_random_payloads_read_as_pydantic_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(14)
    for _ in range(3_000):
        data: dict[str, Any] = {}
        for metric in rng.sample(METRICS, rng.randint(0, 4)):
            data[metric] = _value(rng)
        if rng.random() < 0.8:
            data["ts"] = _ts(rng)
        if rng.random() < 0.2:
            data["other"] = _value(rng)
        same(json.dumps(data).encode(), monkeypatch)


def test_random_json_texts_read_as_the_standard_library_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(1077)
    atoms = [
        b"612", b"-0", b"1e400", b"-1e400", b"NaN", b"Infinity", b"18446744073709551616",
        b"1" + b"0" * 320, b"0.1e-400", b"1E3", b"1.", b".5", b"01", b"true", b"null",
        b'"612"', b'"\\ud800"', b'"\\u00e9"', b'"\xc3\xa9"', b'"\xff"', b"[]", b"{}",
        b'"2026-12-02T09:59:00Z"', b"1796205540",
    ]  # fmt: skip
    keys = [b'"co2"', b'"temperature"', b'"ts"', b'"x"', b'"co2 "', b"co2"]
    for _ in range(3_000):
        members = [
            rng.choice(keys) + rng.choice([b":", b" : ", b""]) + rng.choice(atoms)
            for _ in range(rng.randint(0, 4))
        ]
        text = b"{" + b",".join(members) + b"}"
        if rng.random() < 0.1:
            text = text[: rng.randint(0, len(text))]
        same(text, monkeypatch)
