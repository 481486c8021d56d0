"""`udara assets`: the equipment register from the shell (the operator: every building)."""

from __future__ import annotations

import json
from datetime import datetime

import click

from assets.domain.model import ASSET_KINDS, ASSET_STATUSES, METERS
from assets.schemas import AssetOut, MeterReadingOut
from maintenance.domain.errors import MaintenanceError
from maintenance.domain.transitions import SYSTEM
from udara.bootstrap import Container


@click.group()
def assets() -> None:
    """Assets: AHUs, FCUs, chillers and other equipment, the rooms they serve, their meters."""


@assets.command("add")
@click.argument("code")
@click.option("--kind", required=True, type=click.Choice(ASSET_KINDS))
@click.option("--building", required=True)
@click.option("--room", default=None, help="where the unit stands")
@click.option("--serves", multiple=True, help="a room the unit supplies (repeatable): its zone")
@click.option("--name", default=None)
@click.option("--make", default=None)
@click.option("--model", default=None)
@click.option("--serial", default=None)
@click.option("--installed", "installed_on", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.pass_obj
def assets_add(
    container: Container,
    code: str,
    kind: str,
    building: str,
    room: str | None,
    serves: tuple[str, ...],
    name: str | None,
    make: str | None,
    model: str | None,
    serial: str | None,
    installed_on: datetime | None,
) -> None:
    """Register asset CODE of BUILDING; prints it as JSON."""
    try:
        view = container.asset_service.add(
            code, kind, building, by=SYSTEM, room=room, serves=serves, name=name, make=make,
            model=model, serial=serial, installed_on=installed_on.date() if installed_on else None,
        )  # fmt: skip
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(AssetOut.of(view).model_dump(mode="json"), ensure_ascii=False))


@assets.command("list")
@click.option("--building", default=None)
@click.option("--kind", type=click.Choice(ASSET_KINDS), default=None)
@click.option("--status", type=click.Choice(ASSET_STATUSES), default=None)
@click.option("--json", "as_json", is_flag=True, help="a JSON array (the API's shape)")
@click.pass_obj
def assets_list(
    container: Container, building: str | None, kind: str | None, status: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """List assets by building and code."""
    found = container.asset_service.list(viewer=SYSTEM, building=building, kind=kind, status=status)
    if as_json:
        rows = [AssetOut.of(a).model_dump(mode="json") for a in found]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for a in found:
        click.echo(
            f"{a.building}/{a.code:16} {a.kind:14} {a.status:8} {a.name:24} "
            f"serves: {', '.join(a.serves) or '-'}"
        )


@assets.command("meter")
@click.argument("code")
@click.option("--meter", required=True, type=click.Choice(METERS))
@click.option("--value", required=True, type=float)
@click.pass_obj
def assets_meter(container: Container, code: str, meter: str, value: float) -> None:
    """Record a meter reading of asset CODE (run hours, filter pressure drop, ...)."""
    try:
        reading = container.asset_service.record_meter(code, meter, value, by=SYSTEM)
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(MeterReadingOut.of(reading).model_dump(mode="json")))


commands: list[click.Command] = [assets]
