"""Shared fixtures: real Mosquitto, InfluxDB 1.x and relational databases started for the tests.

Nothing here mocks a server. Brokers and InfluxDB run from the system packages on free
ports; database tests run on SQLite and on PostgreSQL (UDARA_TEST_POSTGRES_URL, by default
the CI server at 127.0.0.1:5432). A missing server fails the run rather than skipping tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from udara.db import upgrade_database
from udara.devservers import ManagedServer, start_influxdb, start_mosquitto

POSTGRES_ADMIN_URL = os.environ.get(
    "UDARA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    """A private Mosquitto shared by the session's tests."""
    server = start_mosquitto(tmp_path_factory.mktemp("mosquitto"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def influxdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedServer]:
    """A private InfluxDB 1.x shared by the session's tests."""
    server = start_influxdb(tmp_path_factory.mktemp("influxdb"))
    yield server
    server.stop()


@pytest.fixture
def influx_db_name() -> str:
    """A fresh InfluxDB database name per test, so tests never see each other's points."""
    return f"udara_test_{uuid.uuid4().hex[:12]}"


def _postgres_database() -> Iterator[str]:
    name = f"udara_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty relational database: once as a SQLite file, once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'udara.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def migrated_database_url(database_url: str) -> str:
    """A relational database migrated to the newest schema with `udara db upgrade`'s code."""
    upgrade_database(database_url)
    return database_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database, for tests that need a database but not both engines."""
    url = f"sqlite:///{tmp_path / 'udara.db'}"
    upgrade_database(url)
    return url
