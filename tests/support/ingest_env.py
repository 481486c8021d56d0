"""Helpers for ingest tests: run `udara ingest` as a real process, count stored readings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.adapters.influx import InfluxClient, quote_ident
from ingest.adapters.mqtt import register_session
from ingest.service import subscriptions
from udara.bootstrap import Container
from udara.settings import Settings


def ingest_env(
    mqtt_port: int, influx_port: int, influx_db: str, database_url: str, client_id: str
) -> dict[str, str]:
    """Environment for a `udara` process pointed at the test servers."""
    env = dict(os.environ)
    env.update(
        UDARA_MQTT_URL=f"mqtt://127.0.0.1:{mqtt_port}",
        UDARA_MQTT_CLIENT_ID=client_id,
        UDARA_INFLUX_URL=f"http://127.0.0.1:{influx_port}",
        UDARA_INFLUX_DB=influx_db,
        UDARA_DATABASE_URL=database_url,
        UDARA_INFLUX_FLUSH_INTERVAL_S="0.1",
    )
    return env


def start_ingest_process(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start `udara ingest` (metrics off, no summary) as a separate process."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "udara.cli", "ingest", "--no-metrics", "--no-summary"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stored_count(influx: InfluxClient, field: str = "co2", where: str = "") -> int:
    """How many readings of `field` InfluxDB holds (0 when the database does not exist yet)."""
    try:
        series = influx.query(f"SELECT count({quote_ident(field)}) FROM iaq {where}")
    except Exception:
        return 0
    if not series:
        return 0
    return int(series[0]["values"][0][1])


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until true; fail the test with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def unique_client_id() -> str:
    """A fresh MQTT client id so tests never share a persistent session."""
    return f"udara-test-{uuid.uuid4().hex[:8]}"


@contextmanager
def running_ingest(
    mqtt_port: int,
    influx_port: int,
    influx_db: str,
    database_url: str,
    prepare: Callable[[Container], None] | None = None,
    **settings: Any,
) -> Iterator[Container]:
    """A composition root against the test servers with its ingest service running in this
    process (flush every 0.1 s); `prepare` runs on the container before ingest starts."""
    container = Container(
        Settings(
            mqtt_url=f"mqtt://127.0.0.1:{mqtt_port}",
            mqtt_client_id=unique_client_id(),
            influx_url=f"http://127.0.0.1:{influx_port}",
            influx_db=influx_db,
            database_url=database_url,
            influx_flush_interval_s=0.1,
            **settings,
        )
    )
    try:
        if prepare is not None:
            prepare(container)
        # The session and its subscriptions first: `connected` is set when the SUBSCRIBE is
        # sent, and a reading published before the broker took it would reach no one.
        mqtt = container.settings.mqtt
        register_session(mqtt, container.settings.mqtt_client_id, subscriptions(None))
        service = container.make_ingest_service()
        service.start()
        try:
            assert service.consumer.connected.wait(10)  # noqa: S101 - a test helper
            yield container
        finally:
            service.stop()
    finally:
        container.close()
