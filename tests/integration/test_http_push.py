"""HTTP push of LoRaWAN uplinks against a real InfluxDB and Mosquitto: 2xx only once stored,
a redelivered uplink stored once, a failed write retried by the caller and stored once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from pydantic import SecretStr

from maintenance.domain.transitions import SYSTEM
from tests.support.ingest_env import unique_client_id
from udara.bootstrap import Container
from udara.devservers import ManagedServer
from udara.settings import Settings
from web import create_app

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
CONFIG = {"TESTING": True, "RATELIMIT_ENABLED": False}


def uplink(at: datetime, co2: int, eui: str = "a84041000181c2d4") -> bytes:
    """A ChirpStack v4 `up` event as its HTTP integration posts it (docs: integrations/events)."""
    return json.dumps({
        "time": at.strftime("%Y-%m-%dT%H:%M:%S.123456789Z"),
        "deviceInfo": {"devEui": eui, "deviceName": "am319-lobi", "applicationId": "app-1"},
        "fPort": 85, "data": "AXVk",
        "object": {"temperature": 25.3, "humidity": 60.5, "co2": co2, "pm2_5": 12},
    }).encode()  # fmt: skip


def tts_uplink(at: datetime, co2: int) -> bytes:
    """A The Things Stack v3 uplink (lorawan-stack-docs, integrations/data-formats)."""
    return json.dumps({
        "end_device_ids": {"device_id": "am307-kantor", "dev_eui": "24E124707C123456"},
        "received_at": at.strftime("%Y-%m-%dT%H:%M:%S.000000000Z"),
        "uplink_message": {"decoded_payload": {"co2": co2, "temperature": 24.0},
                           "rx_metadata": [{"time": at.strftime("%Y-%m-%dT%H:%M:%SZ")}]},
    }).encode()  # fmt: skip


def make_settings(mosquitto: ManagedServer, influx_port: int, db: str, sqlite_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        mqtt_url=f"mqtt://127.0.0.1:{mosquitto.port}",
        mqtt_client_id=unique_client_id(),
        influx_url=f"http://127.0.0.1:{influx_port}",
        influx_db=db,
        database_url=sqlite_url,
        secret_key=SecretStr("test-secret-not-the-development-one"),
    )


@pytest.fixture
def site(
    mosquitto: ManagedServer, influxdb: ManagedServer, influx_db_name: str, sqlite_url: str
) -> Iterator[tuple[Container, FlaskClient, dict[str, str]]]:
    container = Container(make_settings(mosquitto, influxdb.port, influx_db_name, sqlite_url))
    container.influx.create_database()
    container.location_service.save_room("menara-a", "lt1-lobi", floor="lt1")
    container.user_service.create("chirpstack", "device", T0, password="x" * 16)
    container.user_service.create("rina", "facility_manager", T0, password="x" * 16)
    tokens = {u: container.token_service.create(u, T0) for u in ("chirpstack", "rina")}
    client = create_app(container, CONFIG).test_client()
    yield container, client, tokens
    container.close()


def _post(client: FlaskClient, token: str, body: bytes, path: str = "chirpstack", **args: str):
    return client.post(
        f"/api/v1/ingest/{path}", data=body, query_string=args,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip


def _points(container: Container, measurement: str) -> int:
    series = container.influx.query(f'SELECT count("co2") FROM "{measurement}"')
    return int(series[0]["values"][0][1]) if series else 0


def test_an_unknown_device_is_held_then_placed_and_a_redelivery_stored_once(site) -> None:
    container, client, tokens = site
    held = _post(client, tokens["chirpstack"], uplink(T0, 650))
    assert held.status_code == 200, held.get_json()
    assert held.get_json() == {"device": "chirpstack:a84041000181c2d4", "stored": 0, "held": 1,
                               "ignored": None}  # fmt: skip
    assert _points(container, "iaq_unplaced") == 1
    [pending] = container.device_service.list("pending", viewer=SYSTEM)
    assert pending.device == "chirpstack:a84041000181c2d4" and pending.readings == 1

    container.device_service.place(pending.device, "menara-a", "lt1-lobi", by=SYSTEM)
    later = uplink(T0 + timedelta(minutes=10), 700)
    for _ in range(2):  # the network server redelivers: same time, same point
        stored = _post(client, tokens["chirpstack"], later)
        assert stored.status_code == 200 and stored.get_json()["stored"] == 1
    rows = container.influx.query('SELECT "co2", "pm25" FROM "iaq" WHERE "room" = $r',
                                  {"r": "lt1-lobi"})[0]["values"]  # fmt: skip
    assert [r[1:] for r in rows] == [[700, 12]]


def test_a_failed_write_answers_503_and_the_retry_is_stored_once(
    site, mosquitto: ManagedServer, influx_db_name: str, sqlite_url: str
) -> None:
    container, client, tokens = site
    down = Container(make_settings(mosquitto, 9, influx_db_name, sqlite_url))  # nothing on :9
    failing = create_app(down, CONFIG).test_client()
    body = tts_uplink(T0, 900)
    refused = _post(failing, tokens["chirpstack"], body, "tts")
    assert refused.status_code == 503 and refused.get_json()["error"] == "unavailable"
    assert _points(container, "iaq_unplaced") == 0
    retried = _post(client, tokens["chirpstack"], body, "tts")
    assert retried.status_code == 200 and retried.get_json()["held"] == 1
    assert _post(client, tokens["chirpstack"], body, "tts").status_code == 200
    assert _points(container, "iaq_unplaced") == 1
    down.close()


def test_push_takes_only_device_accounts_sound_uplinks_and_bounded_bodies(site) -> None:
    container, client, tokens = site
    assert client.post("/api/v1/ingest/chirpstack", data=uplink(T0, 1)).status_code == 401
    assert _post(client, tokens["rina"], uplink(T0, 650)).status_code == 403
    assert _post(client, tokens["chirpstack"], b"{not json").status_code == 422
    no_codec = json.dumps({"time": "2026-11-02T01:00:00Z",
                           "deviceInfo": {"devEui": "a84041000181c2d4"}}).encode()  # fmt: skip
    answer = _post(client, tokens["chirpstack"], no_codec)
    assert answer.status_code == 422 and "no_decoded_payload" in answer.get_json()["message"]
    huge = b'{"pad": "' + b"x" * 70_000 + b'"}'
    assert _post(client, tokens["chirpstack"], huge).status_code == 413
    join = _post(client, tokens["chirpstack"], uplink(T0, 650), event="join")
    assert join.status_code == 200 and join.get_json()["ignored"] == "not_uplink"
    assert _points(container, "iaq_unplaced") == 0
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'udara_push_uplinks_total{format="chirpstack",outcome="rejected",reason="not_json"}' in (
        metrics
    )
