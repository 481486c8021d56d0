"""The `udara` command line. Each area contributes its own commands; this module only wires them."""

from __future__ import annotations

import click

from udara.bootstrap import Container


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Udara: indoor air quality and building maintenance."""
    ctx.obj = Container.from_environment()
    ctx.call_on_close(ctx.obj.close)


@main.group()
def db() -> None:
    """Relational database commands."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(container: Container) -> None:
    """Create or migrate the relational database to the newest schema."""
    from udara.db import upgrade_database

    upgrade_database(container.settings.database_url)
    click.echo("database is at the newest schema")


def _register_area_commands() -> None:
    """Attach the commands each package defines (imported lazily: nothing connects at import)."""
    from assets.cli import commands as asset_commands
    from ingest.cli import commands as ingest_commands
    from inspections.cli import commands as inspection_commands
    from maintenance.cli import commands as maintenance_commands
    from maintenance.locations_cli import commands as location_commands
    from notifications.cli import attach as attach_notifications
    from notifications.cli import commands as notification_commands
    from occupants.cli import commands as occupant_commands
    from sensors_sim.cli import commands as simulator_commands
    from udara.devices_cli import commands as devices_commands
    from udara.run import commands as run_commands
    from web.cli import commands as web_commands

    for command in (
        *ingest_commands,
        *maintenance_commands,
        *location_commands,
        *simulator_commands,
        *web_commands,
        *run_commands,
        *devices_commands,
        *notification_commands,
        *occupant_commands,
        *asset_commands,
        *inspection_commands,
    ):
        main.add_command(command)
    users = main.commands["users"]
    assert isinstance(users, click.Group)  # noqa: S101 - maintenance defines it as a group
    attach_notifications(users)


_register_area_commands()


if __name__ == "__main__":
    main()
