"""`udara ingest --metrics-port`: a taken port is one clear line, 0 picks a free one."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.ingest_env import ingest_env, unique_client_id, wait_for
from udara.devservers import ManagedServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
METRICS_LINE = re.compile(r"ingest: metrics on http://127\.0\.0\.1:(\d+)/metrics")


def _env(mqtt_port: int, influx_port: int, influx_db: str, database_url: str) -> dict[str, str]:
    env = ingest_env(mqtt_port, influx_port, influx_db, database_url, unique_client_id())
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_a_taken_metrics_port_is_one_line_naming_it_and_the_option(
    sqlite_url: str, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _env(1, 1, "unused", sqlite_url)  # it must stop before connecting anywhere
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "udara.cli", "ingest", "--metrics-port", str(port)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert f"metrics port 127.0.0.1:{port} is already in use" in line
    assert "--metrics-port" in line
    assert "sudah dipakai" in line  # and in Indonesian
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 30  # no worker was started


def test_metrics_port_0_picks_a_free_port_so_a_second_ingest_runs(
    mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    processes: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        for k in range(2):
            log = tmp_path / f"ingest-{k}.log"
            env = _env(mosquitto.port, influxdb.port, influx_db_name, sqlite_url)
            with log.open("ab") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "udara.cli", "ingest", "--metrics-port", "0"],
                    env=env,
                    cwd=tmp_path,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            processes.append((process, log))

        def ports() -> list[int]:
            found = []
            for process, log in processes:
                assert process.poll() is None, log.read_text()
                match = METRICS_LINE.search(log.read_text())
                if match:
                    found.append(int(match.group(1)))
            return found

        wait_for(lambda: len(ports()) == 2, 60, "both ingests to print their metrics port")
        first, second = ports()
        assert first != second
        assert 0 not in (first, second)
        for port in (first, second):
            url = f"http://127.0.0.1:{port}/metrics"

            def scraped(url: str = url) -> bool:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                    return b"udara_ingest_messages_received_total" in response.read()

            wait_for(scraped, 30, f"metrics on {url}")
        for process, log in processes:
            assert process.poll() is None, log.read_text()  # both still running
    finally:
        for process, _log in processes:
            process.terminate()
        for process, log in processes:
            assert process.wait(60) == 0, log.read_text()
