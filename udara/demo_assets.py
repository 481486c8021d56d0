"""The demo building's equipment: an AHU per floor serving that floor's rooms, an FCU per
meeting room, a chiller, and the plan "every AHU: filter cleaning monthly, or every 500 run
hours, whichever comes first". With it, a floor-wide breach in the simulator (the
`hvac-failure` scenario) becomes one AHU job instead of one job per room."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from udara.bootstrap import Container

AHU_PLAN = "demo-ahu-filter"


def demo_assets(building: str, rooms: int) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(code, kind, rooms served, name) of the demo's equipment for the simulator's rooms."""
    from sensors_sim.rooms import make_rooms

    floors: dict[int, list[str]] = {}
    found: list[tuple[str, str, tuple[str, ...], str]] = []
    for room in make_rooms(rooms, building):
        floors.setdefault(room.floor, []).append(room.name)
        if room.kind.name == "meeting":
            found.append((f"fcu-{room.name}", "fcu", (room.name,), f"FCU {room.name}"))
    ahus = [(f"ahu-lt{f}", "ahu", tuple(names), f"AHU lantai {f}") for f, names in floors.items()]
    return [*ahus, *found, ("chiller-1", "chiller", (), "Chiller 1")]


def ensure_demo_assets(container: Container, building: str, rooms: int) -> int:
    """Register the demo's equipment once (and the AHU filter plan); returns assets added."""
    from maintenance.domain.transitions import SYSTEM

    service = container.asset_service
    known = {a.code for a in service.list(viewer=SYSTEM, building=building)}
    added = 0
    for code, kind, serves, name in demo_assets(building, rooms):
        if code in known:
            continue
        for room in serves:
            container.location_service.ensure_room(building, room)
        service.add(code, kind, building, serves=serves, name=name, by=SYSTEM)
        added += 1
    ensure_demo_ahu_plan(container, building)
    return added


def ensure_demo_ahu_plan(container: Container, building: str) -> bool:
    """The asset plan of the demo (once): every AHU's filter, monthly or 500 run hours."""
    from maintenance.services.plan_rows import PlanSpec
    from maintenance.services.plans import save_plan
    from udara.db import transaction
    from udara.scope import EVERYTHING

    if AHU_PLAN in {p.code for p in container.plan_service.list(scope=EVERYTHING)}:
        return False
    spec = PlanSpec(
        code=AHU_PLAN, title="Bersihkan / ganti filter AHU", type="preventive", crew="hvac",
        building=building, freq="monthly", month_day=1, start_date=date(2026, 1, 1),
        asset_kind="ahu", meter="run_hours", meter_every=500, anchor="completion",
        checklist=("Matikan AHU dan kunci panel", "Bersihkan atau ganti filter",
                   "Catat beda tekanan filter dan jam operasi"),
    )  # fmt: skip
    with transaction(container.session_factory) as session:
        save_plan(session, spec, container.clock(), container.settings.timezone)
    return True
