"""Command-line commands of the sensors_sim package."""

from __future__ import annotations

import click

commands: list[click.Command] = []
