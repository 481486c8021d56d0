"""`udara devices`: issue, list and revoke the broker credentials of sensor devices."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from udara.bootstrap import Container
from udara.devices import DEFAULT_CONFIG_DIR, Credential, DeviceError, DeviceRegistry

if TYPE_CHECKING:
    from devices.service import DeviceView

RELOAD_HINT = (
    "Reload the broker to apply: docker compose kill -s HUP mosquitto "
    "(outside compose: kill -HUP <mosquitto pid> or systemctl reload mosquitto)."
)

config_dir_option = click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CONFIG_DIR,
    show_default=True,
    envvar="MOSQUITTO_CONFIG_DIR",
    help="Folder with the broker's acl and passwd files [env: MOSQUITTO_CONFIG_DIR].",
)


def _registry(config_dir: Path) -> DeviceRegistry:
    return DeviceRegistry.with_system_tool(config_dir)


def _fail(exc: Exception) -> click.ClickException:
    if isinstance(exc, PermissionError):
        return click.ClickException(
            f"{exc}. The broker owns its files: run as root (sudo), or through compose: "
            "docker compose run --rm devices ..."
        )
    return click.ClickException(str(exc))


def _credential_json(credential: Credential, broker_url: str) -> str:
    device = credential.device
    return json.dumps(
        {
            "name": device.name,
            "building": device.building,
            "room": device.room,
            "sensor": device.sensor,
            "username": device.username,
            "password": credential.password,
            "topic_prefix": device.topic_prefix,
            "telemetry_topic": device.telemetry_topic,
            "status_topic": device.status_topic,
            "mqtt_url": credential.mqtt_url(broker_url),
        },
        indent=2,
    )


@click.group("devices")
def devices() -> None:
    """Broker credentials of sensor devices.

    Each device gets its own MQTT user that may publish only under
    udara/{building}/{room}/{sensor}/ (telemetry and status). Changes take effect when the
    broker reloads its files (SIGHUP).
    """


@devices.command("add")
@click.argument("name")
@click.option("--building", required=True, help="Building id (topic segment).")
@click.option("--room", required=True, help="Room id (topic segment).")
@click.option("--sensor", default=None, help="Sensor id (topic segment); default: NAME.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of generating one.",
)
@click.option(
    "--broker-url",
    default="mqtt://BROKER_HOST:1883",
    show_default=True,
    help="Broker address devices use, for the printed MQTT URL.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the credential as JSON.")
@config_dir_option
def add_command(
    name: str,
    building: str,
    room: str,
    sensor: str | None,
    password_stdin: bool,
    broker_url: str,
    as_json: bool,
    config_dir: Path,
) -> None:
    """Issue a credential for device NAME and print it (the password is shown only once)."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        credential = _registry(config_dir).add(
            name, building=building, room=room, sensor=sensor, password=password
        )
    except (DeviceError, OSError) as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(_credential_json(credential, broker_url))
    else:
        device = credential.device
        shown = "(the one you gave)" if password_stdin else credential.password
        click.echo(f"Device {device.name} may publish under {device.topic_prefix}")
        click.echo(f"  username:     {device.username}")
        click.echo(f"  password:     {shown}")
        click.echo(f"  topic prefix: {device.topic_prefix}")
        click.echo(f"  telemetry:    {device.telemetry_topic}  (QoS 1)")
        click.echo(f"  status:       {device.status_topic}  (retained; last will 'offline')")
        if not password_stdin:
            click.echo(f"  MQTT URL:     {credential.mqtt_url(broker_url)}")
        click.echo("The password is stored only as a hash: copy it now, it is not shown again.")
    click.echo(RELOAD_HINT, err=True)


def _container() -> Container | None:
    """The composition root when run as `udara devices …` (the group alone has none)."""
    obj = click.get_current_context().find_root().obj
    return obj if isinstance(obj, Container) else None


def _heard(status: str | None) -> list[DeviceView]:
    """Devices of every format the registry has heard (the operator's shell sees all)."""
    container = _container()
    if container is None:
        return []
    from maintenance.domain.transitions import SYSTEM

    return container.device_service.list(status, viewer=SYSTEM)


