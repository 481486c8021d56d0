"""`udara requests`: occupant requests from the shell (the operator: every building)."""

from __future__ import annotations

import json

import click

from occupants.domain.model import REQUEST_STATUSES
from udara.bootstrap import Container
from udara.scope import EVERYTHING


@click.group()
def requests() -> None:
    """Occupant requests: what people reported from the rooms' QR codes."""


@requests.command("list")
@click.option("--status", type=click.Choice(REQUEST_STATUSES), default=None)
@click.option("--building", default=None)
@click.option("--json", "as_json", is_flag=True, help="a JSON array (the API's shape)")
@click.pass_obj
def requests_list(
    container: Container, status: str | None, building: str | None, as_json: bool
) -> None:
    """List requests, newest first."""
    found = container.occupant_requests.list_requests(
        scope=EVERYTHING, status=status, building=building
    )
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in found], ensure_ascii=False))
        return
    for r in found:
        wo = f"#{r.work_order_id}" if r.work_order_id else "-"
        click.echo(
            f"{r.ref:11} {r.status:13} {r.building}/{r.room:20} {r.category:15} "
            f"x{r.reports:<3} {wo}"
        )


@click.group()
def displays() -> None:
    """Lobby displays: one public page per building."""


@displays.command("link")
@click.argument("building")
@click.pass_obj
def displays_link(container: Container, building: str) -> None:
    """Print BUILDING's lobby-display link."""
    from maintenance.domain.errors import MaintenanceError

    try:
        token = container.room_links.display_token(building)
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{container.settings.public_url.rstrip('/')}/display/{token}")


@displays.command("rotate")
@click.argument("building")
@click.pass_obj
def displays_rotate(container: Container, building: str) -> None:
    """Give BUILDING's lobby display a new link (the old one stops working); print it."""
    from maintenance.domain.errors import MaintenanceError
    from maintenance.domain.transitions import Actor

    try:
        token = container.room_links.rotate_display(Actor("cli", "facility_manager"), building)
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{container.settings.public_url.rstrip('/')}/display/{token}")


commands: list[click.Command] = [requests, displays]
