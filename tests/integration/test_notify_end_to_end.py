"""End to end: a critical breach published over MQTT reaches people.

Real Mosquitto and InfluxDB 1.x; `udara ingest`'s own service runs in this process (its
worker process included, which evaluates the readings and calls notifications' listener);
a real SMTP server (aiosmtpd) and a real HTTP receiver for the `json://` webhooks. The
dispatcher is the one `udara scheduler` runs, given the time the way its job does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.domain.model import SensorRef, telemetry_payload
from maintenance.domain.transitions import SYSTEM
from tests.support.ingest_env import running_ingest, stored_count, wait_for
from tests.support.notify_servers import HttpReceiver, SmtpSink
from tests.support.publish import publish_all
from udara.bootstrap import Container
from udara.devservers import ManagedServer
from udara.scope import EVERYTHING

pytestmark = pytest.mark.integration
PUBLIC = "https://udara.gedung.co.id"
LOBBY = SensorRef("menara-a", "lobi", "s-e2e")
PEOPLE = ("rina", "hadi")  # facility manager; supervisor of hvac, where temperature goes


@pytest.fixture
def running(
    mosquitto: ManagedServer,
    influxdb: ManagedServer,
    influx_db_name: str,
    sqlite_url: str,
    smtp: SmtpSink,
    http: HttpReceiver,
) -> Iterator[Container]:
    """A site with two people (no language chosen) and ingest running against the servers."""

    def site(app: Container) -> None:
        now = app.clock()
        app.building_service.create_building(SYSTEM, "menara-a", name="Menara A")
        app.location_service.ensure_room("menara-a", "lobi")
        app.user_service.create("rina", "facility_manager", now)
        app.user_service.create("hadi", "technician", now, buildings=("menara-a",))
        app.user_service.add_to_crew("hadi", "hvac", supervisor=True)
        for name in PEOPLE:
            app.notifications.add_contact(name, f"{name}@example.co.id")
            app.notifications.add_contact(name, f"json://127.0.0.1:{http.port}/hook/{name}")

    with running_ingest(
        mosquitto.port, influxdb.port, influx_db_name, sqlite_url, prepare=site,
        smtp_url=smtp.url, mail_from="Udara <udara@gedung.co.id>", public_url=PUBLIC,
    ) as app:  # fmt: skip
        yield app


def test_a_critical_breach_over_mqtt_sends_one_email_and_one_webhook_per_person_in_indonesian(
    running: Container, smtp: SmtpSink, http: HttpReceiver
) -> None:
    # The lobby left its temperature range (18-30 °C) 80 minutes ago: critical after an hour.
    start = (datetime.now(UTC) - timedelta(minutes=80)).replace(second=0, microsecond=0)
    messages = [
        (LOBBY.topic(), telemetry_payload({"temperature": 31.5}, start + timedelta(minutes=i)))
        for i in range(80)
    ]
    publish_all(running.settings.mqtt, messages)
    wait_for(lambda: stored_count(running.influx, "temperature") == 80, 30, "80 readings")
    alerts = running.alert_service

    def critical() -> list[int]:
        return [a.id for a in alerts.list(open_only=True, scope=EVERYTHING)
                if a.severity == "critical"]  # fmt: skip

    wait_for(lambda: bool(critical()), 20, "a critical alert")
    [alert_id] = critical()
    # The worker routed the opening (its listener) in its own transaction: wait for it.
    wait_for(lambda: len(running.notifications.deliveries()) == 4, 10, "four deliveries")

    # The scheduler's dispatch job, a little after the gather window.
    report = running.dispatcher.run(running.clock() + timedelta(seconds=11))
    assert report.failed == 0 and report.messages == 4
    for name in PEOPLE:
        [mail] = smtp.to(f"{name}@example.co.id")
        assert mail["Subject"] == "[Udara] KRITIS: Suhu di lobi (Menara A)"  # Indonesian
        body = mail.get_body(("plain",))
        assert body is not None
        plain = body.get_content()
        assert f"{PUBLIC}/alerts?show=all#alert-{alert_id}" in plain
        [hook] = http.at(f"/hook/{name}")
        assert hook.body["title"] == mail["Subject"]
    # Only those who may acknowledge get the one-tap link, under UDARA_PUBLIC_URL.
    rina_mail = smtp.to("rina@example.co.id")[0].get_body(("plain",))
    hadi_mail = smtp.to("hadi@example.co.id")[0].get_body(("plain",))
    assert rina_mail is not None and hadi_mail is not None
    assert f"{PUBLIC}/n/ack/" in rina_mail.get_content()
    assert "/n/ack/" not in hadi_mail.get_content()
    assert len(smtp.messages) == 2 and len(http.requests) == 2

    # The dispatcher again, and later: nothing more leaves.
    for minutes in (1, 5, 30):
        again = running.dispatcher.run(running.clock() + timedelta(minutes=minutes))
        assert again.messages == 0
    assert len(smtp.messages) == 2 and len(http.requests) == 2
    listed = running.notifications.deliveries()
    assert sorted((d.recipient, d.channel, d.status, d.attempts) for d in listed) == [
        ("hadi", "email", "sent", 1), ("hadi", "json", "sent", 1),
        ("rina", "email", "sent", 1), ("rina", "json", "sent", 1),
    ]  # fmt: skip
