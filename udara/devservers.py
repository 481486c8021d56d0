"""Local Mosquitto and InfluxDB 1.x servers from the system packages, for `make run` and tests.

Each server gets its own config and data folders, so tests can run several side by side on
free ports, and `make run` keeps its data under `./var/`.
"""

from __future__ import annotations

import json
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
from typing import Any


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


# --- `make run`, `make services`, `make stop` ---------------------------------------------
#
# Servers started for a developer are detached (their own session: Ctrl-C in the terminal
# does not reach them) and recorded in var/run/NAME.pid (JSON: pid, port, command). Only
# recorded servers are ever stopped, and only while their command line is still the
# recorded one (a recycled pid is left alone); a broker or InfluxDB that was already
# listening is reused and never recorded, so never stopped.

MQTT_PORT, INFLUX_PORT = 1883, 8086


def run_dir(var: Path) -> Path:
    """Where the pid files of the servers Udara started live."""
    return var / "run"


def _record(var: Path, server: ManagedServer) -> int:
    """Write var/run/NAME.pid for a server started here; returns its pid."""
    if server.process is None:
        raise RuntimeError(f"{server.name} was not started")
    run_dir(var).mkdir(parents=True, exist_ok=True)
    record = {"pid": server.process.pid, "port": server.port, "command": server.command}
    (run_dir(var) / f"{server.name}.pid").write_text(json.dumps(record) + "\n")
    return server.process.pid


def _say(text: str) -> None:
    print(text, flush=True)  # noqa: T201


def recorded(var: Path) -> dict[str, dict[str, Any]]:
    """The servers recorded under var/run, by name (unreadable files are skipped)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(run_dir(var).glob("*.pid")):
        try:
            record = json.loads(path.read_text())
            int(record["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        found[path.stem] = record
    return found


def _command_line(pid: int) -> list[str] | None:
    """The running process's argv, None once it is gone (or a zombie)."""
    proc = Path(f"/proc/{pid}")
    if proc.exists():
        try:
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return None
            return (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
        except (OSError, IndexError):
            return None
    try:  # no /proc (macOS)
        out = subprocess.run(
            ["ps", "-o", "stat=,args=", "-p", str(pid)], capture_output=True, text=True
        ).stdout.split()
    except OSError:
        return None
    return None if not out or out[0].startswith("Z") else out[1:]


def is_running(record: dict[str, Any]) -> bool:
    """True while the recorded process runs the recorded command (not a recycled pid)."""
    argv = _command_line(int(record["pid"]))
    if argv is None:
        return False
    command = [str(part) for part in record["command"]]
    return argv == command or " ".join(argv) == " ".join(command)


def up(var: Path, mqtt_port: int = MQTT_PORT, influx_port: int = INFLUX_PORT) -> list[str]:
    """Reuse servers already listening, start the missing ones under `var`.

    Returns the names of the servers started now (each recorded in var/run/NAME.pid).
    """
    var = var.resolve()  # absolute paths in the servers' command lines and records
    started: list[str] = []
    records = recorded(var)
    wanted = (
        ("mosquitto", mqtt_port, lambda: port_open("127.0.0.1", mqtt_port)),
        ("influxd", influx_port, lambda: influx_ready(influx_port)),
    )
    try:
        for name, port, listening in wanted:
            record = records.get(name)
            if record is not None and is_running(record):
                _say(
                    f"{name}: already running on 127.0.0.1:{record['port']} "
                    f"(pid {record['pid']}, started earlier here; `make stop` stops it)"
                )
                continue
            (run_dir(var) / f"{name}.pid").unlink(missing_ok=True)  # a stale record
            if listening():
                _say(f"{name}: reusing the server on 127.0.0.1:{port} (never stopped by Udara)")
                continue
            if name == "mosquitto":
                server = start_mosquitto(var / "mosquitto", port, detach=True)
            else:
                server = start_influxdb(var / "influxdb", port, detach=True)
            pid = _record(var, server)
            started.append(name)
            _say(f"{name}: started on 127.0.0.1:{port} (pid {pid}), data in {server.workdir}")
    except BaseException:  # one did not start (or Ctrl-C): leave nothing half up
        down(var, started)
        raise
    return started


def down(var: Path, names: list[str] | None = None, timeout: float = 30) -> list[str]:
    """Stop the recorded servers (all, or those in `names`); returns the names stopped.

    SIGTERM, then SIGKILL after `timeout` seconds. Stale records are removed; servers that
    were reused, not started, have no record and are never touched.
    """
    var = var.resolve()
    stopped: list[str] = []
    for name, record in recorded(var).items():
        if names is not None and name not in names:
            continue
        pid = int(record["pid"])
        if is_running(record):
            _terminate(pid, record, timeout)
            stopped.append(name)
            _say(f"{name}: stopped (pid {pid})")
        (run_dir(var) / f"{name}.pid").unlink(missing_ok=True)
    return stopped


def _terminate(pid: int, record: dict[str, Any], timeout: float) -> None:
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not is_running(record):
                return
            time.sleep(0.05)


def run_with_services(
    var: Path, command: list[str], mqtt_port: int = MQTT_PORT, influx_port: int = INFLUX_PORT
) -> int:
    """Start the missing servers, run `command`, then stop the servers started here.

    Ctrl-C reaches the command straight from the terminal (same process group), so this
    process only waits for the command to finish; SIGTERM and SIGHUP are passed on to it.
    Whatever ends the command, the servers started here are stopped; reused ones and those
    started earlier (`make services`) keep running.
    """
    started = up(var, mqtt_port, influx_port)
    child: subprocess.Popen[bytes] | None = None

    def pass_on(signum: int, _frame: object) -> None:
        if child is not None and child.poll() is None and signum != signal.SIGINT:
            child.send_signal(signal.SIGTERM)

    # Handlers, not SIG_IGN: an ignored SIGINT would be inherited by the command.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, pass_on)
    try:
        child = subprocess.Popen(command)
        return child.wait()
    finally:
        down(var, started)


def main(argv: list[str] | None = None) -> int:
    """`python -m udara.devservers [up|down|run] VAR [--mqtt-port N] [--influx-port N] [-- CMD]`."""
    import argparse

    args = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in args:
        command = args[args.index("--") + 1 :]
        args = args[: args.index("--")]
    if args and args[0] not in ("up", "down", "run"):
        args.insert(0, "up")  # `python -m udara.devservers var`, as before
    parser = argparse.ArgumentParser(prog="python -m udara.devservers")
    parser.add_argument("action", choices=["up", "down", "run"], nargs="?", default="up")
    parser.add_argument("var", nargs="?", default="var", type=Path)
    parser.add_argument("--mqtt-port", type=int, default=MQTT_PORT)
    parser.add_argument("--influx-port", type=int, default=INFLUX_PORT)
    options = parser.parse_args(args)
    if options.action == "up":
        up(options.var, options.mqtt_port, options.influx_port)
        return 0
    if options.action == "down":
        if not down(options.var):
            _say("nothing to stop: no server started by Udara is running")
        return 0
    if not command:
        parser.error("run needs a command after --")
    return run_with_services(options.var, command, options.mqtt_port, options.influx_port)


if __name__ == "__main__":
    sys.exit(main())
