"""`udara buildings`, `udara floors`, `udara rooms`: the building register from the shell.

The shell is the operator's: it acts as a facility manager of every building (`OPERATOR`),
through the same service, rules and JSON shapes as the API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from maintenance.domain.model import ROOM_KINDS, TRAFFIC_LEVELS
from maintenance.domain.transitions import Actor
from udara.bootstrap import Container

OPERATOR = Actor("cli", "facility_manager")
T = TypeVar("T")


def _run(container: Container, action: Callable[[], T]) -> T:
    """Call the service; a refusal is a one-line error (exit status 1), not a traceback."""
    from maintenance.domain.errors import MaintenanceError

    click.get_current_context().call_on_close(container.close)
    try:
        return action()
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False))


def _hours(text: str | None) -> Any:
    """The --hours option as OperatingHours (None when not given; "" clears them)."""
    if text is None:
        return None
    from maintenance.domain.errors import InvalidInput
    from maintenance.domain.hours import parse_hours

    try:
        return parse_hours(text)
    except InvalidInput as exc:
        raise click.BadParameter(str(exc), param_hint="--hours") from exc


HOURS_HELP = 'operating hours, local time: "mon-fri 07:00-19:00,sat 08:00-13:00,sun closed"'


@click.group()
def buildings() -> None:
    """Buildings: code (as in MQTT topics), name, time zone and operating hours."""


@buildings.command("add")
@click.argument("code")
@click.option("--name", default=None, help="display name (default: the code)")
@click.option("--timezone", default=None, help="IANA zone (default: UDARA_TIMEZONE)")
@click.option("--hours", default=None, help=HOURS_HELP)
@click.pass_obj
def buildings_add(
    container: Container, code: str, name: str | None, timezone: str | None, hours: str | None
) -> None:
    """Add building CODE; prints it as JSON."""
    service = container.building_service
    made = _run(
        container,
        lambda: service.create_building(
            OPERATOR, code, name=name, timezone=timezone, hours=_hours(hours)
        ),
    )
    _echo_json(made.to_json())


@buildings.command("update")
@click.argument("code")
@click.option("--name", default=None)
@click.option("--timezone", default=None, help="IANA zone")
@click.option("--hours", default=None, help=HOURS_HELP + '; "" clears them')
@click.pass_obj
def buildings_update(
    container: Container, code: str, name: str | None, timezone: str | None, hours: str | None
) -> None:
    """Rename building CODE, or change its time zone or operating hours."""
    service = container.building_service
    changed = _run(
        container,
        lambda: service.update_building(
            OPERATOR, code, name=name, timezone=timezone, hours=_hours(hours)
        ),
    )
    _echo_json(changed.to_json())


@buildings.command("list")
@click.option("--json", "as_json", is_flag=True, help="a JSON array")
@click.pass_obj
def buildings_list(container: Container, as_json: bool) -> None:
    """List buildings by code."""
    found = _run(container, lambda: container.building_service.buildings(OPERATOR))
    if as_json:
        _echo_json([b.to_json() for b in found])
        return
    for b in found:
        click.echo(f"{b.code:20} {b.timezone:18} {b.rooms:4} rooms  {b.name}  {b.hours or '-'}")


@click.group()
def floors() -> None:
    """Floors of a building."""


@floors.command("add")
@click.argument("building")
@click.argument("floor")
@click.option("--name", default=None)
@click.option("--level", type=click.IntRange(-20, 300), default=None, help="0 ground, -1 below")
@click.pass_obj
def floors_add(
    container: Container, building: str, floor: str, name: str | None, level: int | None
) -> None:
    """Add FLOOR to BUILDING."""
    service = container.building_service
    made = _run(
        container, lambda: service.add_floor(OPERATOR, building, floor, name=name, level=level)
    )
    _echo_json(made.to_json())


@floors.command("list")
@click.argument("building")
@click.option("--json", "as_json", is_flag=True, help="a JSON array")
@click.pass_obj
def floors_list(container: Container, building: str, as_json: bool) -> None:
    """List the floors of BUILDING, lowest first."""
    found = _run(container, lambda: container.building_service.floors(OPERATOR, building))
    if as_json:
        _echo_json([f.to_json() for f in found])
        return
    for f in found:
        level = "-" if f.level is None else f.level
        click.echo(f"{f.code:20} {level!s:>4} {f.rooms:4} rooms  {f.name}")


@click.group()
def rooms() -> None:
    """Rooms: code (as in MQTT topics), floor, name, kind and traffic level."""


_KIND = click.Choice(ROOM_KINDS)
_TRAFFIC = click.Choice(TRAFFIC_LEVELS)


@rooms.command("add")
@click.argument("building")
@click.argument("room")
@click.option("--floor", default=None, help="floor code (created if new)")
@click.option("--name", default=None)
@click.option("--kind", type=_KIND, default=None, help="default: guessed from the code")
@click.option("--traffic", type=_TRAFFIC, default=None, help="default: follows the kind")
@click.pass_obj
def rooms_add(
    container: Container,
    building: str,
    room: str,
    floor: str | None,
    name: str | None,
    kind: str | None,
    traffic: str | None,
) -> None:
    """Add ROOM to BUILDING; prints it as JSON."""
    service = container.building_service
    made = _run(
        container,
        lambda: service.add_room(
            OPERATOR, building, room, floor=floor, name=name, kind=kind, traffic=traffic
        ),
    )
    _echo_json(made.to_json())


@rooms.command("update")
@click.argument("building")
@click.argument("room")
@click.option("--floor", default=None, help="floor code (created if new)")
@click.option("--name", default=None)
@click.option("--kind", type=_KIND, default=None)
@click.option("--traffic", type=_TRAFFIC, default=None)
@click.pass_obj
def rooms_update(
    container: Container,
    building: str,
    room: str,
    floor: str | None,
    name: str | None,
    kind: str | None,
    traffic: str | None,
) -> None:
    """Rename ROOM, move it to another floor, change its kind or traffic level."""
    service = container.building_service
    changed = _run(
        container,
        lambda: service.update_room(
            OPERATOR, building, room, floor=floor, name=name, kind=kind, traffic=traffic
        ),
    )
    _echo_json(changed.to_json())


@rooms.command("merge")
@click.argument("building")
@click.argument("from_room", metavar="FROM")
@click.argument("into_room", metavar="INTO")
@click.pass_obj
def rooms_merge(container: Container, building: str, from_room: str, into_room: str) -> None:
    """Merge room FROM (say, a typo a sensor was configured with) into room INTO: its work
    orders, plans, alerts and readings history become INTO's, and FROM stays an alias."""
    service = container.building_service
    merged = _run(
        container,
        lambda: service.merge_rooms(OPERATOR, building, from_room, into_room, container.clock()),
    )
    _echo_json(merged.to_json())


