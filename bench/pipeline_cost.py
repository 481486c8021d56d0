"""CPU of ingest's pipeline worker per message, by device format, without any server.

    .venv/bin/python -m bench.pipeline_cost [--readings N] [--profile FORMAT]

The backlogs of `make bench`'s format phase (`bench.device_formats`: 500 devices, Udara's own
payload and each format's, devices placed) go through `IngestPipeline` exactly as the worker
takes them (`_take` per message, `_flush` per batch of 5,000, `between_batches`), with real
evaluation and the real device router, but InfluxDB, alerts and the registry replaced by
no-ops. It prints µs a message per format and the difference to Udara's own; `--profile`
prints a cProfile of one format's run. This is the part of ingest a format changes: the MQTT
process only moves bytes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import queue
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from bench.device_formats import BASELINE, ZONE, backlog, bench_devices, building
from devices.domain import Placement, Sighting
from ingest.devices import DeviceRouter
from ingest.domain.alerts import AlertChange, AlertKey
from ingest.domain.evaluation import EvaluationConfig, Evaluator
from ingest.domain.profiles import load_profile
from ingest.domain.quality_config import load_quality_config
from ingest.inbound import InboundMessage, WireAck, WireMessage
from ingest.pipeline import IngestPipeline, PipelineStats, _Batch
from ingest.quality import SensorQuality
from sensors_sim.formats import Device

BATCH = 5_000
RECEIVED = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)


class _NoInflux:
    def write_lines(self, lines: Sequence[str]) -> None:
        pass

    def create_database(self) -> None:
        pass


class _NoAlerts:
    def apply(self, changes: Iterable[AlertChange]) -> object:
        return list(changes)

    def open_keys(self) -> list[AlertKey]:
        return []


class _Registry:
    """Every benchmark device placed on its room, as `DeviceService` would answer."""

    def __init__(self, devices: Iterable[Device]) -> None:
        self.placements = [
            Placement(
                d.device_id, d.format, "active", d.room.building, d.room.name, held_copied=True
            )
            for d in devices
        ]

    def record_sightings(self, sightings: Iterable[Sighting]) -> int:
        return 0

    def placements_since(self, version: int) -> tuple[int, list[Placement]]:
        return (1, [] if version else self.placements)

    def mark_held_copied(self, device: str, at: datetime) -> None:
        pass


def pipeline(devices: dict[str, list[Device]], quality: bool = True) -> IngestPipeline:
    """The worker's pipeline with the real evaluator, data-quality detector (as ingest runs
    it, unless `quality` is off) and device router, no I/O."""
    formats = tuple(f for f in devices if f != BASELINE)
    placed = [d for f in formats for d in devices[f]]
    rooms = {(d.room.building, d.room.name) for ds in devices.values() for d in ds}
    router = DeviceRouter(
        formats,
        _Registry(placed),
        ZONE,
        lambda: {building(f): ZONE for f in devices},
        lambda placement, keep: 0,
        lambda: RECEIVED,
    )

    def ack(acks: list[WireAck], stats: PipelineStats) -> None:
        pass

    evaluator = Evaluator(load_profile("permenkes-1077-2011"), EvaluationConfig())
    inbox: queue.Queue[list[WireMessage]] = queue.Queue()
    judge = SensorQuality(load_quality_config(), ZONE) if quality else None
    p = IngestPipeline(
        inbox, _NoInflux(), evaluator, _NoAlerts(), ack, lambda: RECEIVED, devices=router,
        quality=judge,
    )  # fmt: skip
    p._known_rooms.update(rooms)
    router.refresh()
    return p


def drain(p: IngestPipeline, messages: list[tuple[str, bytes]]) -> float:
    """Seconds the worker's pipeline takes for `messages` (batches as in production)."""
    received = RECEIVED.timestamp()
    wires: list[WireMessage] = [
        (t, m, i % 65_535 + 1, 1, received, 1) for i, (t, m) in enumerate(messages)
    ]
    started = time.process_time()  # CPU: the machine may be shared
    for k in range(0, len(wires), BATCH):
        batch = _Batch()
        for wire in wires[k : k + BATCH]:
            p._take(InboundMessage.from_wire(wire), batch)
        if batch.messages:
            p._flush(batch)
        if p._devices is not None:
            p._devices.between_batches()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=50_000)
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--formats", default="tasmota,chirpstack")
    parser.add_argument("--profile", help="print a cProfile of this format's drain")
    parser.add_argument(
        "--no-quality", action="store_true", help="leave out the data-quality detector"
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of N drains per format")
    args = parser.parse_args()
    names = [BASELINE, *[f for f in args.formats.split(",") if f and f != BASELINE]]
    devices = {f: bench_devices(f, args.rooms) for f in names}
    backlogs = {f: backlog(devices[f], args.readings) for f in names}
    costs: dict[str, float] = {}
    for fmt in names:
        best = float("inf")
        for _ in range(args.repeat):
            best = min(
                best, drain(pipeline(devices, not args.no_quality), backlogs[fmt])
            )  # fresh windows each time
        costs[fmt] = best / args.readings * 1e6
    print(f"{'format':<12} {'µs a message':>13} {'vs ' + BASELINE:>10}")
    for fmt, us in costs.items():
        print(f"{fmt:<12} {us:>13.1f} {us - costs[BASELINE]:>+10.1f}")
    if args.profile:
        p = pipeline(devices)
        profiler = cProfile.Profile()
        profiler.enable()
        drain(p, backlogs[args.profile])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
