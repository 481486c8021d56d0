"""Zone grouping: rooms of one unit breaching together are the unit's job (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maintenance.domain.errors import InvalidInput
from maintenance.domain.rules import parse_rule
from maintenance.domain.zones import (
    OpenRoomOrder,
    ZoneConfig,
    ZoneDecision,
    decide_zone,
    parse_zone_config,
)

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
CONFIG = ZoneConfig()


def test_a_lone_room_gets_its_own_order() -> None:
    assert decide_zone(1, T0, None, [], CONFIG) == ZoneDecision("room")


def test_a_second_room_within_the_window_makes_the_earlier_order_the_units() -> None:
    earlier = OpenRoomOrder(7, room_id=2, since=T0)
    decision = decide_zone(1, T0 + timedelta(minutes=29), None, [earlier], CONFIG)
    assert decision == ZoneDecision("promote", 7)


def test_a_breach_outside_the_window_stays_the_rooms_own() -> None:
    earlier = OpenRoomOrder(7, room_id=2, since=T0)
    assert decide_zone(1, T0 + timedelta(minutes=31), None, [earlier], CONFIG).action == "room"


def test_an_open_unit_order_takes_every_later_room() -> None:
    earlier = OpenRoomOrder(7, room_id=2, since=T0)
    assert decide_zone(3, T0 + timedelta(hours=5), 11, [earlier], CONFIG) == ZoneDecision(
        "asset", 11
    )


def test_the_rooms_own_earlier_order_does_not_count_as_a_second_room() -> None:
    mine = OpenRoomOrder(7, room_id=1, since=T0)
    assert decide_zone(1, T0, None, [mine], CONFIG).action == "room"


def test_three_rooms_needed_folds_the_others_into_the_earliest() -> None:
    config = ZoneConfig(min_rooms=3)
    one = [OpenRoomOrder(7, 2, T0)]
    assert decide_zone(1, T0 + timedelta(minutes=5), None, one, config).action == "room"
    two = [OpenRoomOrder(8, 3, T0 + timedelta(minutes=2)), OpenRoomOrder(7, 2, T0)]
    assert decide_zone(1, T0 + timedelta(minutes=5), None, two, config) == ZoneDecision(
        "promote", 7, (8,)
    )


def test_zone_settings_come_from_the_rules_file_and_are_checked() -> None:
    assert parse_zone_config({"min_rooms": 3, "window_minutes": 10}) == ZoneConfig(
        3, timedelta(minutes=10)
    )
    assert parse_zone_config(None) == ZoneConfig()
    with pytest.raises(InvalidInput):
        parse_zone_config({"min_rooms": 1})
    with pytest.raises(InvalidInput):
        parse_zone_config({"window_minutes": 0})


def test_a_rule_opts_into_zone_diagnosis() -> None:
    rule = parse_rule(
        {
            "id": "co2",
            "match": {"metric": "co2"},
            "work_order": {
                "type": "corrective",
                "crew": "hvac",
                "title": "CO2 di {room}",
                "zone": True,
                "zone_title": "Zona {asset}: {rooms}",
            },
        }  # fmt: skip
    )
    assert rule.zone and rule.zone_title == "Zona {asset}: {rooms}"
    plain = parse_rule(
        {"id": "x", "work_order": {"type": "corrective", "crew": "hvac", "title": "t"}}
    )
    assert not plain.zone
