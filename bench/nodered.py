"""Node-RED 4 as the benchmark's peer: the same QoS 1 telemetry into InfluxDB through the
usual flow (mqtt in → function → join → influxdb batch).

    python -m bench.nodered [--readings 50000] [--rooms 500]

Installs Node-RED 4 and node-red-contrib-influxdb under var/bench-node-red/ (once), starts a
private Mosquitto and InfluxDB 1.x on free ports, and measures:

* live: readings stored per second while N readings are published at QoS 1;
* restart: Node-RED stopped, 1,000 readings published, Node-RED restarted; how many of the
  1,000 reach InfluxDB within 30 s (its mqtt-in has a persistent session: clean session
  off, fixed client id).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.mqtt_tools import publish_chunk
from bench.run import make_messages
from ingest.adapters.influx import InfluxClient
from udara.devservers import free_port, port_open, start_influxdb, start_mosquitto, wait_until

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench-node-red"
RED_JS = CACHE / "node_modules" / "node-red" / "red.js"
INFLUX_NODE = CACHE / "node_modules" / "node-red-contrib-influxdb"
DB = "udara_nodered"
CLIENT_ID = "bench-nodered"
T_LIVE = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)
T_DOWN = datetime(2026, 10, 7, 1, 0, tzinfo=UTC)
DOWN_BUILDING = "nodereddown"
DOWN_READINGS = 1_000
RESTART_WAIT_S = 30

FUNCTION = """
const parts = msg.topic.split("/");
const body = msg.payload;
const fields = {};
for (const [k, v] of Object.entries(body)) {
    if (k !== "ts" && typeof v === "number") fields[k] = v;
}
if (Object.keys(fields).length === 0) return null;
let ts = new Date();
if (typeof body.ts === "number") ts = new Date(body.ts * 1000);
else if (body.ts !== undefined) ts = new Date(body.ts);
msg.payload = {
    measurement: "iaq",
    tags: {building: parts[1], room: parts[2], sensor: parts[3]},
    fields: fields,
    timestamp: ts,
};
return msg;
"""


class SetupError(RuntimeError):
    """Node-RED could not be installed or started."""


def ensure_installed() -> None:
    """npm install Node-RED 4 and node-red-contrib-influxdb into the cache, if missing."""
    if RED_JS.exists() and INFLUX_NODE.exists():
        return
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise SetupError("node and npm are needed (Node.js 20 or later): neither found on PATH")
    CACHE.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(CACHE), "node-red@4", "node-red-contrib-influxdb"]
    print("installing Node-RED: " + " ".join(cmd), flush=True)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as exc:
        raise SetupError("npm install took more than 10 minutes (registry reachable?)") from exc
    if done.returncode != 0 or not RED_JS.exists() or not INFLUX_NODE.exists():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise SetupError(f"npm install failed (exit {done.returncode}):\n{tail}")


def flows(mqtt_port: int, influx_port: int) -> list[dict[str, object]]:
    """mqtt in (QoS 1, persistent session) → function → join → influxdb batch (v1.x)."""
    return [
        {"id": "udara_tab", "type": "tab", "label": "udara bench"},
        {
            "id": "udara_broker",
            "type": "mqtt-broker",
            "name": "bench",
            "broker": "127.0.0.1",
            "port": str(mqtt_port),
            "clientid": CLIENT_ID,
            "autoConnect": True,
            "usetls": False,
            "protocolVersion": "4",
            "keepalive": "60",
            "cleansession": False,
            "autoUnsubscribe": False,
        },
        {
            "id": "udara_influx",
            "type": "influxdb",
            "hostname": "127.0.0.1",
            "port": str(influx_port),
            "protocol": "http",
            "database": DB,
            "name": "bench",
            "usetls": False,
            "influxdbVersion": "1.x",
        },
        {
            "id": "udara_in",
            "type": "mqtt in",
            "z": "udara_tab",
            "topic": "udara/+/+/+/telemetry",
            "qos": "1",
            "datatype": "json",
            "broker": "udara_broker",
            "nl": False,
            "rap": True,
            "rh": 0,
            "inputs": 0,
            "wires": [["udara_fn"]],
        },
        {
            "id": "udara_fn",
            "type": "function",
            "z": "udara_tab",
            "func": FUNCTION,
            "outputs": 1,
            "wires": [["udara_join"]],
        },
        {
            "id": "udara_join",
            "type": "join",
            "z": "udara_tab",
            "mode": "custom",
            "build": "array",
            "property": "payload",
            "propertyType": "msg",
            "key": "topic",
            "joiner": "\\n",
            "joinerType": "str",
            "accumulate": False,
            "timeout": "0.25",
            "count": "1000",
            "reduceRight": False,
            "wires": [["udara_out"]],
        },
        {
            "id": "udara_out",
            "type": "influxdb batch",
            "z": "udara_tab",
            "influxdb": "udara_influx",
            "precision": "",
            "retentionPolicy": "",
            "name": "iaq",
            "wires": [],
        },
    ]


class NodeRed:
    """Node-RED on a free port with a private user dir."""

    def __init__(self, user_dir: Path, flow_file: Path) -> None:
        self.user_dir, self.flow_file = user_dir, flow_file
        self.port = free_port()
        self.log = user_dir / "node-red.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = ["node", str(RED_JS), "--port", str(self.port), "--userDir", str(self.user_dir)]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [*cmd, str(self.flow_file)], stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_until(lambda: self._connected_lines() > self._seen, 60, "Node-RED's MQTT client")
        except Exception as exc:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
            raise SetupError(f"Node-RED did not connect to the broker:\n{tail}") from exc
        self._seen = self._connected_lines()
        if self.proc.poll() is not None or not port_open("127.0.0.1", self.port):
            raise SetupError(f"Node-RED exited; see {self.log}")

    _seen = 0

    def _connected_lines(self) -> int:
        if self.proc is not None and self.proc.poll() is not None:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
            raise SetupError(f"Node-RED exited ({self.proc.returncode}):\n{tail}")
        return self.log.read_text(errors="replace").count("Connected to broker")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def count(influx: InfluxClient, building: str | None = None) -> int:
    where = " WHERE building = $b" if building else ""
    try:
        series = influx.query(f'SELECT count("co2") FROM "iaq"{where}', {"b": building or ""})
    except Exception:
        return 0
    return int(series[0]["values"][0][1]) if series else 0


def live_phase(
    influx: InfluxClient, mqtt_port: int, n: int, rooms: int, stall_s: float = 30
) -> dict[str, float | int]:
    """Publish `n` readings while Node-RED runs; stored/s from the first stored to the last."""
    messages = make_messages(n, rooms, T_LIVE, "nodered")
    errors: list[BaseException] = []
    pub = {"s": 0.0}

    def publish() -> None:
        t0 = time.monotonic()
        try:
            publish_chunk(mqtt_port, messages)
        except BaseException as exc:  # reported below
            errors.append(exc)
        pub["s"] = time.monotonic() - t0

    thread = threading.Thread(target=publish, daemon=True)
    start = time.monotonic()
    thread.start()
    first_t = first_n = 0.0
    last_n, last_change = 0, start
    while True:
        stored, now = count(influx, "nodered"), time.monotonic()
        if stored and not first_t:
            first_t, first_n = now, stored
        if stored != last_n:
            last_n, last_change = stored, now
        if stored >= n or now - last_change > stall_s:
            break
        time.sleep(0.05)
    thread.join(120)
    if errors:
        raise RuntimeError(f"publisher failed: {errors[0]!r}")
    end = last_change
    return {
        "published": n,
        "stored": last_n,
        "publish_s": round(pub["s"], 2),
        "stored_per_s": round((last_n - first_n) / max(end - first_t, 1e-9)) if first_t else 0,
        "end_to_end_per_s": round(last_n / max(end - start, 1e-9)),
    }


def run(n: int, rooms: int) -> dict[str, float | int]:
    """Everything: install, servers, the live phase and the restart phase."""
    ensure_installed()
    work = Path(tempfile.mkdtemp(prefix="udara-bench-nodered-"))
    user_dir = work / "node-red"
    (user_dir / "node_modules").mkdir(parents=True)
    # Only the InfluxDB nodes in the user dir; its own dependencies resolve from the cache.
    (user_dir / "node_modules" / INFLUX_NODE.name).symlink_to(INFLUX_NODE)
    mqtt = start_mosquitto(work / "mqtt")
    influxd = start_influxdb(work / "influx")
    red: NodeRed | None = None
    try:
        influx = InfluxClient(f"http://127.0.0.1:{influxd.port}", DB)
        influx.create_database()
        flow_file = user_dir / "flows.json"
        flow_file.write_text(json.dumps(flows(mqtt.port, influxd.port), indent=1))
        red = NodeRed(user_dir, flow_file)
        print(f"Node-RED 4 on port {red.port} (log {red.log})", flush=True)
        red.start()
        time.sleep(1)  # subscription after CONNACK
        print(f"live: {n:,} QoS 1 readings from {rooms} sensors", flush=True)
        result = live_phase(influx, mqtt.port, n, rooms)
        time.sleep(1)
        red.stop()
        print(f"restart: {DOWN_READINGS:,} readings while Node-RED is down", flush=True)
        publish_chunk(mqtt.port, make_messages(DOWN_READINGS, 10, T_DOWN, DOWN_BUILDING))
        red.start()
        time.sleep(RESTART_WAIT_S)
        result["down_published"] = DOWN_READINGS
        result["down_stored"] = count(influx, DOWN_BUILDING)
        return result
    finally:
        if red is not None:
            red.stop()
        mqtt.stop()
        influxd.stop()


def table(r: dict[str, float | int]) -> str:
    rows = [
        ("live: readings published (QoS 1)", f"{r['published']:,}"),
        ("live: readings stored", f"{r['stored']:,}"),
        ("live: stored/s (first to last stored)", f"{r['stored_per_s']:,}"),
        ("live: stored/s (from publish start)", f"{r['end_to_end_per_s']:,}"),
        ("live: publish took", f"{r['publish_s']} s"),
        (
            f"restart: published while down, stored {RESTART_WAIT_S} s after restart",
            f"{r['down_stored']:,} of {r['down_published']:,}",
        ),
    ]
    width = max(len(a) for a, _ in rows)
    return "\n".join(f"  {a:<{width}}  {b:>14}" for a, b in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=50_000)
    parser.add_argument("--rooms", type=int, default=500)
    args = parser.parse_args()
    try:
        result = run(args.readings, args.rooms)
    except SetupError as exc:
        sys.exit(f"bench.nodered: {exc}")
    print("Node-RED 4 + node-red-contrib-influxdb (mqtt in → function → join → influxdb batch)")
    print(table(result))


if __name__ == "__main__":
    main()
