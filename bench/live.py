"""Live rate, Udara against Node-RED, on the same broker and InfluxDB in the same run.

Both consumers start once and are warmed up with a short stream. Each round then publishes
the same stream (N QoS 1 readings from `rooms` sensors, two publisher processes, every PUBACK
awaited) first to one Udara ingest process, then to Node-RED 4's flow (mqtt in → function →
join → influxdb batch), alternating so that both see the same machine. Each consumer takes
only its own building's topics, so neither sees the other's stream and the broker queues
nothing for the one that is idle.

Two rates per run, both counted by polling InfluxDB:

* **end to end**: readings stored per second from the first publish to the last reading
  stored, the time a user waits for a burst to be queryable;
* **first to last stored**: from the first reading InfluxDB returns to the last, which
  leaves out whatever a consumer did before its first write.

The CPU each process used over the round (from /proc) is reported per reading, so the gap
between the two is visible where it is spent.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.latency import cpu_seconds, descendants
from bench.mqtt_tools import publish_chunk, publish_parallel
from ingest.adapters.influx import InfluxClient
from udara.devservers import wait_until

UDARA_BUILDING = "live-udara"
NODERED_BUILDING = "live-nodered"
NODERED_DB = "bench_nodered"
# Udara's rounds write to a fresh database too: InfluxDB's cost per point grows with what a
# database already holds, and the bench database holds the earlier phases' readings.
UDARA_DB = "bench_live"
T_LIVE = datetime(2026, 10, 10, 1, 0, tzinfo=UTC)
DOWN_READINGS = 1_000
# How often InfluxDB is asked for the count. A count reads every point stored so far: asked
# every 20 ms it took InfluxDB 25-45 µs of CPU a reading (the writes themselves cost 6-9),
# half a core taken from the consumer it measures, and more from the slower one. Every 0.1 s
# costs a fifth of that and puts an end time at most 0.1 s late (≤ 3 % of a 3-second round).
POLL_S = 0.1
RESTART_WAIT_S = 30


@dataclass
class LiveRun:
    """One consumer's figures for one round."""

    consumer: str
    published: int
    stored: int
    publish_s: float
    end_to_end_per_s: float
    first_to_last_per_s: float
    first_stored_after_s: float  # from the first publish to the first reading InfluxDB returns
    cpu_us: dict[str, float]  # CPU µs per stored reading, by process group


def _count(influx: InfluxClient, building: str, since: datetime) -> int:
    query = 'SELECT count("co2") FROM "iaq" WHERE "building" = $b AND time >= $t'
    try:
        series = influx.query(query, {"b": building, "t": since.isoformat()})
    except Exception:  # not yet created, or busy: ask again
        return 0
    return int(series[0]["values"][0][1]) if series else 0


def stream(n: int, rooms: int, start: datetime, building: str) -> list[tuple[str, bytes]]:
    """The round's readings (bench.run.make_messages, imported late: run imports us)."""
    from bench.run import make_messages

    return make_messages(n, rooms, start, building)


def timed_live(
    consumer: str,
    influx: InfluxClient,
    mqtt_port: int,
    messages: list[tuple[str, bytes]],
    building: str,
    since: datetime,
    cpu_groups: dict[str, list[int]],
    stall_s: float = 30,
) -> LiveRun:
    """Publish `messages` and time them into InfluxDB; CPU of each group over the round."""
    n = len(messages)
    errors: list[BaseException] = []
    pub = {"s": 0.0}

    def publish() -> None:
        try:
            pub["s"] = publish_parallel(mqtt_port, messages)
        except BaseException as exc:  # reported below
            errors.append(exc)

    before = {name: sum(cpu_seconds(p) for p in pids) for name, pids in cpu_groups.items()}
    thread = threading.Thread(target=publish, daemon=True)
    start = time.monotonic()
    thread.start()
    first_t, first_n = 0.0, 0
    last_n, last_change = 0, start
    while True:
        stored, now = _count(influx, building, since), time.monotonic()
        if stored and not first_t:
            first_t, first_n = now, stored
        if stored != last_n:
            last_n, last_change = stored, now
        if stored >= n or now - last_change > stall_s:
            break
        time.sleep(POLL_S)
    thread.join(120)
    if errors:
        raise RuntimeError(f"publisher failed: {errors[0]!r}")
    after = {name: sum(cpu_seconds(p) for p in pids) for name, pids in cpu_groups.items()}
    end = last_change
    per = max(last_n, 1)
    return LiveRun(
        consumer=consumer,
        published=n,
        stored=last_n,
        publish_s=round(pub["s"], 2),
        end_to_end_per_s=round(last_n / max(end - start, 1e-9)),
        first_to_last_per_s=round((last_n - first_n) / max(end - first_t, 1e-9)) if first_t else 0,
        first_stored_after_s=round(first_t - start, 2) if first_t else 0.0,
        cpu_us={k: round((after[k] - before[k]) / per * 1e6, 1) for k in cpu_groups},
    )


