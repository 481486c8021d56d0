"""Command-line commands of the ingest package."""

from __future__ import annotations

import click

commands: list[click.Command] = []
