"""Command-line commands of the web package."""

from __future__ import annotations

import click

commands: list[click.Command] = []
