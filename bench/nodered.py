"""Node-RED 4 as the benchmark's peer: the same QoS 1 telemetry into InfluxDB through the
usual flow (mqtt in → function → join → influxdb batch).

Installs Node-RED 4 and node-red-contrib-influxdb under var/bench-node-red/ (once) and runs
it on a free port with a private user dir; `bench.live` feeds it the same stream as Udara on
the same broker and InfluxDB, and measures its restart (clean session off, fixed client id:
what was published while it was down is delivered when it comes back).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

from udara.devservers import free_port, port_open, wait_until

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench-node-red"
RED_JS = CACHE / "node_modules" / "node-red" / "red.js"
INFLUX_NODE = CACHE / "node_modules" / "node-red-contrib-influxdb"
DB = "udara_nodered"
CLIENT_ID = "bench-nodered"

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


def flows(
    mqtt_port: int, influx_port: int, db: str = DB, topic: str = "udara/+/+/+/telemetry"
) -> list[dict[str, object]]:
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
            "database": db,
            "name": "bench",
            "usetls": False,
            "influxdbVersion": "1.x",
        },
        {
            "id": "udara_in",
            "type": "mqtt in",
            "z": "udara_tab",
            "topic": topic,
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
