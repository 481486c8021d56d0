"""A dispatcher SIGKILLed mid-send, then another: nothing lost, and the one message in flight
sent at most once more, only after its lease.

A real `udara notifications dispatch` process sends through a real SMTP server that takes the
message and then stalls before answering: the kill lands after the server accepted it and
before Udara could confirm it — the worst moment. The next dispatcher must not send it while
the dead one's lease holds, sends it once when the lease has run out (the bound: one extra
copy per crash, with the same Message-ID), and sends what the dead one never reached once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from notifications.adapters.orm import Delivery
from tests.faults.harness import ROOT
from tests.support.notify_env import Clock, make_app, populate
from tests.support.notify_servers import SmtpSink
from udara.bootstrap import Container

pytestmark = [pytest.mark.faults, pytest.mark.integration]
ROUTING = """
alerts: {critical: {notify: [facility_managers]}, warning: {notify: [facility_managers]},
         resolved: {notify: [told]}}
work_orders: {assigned: [assignee], done: [creator]}
delivery: {fold_window_seconds: 120, gather_seconds: 0, lease_seconds: 300}
"""


@pytest.fixture
def setup(
    migrated_database_url: str, smtp: SmtpSink, tmp_path: Path
) -> Iterator[tuple[Container, dict[str, str]]]:
    routing = tmp_path / "routing.yaml"
    routing.write_text(ROUTING, encoding="utf-8")
    env = {"UDARA_DATABASE_URL": migrated_database_url, "UDARA_SMTP_URL": smtp.url,
           "UDARA_NOTIFY_ROUTING_FILE": str(routing), "UDARA_TIMEZONE": "Asia/Jakarta"}  # fmt: skip
    app = make_app(migrated_database_url, Clock(datetime.now(UTC)), smtp_url=smtp.url,
                   notify_routing_file=str(routing))  # fmt: skip
    populate(app)
    yield app, env
    app.close()


def rows(app: Container) -> dict[str, Delivery]:
    with app.session_factory() as session:
        return {d.recipient: d for d in session.scalars(select(Delivery))}


def test_a_dispatcher_killed_after_the_server_took_a_message_loses_nothing_and_resends_once(
    setup: tuple[Container, dict[str, str]], smtp: SmtpSink, tmp_path: Path
) -> None:
    app, env = setup
    app.notifications.send_test("rina")
    app.notifications.send_test("budi")
    smtp.stall = 60
    child = subprocess.Popen(
        [sys.executable, "-m", "udara.cli", "notifications", "dispatch"],
        cwd=tmp_path, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp.messages) == 1, "the dispatcher never reached the SMTP server"
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    smtp.stall = 0
    first = smtp.messages[0]
    in_flight = rows(app)[first["To"].split("@")[0]]
    assert (in_flight.status, in_flight.attempts) == ("pending", 1)
    assert in_flight.lease_until is not None

    now = datetime.now(UTC)
    app.dispatcher.run(now)  # the dead one's lease still holds: only the unreached one goes
    assert len(smtp.messages) == 2
    app.dispatcher.run(in_flight.lease_until + timedelta(seconds=1))
    app.dispatcher.run(in_flight.lease_until + timedelta(minutes=30))
    to = sorted(m["To"] for m in smtp.messages)
    assert len(smtp.messages) == 3 and to.count(first["To"]) == 2  # once more, no more
    again = [m for m in smtp.messages if m["To"] == first["To"]]
    assert again[0]["Message-ID"] == again[1]["Message-ID"]  # a mail client shows one
    final = rows(app)
    assert {(d.recipient, d.status) for d in final.values()} == {
        ("rina", "sent"), ("budi", "sent"),
    }  # fmt: skip
    assert final[in_flight.recipient].attempts == 2