def faceoff(
    mqtt_port: int,
    influx_url: str,
    servers: dict[str, int],
    start_udara: Callable[[str, str], Any],
    n: int,
    rooms: int,
    rounds: int = 3,
) -> dict[str, object]:
    """`rounds` × (Udara, then Node-RED) on the same servers; then Node-RED's restart test.

    `start_udara(building, client_id)` starts one ingest process taking only `building`,
    writing to `UDARA_DB`, and returns it once connected (an object with `.proc` and
    `.stop()`).
    """
    from bench import nodered  # Node.js side; imports bench.run

    nodered.ensure_installed()
    work = Path(tempfile.mkdtemp(prefix="udara-bench-live-"))
    user_dir = work / "node-red"
    (user_dir / "node_modules").mkdir(parents=True)
    (user_dir / "node_modules" / nodered.INFLUX_NODE.name).symlink_to(nodered.INFLUX_NODE)
    red_influx = InfluxClient(influx_url, NODERED_DB)
    red_influx.create_database()
    udara_influx = InfluxClient(influx_url, UDARA_DB)
    udara_influx.create_database()
    flow_file = user_dir / "flows.json"
    topic = f"udara/{NODERED_BUILDING}/+/+/telemetry"
    port = int(influx_url.rsplit(":", 1)[1])
    flow_file.write_text(json.dumps(nodered.flows(mqtt_port, port, NODERED_DB, topic), indent=1))
    red = nodered.NodeRed(user_dir, flow_file)
    runs: list[LiveRun] = []
    out: dict[str, object] = {}
    ingest = None
    try:
        red.start()
        time.sleep(1)  # subscription after CONNACK
        assert red.proc is not None
        # Both run through every round, as in production; a warm-up stream first (ten
        # readings a sensor, not measured) so that neither pays a one-off in a round: Udara
        # registering its 500 new rooms, Node-RED's JIT compiling its flow.
        ingest = start_udara(UDARA_BUILDING, "bench-live")
        warm = T_LIVE - timedelta(days=1)
        for building, client in ((UDARA_BUILDING, udara_influx), (NODERED_BUILDING, red_influx)):
            publish_parallel(mqtt_port, stream(10 * rooms, rooms, warm, building))
            wait_until(lambda b=building, c=client: _count(c, b, warm) >= 10 * rooms, 60, "warm-up")
        udara_groups = dict(
            {name: [pid] for name, pid in servers.items()}, udara=descendants(ingest.proc.pid)
        )
        red_groups = dict({name: [pid] for name, pid in servers.items()}, nodered=[red.proc.pid])
        for k in range(rounds):
            since = T_LIVE + timedelta(days=k)
            messages = stream(n, rooms, since, UDARA_BUILDING)
            run = timed_live(
                "udara", udara_influx, mqtt_port, messages, UDARA_BUILDING, since, udara_groups
            )
            runs.append(run)
            print(f"  round {k + 1}, {_line(run)}", flush=True)

            messages = stream(n, rooms, since, NODERED_BUILDING)
            run = timed_live(
                "nodered", red_influx, mqtt_port, messages, NODERED_BUILDING, since, red_groups
            )
            runs.append(run)
            print(f"  round {k + 1}, {_line(run)}", flush=True)
        ingest.stop()
        ingest = None
        time.sleep(1)
        red.stop()
        down_since = T_LIVE + timedelta(days=rounds + 1)
        print(f"  Node-RED restart: {DOWN_READINGS:,} readings while it is down", flush=True)
        publish_chunk(mqtt_port, stream(DOWN_READINGS, 10, down_since, NODERED_BUILDING))
        red.start()
        time.sleep(RESTART_WAIT_S)
        out["nodered_down_stored"] = _count(red_influx, NODERED_BUILDING, down_since)
        out["nodered_down_published"] = DOWN_READINGS
    finally:
        if ingest is not None:
            ingest.stop()
        red.stop()
    out["runs"] = [asdict(r) for r in runs]
    for consumer in ("udara", "nodered"):
        mine = [r for r in runs if r.consumer == consumer]
        out[f"{consumer}_end_to_end"] = _median([r.end_to_end_per_s for r in mine])
        out[f"{consumer}_first_to_last"] = _median([r.first_to_last_per_s for r in mine])
        out[f"{consumer}_lost"] = sum(r.published - r.stored for r in mine)
    return out


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _line(run: LiveRun) -> str:
    cpu = ", ".join(f"{k} {v:.0f}" for k, v in run.cpu_us.items())
    return (
        f"{run.consumer}: {run.stored:,}/{run.published:,} stored; end to end "
        f"{run.end_to_end_per_s:,.0f}/s, first to last stored {run.first_to_last_per_s:,.0f}/s "
        f"(publish {run.publish_s} s, first stored after {run.first_stored_after_s} s); "
        f"CPU µs a reading: {cpu}"
    )


