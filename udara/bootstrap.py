"""The composition root: builds Udara's object graph from `Settings`.

Nothing here connects at import time; every adapter is created on first use.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from udara.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from assets.service import AssetService
    from devices.domain import Placement
    from devices.service import DeviceService
    from ingest.adapters.influx import InfluxClient
    from ingest.adapters.mqtt import MqttConsumer
    from ingest.alert_service import AlertListener, AlertService
    from ingest.devices import DeviceRouter
    from ingest.domain.evaluation import EvaluationConfig, Evaluator
    from ingest.domain.model import Reading
    from ingest.inbound import WireAck, WireMessage
    from ingest.pipeline import IngestPipeline, PipelineStats
    from ingest.push import PushIngest
    from ingest.quality import SensorQuality
    from ingest.rebuild import WindowRebuild
    from ingest.service import IngestService
    from inspections.services.inspections import InspectionService
    from inspections.services.kpis import KpiService
    from maintenance.scheduler import Job
    from maintenance.services.alert_work_orders import AlertWorkOrders
    from maintenance.services.buildings import BuildingService
    from maintenance.services.generation import PlanGenerator
    from maintenance.services.locations import LocationService
    from maintenance.services.plans import PlanService
    from maintenance.services.reconcile import Reconciler
    from maintenance.services.sla import SlaService
    from maintenance.services.stock import StockService
    from maintenance.services.users import UserService
    from maintenance.services.verification import SensorVerification
    from maintenance.services.workorders import WorkOrderService
    from notifications.domain.routing import Routing
    from notifications.services.ack import Acknowledgements
    from notifications.services.alerts import AlertNotifications
    from notifications.services.digest import Digests
    from notifications.services.dispatch import Dispatcher
    from notifications.services.links import Links
    from notifications.services.notifier import Notifier
    from notifications.services.people import PeopleNotifications
    from notifications.services.requests import RequestUpdates
    from notifications.services.work_orders import WorkOrderNotifications
    from occupants.adapters.photos import PhotoStore
    from occupants.services.links import RoomLinks
    from occupants.services.requests import OccupantRequests


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
    @cached_property
    def influx(self) -> InfluxClient:
        """The InfluxDB client of this process (its connection pool is thread-safe)."""
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
    def alert_service(self) -> AlertService:
        """Alerts, with every registered listener (InfluxDB events, maintenance) wired in."""
        from ingest.alert_service import AlertService

        service = AlertService(self.session_factory)
        for listener in self.alert_listeners():
            service.add_listener(listener)
        return service

    @cached_property
    def evaluation_config(self) -> EvaluationConfig:
        """Windows, coverage and allowances of evaluation (and of compliance scoring)."""
        from ingest.domain.evaluation import EvaluationConfig

        return EvaluationConfig(offline_after=timedelta(seconds=self.settings.offline_after_s))

    def make_evaluator(self) -> Evaluator:
        """An evaluator for the active threshold profile."""
        from ingest.domain.evaluation import Evaluator
        from ingest.domain.profiles import load_profile

        return Evaluator(load_profile(self.settings.threshold_profile), self.evaluation_config)

    @cached_property
    def window_rebuild(self) -> WindowRebuild:
        """Rebuilds evaluation windows from InfluxDB when ingest starts."""
        from ingest.adapters.influx_history import InfluxHistory
        from ingest.rebuild import WindowRebuild

        return WindowRebuild(InfluxHistory(self.influx), self.clock)

    def make_ingest_pipeline(
        self,
        inbox: queue.Queue[list[WireMessage]],
        ack: Callable[[list[WireAck], PipelineStats], None],
    ) -> IngestPipeline:
        """The pipeline of the worker process: `inbox` in, acknowledgements to `ack`."""
        from ingest.pipeline import IngestPipeline

        s = self.settings
        return IngestPipeline(
            inbox,
            self.influx,
            self.make_evaluator(),
            self.alert_service,
            ack=ack,
            clock=self.clock,
            batch_size=s.influx_batch_size,
            flush_interval=s.influx_flush_interval_s,
            on_new_rooms=self.rooms_discovered,
            known_rooms=self.location_service.room_keys,
            rebuild=self.window_rebuild.run,
            devices=self.make_device_router(),
            quality=self.make_sensor_quality(),
        )

    def make_sensor_quality(self) -> SensorQuality:
        """Data quality of one pipeline: thresholds from `UDARA_QUALITY_FILE` (or the
        shipped `quality.yaml`), the buildings' nights from their operating hours, and its
        replay from InfluxDB at start."""
        from ingest.adapters.influx_quality import InfluxQualityHistory
        from ingest.domain.quality_config import load_quality_config
        from ingest.quality import SensorQuality
        from ingest.quality_rebuild import QualityReplay
        from udara.scope import EVERYTHING

        s = self.settings
        return SensorQuality(
            load_quality_config(s.quality_file),
            s.timezone,
            schedules=lambda: self.location_service.building_hours(scope=EVERYTHING),
            replay=QualityReplay(InfluxQualityHistory(self.influx), self.clock).run,
        )

    def make_device_router(self) -> DeviceRouter | None:
        """Reads other firmware's messages through the device registry (None: Udara's own
        payload only)."""
        formats = tuple(f for f in self.settings.formats if f != "udara")
        if not formats:
            return None
        from ingest.devices import DeviceRouter
        from udara.scope import EVERYTHING

        return DeviceRouter(
            formats,
            self.device_service,
            self.settings.timezone,
            lambda: self.location_service.building_timezones(scope=EVERYTHING),
            self.copy_held_readings,
            self.clock,
        )

    def make_mqtt_consumer(self, inbox: queue.Queue[WireMessage]) -> MqttConsumer:
        """The broker session of ingest, handing what it receives to `inbox`."""
        from ingest.adapters.mqtt import MqttConsumer
        from ingest.service import subscriptions

        s = self.settings
        return MqttConsumer(
            s.mqtt,
            s.mqtt_client_id,
            inbox,
            s.mqtt_receive_maximum,
            subscriptions=subscriptions(s.mqtt_shared_group, s.mqtt_buildings, s.formats),
        )

    def make_ingest_service(self) -> IngestService:
        """The ingest process: consumer here, pipeline in a worker process it spawns (which
        builds its own container from these settings and calls `make_ingest_pipeline`)."""
        from ingest.service import IngestService
        from ingest.worker import worker_main

        # The broker never has more than Receive Maximum QoS 1 messages in flight to us,
        # so this bound is not reached by QoS 1 traffic; QoS 0 floods block paho's thread.
        inbox: queue.Queue[WireMessage] = queue.Queue(self.settings.mqtt_receive_maximum + 1_000)
        from ingest.adapters.mqtt import register_session
        from ingest.service import subscriptions

        s = self.settings
        worker = partial(worker_main, s)
        topics = subscriptions(s.mqtt_shared_group, s.mqtt_buildings, s.formats)
        return IngestService(
            inbox,
            self.make_mqtt_consumer(inbox),
            worker,
            register_session=partial(register_session, s.mqtt, s.mqtt_client_id, topics),
        )

    def clock(self) -> datetime:
        """The wall clock in UTC: the only place Udara reads the time."""
        return datetime.now(UTC)

    def alert_listeners(self) -> list[AlertListener]:
        """Listeners told about opened and resolved alerts: the event copy in InfluxDB,
        maintenance, which turns them into work, and notifications, which tell people."""
        from ingest.adapters.alert_events import InfluxAlertEvents

        return [InfluxAlertEvents(self.influx), self.alert_work_orders, self.alert_notifications]

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
    def building_service(self) -> BuildingService:
        """The building register people edit (scoped); merging rooms moves ingest's alerts."""
        from assets.service import move_room_assets
        from devices.service import move_room_devices
        from ingest.alert_service import move_room_alerts
        from inspections.services.inspections import move_room_inspections
        from maintenance.services.buildings import BuildingService
        from occupants.services.requests import move_room_requests

        def move_room_things(session: Session, from_room: int, into_room: int) -> int:
            # Devices, assets and zones, occupants' requests and links, and inspections
            # follow a merged room.
            move_room_requests(session, from_room, into_room)
            move_room_assets(session, from_room, into_room)
            move_room_inspections(session, from_room, into_room)
            return move_room_devices(session, from_room, into_room)

        return BuildingService(
            self.session_factory,
            self.settings.timezone,
            move_alerts=move_room_alerts,
            move_devices=move_room_things,
        )

    @cached_property
    def work_order_service(self) -> WorkOrderService:
        """Work-order use cases for the web API and CLI."""
        from maintenance.services.workorders import WorkOrderService

        return WorkOrderService(
            self.session_factory, self.clock,
            listeners=[self.work_order_notifications, self.request_updates],
        )  # fmt: skip

    @cached_property
    def plan_service(self) -> PlanService:
        """Recurring plans, calendar and preview."""
        from maintenance.services.plans import PlanService

        return PlanService(self.session_factory, self.settings.timezone, self.clock)

    @cached_property
    def sla_service(self) -> SlaService:
        """SLA targets, per-order SLA status and escalation."""
        from maintenance.services.sla import SlaService

        return SlaService(self.session_factory, listeners=[self.work_order_notifications])

    @cached_property
    def alert_work_orders(self) -> AlertWorkOrders:
        """The AlertListener that turns alerts into work orders (register with AlertService)."""
        from maintenance.services.alert_work_orders import (
            AlertWorkOrders,
            load_alert_rules,
            load_zone_config,
        )

        return AlertWorkOrders(
            self.session_factory, self.location_service, load_alert_rules(), clock=self.clock,
            zones=load_zone_config(),
        )  # fmt: skip

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

    @cached_property
    def sensor_verification(self) -> SensorVerification:
        """Verifies done alert work orders by the room's readings (UDARA_VERIFY_MINUTES)."""
        from ingest.adapters.influx_room import RoomReadings
        from ingest.domain.profiles import load_profile
        from maintenance.domain.verification import Bounds
        from maintenance.services.verification import SensorVerification

        profile = load_profile(self.settings.threshold_profile)

        def bounds_of(metric: str) -> Bounds | None:
            limit = profile.limit(metric)
            return Bounds(limit.lower, limit.upper) if limit else None

        return SensorVerification(
            self.session_factory,
            RoomReadings(self.influx).values,
            lambda: self.alert_service,
            bounds_of,
            hold=timedelta(minutes=self.settings.verify_minutes),
            listeners=[self.work_order_notifications],
        )

    @cached_property
    def stock_service(self) -> StockService:
        """Filter and parts stock per building; consumption on work orders; reorders."""
        from maintenance.services.stock import StockService

        return StockService(self.session_factory)

    def scheduler_jobs(self) -> list[Job]:
        """The jobs `udara scheduler` runs besides maintenance's reconcile pass."""
        from maintenance.scheduler import Job
        from maintenance.services import verification
        from notifications import jobs

        return [
            Job(verification.VERIFY_JOB_ID, verification.verify_job, verification.VERIFY_EVERY_S,
                "verify done alert work orders by the room's readings",
                (self.sensor_verification, self.clock)),
            Job(jobs.DISPATCH_JOB_ID, jobs.dispatch_job, jobs.DISPATCH_EVERY_S,
                "send due notifications", (self.dispatcher,)),
            Job(jobs.SWEEP_JOB_ID, jobs.sweep_job, jobs.SWEEP_EVERY_S,
                "route lasting warnings, escalations and missed alert events",
                (self.alert_notifications, lambda: self.alert_service, self.clock)),
            Job(jobs.DIGEST_JOB_ID, jobs.digest_job, jobs.DIGEST_EVERY_S,
                "route the daily digests at 07:00 building time", (self.digests, self.clock)),
        ]  # fmt: skip

    # --- notifications ---
    @cached_property
    def routing(self) -> Routing:
        """Who hears what (`notifications/routing.yaml` or UDARA_NOTIFY_ROUTING_FILE)."""
        from notifications.services.setup import load_routing

        return load_routing(self.settings.notify_routing_file)

    @cached_property
    def links(self) -> Links:
        """Links in messages, under UDARA_PUBLIC_URL; signs one-tap acknowledge links."""
        from notifications.services.links import Links

        s = self.settings
        return Links(s.public_url, s.secret_key.get_secret_value())

    @cached_property
    def notifier(self) -> Notifier:
        """Routes events into the outbox."""
        from notifications.services.notifier import Notifier

        return Notifier(self.routing, self.settings.timezone)

    def alert_crews(self, alert: Any) -> frozenset[str]:
        """The crews an alert's work-order rules route it to (whose supervisors hear of it)."""
        from maintenance.domain.rules import AlertFacts, matching_rules

        facts = AlertFacts(alert.kind, alert.severity, alert.metric, alert.value)
        return frozenset(r.crew for r in matching_rules(self.alert_work_orders.rules, facts))

    @cached_property
    def alert_notifications(self) -> AlertNotifications:
        """The AlertListener that tells people about alerts, and the alert sweep."""
        from notifications.services.alerts import AlertNotifications

        return AlertNotifications(
            self.session_factory, self.notifier, self.links, self.alert_crews, self.clock
        )

    @cached_property
    def work_order_notifications(self) -> WorkOrderNotifications:
        """Maintenance's WorkOrderListener: deliveries in the work order's transaction."""
        from notifications.services.work_orders import WorkOrderNotifications

        return WorkOrderNotifications(self.notifier, self.links)

    @cached_property
    def request_updates(self) -> RequestUpdates:
        """Tells occupants what became of their reports: maintenance's WorkOrderListener
        (in work, done, cancelled) and occupants' RequestListener (rejected at triage)."""
        from notifications.services.requests import RequestUpdates

        return RequestUpdates(self.routing, self.links)

    @cached_property
    def notifications(self) -> PeopleNotifications:
        """Contact points, preferences, test messages and the delivery log."""
        from notifications.services.people import PeopleNotifications

        return PeopleNotifications(self.session_factory, self.notifier, self.links, self.clock)

    @cached_property
    def digests(self) -> Digests:
        """The daily digest at 07:00 building time."""
        from notifications.services.digest import Digests

        return Digests(self.session_factory, self.notifier, self.links, self.clock)

    @cached_property
    def acknowledgements(self) -> Acknowledgements:
        """One-tap acknowledge links: check, preview and use them."""
        from notifications.services.ack import Acknowledgements

        return Acknowledgements(self.session_factory, self.links, lambda: self.alert_service)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        """Sends the outbox: e-mail over SMTP, everything else through Apprise."""
        from notifications.adapters.apprise_channel import AppriseChannel
        from notifications.adapters.email import EmailChannel
        from notifications.services.dispatch import Dispatcher

        s = self.settings
        smtp = s.smtp_url.get_secret_value() if s.smtp_url else None
        return Dispatcher(
            self.session_factory,
            self.routing,
            EmailChannel(smtp, s.mail_from),
            AppriseChannel(),
            self.clock,
        )

    # --- assets ---
    @cached_property
    def asset_service(self) -> AssetService:
        """The equipment register: assets, the rooms they serve, their meter readings."""
        from assets.service import AssetService

        return AssetService(self.session_factory, self.clock)

    # --- devices ---
    @cached_property
    def device_service(self) -> DeviceService:
        """The device registry: pending devices, placements, corrections."""
        from devices.service import DeviceService

        return DeviceService(self.session_factory, self.clock)

    def copy_held_readings(
        self, placement: Placement, keep: Callable[[Reading], None] | None = None
    ) -> int:
        """Copy a newly placed device's held readings from `iaq_unplaced` into `iaq`."""
        from ingest.unplaced import copy_held

        return copy_held(self.influx, placement, keep)

    @cached_property
    def push_ingest(self) -> PushIngest:
        """LoRaWAN uplinks pushed over HTTP (ChirpStack, The Things Stack webhooks)."""
        from ingest.push import PushIngest
        from udara.scope import EVERYTHING

        def zone_of(building: str) -> str | None:
            return self.location_service.building_timezones(scope=EVERYTHING).get(building)

        return PushIngest(
            self.device_service,
            self.influx.write_lines,
            self.publish_for_evaluation,
            self.settings.timezone,
            zone_of,
        )

    def publish_for_evaluation(self, messages: list[tuple[str, bytes]]) -> None:
        """Hand readings stored elsewhere to ingest's evaluator: QoS 1, every PUBACK awaited."""
        from sensors_sim.publisher import publish_readings

        if not messages:
            return
        stats = publish_readings(self.settings.mqtt, messages, qos=1, ack_timeout=10.0)
        if not stats.ok or stats.acked != len(messages):
            raise ConnectionError(f"the broker acknowledged {stats.acked} of {len(messages)}")

    # --- occupants ---
    @cached_property
    def room_links(self) -> RoomLinks:
        """Rooms' public link tokens (QR codes) and buildings' lobby-display tokens."""
        from occupants.services.links import RoomLinks

        return RoomLinks(self.session_factory, self.clock)

    @cached_property
    def occupant_requests(self) -> OccupantRequests:
        """Occupant reports → requests → work orders; triage; the reporter's status."""
        from occupants.services.requests import OccupantRequests, load_rules

        s = self.settings
        rules = load_rules(s.occupant_rules_file) if s.occupant_rules_file else load_rules()
        return OccupantRequests(
            self.session_factory, self.clock, rules, self.photo_store, self.room_air,
            listeners=[self.request_updates],
        )  # fmt: skip

    def room_air(self, building: str, room: str) -> dict[str, float]:
        """A room's latest readings (within the offline window): what a report records."""
        since = self.clock() - timedelta(seconds=self.settings.offline_after_s)
        return self.iaq_readings.latest(since, frozenset({building})).get((building, room), {})

    @cached_property
    def photo_store(self) -> PhotoStore:
        """Photos of reports and inspections: re-encoded, by content hash, under media_dir."""
        from occupants.adapters.photos import PhotoStore

        return PhotoStore(self.settings.media_dir)

    def work_order_photos(self, wo_id: int) -> list[str]:
        """Digests of a work order's photos: its occupants' reports', its inspection's (the
        caller has checked that its reader may see the work order)."""
        return [
            *self.occupant_requests.work_order_photos(wo_id),
            *self.inspections.work_order_photos(wo_id),
        ]

    # --- inspections ---
    @cached_property
    def inspections(self) -> InspectionService:
        """Inspections and cleaning audits: templates, scores, corrective work, summaries."""
        from inspections.services.inspections import InspectionService, load_templates

        return InspectionService(
            self.session_factory, self.clock, load_templates(), self.photo_store
        )

    @cached_property
    def kpis(self) -> KpiService:
        """Maintenance KPIs per building, crew and month."""
        from inspections.services.kpis import KpiService

        return KpiService(self.session_factory, self.clock)

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

        return IaqReadings(self.influx, aliases=self.location_service.aliases)
