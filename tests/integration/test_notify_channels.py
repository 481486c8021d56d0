"""Messages leave Udara through real servers: an SMTP server (aiosmtpd) and an HTTP receiver
started by these tests.

Telegram and WhatsApp go through Apprise exactly as in production, except that the receiver
stands in for their APIs: Apprise's plugins keep the API base in a class attribute
(`NotifyTelegram.notify_url = "https://api.telegram.org/bot"`, `NotifyWhatsApp.notify_url =
"https://graph.facebook.com/{fb_ver}/{phone_id}/messages"`), and `tgram://` has no host
option, so the tests point those attributes at the local receiver (monkeypatch). Nothing
else of Apprise is replaced: URL parsing, payloads, headers and the HTTP requests are real.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from notifications.adapters.email import SmtpTarget
from tests.support.notify_env import (
    MONDAY_10,
    Clock,
    alert_service,
    co2,
    make_app,
    opened,
    populate,
)
from tests.support.notify_servers import HttpReceiver, SmtpSink
from udara.bootstrap import Container

pytestmark = pytest.mark.integration
TELEGRAM = "tgram://123456789:AAH-udara-test-token/-100222333"
WHATSAPP = "whatsapp://EAAGudaraTestToken@104455667788/6281234567890"


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
def app(
    migrated_database_url: str, clock: Clock, smtp: SmtpSink, http: HttpReceiver
) -> Iterator[Container]:
    app = make_app(
        migrated_database_url, clock, smtp_url=smtp.url, mail_from="Udara <udara@gedung.co.id>",
        public_url="https://udara.gedung.co.id",
    )  # fmt: skip
    populate(app, webhook=f"json://127.0.0.1:{http.port}/hook")
    yield app
    app.close()


def test_a_critical_alert_reaches_each_recipient_by_one_email_and_one_webhook_in_their_language(
    app: Container, clock: Clock, smtp: SmtpSink, http: HttpReceiver
) -> None:
    alert_service(app).apply([opened(co2(), clock.now)])
    report = app.dispatcher.run(clock.advance(seconds=11))
    assert report.messages == 3 and report.failed == 0
    [to_rina] = smtp.to("rina@example.co.id")
    [to_hadi] = smtp.to("hadi@example.co.id")
    assert smtp.to("budi@example.co.id") == []  # limited to menara-b
    assert to_rina["Subject"] == "[Udara] KRITIS: CO₂ di lt5-rapat (Menara A)"  # Indonesian
    assert to_hadi["Subject"] == "[Udara] CRITICAL: CO₂ in lt5-rapat (Menara A)"  # his choice
    text = to_rina.get_body(("plain",))
    html = to_rina.get_body(("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    assert "1.450" in plain and "https://udara.gedung.co.id/alerts?show=all#alert-" in plain
    assert "https://udara.gedung.co.id/n/ack/" in plain
    assert '<html lang="id">' in markup and '<a href="https://udara.gedung.co.id/n/ack/' in markup
    assert to_rina["Message-ID"].endswith("@gedung.co.id>")
    [hook] = http.at("/hook")
    assert hook.body["title"] == to_rina["Subject"] and "KRITIS" in hook.body["title"]
    # Nothing is sent twice, however often the dispatcher runs.
    for minutes in (1, 3, 10):
        app.dispatcher.run(clock.now + timedelta(minutes=minutes))
    assert len(smtp.messages) == 2 and len(http.at("/hook")) == 1
    listed = app.notifications.deliveries()
    assert {(d.recipient, d.channel, d.status, d.attempts) for d in listed} == {
        ("rina", "email", "sent", 1), ("rina", "json", "sent", 1), ("hadi", "email", "sent", 1)
    }  # fmt: skip


def test_an_smtp_server_refusing_for_a_while_gets_the_message_later(
    app: Container, clock: Clock, smtp: SmtpSink
) -> None:
    smtp.refuse = 2
    app.notifications.send_test("budi")
    t = clock.advance(seconds=11)
    assert app.dispatcher.run(t).retried == 1
    assert app.dispatcher.run(t + timedelta(seconds=31)).retried == 1
    assert app.dispatcher.run(t + timedelta(seconds=92)).messages == 1
    assert smtp.refused == 2
    [mail] = smtp.to("budi@example.co.id")
    assert mail["Subject"] == "[Udara] Pesan uji"
    [row] = app.notifications.deliveries()
    assert (row.status, row.attempts) == ("sent", 3)


def test_telegram_and_whatsapp_go_through_apprise_to_a_local_stand_in_for_their_apis(
    app: Container, clock: Clock, http: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apprise.plugins.telegram import NotifyTelegram
    from apprise.plugins.whatsapp import NotifyWhatsApp

    monkeypatch.setattr(NotifyTelegram, "notify_url", f"{http.base}/bot")
    monkeypatch.setattr(NotifyWhatsApp, "notify_url", http.base + "/{fb_ver}/{phone_id}/messages")
    app.notifications.add_contact("hadi", TELEGRAM)
    app.notifications.add_contact("hadi", WHATSAPP)
    listed = {c.channel: c.address for c in app.notifications.contacts("hadi")}
    assert "AAH-udara-test-token" not in listed["tgram"]  # lists never show secrets
    assert "EAAGudaraTestToken" not in listed["whatsapp"]
    alert_service(app).apply([opened(co2(), clock.now)])
    app.dispatcher.run(clock.advance(seconds=11))
    [telegram] = http.at("/bot123456789:AAH-udara-test-token/sendMessage")
    assert str(telegram.body["chat_id"]) == "-100222333"
    assert "CRITICAL: CO₂ in lt5-rapat" in telegram.body["text"]
    [whatsapp] = http.at("/104455667788/messages")
    assert whatsapp.headers["Authorization"] == "Bearer EAAGudaraTestToken"
    assert whatsapp.body["to"] == "+6281234567890" or whatsapp.body["to"].endswith("6281234567890")
    assert "CRITICAL: CO₂ in lt5-rapat" in whatsapp.body["text"]["body"]


def test_a_webhook_that_fails_is_retried_without_holding_up_email(
    app: Container, clock: Clock, smtp: SmtpSink, http: HttpReceiver
) -> None:
    http.fail_next = 1
    alert_service(app).apply([opened(co2(), clock.now)])
    t = clock.advance(seconds=11)
    report = app.dispatcher.run(t)
    assert (report.messages, report.retried) == (2, 1)  # both e-mails went; the hook waits
    assert len(smtp.messages) == 2 and http.at("/hook") == []
    app.dispatcher.run(t + timedelta(seconds=31))
    assert len(http.at("/hook")) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.local", ("mail.local", 25, False, False, None, None)),
        ("smtps://u%40x:p%3Ass@mail.local", ("mail.local", 465, True, False, "u@x", "p:ss")),
        ("smtp://u:p@mail.local?starttls=true", ("mail.local", 587, False, True, "u", "p")),
        ("smtp://mail.local:2525?starttls=1", ("mail.local", 2525, False, True, None, None)),
    ],
)
def test_the_smtp_url_is_read_as_the_contract_says(url: str, expected: tuple[object, ...]) -> None:
    t = SmtpTarget(url)
    assert (t.host, t.port, t.tls, t.starttls, t.username, t.password) == expected
