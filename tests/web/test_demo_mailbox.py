"""The demo's mail sink: a critical alert's e-mail reaches the local SMTP server `udara run`
starts, `/demo/mailbox` shows it with its acknowledge link, and the link works; production
has no such page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.notify_env import MONDAY_10, alert_service, co2, opened, populate
from tests.web.conftest import FixedClockContainer, make_settings
from udara.db import upgrade_database
from udara.demo_mail import read_mailbox, start_sink
from udara.scope import EVERYTHING
from web import create_app

CONFIG = {"WTF_CSRF_ENABLED": False, "TESTING": True}


@pytest.fixture
def sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.chdir(tmp_path)  # the sink and the page use var/demo-mail/ of the cwd
    controller = start_sink()
    yield int(controller.port)
    controller.stop()


def test_a_critical_alerts_mail_lands_in_the_demo_mailbox_and_its_link_acknowledges(
    tmp_path: Path, sink: int
) -> None:
    url = f"sqlite:///{tmp_path / 'udara.db'}"
    upgrade_database(url)
    settings = make_settings(url, smtp_url=f"smtp://127.0.0.1:{sink}",
                             public_url="http://udara.test")  # fmt: skip
    app = FixedClockContainer(settings, MONDAY_10)
    populate(app)
    [alert] = alert_service(app).apply([opened(co2(), app.now)])
    app.now += timedelta(seconds=15)  # past the gathering moment
    assert app.dispatcher.run().messages >= 1
    received = {m.to: m for m in read_mailbox()}
    rina = received["rina@example.co.id"]
    assert rina.subject.startswith("[Udara] KRITIS: CO")
    client = create_app(app, CONFIG).test_client()
    page = client.get("/demo/mailbox")
    assert page.status_code == 200 and rina.subject in page.text
    link = re.search(r'<a href="http://udara\.test(/n/ack/[^"]+)">', page.text)
    assert link is not None
    assert client.post(link[1]).status_code == 200
    found = app.alert_service.get(alert.id, scope=EVERYTHING)
    assert found is not None and found.acknowledged_by == "rina"
    app.close()


def test_production_has_no_mailbox(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'udara.db'}"
    upgrade_database(url)
    settings = make_settings(url, env="production", secret_key="x" * 40)
    app = FixedClockContainer(settings, MONDAY_10)
    assert create_app(app, CONFIG).test_client().get("/demo/mailbox").status_code == 404
    app.close()
