"""End-to-end fixtures: the web app on a free port in a thread, over a seeded database and a
real InfluxDB, and Debian's Chromium driven by Playwright (never `playwright install`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from tests.web.conftest import Seed, make_settings, seed
from tests.web.influx_support import write_readings
from udara.bootstrap import Container
from udara.db import upgrade_database
from udara.devservers import ManagedServer, free_port
from web import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class Site:
    """A running Udara web app and what it was seeded with."""

    url: str
    container: Container
    seed: Seed


def _readings(container: Container, now: datetime) -> None:
    """30 days of half-hourly readings and the last day every 5 minutes, in room r201."""
    points = []
    for step in range(30 * 48):
        at = now - timedelta(minutes=30 * step + 1)
        points.append((at, {"co2": 700.0 + (step % 48) * 15, "humidity": 55.0, "pm25": 18.0}))
    for step in range(24 * 12):
        at = now - timedelta(minutes=5 * step + 2)
        points.append((at, {"co2": 1100.0, "temperature": 24.5}))
    write_readings(container.influx, "hq", "r201", points)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, influxdb: ManagedServer) -> Iterator[Site]:
    """The app served by Werkzeug in a thread, live updates every second."""
    path: Path = tmp_path_factory.mktemp("e2e") / "udara.db"
    url = f"sqlite:///{path}"
    upgrade_database(url)
    settings = make_settings(
        url, influx_url=f"http://127.0.0.1:{influxdb.port}", influx_db=f"e2e_{path.parent.name}",
        media_dir=path.parent / "media",  # occupants' and crews' photos
    )  # fmt: skip
    container = Container(settings)
    container.influx.create_database()
    now = datetime.now(UTC)
    found = seed(container, now)
    _readings(container, now)
    app = create_app(container, {"LIVE_POLL_SECONDS": 1})
    port = free_port()
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="udara-web-e2e", daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{port}", container, found)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        container.engine.dispose()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """Playwright's driver."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Headless Chromium from the Debian package."""
    chromium = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()
