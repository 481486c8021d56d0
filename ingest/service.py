"""The ingest process: MQTT consumer + pipeline thread, started and stopped together."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from ingest.adapters.influx import InfluxClient, InfluxError
from ingest.adapters.mqtt import InboundMessage, MqttConsumer
from ingest.alert_service import AlertService
from ingest.domain.const import SUBSCRIPTIONS
from ingest.domain.evaluation import Evaluator
from ingest.pipeline import IngestPipeline
from udara.settings import Settings

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The wall clock, in UTC (the only clock ingest reads)."""
    return datetime.now(UTC)


def subscriptions(shared_group: str | None) -> tuple[str, ...]:
    """The topic filters ingest subscribes to, as a shared subscription when scaled out."""
    if not shared_group:
        return SUBSCRIPTIONS
    return tuple(f"$share/{shared_group}/{topic}" for topic in SUBSCRIPTIONS)


class IngestService:
    """Wires consumer and pipeline; `start()` returns once both are running."""

    def __init__(
        self,
        settings: Settings,
        influx: InfluxClient,
        alerts: AlertService,
        evaluator: Evaluator,
        on_new_room: Callable[[str, str], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.influx = influx
        self.alerts = alerts
        self.evaluator = evaluator
        # The broker never has more than Receive Maximum QoS 1 messages in flight to us,
        # so this bound is never hit by QoS 1 traffic; QoS 0 floods block paho's thread.
        self.inbox: queue.Queue[InboundMessage] = queue.Queue(settings.mqtt_receive_maximum + 1_000)
        self.consumer = MqttConsumer(
            settings.mqtt,
            settings.mqtt_client_id,
            self.inbox,
            settings.mqtt_receive_maximum,
            subscriptions=subscriptions(settings.mqtt_shared_group),
        )
        self.pipeline = IngestPipeline(
            self.inbox,
            influx,
            evaluator,
            alerts,
            ack=self.consumer.ack,
            clock=clock,
            batch_size=settings.influx_batch_size,
            flush_interval=settings.influx_flush_interval_s,
            on_new_room=on_new_room,
        )
        self._thread = threading.Thread(
            target=self.pipeline.run, name="ingest-pipeline", daemon=True
        )

    def start(self) -> None:
        """Prepare InfluxDB and evaluation state, then start consuming."""
        self._ensure_database()
        self.evaluator.restore_open(self.alerts.open_keys())
        self._thread.start()
        self.consumer.start()

    def _ensure_database(self) -> None:
        delay = 0.5
        while True:
            try:
                self.influx.create_database()
                return
            except InfluxError as exc:
                log.warning("InfluxDB not ready (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10)

    def stop(self) -> None:
        """Stop consuming, let the pipeline finish its batch, disconnect."""
        self.pipeline.stop_event.set()
        self._thread.join(timeout=30)
        self.consumer.stop()
        self.influx.close()
