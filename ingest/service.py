"""The ingest process: MQTT consumer here, pipeline in a worker process, acks flowing back.

Messages go broker → paho callback → bounded queue → relay thread → pipe → worker. The
worker writes to InfluxDB and sends back what to acknowledge; the ack thread acknowledges
them on the broker connection. Everything in between is bounded, so while InfluxDB is away
the broker keeps the backlog, not our memory.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from ingest.adapters.mqtt import MqttConsumer
from ingest.domain.const import SUBSCRIPTIONS
from ingest.domain.formats import subscriptions as device_subscriptions
from ingest.inbound import WireMessage
from ingest.metrics import QUEUE_DEPTH, UNACKED, MetricsBridge
from ingest.pipeline import PipelineStats

log = logging.getLogger(__name__)

CHUNK = 2_000  # messages per pipe send: amortises pickling and wake-ups
LINGER_S = 0.02  # how long the relay waits to fill a chunk: bounds the latency it adds


def subscriptions(
    shared_group: str | None,
    buildings: str | None = None,
    formats: tuple[str, ...] = ("udara",),
) -> tuple[str, ...]:
    """The topic filters ingest subscribes to: Udara's own topics of every building or only
    `buildings` (comma-separated codes), the topic spaces of the other device `formats`, as
    a shared subscription when several processes share them."""
    topics: tuple[str, ...] = SUBSCRIPTIONS if "udara" in formats else ()
    if buildings and "udara" in formats:
        topics = tuple(
            topic.replace("udara/+/", f"udara/{code}/", 1)
            for code in buildings.split(",")
            for topic in SUBSCRIPTIONS
        )
    topics += device_subscriptions(tuple(f for f in formats if f != "udara"))
    if not shared_group:
        return topics
    return tuple(f"$share/{shared_group}/{topic}" for topic in topics)


class IngestService:
    """Runs one ingest: `start()` returns once the worker is ready and the consumer started.

    `worker` is the entry point of the worker process, called there with the pipe it reads
    messages from and the pipe it sends acknowledgements on (picklable: the worker is
    spawned, not forked). The composition root wires all three (`make_ingest_service`).
    """

    def __init__(
        self,
        inbox: queue.Queue[WireMessage],
        consumer: MqttConsumer,
        worker: Callable[[Connection, Connection], None],
        register_session: Callable[[], None] | None = None,
    ) -> None:
        self.inbox = inbox
        self.consumer = consumer
        self._worker_main = worker
        self._register_session = register_session
        self.stats = PipelineStats()
        self._metrics = MetricsBridge()
        self._stopping = threading.Event()
        self._worker: BaseProcess | None = None
        self._to_worker: Connection | None = None
        self._threads: list[threading.Thread] = []
        self._relayed = 0
        self._acked = 0

    def start(self, ready_timeout: float = 120) -> None:
        """Start the worker, wait until it is ready (windows rebuilt), then start consuming:
        what sensors send meanwhile waits at the broker, in ingest's persistent session.

        The session and its subscriptions are registered first: on a first start, or when
        new topic filters are added (another device format), nothing a sensor publishes
        during the rebuild would otherwise be queued for ingest. Best effort: a broker away
        now is one the consumer keeps retrying, and then nothing can reach it anyway.
        """
        if self._register_session is not None:
            try:
                self._register_session()
            except Exception as exc:  # the consumer reconnects and subscribes on its own
                log.warning("could not register ingest's session before starting: %s", exc)
        context = mp.get_context("spawn")  # never fork a process that runs paho threads
        chunks_out, chunks_in = context.Pipe(duplex=False)
        acks_out, acks_in = context.Pipe(duplex=False)
        self._worker = context.Process(
            target=self._worker_main,
            args=(chunks_out, acks_in),
            name="udara-ingest-worker",
            daemon=True,
        )
        self._worker.start()
        chunks_out.close()
        acks_in.close()
        self._to_worker = chunks_in
        if not acks_out.poll(ready_timeout):
            raise RuntimeError("ingest worker did not become ready")
        self._receive_acks_once(acks_out)
        self._threads = [
            threading.Thread(target=self._relay, args=(chunks_in,), name="relay", daemon=True),
            threading.Thread(target=self._acknowledge, args=(acks_out,), name="acks", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self.consumer.start()

    def healthy(self) -> bool:
        """False once the worker died: the process should exit and be restarted."""
        return self._worker is not None and self._worker.is_alive()

    def _relay(self, to_worker: Connection) -> None:
        while not self._stopping.is_set():
            try:
                chunk = [self.inbox.get(timeout=0.1)]
            except queue.Empty:
                continue
            # Linger briefly for more: at live rates messages arrive one by one, and a pipe
            # send per message cost both processes more than the messages themselves.
            linger_until = time.monotonic() + LINGER_S
            while len(chunk) < CHUNK:
                try:
                    chunk.append(self.inbox.get_nowait())
                except queue.Empty:
                    if time.monotonic() >= linger_until:
                        break
                    time.sleep(LINGER_S / 4)
            QUEUE_DEPTH.set(self.inbox.qsize())
            self._relayed += len(chunk)
            UNACKED.set(self._relayed - self._acked)
            try:
                to_worker.send(chunk)
            except (BrokenPipeError, OSError):
                log.error("ingest worker is gone; %d messages stay with the broker", len(chunk))
                return

    def _acknowledge(self, from_worker: Connection) -> None:
        while True:
            try:
                self._receive_acks_once(from_worker)
            except (EOFError, OSError):
                return

    def _receive_acks_once(self, from_worker: Connection) -> None:
        acks, stats = from_worker.recv()
        if acks:
            self.consumer.ack(acks)
            self._acked += len(acks)
        UNACKED.set(self._relayed - self._acked)
        self._metrics.update(stats)
        self.stats = stats

    def stop(self) -> None:
        """Stop relaying, let the worker finish its batch and its acks, then disconnect."""
        self._stopping.set()
        for thread in self._threads[:1]:
            thread.join(timeout=5)
        if self._to_worker is not None:
            try:
                self._to_worker.send(None)
            except (BrokenPipeError, OSError):
                pass
        if self._worker is not None:
            self._worker.join(timeout=60)
            if self._worker.is_alive():
                self._worker.kill()
        for thread in self._threads[1:]:
            thread.join(timeout=5)
        self.consumer.stop()
