"""What a channel is told to send, how it says it failed, and which channel an address is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Protocol

from notifications.domain.model import EMAIL, Contact

_EMAIL: Final = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_SCHEME: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,31})://")


@dataclass(frozen=True)
class OutgoingMessage:
    """One message for one address: subject, plain text, language, and a stable id that is
    the same whenever the same deliveries are sent again (receivers may drop a duplicate)."""

    subject: str
    body: str
    lang: str
    message_id: str


class SendFailed(Exception):
    """A channel could not send; `permanent` when retrying cannot help (a refused address)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Channel(Protocol):
    """Sends one message to one address, or raises SendFailed."""

    def send(self, address: str, message: OutgoingMessage) -> None:
        """Send `message` to `address`; return only once the service accepted it."""
        ...


def classify(address: str) -> Contact:
    """The contact point an address is: an e-mail address (`email`), or a URL whose scheme
    names the Apprise service (`tgram`, `whatsapp`, `json`, ...). ValueError otherwise; an
    Apprise URL is checked further by the Apprise adapter."""
    text = address.strip()
    if text.lower().startswith("mailto:") and "://" not in text:
        text = text[len("mailto:") :]
    if _EMAIL.match(text):
        local, _, domain = text.rpartition("@")
        return Contact(EMAIL, f"{local}@{domain.lower()}")
    match = _SCHEME.match(text)
    if match is None:
        raise ValueError("give an e-mail address or a URL such as tgram://TOKEN/CHAT_ID")
    scheme = match.group(1).lower()
    if scheme == EMAIL:
        raise ValueError("give an e-mail address as name@example.com")
    return Contact(scheme, text)
