"""`parse_datetime` reads every spelling its pattern accepts as the field-by-field reading
does: its fast path (`datetime.fromisoformat`) may never give another instant."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest.domain.formats import _common
from ingest.domain.formats._common import parse_datetime


def by_fields(text: str) -> datetime:
    """The reading without the fast path."""
    match = _common._DATETIME.fullmatch(text)
    assert match is not None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz: timezone | None = None
    if zulu:
        tz = UTC
    elif sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if offset >= timedelta(hours=24):
            raise ValueError("offset out of range")
        tz = timezone(-offset if sign == "-" else offset)
    return datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
    )


def spellings() -> list[str]:
    rng = random.Random(10)
    out = []
    for sep, frac_sep, digits, zone in itertools.product(
        "Tt ", ".,", range(10), ["", "Z", "z", "+07:00", "+0700", "-03:30", "+00:00", "+23:59"]
    ):
        for _ in range(3):
            fraction = "".join(rng.choice("0123456789") for _ in range(digits))
            stamp = (
                f"{rng.randint(2000, 2099)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                f"{sep}{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
            )
            out.append(stamp + (f"{frac_sep}{fraction}" if digits else "") + zone)
    return out


def test_every_spelling_reads_as_field_by_field() -> None:
    texts = spellings()
    assert len(texts) > 1000
    for text in texts:
        fast, slow = parse_datetime(text), by_fields(text)
        assert fast == slow and fast.utcoffset() == slow.utcoffset(), text
        assert (fast.tzinfo is None) == (slow.tzinfo is None), text


@pytest.mark.parametrize(
    "text",
    ["2026-02-30T01:00:00", "2026-10-12T24:00:00", "2026-10-12T23:59:60", "2026-10-12T01:00+07",
     "2026-10-12T01:00:00+24:00", "2026-W41-1T01:00:00", "20261012T010000", "2026-10-12"],
)  # fmt: skip
def test_what_the_pattern_or_the_calendar_refuses_stays_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_datetime(text)