@devices.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@config_dir_option
def list_command(as_json: bool, config_dir: Path) -> None:
    """List devices: those with a broker credential, and every device heard in any format."""
    registry = _registry(config_dir)
    try:
        found = registry.devices()
    except (DeviceError, OSError) as exc:
        raise _fail(exc) from exc
    heard = _heard(None)
    if as_json:
        rows: list[dict[str, object]] = [
            {
                "name": d.name,
                "format": "udara",
                "building": d.building,
                "room": d.room,
                "sensor": d.sensor,
                "topic_prefix": d.topic_prefix,
            }
            for d in found
        ]
        rows += [{"name": h.device, **h.to_json()} for h in heard]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not found and not heard:
        click.echo("no devices")
        return
    width = max([len(d.name) for d in found] + [len(h.device) for h in heard])
    for d in found:
        click.echo(f"{d.name:<{width}}  {d.topic_prefix}")
    for h in heard:
        where = f"{h.building}/{h.room}/{h.sensor}" if h.room else "-"
        click.echo(f"{h.device:<{width}}  {h.status:8} {where}")


@devices.command("pending")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def pending_command(as_json: bool) -> None:
    """Devices heard but not placed on a room yet, with what they report."""
    waiting = _heard("pending")
    if as_json:
        keys = ("device", "format", "first_seen", "last_seen", "readings", "metrics")
        click.echo(json.dumps([{k: d.to_json()[k] for k in keys} for d in waiting], indent=2))
        return
    for d in waiting:
        click.echo(f"{d.device}  {d.format}  {d.readings} readings  {', '.join(d.metrics)}")
    click.echo(f"{len(waiting)} pending devices")


@devices.command("place")
@click.argument("device")
@click.option("--building", required=True)
@click.option("--room", required=True)
@click.option("--sensor", default=None, help="sensor tag; default: the device id made safe")
@click.option("--map", "mapping", multiple=True, help="SOURCE=METRIC, e.g. karbon=co2")
@click.option("--offset", "offsets", multiple=True, help="METRIC=NUMBER, e.g. co2=-15")
def place_command(
    device: str,
    building: str,
    room: str,
    sensor: str | None,
    mapping: tuple[str, ...],
    offsets: tuple[str, ...],
) -> None:
    """Place DEVICE on a room: its held readings join the room's history."""
    container = _container()
    if container is None:
        raise click.ClickException("run as `udara devices place`")
    from maintenance.domain.errors import MaintenanceError
    from maintenance.domain.transitions import SYSTEM

    try:
        view = container.device_service.place(
            device, building, room, sensor=sensor,
            mapping=_pairs(mapping, str) if mapping else None,
            offsets=_pairs(offsets, float) if offsets else None, by=SYSTEM,
        )  # fmt: skip
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(view.to_json(), ensure_ascii=False))


@devices.command("retire")
@click.argument("device")
def retire_command(device: str) -> None:
    """Stop storing DEVICE's readings (it is still heard and counted)."""
    container = _container()
    if container is None:
        raise click.ClickException("run as `udara devices retire`")
    from maintenance.domain.errors import MaintenanceError
    from maintenance.domain.transitions import SYSTEM

    try:
        view = container.device_service.retire(device, by=SYSTEM)
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(view.to_json(), ensure_ascii=False))


def _pairs(items: tuple[str, ...], kind: type) -> dict[str, Any]:
    """`KEY=VALUE` options as a dict."""
    pairs: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: expected KEY=VALUE")
        try:
            pairs[key.strip()] = kind(value.strip())
        except ValueError as exc:
            raise click.BadParameter(f"{item!r}: {value!r} is not a number") from exc
    return pairs


@devices.command("remove")
@click.argument("name")
@config_dir_option
def remove_command(name: str, config_dir: Path) -> None:
    """Revoke device NAME's credential and ACL entry."""
    try:
        device = _registry(config_dir).remove(name)
    except (DeviceError, OSError) as exc:
        raise _fail(exc) from exc
    click.echo(f"removed device {device.name} ({device.topic_prefix})")
    click.echo(RELOAD_HINT, err=True)


commands: list[click.Command] = [devices]
