"""Where ingest sends a device's readings (pending, placed, retired) and how it tells the
registry what it heard: the first sighting at once, later ones merged, one call per interval."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from devices.domain import Placement, Sighting
from ingest.devices import DeviceRouter
from ingest.domain.model import Reading, SensorRef

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
CO2 = {"co2": 612.0}


class Directory:
    """The registry as ingest sees it, recording what it is told."""

    def __init__(self, placements: Iterable[Placement] = ()) -> None:
        self.placements = list(placements)
        self.version = 1
        self.calls: list[tuple[float, list[Sighting]]] = []
        self.called = threading.Condition()

    def record_sightings(self, sightings: Iterable[Sighting]) -> int:
        with self.called:
            self.calls.append((time.monotonic(), list(sightings)))
            self.called.notify_all()
        return 0

    def placements_since(self, version: int) -> tuple[int, list[Placement]]:
        return self.version, [] if version >= self.version else self.placements

    def mark_held_copied(self, device: str, at: datetime) -> None:
        pass

    def wait_calls(self, n: int, timeout: float = 5.0) -> None:
        with self.called:
            assert self.called.wait_for(lambda: len(self.calls) >= n, timeout), self.calls


def router(directory: Directory, record_every_s: float = 5.0) -> DeviceRouter:
    r = DeviceRouter(
        ("tasmota",),
        directory,
        "Asia/Jakarta",
        dict,
        lambda p, keep: 0,
        lambda: T0 + timedelta(hours=1),
        record_every_s,
    )
    r.refresh()
    return r


def test_pending_placed_and_retired_devices_route_their_readings() -> None:
    placed = Placement("tasmota:kantor", "tasmota", "active", "menara-a", "lt3-kantor", "s1")
    tagged = Placement("tasmota:rapat", "tasmota", "active", "menara-a", "lt3-rapat")
    retired = Placement("tasmota:old", "tasmota", "retired", "menara-a", "lt3-rapat")
    r = router(Directory([placed, tagged, retired]))

    routed = r.route("tasmota:kantor", "tasmota", [(T0, CO2)])
    [reading] = routed.readings
    assert reading.sensor == SensorRef("menara-a", "lt3-kantor", "s1") and reading.time == T0
    assert routed.lines == [] and not routed.retired
    assert r.route("tasmota:rapat", "tasmota", [(T0, CO2)]).readings[0].sensor.sensor == (
        "tasmota-rapat"
    )  # the default sensor tag
    assert r.sensor_of("tasmota:kantor") == SensorRef("menara-a", "lt3-kantor", "s1")

    new = r.route("tasmota:baru", "tasmota", [(T0, CO2), (T0 + timedelta(seconds=10), CO2)])
    assert new.readings == [] and len(new.lines) == 2
    assert new.lines[0].startswith("iaq_unplaced,device=tasmota:baru co2=612")
    assert r.placement("tasmota:baru") == Placement("tasmota:baru", "tasmota", "pending")
    assert r.sensor_of("tasmota:baru") is None

    old = r.route("tasmota:old", "tasmota", [(T0, CO2)])
    assert old.retired and old.readings == [] and old.lines == []
    assert r.sensor_of("tasmota:old") is None


def test_a_placement_made_meanwhile_reroutes_the_device() -> None:
    directory = Directory()
    r = router(directory)
    assert r.route("tasmota:baru", "tasmota", [(T0, CO2)]).lines
    directory.placements = [
        Placement("tasmota:baru", "tasmota", "active", "menara-a", "lt2-rapat", held_copied=True)
    ]
    directory.version = 2
    r.refresh()
    [reading] = r.route("tasmota:baru", "tasmota", [(T0, CO2)]).readings
    assert reading.sensor == SensorRef("menara-a", "lt2-rapat", "tasmota-baru")


def test_the_registry_hears_the_first_sighting_at_once_then_merged_once_an_interval() -> None:
    directory = Directory()
    every = 0.4
    r = router(directory, every)
    threading.Thread(target=r.record_forever, daemon=True).start()

    r.route("tasmota:a", "tasmota", [(T0, CO2)])
    r.between_batches()
    directory.wait_calls(1)
    [first] = directory.calls[0][1]
    assert (first.device, first.readings, first.metrics) == ("tasmota:a", 1, frozenset({"co2"}))

    for k in range(1, 4):  # three batches within the interval: held back
        r.route("tasmota:a", "tasmota", [(T0 + timedelta(seconds=k), {"pm25": 9.0})])
        r.route("tasmota:b", "tasmota", [(T0 + timedelta(seconds=k), CO2)])
        r.between_batches()
    time.sleep(every / 2)
    assert len(directory.calls) == 1
    time.sleep(every)
    r.between_batches()  # the pipeline calls it at least every flush interval, busy or not
    directory.wait_calls(2)
    (t1, _), (t2, merged) = directory.calls
    assert t2 - t1 >= every
    by_device = {s.device: s for s in merged}
    a = by_device["tasmota:a"]
    assert (a.readings, a.first, a.last) == (
        3,
        T0 + timedelta(seconds=1),
        T0 + timedelta(seconds=3),
    )
    assert a.metrics == frozenset({"pm25"}) and by_device["tasmota:b"].readings == 3


def test_a_placed_devices_last_half_hour_of_held_readings_is_handed_over_for_evaluation() -> None:
    held = [
        Reading(SensorRef("menara-a", "lt2-rapat", "tasmota-baru"), T0 + timedelta(minutes=m), CO2)
        for m in range(0, 120, 10)  # two hours held, every ten minutes
    ]

    def copy_held(placement: Placement, keep: Callable[[Reading], None]) -> int:
        for reading in held:
            keep(reading)
        return len(held)

    directory = Directory([Placement("tasmota:baru", "tasmota", "active", "menara-a", "lt2-rapat")])
    r = DeviceRouter(("tasmota",), directory, "Asia/Jakarta", dict, copy_held, lambda: T0)
    assert r.take_copied() == []
    r.refresh()
    recent = r.take_copied()
    assert [x.time for x in recent] == [T0 + timedelta(minutes=m) for m in (80, 90, 100, 110)]
    assert r.take_copied() == []  # handed over once
