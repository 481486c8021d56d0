"""The pipeline worker process: validation, InfluxDB writes and evaluation off the MQTT process.

paho's network loop alone keeps one core busy at high rates; running the pipeline in its own
process lets the two use both cores instead of sharing one interpreter lock.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
from multiprocessing.connection import Connection

from ingest.adapters.influx import InfluxClient, InfluxError
from ingest.inbound import WireAck, WireMessage
from ingest.pipeline import IngestPipeline, PipelineStats
from udara.settings import Settings

log = logging.getLogger(__name__)

READY = "ready"
CHUNKS_IN_FLIGHT = 16  # chunks buffered in the worker; the rest waits in the pipe and broker


def worker_main(settings: Settings, chunks: Connection, acks: Connection) -> None:
    """Entry point of the worker process (spawned by `IngestService`)."""
    from udara.bootstrap import Container
    from udara.logging_setup import configure_logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    configure_logging(settings.log_level, settings.log_json)
    container = Container(settings)
    alerts = container.alert_service
    evaluator = container.make_evaluator()
    influx = container.make_influx()
    evaluator.restore_open(alerts.open_keys())
    _try_create_database(influx)
    send_lock = threading.Lock()

    def send_acks(wire_acks: list[WireAck], stats: PipelineStats) -> None:
        with send_lock:
            acks.send((wire_acks, stats))

    inbox: queue.Queue[list[WireMessage]] = queue.Queue(CHUNKS_IN_FLIGHT)
    pipeline = IngestPipeline(
        inbox,
        influx,
        evaluator,
        alerts,
        ack=send_acks,
        clock=container.clock,
        batch_size=settings.influx_batch_size,
        flush_interval=settings.influx_flush_interval_s,
        on_new_rooms=container.rooms_discovered,
        known_rooms=container.location_service.room_keys,
    )
    receiver = threading.Thread(target=_receive, args=(chunks, inbox, pipeline), daemon=True)
    receiver.start()
    send_acks([], pipeline.stats.snapshot())  # doubles as the "ready" signal
    pipeline.run()
    send_acks([], pipeline.stats.snapshot())
    influx.close()


def _try_create_database(influx: InfluxClient) -> None:
    """Create the database now if InfluxDB is up; otherwise the first write will."""
    try:
        influx.create_database()
    except InfluxError as exc:
        log.warning("InfluxDB not reachable at start (%s); will retry on first write", exc)


def _receive(
    chunks: Connection, inbox: queue.Queue[list[WireMessage]], pipeline: IngestPipeline
) -> None:
    """Move chunks from the pipe into the pipeline's bounded inbox until told to stop."""
    while True:
        try:
            chunk = chunks.recv()
        except EOFError:
            chunk = None
        if chunk is None:
            pipeline.stop_event.set()
            return
        inbox.put(chunk)  # blocks when the pipeline is behind: backpressure up to the broker
