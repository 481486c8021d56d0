"""Generated history: night setback, incidents, and readings on a grid (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import mean

from sensors_sim.history import HistorySpec, Incident, demo_incidents, ticks
from sensors_sim.model import RoomModel
from sensors_sim.rooms import make_rooms
from sensors_sim.scenarios import Effects
from tests.unit.test_sim_model import MONDAY, WIB

ROOMS = tuple(make_rooms(12, "menara-a"))
OFFICE = ROOMS[1]


def _night(setback: bool) -> dict[str, float]:
    model = RoomModel(OFFICE, seed=1, tz=WIB, night_setback=setback)
    at = MONDAY - timedelta(hours=6)  # Sunday evening
    while at < MONDAY + timedelta(hours=4):
        values = model.step(at)
        at += timedelta(minutes=5)
    return values


def test_night_setback_keeps_nights_dry_and_cool_where_stopped_air_handlers_do_not() -> None:
    stopped, setback = _night(False), _night(True)
    assert stopped["humidity"] > 72
    assert setback["humidity"] < 60
    assert setback["temperature"] < 28.5


def _pm25(incidents: tuple[Incident, ...]) -> float:
    start = MONDAY
    spec = HistorySpec(ROOMS[:2], start, start + timedelta(days=1), tz=WIB, incidents=incidents)
    return mean(r.values["pm25"] for _, readings in ticks(spec) for r in readings)


def test_a_haze_day_lifts_indoor_pm25_over_the_daily_limit() -> None:
    haze = Incident("haze", frozenset(), MONDAY, MONDAY + timedelta(days=1), Effects(haze=3.0))
    assert _pm25(()) < 25
    assert _pm25((haze,)) > 35


def test_each_sensor_reports_once_per_tick_on_an_epoch_grid_unless_it_has_no_power() -> None:
    start = MONDAY + timedelta(hours=9, seconds=17)
    dark = Incident("no power", frozenset({OFFICE.name}), start, start + timedelta(hours=1),
                    Effects(offline=True))  # fmt: skip
    spec = HistorySpec(ROOMS, start, start + timedelta(hours=2), tz=WIB, incidents=(dark,))
    seen = [(tick, r.sensor.room, r.time) for tick, readings in ticks(spec) for r in readings]
    ticks_seen = sorted({tick for tick, _, _ in seen})
    assert len(ticks_seen) == 24
    assert ticks_seen[0] == MONDAY + timedelta(hours=9, minutes=5)
    assert all(tick.timestamp() % 300 == 0 for tick in ticks_seen)
    by_room = {room: sum(1 for _, r, _ in seen if r == room) for room in (r.name for r in ROOMS)}
    assert by_room[OFFICE.name] == 12 and by_room[ROOMS[0].name] == 24
    times = [at for _, _, at in seen]
    assert times == sorted(times)


def test_the_demo_month_has_its_incidents_within_it_and_faults_on_workdays() -> None:
    end = datetime(2026, 11, 19, 17, 0, tzinfo=WIB)
    incidents = demo_incidents(ROOMS, end, WIB)
    assert {i.what.split(" day")[0] for i in incidents} >= {"haze", "overbooked meeting room"}
    assert all(end - timedelta(days=30) <= i.start < i.end <= end + timedelta(days=1)
               for i in incidents)  # fmt: skip
    faults = [i for i in incidents if i.effects.ac_off]
    assert len(faults) == 2 and all(i.start.astimezone(WIB).weekday() < 5 for i in faults)
    floor = next(i for i in faults if len(i.rooms) > 1)
    assert floor.rooms == {"lt3-kantor-1", "lt3-rapat-1", "lt3-koridor"}
