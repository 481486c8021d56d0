"""How long rebuilding the evaluation windows takes at ingest start, and what it holds.

`python -m bench.rebuild [--sensors 500] [--hours 24] [--every 60]`: a private InfluxDB 1.x
on a free port is filled with that many sensors (one per room) reporting CO2, PM2.5, PM10,
temperature and humidity every `--every` seconds for `--hours`, then ingest's
`WindowRebuild` runs against it as at start. Prints seconds, rows read and peak memory
allocated by the rebuild (tracemalloc).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from ingest.adapters.influx import InfluxClient
from ingest.adapters.influx_history import InfluxHistory
from ingest.domain.evaluation import EvaluationConfig, Evaluator
from ingest.domain.profiles import load_profile
from ingest.rebuild import WindowRebuild
from udara.devservers import start_influxdb


def fill(influx: InfluxClient, sensors: int, hours: float, every: int, end: float) -> int:
    """Write the readings; returns how many points."""
    influx.create_database()
    count = int(hours * 3600 // every)
    written = 0
    for first in range(0, sensors, 50):
        lines = []
        for s in range(first, min(first + 50, sensors)):
            series = f"iaq,building=b{s // 100},room=r{s},sensor=s{s}"
            for i in range(count):
                t = end - (count - i) * every
                lines.append(
                    f"{series} co2={600 + (i + s) % 700},pm25={10 + i % 40},pm10={20 + i % 50},"
                    f"temperature={22 + i % 9},humidity={45 + i % 20} {int(t * 1000)}"
                )
        for k in range(0, len(lines), 20_000):
            influx.write_lines(lines[k : k + 20_000])
        written += len(lines)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sensors", type=int, default=500)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--every", type=int, default=60, help="seconds between readings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_influxdb(Path(tmp) / "influx")
        try:
            influx = InfluxClient(f"http://127.0.0.1:{server.port}", "bench")
            now = datetime.now(UTC)
            started = time.monotonic()
            points = fill(influx, args.sensors, args.hours, args.every, now.timestamp())
            print(f"stored {points} points in {time.monotonic() - started:.1f}s")
            rebuild = WindowRebuild(InfluxHistory(influx), lambda: now)
            profile = load_profile("permenkes-1077-2011")
            started = time.monotonic()
            restored = rebuild.run(Evaluator(profile, EvaluationConfig()))
            seconds = time.monotonic() - started
            tracemalloc.start()  # a second run, for memory: tracing slows Python down
            rebuild.run(Evaluator(profile, EvaluationConfig()))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"rebuild: {seconds:.2f}s, {restored.slots} slots, {restored.readings} readings "
                f"replayed, {restored.seen} sensor metrics; peak {peak / 1e6:.1f} MB allocated "
                "(windows included)"
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
