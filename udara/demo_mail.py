"""The demo's mail sink: a local SMTP server (aiosmtpd) `udara run --with-simulator` starts in
its own process, so the demo's messages land somewhere a newcomer can read them — the page
`/demo/mailbox` (development only) lists what it received, acknowledge links and all.

Each message is kept as one `.eml` file under var/demo-mail/ (written whole, then renamed, so
the page never reads half a message).
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

MAILBOX_DIR = Path("var/demo-mail")
DEFAULT_PORT = 8025
DEMO_CONTACT = "manajer@menara-a.demo"


class _Keep:
    """aiosmtpd handler: every message accepted becomes a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{os.getpid()}"
        partial = self.folder / f".{name}.tmp"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / f"{name}.eml")
        return "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1", preferred: int = DEFAULT_PORT) -> int:
    """`preferred` when nothing listens there, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port")


def start_sink(host: str = "127.0.0.1", port: int | None = None, folder: Path = MAILBOX_DIR) -> Any:
    """Start the sink (a thread of this process); returns the aiosmtpd Controller (`.port`,
    `.stop()`)."""
    from aiosmtpd.controller import Controller

    controller = Controller(_Keep(folder), hostname=host, port=port or free_port(host))
    controller.start()
    return controller


@dataclass(frozen=True)
class Received:
    """A message in the sink, as the mailbox page shows it."""

    name: str
    received_at: datetime
    sender: str
    to: str
    subject: str
    text: str


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def read_mailbox(folder: Path = MAILBOX_DIR, limit: int = 50) -> list[Received]:
    """The newest messages first."""
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    found = []
    for file in files:
        message = message_from_bytes(file.read_bytes(), policy=policy.default)
        if not isinstance(message, EmailMessage):
            continue
        stamp = int(file.name.split("-", 1)[0]) / 1e9
        found.append(Received(
            file.stem, datetime.fromtimestamp(stamp, UTC), str(message.get("From", "")),
            str(message.get("To", "")), str(message.get("Subject", "")), _text(message),
        ))  # fmt: skip
    return found
