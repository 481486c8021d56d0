"""The demo's equipment: an AHU per floor with its rooms, so the simulator's hvac-failure
scenario (a floor's air handler stops) becomes one AHU job, not one per room."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.alert_service import AlertService
from ingest.domain.alerts import AlertChange, AlertKey
from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from sensors_sim.rooms import make_rooms
from sensors_sim.scenarios import SCENARIOS, target_rooms
from udara.bootstrap import Container
from udara.demo import DEMO_BUILDING
from udara.demo_assets import AHU_PLAN, ensure_demo_assets
from udara.scope import EVERYTHING
from udara.settings import Settings


def test_a_floor_wide_breach_in_the_demo_is_one_ahu_job(sqlite_url: str) -> None:
    container = Container(Settings(database_url=sqlite_url))
    try:
        assert ensure_demo_assets(container, DEMO_BUILDING, 12) > 3
        assert ensure_demo_assets(container, DEMO_BUILDING, 12) == 0  # once
        assert AHU_PLAN in {p.code for p in container.plan_service.list(scope=EVERYTHING)}
        rooms = make_rooms(12, DEMO_BUILDING)
        floor = sorted(target_rooms(SCENARIOS["hvac-failure"], rooms))
        assert len(floor) >= 3
        now = datetime.now(UTC)
        alerts = AlertService(container.session_factory, listeners=[container.alert_work_orders])
        alerts.apply(
            [
                AlertChange(
                    "open", AlertKey(DEMO_BUILDING, r, "temperature", "warning"), now, value=31.5
                )
                for r in floor
            ]  # fmt: skip
        )
        orders = [
            w
            for w in container.work_order_service.list(WorkOrderFilter(), viewer=SYSTEM).items
            if w.status != "cancelled"
        ]
        [job] = orders
        assert job.asset is not None and job.asset.startswith("ahu-lt")
        assert list(job.zone_rooms) == floor
    finally:
        container.close()
