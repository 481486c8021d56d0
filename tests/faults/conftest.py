"""Fixtures of the fault suite: servers each test may break, and ingest processes it owns.

Every test that stops, kills or floods something gets its own Mosquitto (and InfluxDB when
it stops it), so nothing else in the session sees the fault, and no persistent session of
another test queues its messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.harness import FIGURES, IngestProcess, IngestSetup
from udara.devservers import ManagedServer, start_influxdb, start_mosquitto

# What deploy/mosquitto/mosquitto.conf sets beyond the test defaults. (For ingest's MQTT 5
# session its Receive Maximum, 20,000, overrides max_inflight_messages: the broker queues
# only what lies beyond that.)
PRODUCTION_LIMITS = "max_inflight_messages 1000\nmax_packet_size 262144"


@pytest.fixture
def own_mosquitto(tmp_path: Path) -> Iterator[ManagedServer]:
    """A Mosquitto only this test uses: persistence on, the deployment's queue limits."""
    server = start_mosquitto(tmp_path / "mosquitto", extra=PRODUCTION_LIMITS)
    yield server
    server.stop()


@pytest.fixture
def own_influxdb(tmp_path: Path) -> Iterator[ManagedServer]:
    """An InfluxDB 1.x only this test uses (and may stop)."""
    server = start_influxdb(tmp_path / "influxdb")
    yield server
    server.stop()


IngestFactory = Callable[..., IngestProcess]


@pytest.fixture
def ingest_processes(tmp_path: Path) -> Iterator[IngestFactory]:
    """Make `udara ingest` processes for a setup; all are stopped at the end of the test."""
    made: list[IngestProcess] = []

    def make(setup: IngestSetup, name: str = "ingest", register: bool = True) -> IngestProcess:
        if register:
            setup.register()
        process = IngestProcess(setup.env(), tmp_path / name, name)
        made.append(process)
        return process

    yield make
    for process in made:
        process.stop(timeout=30)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the fault tests recorded (stored, rejected, durations)."""
    if not FIGURES:
        return
    terminalreporter.section("fault suite figures")
    for test, text in FIGURES:
        terminalreporter.write_line(f"{test}: {text}")