def markdown_rows(r: Mapping[str, Any]) -> list[tuple[str, object]]:
    """Rows for BENCHMARKS.md's table."""
    runs: list[dict[str, Any]] = r.get("runs") or []
    rows: list[tuple[str, object]] = [
        (
            "live, end to end (publish start → last stored): Udara; Node-RED (median of rounds)",
            f"{r['udara_end_to_end']:,.0f}; {r['nodered_end_to_end']:,.0f} /s",
        ),
        (
            "live, first to last stored: Udara; Node-RED (median of rounds)",
            f"{r['udara_first_to_last']:,.0f}; {r['nodered_first_to_last']:,.0f} /s",
        ),
        ("live, lost: Udara; Node-RED", f"{r['udara_lost']}; {r['nodered_lost']}"),
        (
            "Node-RED: published while it was down, stored 30 s after restart",
            f"{r['nodered_down_stored']} of {r['nodered_down_published']}",
        ),
    ]
    for k, run in enumerate(runs):
        cpu = ", ".join(f"{name} {v:.0f}" for name, v in run["cpu_us"].items())
        rows.append(
            (
                f"live round {k // 2 + 1}, {run['consumer']}: end to end; first to last; "
                "first stored after; CPU µs a reading",
                f"{run['end_to_end_per_s']:,.0f}/s; {run['first_to_last_per_s']:,.0f}/s; "
                f"{run['first_stored_after_s']} s; {cpu}",
            )
        )
    return rows


def udara_starter(
    work: Path, base_env: dict[str, str], mqtt_port: int
) -> Callable[[str, str], Any]:
    """`start_udara` for `faceoff`: one `udara ingest` taking one building, once connected."""
    from bench.run import Ingest, connected, ingest_env

    def start_udara(building: str, client_id: str) -> Ingest:
        env = dict(
            ingest_env(base_env, client_id), UDARA_MQTT_BUILDINGS=building, UDARA_INFLUX_DB=UDARA_DB
        )
        proc = Ingest(work, env, client_id)
        pid = proc.proc.pid
        wait_until(lambda: connected(pid, mqtt_port), 120, "ingest up")
        time.sleep(0.5)  # subscribed right after the CONNACK
        return proc

    return start_udara


def main() -> None:
    """Only this phase, on servers of its own: `python -m bench.live` while developing."""
    import argparse
    import os

    from udara.db import upgrade_database
    from udara.devservers import start_influxdb, start_mosquitto

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=50_000)
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="udara-bench-live-"))
    mqtt = start_mosquitto(work / "mqtt")
    influxd = start_influxdb(work / "influx")
    db_url = f"sqlite:///{work / 'udara.db'}"
    upgrade_database(db_url)
    url = f"http://127.0.0.1:{influxd.port}"
    base_env = dict(
        os.environ,
        UDARA_MQTT_URL=f"mqtt://127.0.0.1:{mqtt.port}",
        UDARA_INFLUX_URL=url,
        UDARA_INFLUX_DB="bench",
        UDARA_DATABASE_URL=db_url,
        UDARA_LOG_LEVEL="WARNING",
    )
    InfluxClient(url, "bench").create_database()
    assert mqtt.process is not None and influxd.process is not None
    servers = {"mosquitto": mqtt.process.pid, "influxd": influxd.process.pid}

    start_udara = udara_starter(work, base_env, mqtt.port)
    try:
        result = faceoff(
            mqtt.port, url, servers, start_udara, args.readings, args.rooms, args.rounds
        )
    finally:
        mqtt.stop()
        influxd.stop()
    for row in markdown_rows(result):
        print(f"  {row[0]}: {row[1]}")


if __name__ == "__main__":
    main()
