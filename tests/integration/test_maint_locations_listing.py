"""Listing rooms reads each room's building and floor in the same statement, on both databases."""

from collections.abc import Iterator

import pytest

from maintenance.domain.errors import NotFound
from maintenance.views import RoomView
from tests.support.sql import Statements
from udara.bootstrap import Container
from udara.scope import EVERYTHING
from udara.settings import Settings

FLOORS = 4
ROOMS_PER_FLOOR = 6


@pytest.fixture
def site(migrated_database_url: str) -> Iterator[Container]:
    """Two buildings in two zones: 24 placed rooms in one, two rooms in the other (one unplaced)."""
    container = Container(Settings(_env_file=None, database_url=migrated_database_url))  # type: ignore[call-arg]
    locations = container.location_service
    locations.save_building("menara-a", "Menara A", "Asia/Jakarta")
    locations.save_building("gedung-b", "Gedung B", "Asia/Makassar")
    for floor in range(1, FLOORS + 1):
        for room in range(1, ROOMS_PER_FLOOR + 1):
            code = f"lt{floor}-r{room}"
            locations.save_room("menara-a", code, floor=f"lt{floor}", name=code.upper())
    locations.save_room("gedung-b", "lobi", floor="l1", name="Lobi", kind="lobby")
    locations.ensure_room("gedung-b", "gudang")  # discovered: the default floor
    yield container
    container.close()


def test_listing_rooms_is_one_statement_however_many_rooms(site: Container) -> None:
    statements = Statements(site.engine)
    rooms = site.location_service.rooms(scope=EVERYTHING)
    assert statements.count == 1  # was 1 + 2 per room (a building and a floor lookup each)
    assert len(rooms) == FLOORS * ROOMS_PER_FLOOR + 2
    assert [(r.building, r.code) for r in rooms] == sorted((r.building, r.code) for r in rooms)
    lobi = next(r for r in rooms if r.code == "lobi")
    assert lobi == RoomView(
        lobi.id, "gedung-b", "l1", "lobi", "Lobi", "lobby", lobi.traffic, "Asia/Makassar"
    )
    assert next(r for r in rooms if r.code == "gudang").floor == "default"
    placed = [r for r in rooms if r.building == "menara-a"]
    assert all(r.floor == r.code.split("-")[0] for r in placed)
    assert {r.timezone for r in placed} == {"Asia/Jakarta"}


def test_listing_one_building_is_one_statement(site: Container) -> None:
    statements = Statements(site.engine)
    rooms = site.location_service.rooms("gedung-b", scope=EVERYTHING)
    assert statements.count == 1
    assert [(r.code, r.floor) for r in rooms] == [("gudang", "default"), ("lobi", "l1")]
    assert site.location_service.rooms("no-such-building", scope=EVERYTHING) == []


def test_one_room_is_one_statement(site: Container) -> None:
    statements = Statements(site.engine)
    room = site.location_service.get_room("menara-a", "lt3-r5", scope=EVERYTHING)
    assert statements.count == 1
    assert (room.building, room.floor, room.name, room.timezone) == (
        "menara-a", "lt3", "LT3-R5", "Asia/Jakarta",
    )  # fmt: skip
    with pytest.raises(NotFound):
        site.location_service.get_room("gedung-b", "lt3-r5", scope=EVERYTHING)
