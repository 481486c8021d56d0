"""`make services` / `make run` / `make stop`: Udara stops the servers it started, and only those.

Everything runs as the Makefile runs it, `python -m udara.devservers …` in its own process,
with a private var folder and free ports; the session's Mosquitto and InfluxDB play servers
that were already running, which must survive every stop.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from udara.devservers import (
    ManagedServer,
    free_port,
    influx_ready,
    is_running,
    port_open,
    recorded,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def devservers(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m udara.devservers ARGS` as `make` does; fail on a non-zero exit."""
    done = subprocess.run(
        [sys.executable, "-m", "udara.devservers", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def gone(record: dict[str, Any], timeout: float = 30) -> bool:
    """True once the recorded process has exited (within `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while is_running(record):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def still_serving(mosquitto: ManagedServer, influxdb: ManagedServer) -> bool:
    """The pre-existing servers are alive and answer."""
    assert mosquitto.process is not None and influxdb.process is not None
    return (
        mosquitto.process.poll() is None
        and influxdb.process.poll() is None
        and port_open("127.0.0.1", mosquitto.port)
        and influx_ready(influxdb.port)
    )


def test_up_then_down_stops_the_servers_it_started(tmp_path: Path) -> None:
    var = tmp_path / "var"
    mqtt_port, influx_port = free_port(), free_port()
    ports = ("--mqtt-port", str(mqtt_port), "--influx-port", str(influx_port))
    out = devservers("up", str(var), *ports).stdout
    assert f"mosquitto: started on 127.0.0.1:{mqtt_port}" in out
    assert f"influxd: started on 127.0.0.1:{influx_port}" in out
    records = recorded(var)
    assert sorted(records) == ["influxd", "mosquitto"]
    assert sorted(p.name for p in (var / "run").iterdir()) == ["influxd.pid", "mosquitto.pid"]
    assert all(is_running(r) for r in records.values())
    assert port_open("127.0.0.1", mqtt_port) and influx_ready(influx_port)

    again = devservers("up", str(var), *ports).stdout  # a second `make services`
    assert "already running" in again and "started on" not in again

    out = devservers("down", str(var)).stdout
    assert "mosquitto: stopped" in out and "influxd: stopped" in out
    assert all(gone(r) for r in records.values())
    assert not port_open("127.0.0.1", mqtt_port) and not influx_ready(influx_port)
    assert list((var / "run").iterdir()) == []
    assert "nothing to stop" in devservers("down", str(var)).stdout


def test_servers_already_listening_are_reused_and_never_stopped(
    tmp_path: Path, mosquitto: ManagedServer, influxdb: ManagedServer
) -> None:
    var = tmp_path / "var"
    ports = ("--mqtt-port", str(mosquitto.port), "--influx-port", str(influxdb.port))
    out = devservers("up", str(var), *ports).stdout
    assert f"mosquitto: reusing the server on 127.0.0.1:{mosquitto.port}" in out
    assert f"influxd: reusing the server on 127.0.0.1:{influxdb.port}" in out
    assert recorded(var) == {}
    assert "nothing to stop" in devservers("down", str(var)).stdout
    assert still_serving(mosquitto, influxdb)


def test_run_stops_on_ctrl_c_what_it_started_and_leaves_a_reused_server(
    tmp_path: Path, mosquitto: ManagedServer, influxdb: ManagedServer
) -> None:
    """`make run`: Ctrl-C reaches the whole foreground process group."""
    var = tmp_path / "var"
    mqtt_port = free_port()  # started by the run
    ports = ("--mqtt-port", str(mqtt_port), "--influx-port", str(influxdb.port))  # reused
    command = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *_: sys.exit(0))\n"
        "print('command up', flush=True)\n"
        "time.sleep(600)\n"
    )
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "udara.devservers", "run", str(var), *ports]
            + ["--", sys.executable, "-c", command],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
    try:
        deadline = time.monotonic() + 60
        while "command up" not in log.read_text():
            assert run.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        [mosquitto_record] = recorded(var).values()
        assert is_running(mosquitto_record)
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C
        assert run.wait(60) == 0, log.read_text()
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    text = log.read_text()
    assert f"influxd: reusing the server on 127.0.0.1:{influxdb.port}" in text
    assert "mosquitto: stopped" in text
    assert "influxd: stopped" not in text
    assert gone(mosquitto_record)
    assert not port_open("127.0.0.1", mqtt_port)
    assert recorded(var) == {}
    assert still_serving(mosquitto, influxdb)


def test_a_recorded_pid_now_running_something_else_is_left_alone(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "run").mkdir(parents=True)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record = {"pid": other.pid, "port": 1, "command": ["/usr/bin/influxd", "-config", "x"]}
        (var / "run" / "influxd.pid").write_text(json.dumps(record))
        assert "nothing to stop" in devservers("down", str(var)).stdout
        assert other.poll() is None  # a recycled pid: not ours, not touched
        assert recorded(var) == {}  # the stale record is gone
    finally:
        other.kill()
        other.wait()


def test_make_help_lists_stop_and_every_target_has_a_description() -> None:
    rules = re.findall(r"^([a-zA-Z_-]+):(?!=)(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert [target for target, rest in rules if "## " not in rest] == []
    shown = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert {line.split()[1] for line in shown.splitlines()} == {target for target, _ in rules}
    assert "stop" in {target for target, _ in rules}
