"""The room's air in plain words for occupants: the grid's status per metric, without jargon."""

from __future__ import annotations

from typing import Final

# The grid's cell status → what an occupant reads. No data says nothing: it is left out.
PLAIN: Final[dict[str, str]] = {"ok": "good", "warning": "attention", "critical": "poor"}


def plain_word(status: str) -> str | None:
    """`good`, `attention` or `poor` for a grid status; None when there is nothing to say."""
    return PLAIN.get(status)
