"""The web UI and JSON API: `create_app` builds a Flask app over the services of a Container.

`create_app` is imported on first use, so commands that only register `udara web` (the CLI
every process starts with, ingest included) do not load Flask and its templates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from web.app import create_app

        return create_app
    raise AttributeError(f"module 'web' has no attribute {name!r}")
