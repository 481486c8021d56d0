"""E-mail through `UDARA_SMTP_URL` with smtplib: plain text and HTML, in the reader's language.

`smtp://[user:password@]host[:port]` (port 25), `smtps://…` (TLS from the start, port 465),
`smtp://…?starttls=true` (STARTTLS, port 587 unless given).
"""

from __future__ import annotations

import html
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from notifications.domain.channels import OutgoingMessage, SendFailed

_URL = re.compile(r"https?://\S+")


class SmtpTarget:
    """A parsed `UDARA_SMTP_URL`."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("UDARA_SMTP_URL must look like smtp://[user:password@]host[:port]")
        query = parse_qs(parts.query)
        self.tls = parts.scheme == "smtps"
        self.starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 587 if self.starttls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None


def html_body(text: str, lang: str) -> str:
    """The plain text as a small HTML document: lines kept, links clickable."""

    def line(raw: str) -> str:
        out, last = [], 0
        for match in _URL.finditer(raw):
            out.append(html.escape(raw[last : match.start()]))
            url = html.escape(match.group(0))
            out.append(f'<a href="{url}">{url}</a>')
            last = match.end()
        out.append(html.escape(raw[last:]))
        return "".join(out)

    paragraphs = "".join(f"<p>{'<br>'.join(line(x) for x in p.splitlines())}</p>"
                         for p in text.split("\n\n"))  # fmt: skip
    return f'<!doctype html><html lang="{html.escape(lang)}"><body>{paragraphs}</body></html>'


class EmailChannel:
    """Sends each message in its own SMTP session (deliveries are few; a session never goes
    stale between them)."""

    def __init__(self, smtp_url: str | None, mail_from: str, timeout: float = 30.0) -> None:
        self._target = SmtpTarget(smtp_url) if smtp_url else None
        self._from = mail_from
        self._timeout = timeout

    def build(self, address: str, message: OutgoingMessage) -> EmailMessage:
        """The MIME message: plain text with an HTML alternative."""
        mail = EmailMessage()
        mail["From"] = self._from
        mail["To"] = address
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        domain = parseaddr(self._from)[1].rpartition("@")[2] or "udara.local"
        mail["Message-ID"] = f"<{message.message_id}@{domain}>"
        mail["Content-Language"] = message.lang
        mail.set_content(message.body)
        mail.add_alternative(html_body(message.body, message.lang), subtype="html")
        return mail

    def send(self, address: str, message: OutgoingMessage) -> None:
        """Hand the message to the SMTP server; SendFailed when it does not take it."""
        target = self._target
        if target is None:
            raise SendFailed("UDARA_SMTP_URL is not set")
        mail = self.build(address, message)
        try:
            smtp: smtplib.SMTP
            if target.tls:
                context = ssl.create_default_context()
                smtp = smtplib.SMTP_SSL(
                    target.host, target.port, timeout=self._timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(target.host, target.port, timeout=self._timeout)
            with smtp:
                if target.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if target.username:
                    smtp.login(target.username, target.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise SendFailed(f"recipient refused: {codes}", permanent=min(codes) >= 500) from exc
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise SendFailed(f"SMTP {exc.smtp_code}: {text[:200]}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"SMTP: {type(exc).__name__}: {str(exc)[:200]}") from exc
