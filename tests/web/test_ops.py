"""/healthz, /readyz (broker TCP, InfluxDB ping, database) and /metrics, without login."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskClient

from tests.web.conftest import NOW, TEST_CONFIG, FixedClockContainer, Seed, make_settings
from udara.devservers import ManagedServer
from web import create_app


def test_healthz_answers_without_login(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_names_what_is_missing(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == "ok"
    assert "broker" in checks["broker"] and "unreachable" in checks["broker"]
    assert checks["influxdb"] != "ok"


def test_readyz_is_ready_when_every_dependency_answers(
    seeded_url: str, mosquitto: ManagedServer, influxdb: ManagedServer
) -> None:
    settings = make_settings(
        seeded_url,
        mqtt_url=f"mqtt://127.0.0.1:{mosquitto.port}",
        influx_url=f"http://127.0.0.1:{influxdb.port}",
    )
    client = create_app(FixedClockContainer(settings, NOW), TEST_CONFIG).test_client()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "ready"


def test_readyz_reports_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'empty.db'}")
    client = create_app(FixedClockContainer(settings, NOW), TEST_CONFIG).test_client()
    body = client.get("/readyz").get_json()
    assert "udara db upgrade" in body["checks"]["database"]


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def test_metrics_are_computed_at_scrape_time(
    seeded: Seed, container: FixedClockContainer, client: FlaskClient
) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert _metric(text, 'udara_open_alerts{severity="warning"}') == 1
    assert _metric(text, 'udara_open_alerts{severity="critical"}') == 0
    assert _metric(text, "udara_overdue_work_orders") == 0
    open_orders = _metric(text, "udara_open_work_orders")
    assert open_orders >= 2
    assert _metric(text, "udara_web_scrape_error") == 0
    container.now = NOW + timedelta(days=5)
    later = client.get("/metrics").get_data(as_text=True)
    assert _metric(later, "udara_overdue_work_orders") == open_orders
    assert 'udara_web_requests_total{endpoint="ops.metrics",method="GET",status="200"}' in later


def test_metrics_survive_a_broken_database(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'empty.db'}")
    client = create_app(FixedClockContainer(settings, NOW), TEST_CONFIG).test_client()
    text = client.get("/metrics").get_data(as_text=True)
    assert _metric(text, "udara_web_scrape_error") == 1
