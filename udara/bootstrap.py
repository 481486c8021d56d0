"""The composition root: builds Udara's object graph from `Settings`.

Nothing here connects at import time; every adapter is created on first use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from udara.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from devices.domain import Placement
    from devices.service import DeviceService
    from ingest.adapters.influx import InfluxClient
    from ingest.alert_service import AlertService
    from ingest.domain.evaluation import Evaluator
    from ingest.service import IngestService
    from maintenance.services.alert_work_orders import AlertWorkOrders
    from maintenance.services.generation import PlanGenerator
    from maintenance.services.locations import LocationService
    from maintenance.services.plans import PlanService
    from maintenance.services.reconcile import Reconciler
    from maintenance.services.sla import SlaService
    from maintenance.services.users import UserService
    from maintenance.services.workorders import WorkOrderService


class Container:
    """Holds the adapters and services of one process, created lazily from settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def from_environment(cls) -> Container:
        """Build a container from the environment and `.env`."""
        return cls(Settings())

    def close(self) -> None:
        """Release pooled connections of whatever this container created."""
        if "engine" in self.__dict__:
            self.engine.dispose()
        if "influx" in self.__dict__:
            self.influx.close()

    @cached_property
    def engine(self) -> Engine:
        """The relational database engine."""
        from udara.db import make_engine

        return make_engine(self.settings.database_url)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on the relational database."""
        from udara.db import make_session_factory

        return make_session_factory(self.engine)

    # --- ingest ---
    def make_influx(self) -> InfluxClient:
        """A new InfluxDB client (each process or thread that writes gets its own pool)."""
        from ingest.adapters.influx import InfluxClient

        s = self.settings
        return InfluxClient(
            s.influx_url,
            s.influx_db,
            username=s.influx_username,
            password=s.influx_password.get_secret_value() if s.influx_password else None,
            token=s.influx_token.get_secret_value() if s.influx_token else None,
        )

    @cached_property
    def influx(self) -> InfluxClient:
        """The shared InfluxDB client of this process."""
        return self.make_influx()

    @cached_property
    def alert_service(self) -> AlertService:
        """Alerts, with every registered listener (maintenance) wired in."""
        from ingest.alert_service import AlertService

        service = AlertService(self.session_factory, influx=self.influx)
        for listener in self.alert_listeners():
            service.add_listener(listener)
        return service

    def make_evaluator(self) -> Evaluator:
        """An evaluator for the active threshold profile."""
        from ingest.domain.evaluation import EvaluationConfig, Evaluator
        from ingest.domain.profiles import load_profile

        config = EvaluationConfig(offline_after=timedelta(seconds=self.settings.offline_after_s))
        return Evaluator(load_profile(self.settings.threshold_profile), config)

    def make_ingest_service(self) -> IngestService:
        """The ingest process: consumer here, pipeline in a worker process it spawns."""
        from ingest.service import IngestService

        return IngestService(self.settings)

    def clock(self) -> datetime:
        """The wall clock in UTC: the only place Udara reads the time."""
        return datetime.now(UTC)

    def alert_listeners(self) -> list[Any]:
        """Listeners told about opened and resolved alerts: maintenance turns them into work."""
        return [self.alert_work_orders]

    def rooms_discovered(self, rooms: list[tuple[str, str]]) -> None:
        """Called by ingest with rooms it saw for the first time: they appear in maintenance."""
        self.location_service.discover_rooms(rooms)

    # --- maintenance ---
    @cached_property
    def user_service(self) -> UserService:
        """Users and crews; `authenticate` backs the web login."""
        from maintenance.services.users import UserService

        return UserService(self.session_factory)

    @cached_property
    def location_service(self) -> LocationService:
        """Buildings, floors and rooms; `ensure_room` for rooms ingest discovers."""
        from maintenance.services.locations import LocationService

        return LocationService(self.session_factory, self.settings.timezone)

    @cached_property
    def work_order_service(self) -> WorkOrderService:
        """Work-order use cases for the web API and CLI."""
        from maintenance.services.workorders import WorkOrderService

        return WorkOrderService(self.session_factory)

    @cached_property
    def plan_service(self) -> PlanService:
        """Recurring plans, calendar and preview."""
        from maintenance.services.plans import PlanService

        return PlanService(self.session_factory, self.settings.timezone)

    @cached_property
    def sla_service(self) -> SlaService:
        """SLA targets, per-order SLA status and escalation."""
        from maintenance.services.sla import SlaService

        return SlaService(self.session_factory)

    @cached_property
    def alert_work_orders(self) -> AlertWorkOrders:
        """The AlertListener that turns alerts into work orders (register with AlertService)."""
        from maintenance.services.alert_work_orders import AlertWorkOrders, load_alert_rules

        return AlertWorkOrders(
            self.session_factory, self.location_service, load_alert_rules(), clock=self.clock
        )

    @cached_property
    def plan_generator(self) -> PlanGenerator:
        """Generates plan occurrences idempotently."""
        from maintenance.services.generation import PlanGenerator

        return PlanGenerator(self.session_factory)

    @cached_property
    def reconciler(self) -> Reconciler:
        """The scheduler's reconcile pass; reads alerts lazily (AlertService lists this)."""
        from maintenance.services.reconcile import Reconciler

        return Reconciler(
            self.plan_generator,
            self.sla_service,
            self.alert_work_orders,
            alerts=lambda: self.alert_service,
        )

    # --- devices ---
    @cached_property
    def device_service(self) -> DeviceService:
        """The device registry: pending devices, placements, corrections."""
        from devices.service import DeviceService

        return DeviceService(self.session_factory, self.clock, copy_held=self.copy_held_readings)

    def copy_held_readings(self, placement: Placement) -> int:
        """Copy a newly placed device's held readings from `iaq_unplaced` into `iaq`."""
        from ingest.unplaced import copy_held

        return copy_held(self.influx, placement)

    # --- web ---
    @cached_property
    def token_service(self) -> Any:
        """API tokens (`udara tokens create`); only their digests are stored."""
        from web.tokens import TokenService

        return TokenService(self.session_factory)

    @cached_property
    def iaq_readings(self) -> Any:
        """Downsampled reading queries for the UI and API."""
        from web.iaq.readings import IaqReadings

        return IaqReadings(self.influx)
