"""`make bench`: ingest throughput, latency, alert latency and memory against real servers.

Everything runs on this machine: a private Mosquitto and InfluxDB 1.x on free ports, ingest
as its own process exactly as `udara ingest` runs in production. Prints figures and ratios;
`--markdown FILE` also writes them as a BENCHMARKS.md section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.mqtt_tools import bare_drain, publish_chunk, publish_parallel, register_session
from ingest.adapters.influx import InfluxClient
from ingest.domain.model import SensorRef, telemetry_payload
from udara.db import upgrade_database
from udara.devservers import start_influxdb, start_mosquitto, wait_until

T_BACKLOG = datetime(2026, 10, 5, 1, 0, tzinfo=UTC)


def make_messages(n: int, rooms: int, start: datetime, building: str) -> list[tuple[str, bytes]]:
    """N readings spread over `rooms` sensors, one second apart per sensor, values in limits."""
    sensors = [SensorRef(building, f"r{k:04d}", f"s{k:04d}") for k in range(rooms)]
    out = []
    for i in range(n):
        sensor = sensors[i % rooms]
        ts = start + timedelta(seconds=i // rooms)
        values = {"co2": 600.0 + i % 50, "temperature": 24.5, "humidity": 55.0, "pm25": 12.0}
        out.append((sensor.topic(), telemetry_payload(values, ts)))
    return out


class Ingest:
    """`udara ingest` as a separate process pointed at the benchmark servers."""

    def __init__(self, workdir: Path, env: dict[str, str], name: str) -> None:
        self.log = workdir / f"{name}.log"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "udara.cli",
                    "ingest",
                    "--metrics-port",
                    "0",
                    "--no-summary",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.peak_rss_mb = 0.0
        self._watch = threading.Thread(target=self._watch_rss, daemon=True)
        self._watch.start()

    def _watch_rss(self) -> None:
        status = Path(f"/proc/{self.proc.pid}/status")
        while self.proc.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_rss_mb = max(self.peak_rss_mb, int(line.split()[1]) / 1024)
            except OSError:
                return
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM and wait."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def count(influx: InfluxClient, building: str | None = None) -> int:
    """Readings stored (optionally of one building)."""
    where = " WHERE building = $b" if building else ""
    try:
        series = influx.query(f'SELECT count("co2") FROM "iaq"{where}', {"b": building or ""})
    except Exception:
        return 0
    return int(series[0]["values"][0][1]) if series else 0


def timed_drain(influx: InfluxClient, expected: int, building: str | None = None) -> float:
    """Readings/s from the first stored reading to the last (polling InfluxDB)."""
    first_t, first_n = 0.0, 0
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        n, now = count(influx, building), time.monotonic()
        if n and not first_t:
            first_t, first_n = now, n
        if n >= expected:
            return (n - first_n) / max(now - first_t, 1e-9)
        time.sleep(0.05)
    raise RuntimeError(f"only {count(influx, building)} of {expected} readings stored")


def latency_run(
    port: int, influx: InfluxClient, rate: float, seconds: float, rooms: int
) -> tuple[float, float, int]:
    """Publish at `rate`/s; return p50, p99 publish→queryable latency (s) and readings sent."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    n = int(rate * seconds)
    messages = make_messages(n, rooms, start, "bench-live")
    seen: list[tuple[float, int]] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            seen.append((time.time(), count(influx, "bench-live")))
            time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    sent_at = publish_chunk(port, messages, rate=rate)
    wait_until(lambda: bool(seen) and seen[-1][1] >= n, 120, "latency readings stored")
    stop.set()
    poller.join()
    latencies, j = [], 0
    for k, t_sent in enumerate(sent_at):
        while seen[j][1] < k + 1:
            j += 1
        latencies.append(max(seen[j][0] - t_sent, 0.0))
    latencies.sort()
    return statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1], n


def alert_latency(port: int, db_url: str) -> float:
    """Seconds from publishing ten minutes of 2,500 ppm to the open alert in the database."""
    now = datetime.now(UTC)
    sensor = SensorRef("bench-alert", "rapat-1", "s1")
    messages = [
        (sensor.topic(), telemetry_payload({"co2": 2500.0}, now - timedelta(seconds=30 * k)))
        for k in range(20, -1, -1)
    ]
    engine = create_engine(db_url)
    query = text("SELECT count(*) FROM alerts WHERE room = 'rapat-1' AND state = 'active'")
    t0 = time.time()
    publish_chunk(port, messages)
    with engine.connect() as conn:
        while conn.execute(query).scalar_one() == 0:
            if time.time() - t0 > 60:
                raise RuntimeError("no alert within 60 s")
            time.sleep(0.01)
    engine.dispose()
    return time.time() - t0


