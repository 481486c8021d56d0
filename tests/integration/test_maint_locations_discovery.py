"""Rooms that ingest discovers land on the floor their code names, when that floor exists."""

from collections.abc import Iterator

import pytest

from maintenance.adapters.orm import Building, Floor
from udara.bootstrap import Container
from udara.db import transaction
from udara.scope import EVERYTHING
from udara.settings import Settings


@pytest.fixture
def container(migrated_database_url: str) -> Iterator[Container]:
    """Services over a migrated database holding building menara-a, with no floors yet."""
    container = Container(Settings(database_url=migrated_database_url))
    container.location_service.save_building("menara-a", "Menara A")
    yield container
    container.close()


def add_floor_lt2(container: Container) -> None:
    """Give menara-a its floor lt2, as a facility manager would."""
    with transaction(container.session_factory) as session:
        building = session.query(Building).filter_by(code="menara-a").one()
        session.add(Floor(building_id=building.id, code="lt2", name="Lantai 2", level=2))


def test_discovered_room_is_placed_on_the_floor_its_code_starts_with(
    container: Container,
) -> None:
    locations = container.location_service
    first = locations.ensure_room("menara-a", "lt2-kantor-9")  # no floors yet
    assert first.floor != "lt2"
    add_floor_lt2(container)
    placed = locations.ensure_room("menara-a", "lt2-rapat-7")
    assert placed.floor == "lt2"
    assert locations.ensure_room("menara-a", "lt2-rapat-7").floor == "lt2"  # idempotent
    assert locations.ensure_room("menara-a", "lt20-x").floor != "lt2"  # prefix needs the dash


def test_a_burst_of_discovered_rooms_is_placed_like_single_ones_in_one_call(
    container: Container,
) -> None:
    locations = container.location_service
    add_floor_lt2(container)
    locations.ensure_room("menara-a", "lobi")
    seen = [("menara-a", f"lt2-r{k}") for k in range(300)] + [
        ("menara-a", "lobi"),  # already known
        ("menara-a", "lt20-x"),  # no such floor: the default one
        ("gedung-baru", "r1"),  # a building nobody created
        ("menara-a", "lt2-r0"),  # seen twice in the burst
        ("menara-a", "Not A Code!"),  # skipped, without costing the others
    ]
    assert locations.discover_rooms(seen) == 302
    assert locations.discover_rooms(seen) == 0  # idempotent
    assert {
        locations.get_room("menara-a", f"lt2-r{k}", scope=EVERYTHING).floor for k in range(300)
    } == {"lt2"}
    assert locations.get_room("menara-a", "lt20-x", scope=EVERYTHING).floor == "default"
    assert locations.get_room("gedung-baru", "r1", scope=EVERYTHING).floor == "default"
    keys = locations.room_keys()
    assert ("gedung-baru", "r1") in keys and ("menara-a", "lobi") in keys
    assert len(keys) == 303
