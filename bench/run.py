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
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.device_formats import format_drains
from bench.device_formats import markdown_rows as format_rows
from bench.latency import LatencyResult, descendants, measure
from bench.live import faceoff, udara_starter
from bench.live import markdown_rows as live_rows
from bench.mqtt_tools import bare_drain, publish_chunk, publish_parallel, register_session
from bench.web import web_timings
from ingest.adapters.influx import InfluxClient
from ingest.adapters.paho_buffered import BufferedClient
from ingest.domain.model import SensorRef, telemetry_payload
from udara.db import upgrade_database
from udara.devservers import start_influxdb, start_mosquitto, wait_until

T_BACKLOG = datetime(2026, 10, 5, 1, 0, tzinfo=UTC)
# The format phase's readings go to a database of their own, so the phases after it
# (scale-out, web) start from the database they always had, and rebuild no windows from them.
FORMATS_DB = "bench_formats"


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
                    "--no-metrics",
                    "--no-summary",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.peak_rss_mb = 0.0
        self.peak_worker_rss_mb = 0.0
        self._watch = threading.Thread(target=self._watch_rss, daemon=True)
        self._watch.start()

    def _watch_rss(self) -> None:
        """Peak RSS (VmHWM) of the MQTT process and of its pipeline worker process."""
        peaks: dict[int, float] = {}
        worker: int | None = None  # spawned a moment after the process; found once
        while self.proc.poll() is None:
            worker = worker or self._worker_pid()
            for pid in (self.proc.pid, worker):
                if pid is None:
                    continue
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = max(peaks.get(pid, 0.0), int(line.split()[1]) / 1024)
            self.peak_rss_mb = peaks.get(self.proc.pid, 0.0)
            self.peak_worker_rss_mb = sum(v for k, v in peaks.items() if k != self.proc.pid)
            time.sleep(0.2)

    def _worker_pid(self) -> int | None:
        """The pipeline worker: the child running multiprocessing's spawn entry point."""
        for pid in descendants(self.proc.pid)[1:]:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                return pid
        return None

    def stop(self) -> None:
        """SIGTERM and wait."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def count(
    influx: InfluxClient, building: str | None = None, buildings: list[str] | None = None
) -> int:
    """Readings stored: all, of one building, or of several."""
    if buildings:
        return sum(count(influx, b) for b in buildings)
    where = " WHERE building = $b" if building else ""
    try:
        series = influx.query(f'SELECT count("co2") FROM "iaq"{where}', {"b": building or ""})
    except Exception:
        return 0
    return int(series[0]["values"][0][1]) if series else 0


def timed_drain(
    influx: InfluxClient,
    expected: int,
    building: str | None = None,
    buildings: list[str] | None = None,
) -> float:
    """Readings/s from the first stored reading to the last (polling InfluxDB)."""
    first_t, first_n = 0.0, 0
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        n, now = count(influx, building, buildings), time.monotonic()
        if n and not first_t:
            first_t, first_n = now, n
        if n >= expected:
            return (n - first_n) / max(now - first_t, 1e-9)
        time.sleep(0.05)
    stored = count(influx, building, buildings)
    raise RuntimeError(f"only {stored} of {expected} readings stored")


def latency_phase(
    port: int, influx: InfluxClient, ingest: Ingest, servers: dict[str, int], rate: float, args: Any
) -> tuple[LatencyResult, int]:
    """Live load at `rate`/s on the backlog's (already known) sensors, probed for latency.

    Returns the probe latencies with the CPU each process used, and the readings sent.
    """
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    load = make_messages(int(rate * args.latency_seconds), args.rooms, start, "bench")
    groups = {name: [pid] for name, pid in servers.items()}
    groups["ingest (MQTT process)"] = [ingest.proc.pid]
    groups["ingest (pipeline worker)"] = descendants(ingest.proc.pid)[1:]
    return measure(port, influx, load, rate, groups), len(load)


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


def machine() -> str:
    """Host, cores and CPU model, for the record."""
    cpuinfo = Path("/proc/cpuinfo")
    models = [
        line.split(":", 1)[1].strip()
        for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
        if line.startswith("model name")
    ]
    model = models[0] if models else platform.processor() or platform.machine()
    return f"{platform.node()}: {os.cpu_count()} cores, {model}, Python {platform.python_version()}"


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
    parser.add_argument("--latency-seconds", type=float, default=30)
    parser.add_argument("--web-requests", type=int, default=20, help="timed requests per route")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument(
        "--formats",
        default="tasmota,chirpstack",
        help="device formats whose backlog is drained beside Udara's own ('' for none)",
    )
    parser.add_argument(
        "--format-rounds",
        type=int,
        default=2,
        help="rounds of the format backlogs, each followed by Udara's own again",
    )
    parser.add_argument(
        "--only-drain",
        action="store_true",
        help="only the backlog drains (Udara's, then the formats'): a short run while developing",
    )
    parser.add_argument(
        "--no-nodered",
        dest="nodered",
        action="store_false",
        help="leave out the Node-RED 4 peer run at the end (bench/nodered.py; npm installs "
        "it once under var/)",
    )
    parser.add_argument("--live-readings", type=int, default=50_000)
    parser.add_argument("--live-rounds", type=int, default=3, help="Udara, then Node-RED, each")
    args = parser.parse_args()
    if args.only_drain and args.markdown:
        parser.error("--markdown needs the whole run")

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
    results: dict[str, Any] = {}
    assert mqtt.process is not None and influxd.process is not None
    servers = {"mosquitto": mqtt.process.pid, "influxd": influxd.process.pid}
    try:
        n = args.readings
        print(f"backlog: {n:,} QoS 1 readings from {args.rooms} sensors", flush=True)
        for session in ("bench-bare", "bench-bare-blocks"):
            register_session(mqtt.port, session, "udara/+/+/+/telemetry")
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
        blocks = bare_drain(mqtt.port, "bench-bare-blocks", n, client_class=BufferedClient)
        results["bare_blocks_rate"] = round(blocks)
        print(f"  the same loop on ingest's block-reading client: {blocks:,.0f} msgs/s", flush=True)

        ingest = Ingest(work, ingest_env(base_env, "bench-ingest"), "ingest")
        stored_rate = timed_drain(influx, n, building="bench")
        results["ingest_rate"] = round(stored_rate)
        results["ratio"] = round(stored_rate / bare, 3)
        results["ratio_blocks"] = round(stored_rate / blocks, 3)
        results["lost"] = n - count(influx, "bench")
        print(f"  ingest → InfluxDB (stored, queryable): {stored_rate:,.0f} readings/s", flush=True)
        print(f"  ratio ingest / bare paho loop: {stored_rate / bare:.2f}", flush=True)
        print(f"  ratio ingest / bare block-reading loop: {stored_rate / blocks:.2f}", flush=True)
        print(f"  readings lost: {results['lost']}", flush=True)

        if not args.only_drain:  # latency, alerts, memory
            rate = stored_rate / 2
            print(
                f"latency: live load at {rate:,.0f}/s for {args.latency_seconds:.0f} s", flush=True
            )
            live, sent = latency_phase(mqtt.port, influx, ingest, servers, rate, args)
            wait_until(lambda: count(influx, "bench") >= n + sent, 120, "live readings stored")
            results["live_lost"] = n + sent - count(influx, "bench")
            p50, p99 = live.percentile(0.5), live.percentile(0.99)
            results.update(
                latency_rate=round(rate),
                latency_offered=round(live.offered_rate),
                latency_probes=len(live.probes),
                p50_s=round(p50, 3),
                p99_s=round(p99, 3),
                max_s=round(max(live.probes), 3),
            )
            print(
                f"  offered {live.offered_rate:,.0f}/s; {len(live.probes)} probes: "
                f"p50 {p50:.3f}s p99 {p99:.3f}s max {max(live.probes):.3f}s; "
                f"lost {results['live_lost']}",
                flush=True,
            )
            for name, cores in live.cpu_cores.items():
                results[f"cpu_{name}"] = round(cores, 2)
                print(f"  CPU {name}: {cores:.2f} cores", flush=True)
            alert_s = alert_latency(mqtt.port, db_url)
            results["alert_latency_s"] = round(alert_s, 3)
            print(f"  alert latency (publish → open alert in database): {alert_s:.3f}s")
            results["peak_rss_mb"] = round(ingest.peak_rss_mb, 1)
            results["peak_worker_rss_mb"] = round(ingest.peak_worker_rss_mb, 1)
            print(
                f"  ingest peak RSS: MQTT process {ingest.peak_rss_mb:.0f} MB, "
                f"pipeline worker {ingest.peak_worker_rss_mb:.0f} MB",
                flush=True,
            )
        ingest.stop()

        if args.formats:
            results.update(
                format_drains(
                    mqtt.port,
                    InfluxClient(base_env["UDARA_INFLUX_URL"], FORMATS_DB),
                    lambda name: Ingest(
                        work,
                        dict(ingest_env(base_env, "bench-ingest"), UDARA_INFLUX_DB=FORMATS_DB),
                        name,
                    ),
                    db_url,
                    args.formats.split(","),
                    n,
                    args.rooms,
                    args.format_rounds,
                )
            )
        if not args.only_drain:
            results.update(scale_out(mqtt.port, influx, base_env, work, n // 2, args.rooms))
            print("web: 500-room grid and 30-day chart under gunicorn", flush=True)
            url = base_env["UDARA_INFLUX_URL"]
            results.update(web_timings(work / "web", url, args.web_requests))
        if args.nodered and not args.only_drain:
            print(
                f"live: Udara against Node-RED 4, {args.live_readings:,} readings a round, "
                f"same broker and InfluxDB",
                flush=True,
            )

            results.update(
                faceoff(
                    mqtt.port,
                    base_env["UDARA_INFLUX_URL"],
                    servers,
                    udara_starter(work, base_env, mqtt.port),
                    args.live_readings,
                    args.rooms,
                    args.live_rounds,
                )
            )
    finally:
        mqtt.stop()
        influxd.stop()
    results["machine"] = machine()
    print(json.dumps(results, indent=2))
    if args.markdown:
        write_markdown(args.markdown, results)


# The same load in every mode: four buildings of `rooms / 4` sensors each.
SCALE_MODES: dict[str, list[dict[str, str]]] = {
    "1": [{}],
    "2_share": [{"UDARA_MQTT_SHARED_GROUP": "g2"}] * 2,
    "2_buildings": [{"UDARA_MQTT_BUILDINGS": "{a},{b}"}, {"UDARA_MQTT_BUILDINGS": "{c},{d}"}],
    "4_buildings": [{"UDARA_MQTT_BUILDINGS": f"{{{b}}}"} for b in "abcd"],
}
SCALE_LABELS = {
    "1": "1 ingest process",
    "2_share": "2 ingest processes on $share/…",
    "2_buildings": "2 ingest processes, two buildings each",
    "4_buildings": "4 ingest processes, one building each",
}


def connected(pid: int, port: int) -> bool:
    """Whether process `pid` holds an established TCP connection to 127.0.0.1:`port`."""
    sockets = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                sockets.add(target[8:-1])
    except OSError:
        return False
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state, inode = fields[2], fields[3], fields[9]
        if state == "01" and int(remote.split(":")[1], 16) == port and inode in sockets:
            return True
    return False


def scale_out(
    port: int, influx: InfluxClient, base_env: dict[str, str], work: Path, n: int, rooms: int
) -> dict[str, float]:
    """Live throughput with one ingest process, two sharing `$share/…` subscriptions, two
    taking two buildings each, and four taking one each; the load is four buildings of
    `rooms / 4` sensors. On a 2-core machine that also runs the broker, InfluxDB and the
    publisher the figures stay flat: there is no idle core for another process to use."""
    out: dict[str, float] = {}
    for k, (mode, envs) in enumerate(SCALE_MODES.items()):
        buildings = [f"bench-scale{k}-{b}" for b in "abcd"]
        procs = []
        for j, extra in enumerate(envs):
            names = dict(zip("abcd", buildings, strict=True))
            values = {key: v.format(**names) for key, v in extra.items()}
            env = dict(ingest_env(base_env, f"live-{mode}-{j}"), **values)
            procs.append(Ingest(work, env, f"live-{mode}-{j}"))
        started = time.monotonic()
        # Their client ids have no session yet: what is published before they subscribe is
        # lost to them. They connect once their worker is ready (windows rebuilt from the
        # readings stored so far): 2.6 to 7.1 s in a short run on the shared machine, where
        # a fixed 3 s once waited here (two full runs stored nothing in this phase).
        up = [p.proc.pid for p in procs]
        wait_until(lambda up=up: all(connected(pid, port) for pid in up), 120, "ingest up")
        print(f"  {SCALE_LABELS[mode]}: connected after {time.monotonic() - started:.1f} s")
        time.sleep(0.5)  # subscribed right after the CONNACK
        start = datetime(2026, 9, 1 + k, tzinfo=UTC)
        parts = [make_messages(n // 4, rooms // 4, start, b) for b in buildings]
        messages = [m for group in zip(*parts, strict=True) for m in group]
        publisher = threading.Thread(target=publish_parallel, args=(port, messages))
        publisher.start()
        rate = timed_drain(influx, len(messages), buildings=buildings)
        publisher.join()
        for proc in procs:
            proc.stop()
        lost = len(messages) - count(influx, buildings=buildings)
        out[f"live_rate_{mode}"] = round(rate)
        out[f"live_lost_{mode}"] = lost
        print(f"  live, {SCALE_LABELS[mode]}: {rate:,.0f} readings/s, lost {lost}", flush=True)
    return out


def write_markdown(path: Path, r: dict[str, Any]) -> None:
    """Write the figures as the BENCHMARKS.md results table."""
    rows = [
        ("stored readings/s, backlog drain (target ≥ 10,000)", r["ingest_rate"]),
        ("bare paho loop msgs/s, same backlog", r["bare_rate"]),
        ("ratio ingest / bare paho loop (target ≥ 0.8)", r["ratio"]),
        ("bare loop on ingest's block-reading client, msgs/s", r["bare_blocks_rate"]),
        ("ratio ingest / bare block-reading loop", r["ratio_blocks"]),
        ("readings lost, backlog (target 0)", r["lost"]),
        (
            "live load for latency (target rate / offered, readings/s)",
            f"{r['latency_rate']} / {r['latency_offered']}",
        ),
        ("p50 publish→queryable at half load (s)", r["p50_s"]),
        ("p99 publish→queryable at half load (s, target ≤ 2)", r["p99_s"]),
        ("max publish→queryable at half load (s)", r["max_s"]),
        ("latency probes", r["latency_probes"]),
        ("readings lost, live load (target 0)", r["live_lost"]),
        *[(f"CPU at half load: {k[4:]} (cores)", v) for k, v in r.items() if k.startswith("cpu_")],
        ("alert latency (s)", r["alert_latency_s"]),
        ("ingest peak RSS, MQTT process (MB, target ≤ 200)", r["peak_rss_mb"]),
        ("ingest peak RSS, pipeline worker (MB)", r["peak_worker_rss_mb"]),
        *[
            (f"live readings/s, {label} (lost)", f"{r[f'live_rate_{m}']} ({r[f'live_lost_{m}']})")
            for m, label in SCALE_LABELS.items()
        ],
        *[(f"web {k[4:]}", v) for k, v in r.items() if k.startswith("web_")],
        *format_rows(r),
        *(live_rows(r) if "runs" in r else []),
    ]
    lines = [f"| {name} | {value} |" for name, value in rows]
    path.write_text(
        f"Machine: {r['machine']}; run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        "| figure | value |\n|---|---|\n" + "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    main()
