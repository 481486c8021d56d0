"""Every channel but e-mail through Apprise URLs (`tgram://`, `whatsapp://`, `ntfy://`,
`json://`, ...): a thin adapter, so the rest of Udara never imports Apprise."""

from __future__ import annotations

import logging
from typing import Any

from notifications.domain.channels import OutgoingMessage, SendFailed

log = logging.getLogger(__name__)


def _plugin(url: str) -> Any:
    import apprise

    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def check_url(url: str) -> None:
    """ValueError unless Apprise understands `url` (a known service with what it needs)."""
    if _plugin(url) is None:
        raise ValueError("Apprise does not understand this URL (see its list of services)")


def masked(url: str) -> str:
    """`url` with its tokens and passwords hidden, as Apprise's privacy mode writes it."""
    plugin = _plugin(url)
    if plugin is None:
        scheme = url.split("://", 1)[0]
        return f"{scheme}://…"
    # The query holds options, and can hold headers with secrets: left out.
    return str(plugin.url(privacy=True)).split("?", 1)[0]


class AppriseChannel:
    """Sends a message to one Apprise URL; SendFailed with Apprise's complaint when it fails."""

    def send(self, address: str, message: OutgoingMessage) -> None:
        """Notify through the service `address` names."""
        import apprise

        plugin = _plugin(address)
        if plugin is None:
            raise SendFailed("not a valid Apprise URL", permanent=True)
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = plugin.notify(
                body=message.body, title=message.subject, body_format=apprise.NotifyFormat.TEXT
            )
        if not ok:
            lines = [line for line in captured.getvalue().splitlines() if line.strip()]
            raise SendFailed("; ".join(lines[-3:])[:500] or "Apprise could not notify")
