"""Room kinds as data and the layout of a simulated office tower."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.domain.model import SensorRef

DEFAULT_BUILDING = "menara-sim"


@dataclass(frozen=True, slots=True)
class RoomKind:
    """What a kind of room is like: size, people, fresh air, and what its sensor measures."""

    name: str
    label: str  # the Indonesian word used in room ids
    volume_m3: float
    capacity: int  # people at full occupancy
    ach: float  # outdoor-air changes per hour while the air handler runs
    rh_offset: float = 0.0  # % RH above the room average under AC
    pm10: bool = False  # the sensor model also reports PM10


KINDS: dict[str, RoomKind] = {
    k.name: k
    for k in (
        RoomKind("office", "kantor", volume_m3=300, capacity=15, ach=2.0, pm10=True),
        RoomKind("meeting", "rapat", volume_m3=60, capacity=10, ach=4.0),
        RoomKind("lobby", "lobi", volume_m3=900, capacity=30, ach=2.5, pm10=True),
        RoomKind("corridor", "koridor", volume_m3=150, capacity=4, ach=1.5),
        RoomKind("toilet", "toilet", volume_m3=40, capacity=4, ach=6.0, rh_offset=3.0),
        RoomKind("pantry", "pantri", volume_m3=50, capacity=8, ach=3.0, pm10=True),
    )
}

# The rooms of one upper floor, in the order they are added: the first few already mix kinds.
FLOOR_PLAN: tuple[tuple[str, str], ...] = (
    ("office", "kantor-1"),
    ("meeting", "rapat-1"),
    ("corridor", "koridor"),
    ("toilet", "toilet"),
    ("pantry", "pantri"),
    ("office", "kantor-2"),
    ("meeting", "rapat-2"),
    ("office", "kantor-3"),
)


@dataclass(frozen=True, slots=True)
class Room:
    """One simulated room with its single sensor."""

    building: str
    name: str  # e.g. lt3-rapat-1
    floor: int
    kind: RoomKind

    @property
    def sensor(self) -> SensorRef:
        """The room's sensor, named `s-<room>`."""
        return SensorRef(self.building, self.name, f"s-{self.name}")


def make_rooms(count: int, building: str = DEFAULT_BUILDING) -> list[Room]:
    """The first `count` rooms of the tower: the ground-floor lobby, then floors from lt2 up."""
    if count < 1:
        raise ValueError("at least one room")
    rooms = [Room(building, "lt1-lobi", 1, KINDS["lobby"])]
    floor = 2
    while len(rooms) < count:
        for kind, suffix in FLOOR_PLAN:
            if len(rooms) == count:
                break
            rooms.append(Room(building, f"lt{floor}-{suffix}", floor, KINDS[kind]))
        floor += 1
    return rooms
