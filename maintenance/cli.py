"""Command-line commands of the maintenance package."""

from __future__ import annotations

import click

commands: list[click.Command] = []
