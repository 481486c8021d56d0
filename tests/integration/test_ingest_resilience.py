"""Nothing lost: ingest killed mid-stream, InfluxDB stopped mid-stream, redelivery harmless."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.adapters.influx import InfluxClient
from ingest.adapters.mqtt import register_session
from ingest.domain.model import SensorRef, telemetry_payload
from ingest.service import subscriptions
from tests.support.ingest_env import (
    ingest_env,
    start_ingest_process,
    stored_count,
    unique_client_id,
    wait_for,
)
from tests.support.publish import publish_all
from udara.devservers import ManagedServer, start_influxdb
from udara.settings import MqttTarget

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)


def _stream(sensor: SensorRef, start: int, n: int) -> list[tuple[str, bytes]]:
    return [
        (
            sensor.topic(),
            telemetry_payload(
                {"co2": 500.0 + i % 100, "humidity": 55.0}, T0 + timedelta(seconds=i)
            ),
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def own_influxdb(tmp_path: Path) -> Iterator[ManagedServer]:
    """An InfluxDB this test may stop and start."""
    server = start_influxdb(tmp_path / "influx")
    yield server
    server.stop()


def test_ingest_killed_mid_stream_and_restarted_loses_no_reading(
    mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    env = ingest_env(mosquitto.port, influxdb.port, influx_db_name, sqlite_url, unique_client_id())
    target = MqttTarget(env["UDARA_MQTT_URL"])
    influx = InfluxClient(env["UDARA_INFLUX_URL"], influx_db_name)
    sensor = SensorRef("menara-b", "lt1-lobby", "s1")
    total, after_kill = 6_000, 2_000
    # The session and its subscriptions first. Ingest creates its database at the start of
    # the worker's prepare, before windows are rebuilt, the worker is ready and the MQTT
    # process subscribes: a reading published in between matched no subscription and the
    # broker dropped it (the first 288-485 readings, in 5 of 80 runs on a loaded machine).
    register_session(target, env["UDARA_MQTT_CLIENT_ID"], subscriptions(None))

    first = start_ingest_process(env, tmp_path / "ingest1.log")
    try:
        wait_for(lambda: influx.ping() and _db_exists(influx), 30, "ingest to create its database")
        first_part = _stream(sensor, 0, total - after_kill)
        publisher = threading.Thread(target=publish_all, args=(target, first_part))
        publisher.start()
        wait_for(lambda: stored_count(influx) > 500, 30, "ingest to store part of the stream")
        # Only the MQTT process: its orphaned worker writes the batch it holds (up to ~2,500
        # readings, measured) but can acknowledge nothing, then exits.
        orphans = _children(first.pid)
        assert orphans, "no worker process of ingest found"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = stored_count(influx)
        publisher.join(60)
        assert not publisher.is_alive()
        # The rest of the stream goes to the broker while no ingest runs, so the kill lands
        # mid-stream however fast ingest is: with the whole stream published while it ran, the
        # first ingest and its orphan had sometimes stored all of it by the kill (1 run in 30).
        publish_all(target, _stream(sensor, total - after_kill, after_kill))
    finally:
        first.kill()

    second = start_ingest_process(env, tmp_path / "ingest2.log")
    try:
        try:
            wait_for(
                lambda: stored_count(influx) == total, 60, f"all {total} readings after restart"
            )
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\nkilled at {killed_at} stored; "
                + _missing(influx, total)
                + _logs(tmp_path, "ingest1.log", "ingest2.log")
            ) from None
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert stored_count(influx) == total  # redelivered readings overwrote, never doubled
    wait_for(lambda: not any(map(_running, orphans)), 30, "the orphaned worker to exit")


def test_influxdb_stopped_mid_stream_loses_no_reading(
    mosquitto: ManagedServer,
    own_influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    env = ingest_env(
        mosquitto.port, own_influxdb.port, influx_db_name, sqlite_url, unique_client_id()
    )
    target = MqttTarget(env["UDARA_MQTT_URL"])
    influx = InfluxClient(env["UDARA_INFLUX_URL"], influx_db_name)
    sensor = SensorRef("menara-b", "lt2-kantor", "s9")
    # As above: the database exists before ingest subscribes, the session must exist first.
    register_session(target, env["UDARA_MQTT_CLIENT_ID"], subscriptions(None))

    ingest = start_ingest_process(env, tmp_path / "ingest.log")
    try:
        wait_for(lambda: _db_exists(influx), 30, "ingest to create its database")
        publish_all(target, _stream(sensor, 0, 1_000))
        wait_for(lambda: stored_count(influx) == 1_000, 30, "the first 1,000 readings")
        own_influxdb.stop()
        publish_all(target, _stream(sensor, 1_000, 3_000))  # queued while InfluxDB is away
        assert ingest.poll() is None, "ingest must keep running while InfluxDB is down"
        own_influxdb.start()
        wait_for(lambda: stored_count(influx) == 4_000, 90, "every reading after InfluxDB is back")
    finally:
        ingest.send_signal(signal.SIGTERM)
        ingest.wait(30)


def _missing(influx: InfluxClient, total: int) -> str:
    """Which of the stream's readings (second i after T0) InfluxDB lacks, as ranges."""
    start_ms = int(T0.timestamp() * 1000)
    series = influx.query('SELECT "co2" FROM iaq')
    have = {(row[0] - start_ms) // 1000 for s in series for row in s.get("values", [])}
    missing = [i for i in range(total) if i not in have]
    ranges: list[list[int]] = []
    for i in missing:
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    shown = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges[:20])
    return f"{len(have)} stored, {len(missing)} missing: {shown}\n"


def _logs(folder: Path, *names: str) -> str:
    """The ingest logs, to read a failure without rerunning it."""
    return "".join(
        f"--- {name} ---\n{(folder / name).read_text(errors='replace')[-6000:]}\n" for name in names
    )


def _children(pid: int) -> list[int]:
    """The processes `pid` started (Linux): ingest's worker and multiprocessing's tracker."""
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return [int(child) for task in tasks for child in (task / "children").read_text().split()]


def _running(pid: int) -> bool:
    """True while the process exists and is not a zombie (the container may never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _db_exists(influx: InfluxClient) -> bool:
    try:
        series = influx.query("SHOW DATABASES")
    except Exception:
        return False
    return any(row[0] == influx.database for s in series for row in s.get("values", []))
