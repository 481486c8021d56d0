"""The demo history's air, in a process of its own: readings to InfluxDB, alert changes back.

Generating and evaluating readings is pure (the room model, the Evaluator), so it runs on the
second core while the seeding process does the database work in event time. Its output is
the alert changes of each tick, in tick order, over a pipe whose buffer keeps it at most a
little ahead.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from ingest.adapters.influx import InfluxClient, reading_line
from ingest.domain.alerts import AlertChange, AlertKey
from sensors_sim.history import HistorySpec, ticks

if TYPE_CHECKING:
    from udara.settings import Settings

TICKS_PER_MESSAGE = 12  # an hour of five-minute ticks per pipe message

Tick = tuple[datetime, list[AlertChange]]


@dataclass(frozen=True)
class AirDone:
    """The child's last word: readings written, seconds spent and CPU seconds used."""

    readings: int
    seconds: float
    cpu_seconds: float


@dataclass(frozen=True)
class AirFailed:
    """The child's last word when it failed."""

    error: str


class AirProcess:
    """Runs the air of a history in a child process; iterate for (tick, alert changes)."""

    def __init__(self, spec: HistorySpec, settings: Settings, open_keys: Sequence[AlertKey]):
        context = multiprocessing.get_context("spawn")
        self._inbox, outbox = context.Pipe(duplex=False)
        self._process = context.Process(
            target=air_main, args=(spec, settings, list(open_keys), outbox), daemon=True
        )
        self._process.start()
        outbox.close()
        self.readings = 0
        self.seconds = self.cpu_seconds = 0.0

    def __iter__(self) -> Iterator[Tick]:
        while True:
            message = self._inbox.recv()
            if isinstance(message, AirDone):
                self.readings, self.seconds = message.readings, message.seconds
                self.cpu_seconds = message.cpu_seconds
                return
            if isinstance(message, AirFailed):
                raise RuntimeError(f"generating the history's readings failed: {message.error}")
            yield from message

    def close(self) -> None:
        """Stop the child (already done after a full iteration)."""
        self._inbox.close()
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def air_main(
    spec: HistorySpec, settings: Settings, open_keys: list[AlertKey], outbox: Connection
) -> None:
    """The child: write every reading, evaluate it, send the alert changes of each tick."""
    from udara.bootstrap import Container

    began, cpu = time.perf_counter(), time.process_time()
    try:
        container = Container(settings)
        evaluator = container.make_evaluator()
        evaluator.restore_open(open_keys)
        chunk: list[Tick] = []
        with LineWriter(container.influx, settings.influx_batch_size) as writer:
            for tick, readings in ticks(spec):
                writer.add([reading_line(r) for r in readings])
                changes = [change for r in readings for change in evaluator.observe(r)]
                chunk.append((tick, changes + evaluator.check_offline(tick)))
                if len(chunk) == TICKS_PER_MESSAGE:
                    outbox.send(chunk)
                    chunk = []
            outbox.send(chunk)
        outbox.send(AirDone(writer.written, time.perf_counter() - began, time.process_time() - cpu))
    except Exception as exc:  # the parent raises it, unless it stopped listening first
        with contextlib.suppress(OSError):
            outbox.send(AirFailed(repr(exc)))
    finally:
        outbox.close()


class LineWriter:
    """Line-protocol lines to InfluxDB in batches, one request in flight while the next
    batch is built (the write waits on the server, so it overlaps the simulation)."""

    def __init__(self, influx: InfluxClient, batch_size: int) -> None:
        self._influx = influx
        self._batch_size = batch_size
        self._lines: list[str] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-writer")
        self._pending: Future[None] | None = None
        self.written = 0

    def add(self, lines: Iterable[str]) -> None:
        """Queue lines; a full batch is sent."""
        self._lines.extend(lines)
        if len(self._lines) >= self._batch_size:
            self._send()

    def _send(self) -> None:
        if self._pending is not None:
            self._pending.result()  # one in flight: raises what the last write raised
        batch, self._lines = self._lines, []
        self.written += len(batch)
        self._pending = self._pool.submit(self._influx.write_lines, batch)

    def __enter__(self) -> LineWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self._send()
                if self._pending is not None:
                    self._pending.result()
        finally:
            self._pool.shutdown()
            self._influx.close()
