"""`udara demo …`: demo data for development (`make run` calls the same code)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from ingest.domain.const import NAME_PATTERN
from udara.demo import DEMO_BUILDING

if TYPE_CHECKING:
    from udara.bootstrap import Container


def _building(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not re.match(NAME_PATTERN, value):
        raise click.BadParameter("1 to 64 characters of a-z, 0-9, - and _")
    return value


def _end(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        end = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("an RFC 3339 time, e.g. 2026-11-19T17:00:00+07:00") from None
    return end if end.tzinfo else end.replace(tzinfo=UTC)


@click.group("demo")
def demo_group() -> None:
    """Demo data (development only)."""


@demo_group.command("seed-history")
@click.option(
    "--days", default=30, show_default=True, type=click.IntRange(1, 366), help="Days of history."
)
@click.option(
    "--building", default=DEMO_BUILDING, show_default=True, callback=_building, help="Its code."
)
@click.option(
    "--rooms", default=12, show_default=True, type=click.IntRange(1, 500), help="Simulated rooms."
)
@click.option("--end", callback=_end, help="End of the history, RFC 3339 (default: now).")
@click.pass_obj
def seed_history_command(
    container: Container, days: int, building: str, rooms: int, end: datetime | None
) -> None:
    """A building's past: readings, alerts and work orders (once per building)."""
    from udara.demo_history import seed_history

    if container.settings.is_production:
        raise click.ClickException("demo history is for development databases only")
    report = seed_history(container, building, days, rooms, end)
    for line in report.lines():
        click.echo(line)


commands: list[click.Command] = [demo_group]