def ingest_env(base: dict[str, str], client_id: str, group: str | None = None) -> dict[str, str]:
    """Environment for one ingest process."""
    env = dict(base, UDARA_MQTT_CLIENT_ID=client_id)
    if group:
        env["UDARA_MQTT_SHARED_GROUP"] = group
    return env


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--latency-seconds", type=float, default=15)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="udara-bench-"))
    mqtt = start_mosquitto(work / "mqtt")
    influxd = start_influxdb(work / "influx")
    db_url = f"sqlite:///{work / 'udara.db'}"
    upgrade_database(db_url)
    base_env = dict(
        os.environ,
        UDARA_MQTT_URL=f"mqtt://127.0.0.1:{mqtt.port}",
        UDARA_INFLUX_URL=f"http://127.0.0.1:{influxd.port}",
        UDARA_INFLUX_DB="bench",
        UDARA_DATABASE_URL=db_url,
        UDARA_LOG_LEVEL="WARNING",
    )
    influx = InfluxClient(base_env["UDARA_INFLUX_URL"], "bench")
    results: dict[str, float | int | str] = {}
    try:
        n = args.readings
        print(f"backlog: {n:,} QoS 1 readings from {args.rooms} sensors", flush=True)
        register_session(mqtt.port, "bench-bare", "udara/+/+/+/telemetry")
        warm = Ingest(work, ingest_env(base_env, "bench-ingest"), "ingest-warm")
        wait_until(lambda: "bench" in str(influx.query("SHOW DATABASES")), 30, "database")
        time.sleep(1)
        warm.stop()  # its persistent session now queues the backlog

        messages = make_messages(n, args.rooms, T_BACKLOG, "bench")
        pub_s = publish_parallel(mqtt.port, messages)
        results["publish_rate"] = round(n / pub_s)
        print(f"  published with PUBACKs: {n / pub_s:,.0f}/s", flush=True)

        bare = bare_drain(mqtt.port, "bench-bare", n)
        results["bare_rate"] = round(bare)
        print(f"  bare paho receive loop (JSON parse only): {bare:,.0f} msgs/s", flush=True)

        ingest = Ingest(work, ingest_env(base_env, "bench-ingest"), "ingest")
        stored_rate = timed_drain(influx, n, building="bench")
        results["ingest_rate"] = round(stored_rate)
        results["ratio"] = round(stored_rate / bare, 3)
        results["lost"] = n - count(influx, "bench")
        print(f"  ingest → InfluxDB (stored, queryable): {stored_rate:,.0f} readings/s", flush=True)
        print(f"  ratio ingest / bare loop: {stored_rate / bare:.2f}", flush=True)
        print(f"  readings lost: {results['lost']}", flush=True)

        rate = stored_rate / 2
        p50, p99, sent = latency_run(mqtt.port, influx, rate, args.latency_seconds, args.rooms)
        results.update(latency_rate=round(rate), p50_s=round(p50, 3), p99_s=round(p99, 3))
        print(f"  latency at {rate:,.0f}/s ({sent:,} readings): p50 {p50:.3f}s p99 {p99:.3f}s")
        alert_s = alert_latency(mqtt.port, db_url)
        results["alert_latency_s"] = round(alert_s, 3)
        print(f"  alert latency (publish → open alert in database): {alert_s:.3f}s")
        results["peak_rss_mb"] = round(ingest.peak_rss_mb, 1)
        print(f"  ingest peak RSS: {ingest.peak_rss_mb:.0f} MB", flush=True)
        ingest.stop()

        results.update(scale_out(mqtt.port, influx, base_env, work, n // 2, args.rooms))
    finally:
        mqtt.stop()
        influxd.stop()
    results["machine"] = f"{platform.node()} {os.cpu_count()} cores {platform.processor()}"
    print(json.dumps(results, indent=2))
    if args.markdown:
        write_markdown(args.markdown, results)


def scale_out(
    port: int, influx: InfluxClient, base_env: dict[str, str], work: Path, n: int, rooms: int
) -> dict[str, float]:
    """Live throughput with one ingest process, then two sharing `$share/…` subscriptions."""
    out: dict[str, float] = {}
    for workers in (1, 2):
        procs = [
            Ingest(work, ingest_env(base_env, f"live-{workers}-{k}", f"g{workers}"), f"live{k}")
            for k in range(workers)
        ]
        time.sleep(3)  # connected and subscribed
        start = datetime(2026, 9, 1 + workers, tzinfo=UTC)
        messages = make_messages(n, rooms, start, f"bench-scale{workers}")
        publisher = threading.Thread(target=publish_parallel, args=(port, messages))
        publisher.start()
        rate = timed_drain(influx, n, building=f"bench-scale{workers}")
        publisher.join()
        for proc in procs:
            proc.stop()
        lost = n - count(influx, f"bench-scale{workers}")
        out[f"live_rate_{workers}_workers"] = round(rate)
        out[f"live_lost_{workers}_workers"] = lost
        print(f"  live, {workers} ingest process(es) ($share): {rate:,.0f} readings/s, lost {lost}")
    return out


def write_markdown(path: Path, r: dict[str, float | int | str]) -> None:
    """Write the figures as the BENCHMARKS.md results table."""
    rows = [
        ("stored readings/s, backlog drain (target ≥ 10,000)", r["ingest_rate"]),
        ("bare paho loop msgs/s, same backlog", r["bare_rate"]),
        ("ratio ingest / bare (target ≥ 0.8)", r["ratio"]),
        ("p50 publish→queryable at half load (s)", r["p50_s"]),
        ("p99 publish→queryable at half load (s, target ≤ 2)", r["p99_s"]),
        ("alert latency (s)", r["alert_latency_s"]),
        ("ingest peak RSS (MB, target ≤ 200)", r["peak_rss_mb"]),
        ("readings lost (target 0)", r["lost"]),
        ("live readings/s, 1 ingest process", r.get("live_rate_1_workers", "-")),
        ("live readings/s, 2 ingest processes ($share)", r.get("live_rate_2_workers", "-")),
    ]
    lines = [f"| {name} | {value} |" for name, value in rows]
    path.write_text(
        f"Machine: {r['machine']}; run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        "| figure | value |\n|---|---|\n" + "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    main()
