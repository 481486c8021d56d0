"""Shared fixtures: real Mosquitto, InfluxDB 1.x and relational databases started for the tests.

Nothing here mocks a server. Brokers and InfluxDB run from the system packages on free
ports; database tests run on SQLite and on PostgreSQL (UDARA_TEST_POSTGRES_URL, by default
the CI server at 127.0.0.1:5432). A missing server fails the run rather than skipping tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.notify_servers import HttpReceiver, SmtpSink
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


def _postgres_database(template: str | None = None) -> Iterator[str]:
    name = f"udara_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
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


# Migrating takes 0.3-0.4 s on SQLite and about a second on PostgreSQL, and some 1,500 tests
# want a migrated database: each engine is migrated once per session with `udara db upgrade`'s
# code, and every test gets a copy of it (a file copy; PostgreSQL's CREATE DATABASE …
# TEMPLATE). The migrations themselves are tested from empty databases
# (tests/integration/test_database_migrations.py).


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "udara.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    for url in _postgres_database():
        upgrade_database(url)
        name = url.rsplit("/", 1)[1]
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:  # a template must have no one connected
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        admin.dispose()
        yield name


def _copy_sqlite(template: Path, path: Path) -> str:
    # The template's WAL is checkpointed when its last connection closes; copy any leftover
    # with it so the copy is the same database.
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, path.with_name(path.name + suffix))
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path
) -> Iterator[str]:
    """A relational database at the newest schema (a copy of one migrated with `udara db
    upgrade`'s code): once as a SQLite file, once on PostgreSQL."""
    if request.param == "sqlite":
        yield _copy_sqlite(_sqlite_template, tmp_path / "udara.db")
    else:
        template = request.getfixturevalue("_postgres_template")
        yield from _postgres_database(template)


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """A migrated SQLite database, for tests that need a database but not both engines."""
    return _copy_sqlite(_sqlite_template, tmp_path / "udara.db")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free port, keeping what it receives."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    """A real local HTTP server recording the requests made to it (webhooks, Apprise)."""
    receiver = HttpReceiver()
    yield receiver
    receiver.stop()
