"""A fresh SQLite database, and every Udara process starting on it at the same moment.

Round after round: a new file migrated as `udara db upgrade` does, then two ingests (each a
consumer and a worker process), the scheduler and the web start together and open their
first connections within the same second or two. Every one must come up, none may log
"database is locked" or a traceback, and each must exit as it should when stopped.

(Before WAL mode was set where the file is migrated, the first connection of each process
switched the file to WAL, and two processes doing that in the same millisecond failed,
whatever their busy timeout. A window that narrow is rarely hit by whole processes starting;
tests/integration/test_sqlite_wal.py hits it with processes released by a barrier. This
test checks the real start-up of every process kind around it.)

A round costs about 5 s of CPU (six Python processes start), so rounds overlap: one round
stops while the next starts. UDARA_FAULTS_START_ROUNDS runs more of them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.harness import ROOT, IngestProcess, figure, wait_for
from tests.support.ingest_env import ingest_env, unique_client_id
from udara.db import upgrade_database
from udara.devservers import ManagedServer, free_port

pytestmark = [pytest.mark.faults, pytest.mark.integration]

ROUNDS = int(os.environ.get("UDARA_FAULTS_START_ROUNDS", "12"))
BAD_LINES = ("database is locked", "Traceback", "OperationalError", "raised an exception")


class CliProcess:
    """`udara ARGS` in its own process group, logging to a file."""

    def __init__(self, args: list[str], env: dict[str, str], workdir: Path, name: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = workdir / f"{name}.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "udara.cli", *args],
                env={**env, "PYTHONPATH": str(ROOT)},
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process.poll() is None

    def log(self) -> str:
        """Everything it logged so far."""
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float = 60) -> int:
        """Wait for the exit (SIGKILL the group if it lingers); the exit code."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        return self.process.returncode


def _web_ready(port: int) -> bool:
    """True when the web's /readyz says broker, InfluxDB and database (a query) are fine."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as resp:  # noqa: S310
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _assert_clean(what: str, log: str) -> None:
    bad = [line for line in log.splitlines() if any(b in line for b in BAD_LINES)]
    assert not bad, f"{what} logged {bad[0]!r}\n{log[-3000:]}"


@dataclass
class Round:
    """The processes of one round, all on one fresh SQLite file."""

    number: int
    ingests: list[IngestProcess]
    scheduler: CliProcess
    web: CliProcess
    web_port: int
    started: float

    def logs(self) -> dict[str, str]:
        """Each process's log so far."""
        logs = {p.name: p.log() for p in (self.scheduler, self.web)}
        for ingest in self.ingests:
            logs[ingest.name] = ingest.log_path.read_text(errors="replace")
        return logs

    def up(self) -> bool:
        """True once all are up; fails at once if one exited or logged an error."""
        for name, log in self.logs().items():
            _assert_clean(f"round {self.number}: {name}", log)
        for p in (self.scheduler, self.web):
            assert p.alive(), f"round {self.number}: {p.name} exited\n{p.log()[-3000:]}"
        for i in self.ingests:
            assert i.alive(), f"round {self.number}: {i.name} exited\n{i.log_tail()}"
        return (
            # printed once the worker read the open alerts and the consumer started
            all("ingest: 127.0.0.1:" in i.log_tail() for i in self.ingests)
            and "reconcile: " in self.scheduler.log()  # the first pass, right at start
            and _web_ready(self.web_port)
        )

    def kill(self) -> None:
        """SIGKILL every process group of the round (after a failure)."""
        for p in (self.scheduler, self.web):
            os.killpg(p.process.pid, signal.SIGKILL)
            p.wait()
        for i in self.ingests:
            i.kill()

    def stop_and_check(self) -> None:
        """SIGTERM everything at once (as Ctrl-C does), then check exits and logs."""
        for p in (self.scheduler, self.web):
            p.process.send_signal(signal.SIGTERM)
        for i in self.ingests:
            assert i.process is not None
            i.process.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {p.name: p.wait() for p in (self.scheduler, self.web)}
        for i in self.ingests:
            assert i.process is not None
            try:
                i.process.wait(60)
            except subprocess.TimeoutExpired:
                pass
            codes[i.name] = i.stop()  # sends no second SIGTERM once exited; reaps the worker
        # Werkzeug's development server dies of SIGTERM; the others exit cleanly.
        expected = {"scheduler": 0, "web": -signal.SIGTERM, "ingest-a": 0, "ingest-b": 0}
        assert codes == expected, f"round {self.number}: exit codes {codes}\n{self.logs()}"
        for name, log in self.logs().items():
            _assert_clean(f"round {self.number}: {name}", log)


def _start_round(
    number: int, workdir: Path, mqtt_port: int, influx_port: int, influx_db: str
) -> Round:
    url = f"sqlite:///{workdir / 'var' / 'udara.db'}"
    upgrade_database(url)  # what `udara db upgrade` runs: a fresh, migrated file
    env = ingest_env(mqtt_port, influx_port, influx_db, url, client_id="unused")
    ingests = [
        IngestProcess({**env, "UDARA_MQTT_CLIENT_ID": unique_client_id()}, workdir, name)
        for name in ("ingest-a", "ingest-b")
    ]
    web_port = free_port()
    started = time.monotonic()
    for ingest in ingests:
        ingest.start()  # each with its own free metrics port
    scheduler = CliProcess(["scheduler"], env, workdir, "scheduler")
    web = CliProcess(["web", "--port", str(web_port)], env, workdir, "web")
    return Round(number, ingests, scheduler, web, web_port, started)


def test_ingest_scheduler_web_and_a_second_ingest_start_together_on_a_fresh_sqlite_file(
    own_mosquitto: ManagedServer, influxdb: ManagedServer, influx_db_name: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    start_times: list[float] = []
    stopping: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=2) as stopper:
        for k in range(ROUNDS):
            this = _start_round(
                k, tmp_path / f"round-{k}", own_mosquitto.port, influxdb.port, influx_db_name
            )
            try:
                wait_for(this.up, 60, f"round {k}: every process up", poll=0.2)
            except BaseException:
                this.kill()
                raise
            start_times.append(time.monotonic() - this.started)
            # The next round starts while this one stops (its stop is mostly waiting).
            stopping.append(stopper.submit(this.stop_and_check))
        for future in stopping:
            future.result()
    elapsed = time.monotonic() - started
    figure(
        "sqlite start race",
        f"{ROUNDS} rounds of 2 ingests, scheduler and web starting at once on a fresh SQLite "
        f"file: all up, no lock errors; start {min(start_times):.1f}-{max(start_times):.1f}s, "
        f"{elapsed:.1f}s",
    )
