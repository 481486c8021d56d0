"""The asset vocabulary: kinds, statuses, meters, and what a valid asset looks like."""

from __future__ import annotations

import re
from typing import Final

from maintenance.domain.errors import InvalidInput
from maintenance.domain.model import CODE_PATTERN

ASSET_KINDS: Final[tuple[str, ...]] = (
    "ahu",
    "fcu",
    "chiller",
    "cooling_tower",
    "exhaust_fan",
    "air_purifier",
    "sensor",
    "pump",
    "other",
)
ASSET_STATUSES: Final[tuple[str, ...]] = ("active", "retired")
# Meters people read off an asset; a plan may trigger on any of them.
METERS: Final[tuple[str, ...]] = ("run_hours", "filter_pressure_drop", "starts", "energy_kwh")
# Kinds that supply air to rooms, in the order zone diagnosis prefers them when several
# units serve one room (an AHU's whole zone says more than one room's FCU).
ZONE_KINDS: Final[tuple[str, ...]] = ("ahu", "fcu", "air_purifier", "exhaust_fan")
ASSET_ADMIN: Final = "facility_manager"
ASSET_READERS: Final[tuple[str, ...]] = ("facility_manager", "cleaning_supervisor", "technician")


def check_code(code: str) -> str:
    """`code` if it is a valid asset code (a-z, 0-9, - and _), else InvalidInput."""
    if not re.fullmatch(CODE_PATTERN, code or ""):
        raise InvalidInput.coded("bad_code", what="asset", code=code)
    return code


def check_kind(kind: str) -> str:
    """`kind` if known, else InvalidInput naming the kinds."""
    if kind not in ASSET_KINDS:
        raise InvalidInput.coded("must_be_one_of", what="kind", allowed=", ".join(ASSET_KINDS))
    return kind


def check_meter(meter: str) -> str:
    """`meter` if known, else InvalidInput naming the meters."""
    if meter not in METERS:
        raise InvalidInput.coded("must_be_one_of", what="meter", allowed=", ".join(METERS))
    return meter
