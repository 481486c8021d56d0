"""`udara run`: ingest, scheduler and web in one process group for small sites and demos."""

from __future__ import annotations

import click

commands: list[click.Command] = []
