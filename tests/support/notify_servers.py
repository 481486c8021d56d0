"""Real servers the notification tests talk to: an SMTP server (aiosmtpd) and an HTTP
receiver that stands in for webhooks and for the Telegram and WhatsApp APIs."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.sink.lock:
            if self.sink.refuse > 0:
                self.sink.refuse -= 1
                self.sink.refused += 1
                return "451 4.3.0 Mailbox busy, try again later"
            mail = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(mail, EmailMessage)
            self.sink.messages.append(mail)
            stall = self.sink.stall
        if stall:  # the message is taken; the client waits for the answer (and may die)
            await asyncio.sleep(stall)
        return "250 OK"


class SmtpSink:
    """An SMTP server on a free port keeping every message it accepts; it answers 451 to
    the next `refuse` messages, and takes `stall` seconds to answer one it kept."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0
        self.stall = 0.0
        self.refused = 0
        self.lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        """Its `UDARA_SMTP_URL`."""
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        """Start listening."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`."""
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


@dataclass
class Request:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class HttpReceiver:
    """An HTTP server on a free port recording every POST. Stands in for webhooks
    (`json://`), the Telegram Bot API (`/bot<token>/sendMessage`) and the WhatsApp Cloud API
    (`/<version>/<phone id>/messages`), answering each as the real one does on success."""

    requests: list[Request] = field(default_factory=list)
    fail_next: int = 0

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw or b"null")
                except ValueError:
                    body = raw.decode(errors="replace")
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self._answer(503, {"error": "unavailable"})
                    return
                receiver.requests.append(Request(self.path, dict(self.headers), body))
                if "/sendMessage" in self.path:
                    self._answer(200, {"ok": True, "result": {"message_id": 1}})
                elif self.path.endswith("/messages"):
                    self._answer(200, {"messages": [{"id": "wamid.1"}]})
                else:
                    self._answer(200, {})

            def _answer(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def at(self, fragment: str) -> list[Request]:
        """The requests whose path contains `fragment`."""
        return [r for r in self.requests if fragment in r.path]
