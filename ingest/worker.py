"""The pipeline worker process: validation, InfluxDB writes and evaluation off the MQTT process.

paho's network loop alone keeps one core busy at high rates; running the pipeline in its own
process lets the two use both cores instead of sharing one interpreter lock. The worker
builds its own composition root from the settings it is given; the pipeline's wiring lives
there (`Container.make_ingest_pipeline`).
"""

from __future__ import annotations

import queue
import signal
import threading
from multiprocessing.connection import Connection

from ingest.inbound import WireAck, WireMessage
from ingest.pipeline import IngestPipeline, PipelineStats
from udara.settings import Settings

CHUNKS_IN_FLIGHT = 16  # chunks buffered in the worker; the rest waits in the pipe and broker


def worker_main(settings: Settings, chunks: Connection, acks: Connection) -> None:
    """Entry point of the worker process (spawned by `IngestService`).

    The first message on `acks` says the worker is ready: the pipeline is prepared (open
    alerts seeded, windows rebuilt), so the MQTT process starts consuming only then.
    """
    from udara.bootstrap import Container
    from udara.logging_setup import configure_logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    configure_logging(settings.log_level, settings.log_json)
    container = Container(settings)
    send_lock = threading.Lock()

    def send_acks(wire_acks: list[WireAck], stats: PipelineStats) -> None:
        with send_lock:
            acks.send((wire_acks, stats))

    inbox: queue.Queue[list[WireMessage]] = queue.Queue(CHUNKS_IN_FLIGHT)
    pipeline = container.make_ingest_pipeline(inbox, ack=send_acks)
    pipeline.prepare()
    receiver = threading.Thread(target=_receive, args=(chunks, inbox, pipeline), daemon=True)
    receiver.start()
    send_acks([], pipeline.stats.snapshot())  # doubles as the "ready" signal
    pipeline.run()
    send_acks([], pipeline.stats.snapshot())
    container.close()


def _receive(
    chunks: Connection, inbox: queue.Queue[list[WireMessage]], pipeline: IngestPipeline
) -> None:
    """Move chunks from the pipe into the pipeline's bounded inbox until told to stop."""
    while True:
        try:
            chunk = chunks.recv()
        except (EOFError, OSError):
            # The MQTT process is gone: EOFError between chunks, OSError ("end of file during
            # message") when it was killed while sending one. Nobody can acknowledge anything
            # now; stop, and the broker redelivers what this worker held. (Catching EOFError
            # alone left a worker orphaned for good, holding its connections and, 15 minutes
            # on, opening offline alerts for sensors the ingest that replaced it still hears.)
            chunk = None
        if chunk is None:
            pipeline.stop_event.set()
            return
        inbox.put(chunk)  # blocks when the pipeline is behind: backpressure up to the broker
