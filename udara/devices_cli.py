"""`udara devices`: issue, list and revoke the broker credentials of sensor devices."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from udara.devices import DEFAULT_CONFIG_DIR, Credential, DeviceError, DeviceRegistry

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


@devices.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@config_dir_option
def list_command(as_json: bool, config_dir: Path) -> None:
    """List the devices that have a credential."""
    registry = _registry(config_dir)
    try:
        found = registry.devices()
    except (DeviceError, OSError) as exc:
        raise _fail(exc) from exc
    if as_json:
        rows = [
            {
                "name": d.name,
                "building": d.building,
                "room": d.room,
                "sensor": d.sensor,
                "topic_prefix": d.topic_prefix,
            }
            for d in found
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not found:
        click.echo("no devices")
        return
    width = max(len(d.name) for d in found)
    for d in found:
        click.echo(f"{d.name:<{width}}  {d.topic_prefix}")


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