@rooms.command("list")
@click.argument("building", required=False)
@click.option("--json", "as_json", is_flag=True, help="a JSON array")
@click.pass_obj
def rooms_list(container: Container, building: str | None, as_json: bool) -> None:
    """List the rooms of BUILDING (or of every building), by code."""
    service = container.building_service

    def found() -> list[Any]:
        codes = [building] if building else [b.code for b in service.buildings(OPERATOR)]
        return [room for code in codes for room in service.rooms(OPERATOR, code)]

    places = _run(container, found)
    if as_json:
        _echo_json([p.to_json() for p in places])
        return
    for p in places:
        merged = f"  (was {', '.join(p.aliases)})" if p.aliases else ""
        click.echo(f"{p.building:16} {p.floor:10} {p.code:24} {p.kind:13} {p.name}{merged}")


@rooms.command("link")
@click.argument("building")
@click.argument("room")
@click.option("--rotate", is_flag=True, help="a new token: the printed QR code stops working")
@click.pass_obj
def rooms_link(container: Container, building: str, room: str, rotate: bool) -> None:
    """Print ROOM's public link (what its QR code holds): occupants report from it."""
    links = container.room_links
    made = _run(
        container,
        lambda: links.rotate(OPERATOR, building, room) if rotate else links.link(building, room),
    )
    click.echo(f"{container.settings.public_url.rstrip('/')}/r/{made.token}")


commands: list[click.Command] = [buildings, floors, rooms]
