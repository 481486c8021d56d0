"""Every firmware format end to end: published, pending, placed, stored under the room.

Real Mosquitto, InfluxDB 1.x and SQLite. The payloads are the firmware's own shapes (the
adapters' unit tests name each one's source); timestamps are Tasmota's offset-less local
time, ChirpStack's nanoseconds, Shelly's Unix seconds, and ESPHome's time of receipt.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.adapters.mqtt import register_session
from ingest.service import subscriptions
from maintenance.domain.transitions import SYSTEM
from tests.support.ingest_env import unique_client_id, wait_for
from tests.support.publish import publish_all
from udara.bootstrap import Container
from udara.devservers import ManagedServer
from udara.scope import EVERYTHING
from udara.settings import Settings

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta


def tasmota(at: datetime, co2: int) -> tuple[str, bytes]:
    local = (at + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S")  # Tasmota: no offset
    body = {
        "Time": local,
        "SCD30": {"CarbonDioxide": co2, "eCO2": co2 - 30, "Temperature": 25.1, "Humidity": 55.0},
        "PMS5003": {"CF1": 30, "CF2.5": 45, "CF10": 50, "PM1": 9, "PM2.5": 14, "PM10": 19},
        "TempUnit": "C",
    }
    return "tele/kantor_1/SENSOR", json.dumps(body).encode()


def zigbee(at: datetime, co2: int) -> tuple[str, bytes]:
    body = {"co2": co2, "temperature": 24.2, "humidity": 58, "formaldehyd": 0.02,
            "linkquality": 120, "last_seen": at.isoformat()}  # fmt: skip
    return "zigbee2mqtt/ruang rapat/kecil", json.dumps(body).encode()


def shelly(at: datetime, temperature: float) -> tuple[str, bytes]:
    body = {
        "src": "shellyplusht-c049ef8b3a44", "dst": "shellyplusht-lt2/events",
        "method": "NotifyFullStatus",
        "params": {"ts": at.timestamp(), "temperature:0": {"id": 0, "tC": temperature, "tF": 76.6},
                   "humidity:0": {"id": 0, "rh": 57.1}},
    }  # fmt: skip
    return "shellyplusht-lt2/events/rpc", json.dumps(body).encode()


def chirpstack(at: datetime, co2: int) -> tuple[str, bytes]:
    body = {
        "time": at.strftime("%Y-%m-%dT%H:%M:%S.123456789Z"),
        "deviceInfo": {"devEui": "a84041000181c2d4", "deviceName": "am319-lobi",
                       "applicationId": "app-1"},
        "fPort": 85, "data": "AXVk",
        "object": {"temperature": 25.3, "humidity": 60.5, "co2": co2, "pm2_5": 12, "pm10": 18,
                   "hcho": 0.03},
    }  # fmt: skip
    return "application/app-1/device/a84041000181c2d4/event/up", json.dumps(body).encode()


def esphome(value: int) -> tuple[str, bytes]:
    return "node-7/sensor/co2/state", str(value).encode()


PLACES = {
    "tasmota:kantor_1": "lt1-lobi",
    "zigbee2mqtt:ruang rapat/kecil": "lt2-rapat",
    "shelly:shellyplusht-c049ef8b3a44": "lt2-kantor",
    "chirpstack:a84041000181c2d4": "lt3-kantor",
    "esphome:node-7": "lt3-pantry",
}


@pytest.fixture
def ingest(
    mosquitto: ManagedServer, influxdb: ManagedServer, influx_db_name: str, sqlite_url: str
) -> Iterator[Container]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        mqtt_url=f"mqtt://127.0.0.1:{mosquitto.port}",
        mqtt_client_id=unique_client_id(),
        influx_url=f"http://127.0.0.1:{influxdb.port}",
        influx_db=influx_db_name,
        database_url=sqlite_url,
        influx_flush_interval_s=0.1,
    )
    container = Container(settings)
    for room in PLACES.values():
        container.location_service.save_room("menara-a", room, floor=room[:3])
    register_session(
        settings.mqtt, settings.mqtt_client_id, subscriptions(None, None, settings.formats)
    )
    service = container.make_ingest_service()
    service.start()
    assert service.consumer.connected.wait(10)
    container.ingest = service  # type: ignore[attr-defined]
    yield container
    service.stop()
    container.close()


def _count(container: Container, measurement: str, where: str, params: dict[str, str]) -> int:
    series = container.influx.query(
        f'SELECT count("co2") AS c, count("temperature") AS t FROM "{measurement}" WHERE {where}',
        params,
    )
    if not series:
        return 0
    _, co2, temperature = series[0]["values"][0]
    return max(int(co2 or 0), int(temperature or 0))


def test_every_format_waits_pending_then_reports_for_its_room_with_its_history(
    ingest: Container,
) -> None:
    held = [tasmota(T0, 800), zigbee(T0, 700), shelly(T0, 24.8), chirpstack(T0, 650),
            esphome(815)]  # fmt: skip
    publish_all(ingest.settings.mqtt, held)

    def pending() -> set[str]:
        return {d.device for d in ingest.device_service.list("pending", viewer=SYSTEM)}

    wait_for(lambda: pending() == set(PLACES), 20, f"five pending devices, have {pending()}")
    for device in PLACES:
        where = '"device" = $d'
        assert _count(ingest, "iaq_unplaced", where, {"d": device}) == 1, device
    tasmota_held = ingest.influx.query(
        'SELECT "co2", "pm25", "temperature" FROM "iaq_unplaced" WHERE "device" = $d',
        {"d": "tasmota:kantor_1"},
    )[0]["values"][0]
    # Local 08:00 in Jakarta; NDIR CO2 over eCO2; the PMS atmospheric PM2.5, not CF2.5.
    assert tasmota_held[0] == int(T0.timestamp() * 1000) and tasmota_held[1:3] == [800, 14]

    for device, room in PLACES.items():
        ingest.device_service.place(device, "menara-a", room, by=SYSTEM)
    later = T0 + timedelta(minutes=5)
    live = [tasmota(later, 820), zigbee(later, 710), shelly(later, 25.0),
            chirpstack(later, 660), esphome(825)]  # fmt: skip

    def room_count(room: str) -> int:
        return _count(ingest, "iaq", '"building" = $b AND "room" = $r',
                      {"b": "menara-a", "r": room})  # fmt: skip

    def copied() -> bool:
        return all(
            d.status == "active" and room_count(d.room or "") >= 1
            for d in ingest.device_service.list(viewer=SYSTEM)
        )

    wait_for(copied, 20, "held readings copied into every room")
    publish_all(ingest.settings.mqtt, live)
    wait_for(
        lambda: all(room_count(room) == 2 for room in PLACES.values()),
        20,
        "held and live readings under every room",
    )
    hcho = ingest.influx.query(
        'SELECT "hcho" FROM "iaq" WHERE "room" = $r ORDER BY time DESC LIMIT 1',
        {"r": "lt2-rapat"},
    )[0]["values"][0][1]
    assert hcho == pytest.approx(0.02 * 24.45 / 30.03, rel=1e-6)  # Tuya mg/m³ → ppm
    sensors = ingest.influx.query('SHOW TAG VALUES FROM "iaq" WITH KEY = "sensor"')
    assert {v[1] for v in sensors[0]["values"]} >= {"tasmota-kantor_1", "esphome-node-7"}


def test_a_malformed_message_of_each_format_is_counted_and_the_next_one_stored(
    ingest: Container,
) -> None:
    bad = [
        ("tele/kantor_1/SENSOR", b"{not json"),
        ("zigbee2mqtt/ruang rapat/kecil", b"[1, 2]"),
        ("shellyplusht-lt2/events/rpc", b'{"src": 5, "method": "NotifyFullStatus"}'),
        ("application/app-1/device/a84041000181c2d4/event/up", b'{"time": "x"}'),
        ("node-7/sensor/co2/state", b"nan"),
    ]
    good = [tasmota(T0, 800), zigbee(T0, 700), shelly(T0, 24.8), chirpstack(T0, 650),
            esphome(815)]  # fmt: skip
    publish_all(ingest.settings.mqtt, bad + good)

    def held_devices() -> int:
        series = ingest.influx.query('SHOW SERIES FROM "iaq_unplaced"')
        return len(series[0]["values"]) if series else 0

    wait_for(lambda: held_devices() == 5, 20, "the five good messages held after the bad ones")
    wait_for(lambda: sum(ingest.ingest.stats.rejected.values()) == 5, 10, "5 rejections")  # type: ignore[attr-defined]
    assert ingest.ingest.stats.rejected == {  # type: ignore[attr-defined]
        "not_json": 1, "not_object": 1, "bad_device_id": 1, "no_decoded_payload": 1,
        "not_finite": 1,
    }  # fmt: skip


def test_devices_placed_from_the_devices_page_feed_the_rooms_charts_and_alerts(
    ingest: Container,
) -> None:
    """The issue's whole path for a facility manager: every format shows up pending on the
    devices page, is placed there, and its readings reach the room's chart and its alerts.
    The bad air arrives while the devices are still pending: the last half hour of what
    they held is judged on placement, like live readings."""
    from flask.testing import FlaskClient

    from web import create_app

    ingest.user_service.create("rina", "facility_manager", T0, password="rahasia-yang-panjang")
    web = create_app(ingest, {"WTF_CSRF_ENABLED": False, "TESTING": True})
    fm: FlaskClient = web.test_client()
    signed_in = fm.post("/login", data={"username": "rina", "password": "rahasia-yang-panjang"})
    assert signed_in.status_code == 302
    # Ten minutes of bad air from each: CO2 well over 1,000 ppm, the Shelly's office at 33 °C.
    bad = [
        message
        for minute in range(0, 11)
        for message in (
            tasmota(T0 + timedelta(minutes=minute), 1900),
            zigbee(T0 + timedelta(minutes=minute), 1850),
            shelly(T0 + timedelta(minutes=minute), 33.0),
            chirpstack(T0 + timedelta(minutes=minute), 1950),
        )
    ]
    publish_all(ingest.settings.mqtt, [*bad, esphome(815)])
    expected = {"lt1-lobi": "co2", "lt2-rapat": "co2", "lt2-kantor": "temperature",
                "lt3-kantor": "co2"}  # fmt: skip

    def listed() -> bool:
        page = fm.get("/devices").get_data(as_text=True)
        return all(f'data-device="{device}"' in page for device in PLACES)

    wait_for(listed, 20, "five pending devices on the devices page")
    wait_for(
        lambda: all(_count(ingest, "iaq_unplaced", '"device" = $d', {"d": d}) == 11
                    for d in PLACES if not d.startswith("esphome")),
        20, "every bad reading held",
    )  # fmt: skip
    assert ingest.alert_service.list(open_only=True, scope=EVERYTHING) == []  # nobody's yet
    for device, room in PLACES.items():
        placed = fm.post(f"/devices/{device}/place", data={"room": f"menara-a/{room}"})
        assert placed.status_code == 302, (device, placed.get_data(as_text=True)[:300])
    statuses = {d.device: d.status for d in ingest.device_service.list(viewer=SYSTEM)}
    assert statuses == dict.fromkeys(PLACES, "active")

    def alerted() -> set[tuple[str, str | None]]:
        return {(a.room, a.metric)
                for a in ingest.alert_service.list(open_only=True, scope=EVERYTHING)}  # fmt: skip

    wait_for(lambda: set(expected.items()) <= alerted(), 20, f"alerts, have {alerted()}")
    alerts = fm.get("/alerts").get_data(as_text=True)
    for room in expected:
        assert room in alerts
    window = {"start": (T0 - timedelta(minutes=5)).isoformat(),
              "end": (T0 + timedelta(minutes=15)).isoformat(), "every": "5m"}  # fmt: skip
    for room, metric in expected.items():
        chart = fm.get(f"/api/v1/rooms/menara-a/{room}/readings", query_string=window)
        assert chart.status_code == 200, chart.get_data(as_text=True)[:300]
        points = chart.get_json()["points"]
        values = [p["values"][metric] for p in points if p["values"].get(metric) is not None]
        assert values and max(values) >= (1850 if metric == "co2" else 33.0), (room, values)
