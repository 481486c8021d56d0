"""How long replaying data quality takes at ingest start, and what it reads.

`python -m bench.quality_replay [--sensors 500] [--days 7] [--every 60] [--tail-every S]`:
a private InfluxDB 1.x on a free port is filled with that many sensors (one per room)
reporting CO2, temperature and humidity every `--every` seconds for `--days` (and every
`--tail-every` seconds over the last 7 h, to see a faster rate's raw tail), then ingest's
`QualityReplay` runs against it as at start. Prints seconds, rows read and peak memory
allocated by the replay (tracemalloc).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from ingest.adapters.influx import InfluxClient
from ingest.adapters.influx_quality import InfluxQualityHistory
from ingest.domain.quality import QualityDetector
from ingest.domain.quality_config import load_quality_config
from ingest.quality_rebuild import QualityReplay
from udara.devservers import start_influxdb

TAIL_S = 7 * 3600


def fill(influx: InfluxClient, sensors: int, days: float, every: int, tail_every: int) -> int:
    """Write the readings ending now; returns how many points."""
    influx.create_database()
    end = time.time()
    start = end - days * 86400
    written = 0
    for first in range(0, sensors, 25):
        lines = []
        for s in range(first, min(first + 25, sensors)):
            series = f"iaq,building=b{s // 100},room=r{s},sensor=s{s}"
            t = start
            i = 0
            while t < end:
                lines.append(
                    f"{series} co2={600 + (i * 7 + s) % 300},temperature={24 + (i + s) % 20 / 10},"
                    f"humidity={55 + (i * 3 + s) % 40 / 10} {int(t * 1000)}"
                )
                t += tail_every if end - t <= TAIL_S else every
                i += 1
        for k in range(0, len(lines), 20_000):
            influx.write_lines(lines[k : k + 20_000])
        written += len(lines)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sensors", type=int, default=500)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--every", type=int, default=60, help="seconds between readings")
    parser.add_argument("--tail-every", type=int, default=0, help="over the last 7 h")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_influxdb(Path(tmp) / "influx")
        try:
            influx = InfluxClient(f"http://127.0.0.1:{server.port}", "bench")
            started = time.monotonic()
            tail_every = args.tail_every or args.every
            points = fill(influx, args.sensors, args.days, args.every, tail_every)
            print(f"stored {points} points in {time.monotonic() - started:.1f}s")
            now = datetime.now(UTC)
            replay = QualityReplay(InfluxQualityHistory(influx), lambda: now)
            config = load_quality_config()
            for _ in range(2):  # the second run reads from a warm page cache
                detector = QualityDetector(config)
                started = time.monotonic()
                complete = replay.run(detector)
                seconds = time.monotonic() - started
                print(f"replay: {seconds:.2f}s, complete={complete}")
            tracemalloc.start()  # a third run, for memory: tracing slows Python down
            slow = QualityReplay(InfluxQualityHistory(influx), lambda: now, max_seconds=600)
            slow.run(QualityDetector(config))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"peak {peak / 1e6:.1f} MB allocated (detector state included)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
