"""The one-tap acknowledge link: valid, reused, expired, tampered — the last three say so
and change nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from notifications.adapters.orm import Delivery
from tests.support.notify_env import MONDAY_10, alert_service, co2, opened, populate
from tests.web.conftest import FixedClockContainer, make_settings
from udara.db import upgrade_database
from udara.scope import EVERYTHING
from web import create_app

LINK = re.compile(r"https?://[^/\s]+(/n/ack/\S+)")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FixedClockContainer]:
    url = f"sqlite:///{tmp_path / 'udara.db'}"
    upgrade_database(url)
    container = FixedClockContainer(make_settings(url), MONDAY_10)
    populate(container)
    yield container
    container.close()


@pytest.fixture
def client(app: FixedClockContainer) -> FlaskClient:
    flask_app = create_app(app, {"WTF_CSRF_ENABLED": False, "TESTING": True})
    return flask_app.test_client()


def state(app: FixedClockContainer, alert_id: int) -> tuple[str, str | None]:
    found = app.alert_service.get(alert_id, scope=EVERYTHING)
    assert found is not None
    return found.state, found.acknowledged_by


def link_of(app: FixedClockContainer, recipient: str) -> str | None:
    with app.session_factory() as session:
        body = session.scalar(select(Delivery.body).where(Delivery.recipient == recipient))
    found = LINK.search(body or "")
    return found.group(1) if found else None


def test_the_link_asks_then_acknowledges_as_its_recipient_once(
    app: FixedClockContainer, client: FlaskClient
) -> None:
    [alert] = alert_service(app).apply([opened(co2(), app.now)])
    path = link_of(app, "rina")
    assert path is not None and link_of(app, "hadi") is None  # only managers acknowledge
    page = client.get(path)
    assert page.status_code == 200 and 'lang="id"' in page.text
    assert "Konfirmasi peringatan ini sebagai rina?" in page.text
    assert "CO₂" in page.text and "critical" not in page.text  # worded, in the reader's tongue
    assert state(app, alert.id) == ("active", None)  # GET changes nothing
    done = client.post(path)
    assert done.status_code == 200 and "dikonfirmasi oleh rina" in done.text
    assert state(app, alert.id) == ("acknowledged", "rina")
    again = client.post(path)
    assert again.status_code == 410 and "sudah dipakai" in again.text
    assert client.get(path).status_code == 410


def test_expired_and_tampered_links_say_so_and_change_nothing(
    app: FixedClockContainer, client: FlaskClient
) -> None:
    [alert] = alert_service(app).apply([opened(co2(), app.now)])
    path = link_of(app, "rina")
    assert path is not None
    token = path.rsplit("/", 1)[1]
    forged = path[: -len(token)] + token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")
    tampered = client.post(forged)
    assert tampered.status_code == 400 and "tidak sah" in tampered.text
    app.now += timedelta(hours=24, seconds=1)
    expired = client.post(path)
    assert expired.status_code == 410 and "kedaluwarsa" in expired.text
    assert state(app, alert.id) == ("active", None)
