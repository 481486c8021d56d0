"""Loading the routing rules (the shipped defaults, or the file the settings name)."""

from __future__ import annotations

from pathlib import Path

import yaml

from notifications.domain.routing import Routing, parse_routing

DEFAULT_ROUTING_FILE = Path(__file__).parents[1] / "routing.yaml"


def load_routing(path: Path | str | None = None) -> Routing:
    """The routing rules in a YAML file; ValueError names the file and what is wrong."""
    file = Path(path) if path else DEFAULT_ROUTING_FILE
    try:
        return parse_routing(yaml.safe_load(file.read_text(encoding="utf-8")) or {})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{file}: {exc}") from exc
