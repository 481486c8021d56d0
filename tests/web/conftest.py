"""Web test fixtures: a migrated SQLite database, a container with a fixed clock, seeded people,
rooms, a work order and an alert, and a Flask test client per role."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ingest.domain.alerts import AlertChange, AlertKey
from udara.bootstrap import Container
from udara.db import upgrade_database
from udara.devservers import ManagedServer
from udara.settings import Settings
from web import create_app

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
PASSWORD = "rahasia-yang-panjang"
DEAD_INFLUX = "http://127.0.0.1:9"  # nothing listens: readings are "unavailable"
ROLES = {
    "fm": "facility_manager",
    "sup": "cleaning_supervisor",
    "tech": "technician",
    "viewer": "viewer",
}


class FixedClockContainer(Container):
    """A container whose clock the test sets."""

    def __init__(self, settings: Settings, now: datetime) -> None:
        super().__init__(settings)
        self.now = now

    def clock(self) -> datetime:
        """The test's time."""
        return self.now


def make_settings(database_url: str, **extra: object) -> Settings:
    """Settings for tests, ignoring any local `.env`."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "influx_url": DEAD_INFLUX,
        "mqtt_url": "mqtt://127.0.0.1:9",
        "secret_key": "test-secret-not-the-development-one",
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Seed:
    """What `seeded` put in the database."""

    work_order_id: int
    hvac_work_order_id: int
    alert_id: int
    resolved_alert_id: int


def seed(container: Container, now: datetime = NOW) -> Seed:
    """People in each role, two rooms in one building, two work orders and two alerts."""
    users = container.user_service
    users.create("fm", "facility_manager", now, display_name="Bu Rina", password=PASSWORD)
    users.create(
        "sup", "cleaning_supervisor", now, display_name="Pak Budi", password=PASSWORD,
        crews=("cleaning",),
    )  # fmt: skip
    users.create(
        "tech", "technician", now, display_name="Siti", password=PASSWORD, crews=("cleaning",)
    )
    users.create(
        "tech2", "technician", now, display_name="Joko", password=PASSWORD, crews=("cleaning",)
    )
    users.create("hvac", "technician", now, display_name="Andi", password=PASSWORD, crews=("hvac",))
    users.create("viewer", "viewer", now, display_name="Tamu", password=PASSWORD)
    locations = container.location_service
    locations.save_building("hq", "Kantor Pusat", "Asia/Jakarta")
    locations.save_room("hq", "lobby", floor="l1", name="Lobi", kind="lobby")
    locations.save_room("hq", "r201", floor="l2", name="Ruang Rapat 201", kind="meeting_room")
    orders = container.work_order_service
    wo = orders.create(
        "fm", now, type="routine", crew="cleaning", building="hq", room="lobby",
        title="Bersihkan lobi", checklist=["Sapu lantai", "Pel lantai"],
    )  # fmt: skip
    hvac = orders.create(
        "fm", now, type="corrective", crew="hvac", building="hq", room="r201",
        title="Periksa AHU", priority="high",
    )  # fmt: skip
    alerts = container.alert_service
    opened = alerts.apply(
        [
            AlertChange(
                "open",
                AlertKey("hq", "r201", "co2", "warning"),
                now,
                value=1250.0,
                limit="≤ 1000 ppm (8 h mean)",
                message="co2 short-window mean 1250 ppm",
            ),  # fmt: skip
            AlertChange("open", AlertKey("hq", "lobby", "pm25", "critical"), now, value=60.0),
        ]
    )
    alerts.apply([AlertChange("clear", AlertKey("hq", "lobby", "pm25", "critical"), now)])
    return Seed(wo.id, hvac.id, opened[0].id, opened[1].id)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seed]:
    """A migrated and seeded SQLite file, built once (password hashing is slow on purpose)."""
    path = tmp_path_factory.mktemp("seeded") / "udara.db"
    url = f"sqlite:///{path}"
    upgrade_database(url)
    container = FixedClockContainer(make_settings(url), NOW)
    found = seed(container)
    container.engine.dispose()
    return path, found


@pytest.fixture
def seeded_url(seeded_template: tuple[Path, Seed], tmp_path: Path) -> str:
    """A private copy of the seeded database."""
    source, _ = seeded_template
    target = tmp_path / "seeded.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return f"sqlite:///{target}"


@pytest.fixture
def container(seeded_url: str) -> FixedClockContainer:
    """A container over a seeded SQLite copy, with InfluxDB and the broker unreachable."""
    return FixedClockContainer(make_settings(seeded_url), NOW)


@pytest.fixture
def live(
    seeded_url: str, influxdb: ManagedServer, influx_db_name: str, tmp_path: Path
) -> FixedClockContainer:
    """The seeded database, a real InfluxDB with a fresh database, photos under the test's
    own folder."""
    container = FixedClockContainer(
        make_settings(seeded_url, influx_url=f"http://127.0.0.1:{influxdb.port}",
                      influx_db=influx_db_name, media_dir=tmp_path / "media"),
        NOW,
    )  # fmt: skip
    container.influx.create_database()
    return container


@pytest.fixture
def seeded(seeded_template: tuple[Path, Seed], container: FixedClockContainer) -> Seed:
    """The ids of what the seed created (people, places, work orders, alerts)."""
    return seeded_template[1]


TEST_CONFIG = {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


@pytest.fixture
def app(container: FixedClockContainer) -> Flask:
    """The app, CSRF and rate limits off (their own tests switch them on)."""
    return create_app(container, TEST_CONFIG)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A signed-out browser."""
    return app.test_client()


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> FlaskClient:
    """Sign `client` in; fails the test when sign-in does not redirect."""
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def as_user(app: Flask, seeded: Seed) -> Callable[[str], FlaskClient]:
    """A signed-in client for a seeded username."""

    def make(username: str) -> FlaskClient:
        return login(app.test_client(), username)

    return make


@pytest.fixture
def token_for(container: FixedClockContainer, seeded: Seed) -> Callable[[str], dict[str, str]]:
    """Authorization headers with a fresh API token of a seeded username."""

    def make(username: str) -> dict[str, str]:
        token = container.token_service.create(username, NOW)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def flask_app_factory(container: FixedClockContainer) -> Iterator[Callable[..., Flask]]:
    """Build apps with other Flask config (CSRF or rate limits on)."""

    def make(**config: object) -> Flask:
        return create_app(container, {**TEST_CONFIG, **config})

    yield make
