"""Local Mosquitto and InfluxDB 1.x servers from the system packages, for `make run` and tests.

Each server gets its own config and data folders, so tests can run several side by side on
free ports, and `make run` keeps its data under `./var/`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate: object, timeout: float, what: str) -> None:
    """Poll `predicate()` until it is true or raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


@dataclass
class ManagedServer:
    """A server process this module started; `stop()` ends it."""

    name: str
    command: list[str]
    workdir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.workdir / f"{self.name}.log"

    def start(self, detach: bool = False) -> None:
        """Start the process, logging to a file in its folder."""
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=detach
            )
        (self.workdir / f"{self.name}.pid").write_text(str(self.process.pid))

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        """Stop the process (SIGTERM, then SIGKILL if it lingers)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the process, as a crash would."""
        self.stop(signal.SIGKILL)


def mosquitto_config(
    workdir: Path, port: int, *, extra: str = "", persistence: bool = True
) -> Path:
    """Write a Mosquitto config for a test or local broker with raised queue limits."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "mosquitto.conf"
    lines = [
        "user root" if os.geteuid() == 0 else "",
        f"listener {port} 127.0.0.1",
        "allow_anonymous true" if "allow_anonymous" not in extra else "",
        f"persistence {'true' if persistence else 'false'}",
        f"persistence_location {workdir}/",
        "autosave_interval 30",
        # The defaults (1000 queued, 20 in flight) silently drop QoS 1 backlog: raise them.
        "max_queued_messages 2000000",
        "max_queued_bytes 0",
        "max_inflight_messages 0",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        extra,
    ]
    conf.write_text("\n".join(line for line in lines if line) + "\n")
    return conf


def start_mosquitto(
    workdir: Path, port: int | None = None, *, extra: str = "", detach: bool = False
) -> ManagedServer:
    """Start a private Mosquitto on `port` (a free one by default) and wait for it."""
    port = port or free_port()
    conf = mosquitto_config(workdir, port, extra=extra)
    server = ManagedServer("mosquitto", ["mosquitto", "-c", str(conf)], workdir, port)
    server.start(detach=detach)
    wait_until(lambda: port_open("127.0.0.1", port), 15, f"mosquitto on {port}")
    return server


def influx_config(workdir: Path, http_port: int, rpc_port: int) -> Path:
    """Write an InfluxDB 1.x config keeping everything under `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "influxdb.conf"
    conf.write_text(
        f"""reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{workdir}/meta"

[data]
  dir = "{workdir}/data"
  wal-dir = "{workdir}/wal"
  query-log-enabled = false
  cache-max-memory-size = "256m"
  wal-fsync-delay = "0s"

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
  max-body-size = 0

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = false

[logging]
  level = "warn"
"""
    )
    return conf


def influx_ready(port: int) -> bool:
    """True when InfluxDB answers /ping on the port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as resp:  # noqa: S310
            return bool(resp.status == 204)
    except (urllib.error.URLError, OSError):
        return False


def start_influxdb(
    workdir: Path, port: int | None = None, *, detach: bool = False
) -> ManagedServer:
    """Start a private InfluxDB 1.x on `port` (a free one by default) and wait for it."""
    port = port or free_port()
    conf = influx_config(workdir, port, free_port())
    influxd = shutil.which("influxd") or "/usr/bin/influxd"
    server = ManagedServer("influxd", [influxd, "-config", str(conf)], workdir, port)
    server.start(detach=detach)
    wait_until(lambda: influx_ready(port), 60, f"influxd on {port}")
    return server


def up(var: Path, mqtt_port: int = 1883, influx_port: int = 8086) -> None:
    """For `make run`: reuse servers already listening, start the missing ones under `var`."""
    if port_open("127.0.0.1", mqtt_port):
        print(f"mosquitto: reusing the broker on 127.0.0.1:{mqtt_port}")  # noqa: T201
    else:
        start_mosquitto(var / "mosquitto", mqtt_port, detach=True)
        print(f"mosquitto: started on 127.0.0.1:{mqtt_port}, data in {var}/mosquitto")  # noqa: T201
    if influx_ready(influx_port):
        print(f"influxdb: reusing the server on 127.0.0.1:{influx_port}")  # noqa: T201
    else:
        start_influxdb(var / "influxdb", influx_port, detach=True)
        print(f"influxdb: started on 127.0.0.1:{influx_port}, data in {var}/influxdb")  # noqa: T201


if __name__ == "__main__":
    up(Path(sys.argv[1] if len(sys.argv) > 1 else "var"))
