"""`udara devices`: issue, list and revoke the broker credentials of sensor devices."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from udara.bootstrap import Container
from udara.devices import (
    DEFAULT_CONFIG_DIR,
    FIRMWARE,
    FORMATS,
    Credential,
    Device,
    DeviceError,
    DeviceRegistry,
    FirmwareDevice,
    HandEdited,
    make_device,
    validate_segment,
)

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


def _credential_json(credential: Credential, broker_url: str, building: str | None) -> str:
    device = credential.device
    data: dict[str, object]
    if isinstance(device, Device):
        data = {
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
        }
    else:
        data = {
            **_firmware_json(device),
            "username": device.username,
            "password": credential.password,
            "building": building,
            "mqtt_url": credential.mqtt_url(broker_url),
        }
    return json.dumps(data, indent=2)


def _firmware_json(device: FirmwareDevice) -> dict[str, object]:
    """A device of another format: its format, topic space and registry id."""
    option = device.firmware.option
    return {
        "name": device.name,
        "format": device.format,
        **({option: device.topic} if option else {}),
        "device_id": device.device_id,
        "publish": device.publishes,
        "subscribe": device.subscribes,
    }


@click.group("devices")
def devices() -> None:
    """Broker credentials of sensor devices, and the registry of devices heard.

    Each device gets its own MQTT user. One of Udara's own payload may publish only under
    udara/{building}/{room}/{sensor}/ (telemetry and status); one of another firmware
    (--format) only in its firmware's topic space for its own topic, node or prefix, and
    reads only its own command topics. Changes take effect when the broker reloads its files
    (SIGHUP).
    """


def _topic_of(fmt: str, options: dict[str, str | None]) -> str | None:
    """The one of --topic/--node/--prefix that `fmt` takes; the others must be absent."""
    firmware = FIRMWARE.get(fmt)
    wanted = firmware.option if firmware else None
    for option, value in options.items():
        if value is not None and option != wanted:
            takes = f"--{wanted}" if wanted else "none of them"
            raise click.UsageError(f"--{option} is not for format {fmt} (it takes {takes})")
    return options.get(wanted) if wanted else None


@devices.command("add")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="udara",
    show_default=True,
    help="What the device publishes: Udara's payload, or another firmware's topics.",
)
@click.option(
    "--building",
    default=None,
    help="Building id (topic segment). Required for format udara; for tasmota and esphome, "
    "pre-registers the device as pending in that building.",
)
@click.option("--room", default=None, help="Room id (topic segment); format udara only.")
@click.option(
    "--sensor", default=None, help="Sensor id (topic segment); default: NAME. Format udara only."
)
@click.option("--topic", default=None, help="Tasmota: the device's Topic (tele/TOPIC/…).")
@click.option("--node", default=None, help="ESPHome: the node name (its topic prefix).")
@click.option("--prefix", default=None, help="Shelly: the device's MQTT topic prefix.")
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
    fmt: str,
    building: str | None,
    room: str | None,
    sensor: str | None,
    topic: str | None,
    node: str | None,
    prefix: str | None,
    password_stdin: bool,
    broker_url: str,
    as_json: bool,
    config_dir: Path,
) -> None:
    """Issue a credential for device NAME and print it (the password is shown only once).

    \b
    udara devices add lobby-co2 --building hq --room lobby
    udara devices add kantor-plug --format tasmota --topic kantor_1 [--building hq]
    udara devices add node-7 --format esphome --node node-7 [--building hq]
    udara devices add z2m --format zigbee2mqtt
    udara devices add ht-lt2 --format shelly --prefix shellyplusht-lt2
    udara devices add lns --format chirpstack
    """
    value = _topic_of(fmt, {"topic": topic, "node": node, "prefix": prefix})
    if fmt == "udara" and (building is None or room is None):
        raise click.UsageError("format udara needs --building and --room (its topic names them)")
    noted = building if fmt != "udara" else None
    try:
        if fmt != "udara":
            make_device(name, fmt, room=room, sensor=sensor, topic=value)  # checked before the DB
    except DeviceError as exc:
        raise _fail(exc) from exc
    expected = _expectation(fmt, value, noted)
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    registry = _registry(config_dir)
    try:
        credential = registry.add(
            name,
            building=building if fmt == "udara" else None,
            room=room,
            sensor=sensor,
            format=fmt,
            topic=value,
            password=password,
        )
    except (DeviceError, OSError) as exc:
        raise _fail(exc) from exc
    registered = _expect(registry, name, expected)
    if as_json:
        click.echo(_credential_json(credential, broker_url, noted))
    else:
        _print_credential(credential, broker_url, password_stdin, registered)
    click.echo(RELOAD_HINT, err=True)


def _expectation(fmt: str, value: str | None, building: str | None) -> tuple[str, str, str] | None:
    """(device id, format, building) to pre-register, when a building was given for a device whose
    id is known now; refuses a building that cannot be noted."""
    if building is None:
        return None
    firmware = FIRMWARE[fmt]
    device_id = firmware.device_id(value)
    if device_id is None:
        why = (
            f"a {fmt} account is a bridge for many devices"
            if firmware.option is None
            else f"a {fmt} device's id is known only once it is heard"
        )
        raise click.UsageError(
            f"--building is not for format {fmt}: {why}; place each device when it is "
            "pending (udara devices pending, udara devices place)"
        )
    try:
        validate_segment(building, "building")
    except DeviceError as exc:
        raise _fail(exc) from exc
    if _container() is None:
        raise click.UsageError("run as `udara devices add` to note the building in the registry")
    return device_id, fmt, building


def _expect(
    registry: DeviceRegistry, name: str, expected: tuple[str, str, str] | None
) -> str | None:
    """Pre-register the device as pending in its building; if that fails, take the credential
    back so nothing is half done. Returns the device id registered."""
    if expected is None:
        return None
    container = _container()
    assert container is not None  # noqa: S101 - _expectation checked it
    from maintenance.domain.errors import MaintenanceError
    from maintenance.domain.transitions import SYSTEM

    device_id, fmt, building = expected
    try:
        container.device_service.expect(device_id, fmt, building, by=SYSTEM)
    except MaintenanceError as exc:
        registry.remove(name)
        raise click.ClickException(f"{exc}; credential of {name} not issued") from exc
    return device_id


def _print_credential(
    credential: Credential, broker_url: str, password_stdin: bool, registered: str | None
) -> None:
    device = credential.device
    shown = "(the one you gave)" if password_stdin else credential.password
    if isinstance(device, Device):
        click.echo(f"Device {device.name} may publish under {device.topic_prefix}")
        click.echo(f"  username:     {device.username}")
        click.echo(f"  password:     {shown}")
        click.echo(f"  topic prefix: {device.topic_prefix}")
        click.echo(f"  telemetry:    {device.telemetry_topic}  (QoS 1)")
        click.echo(f"  status:       {device.status_topic}  (retained; last will 'offline')")
    else:
        click.echo(f"Device {device.name} ({device.format}) may publish under {device.space}")
        click.echo(f"  username:     {device.username}")
        click.echo(f"  password:     {shown}")
        click.echo(f"  publishes:    {', '.join(device.publishes)}")
        click.echo(f"  subscribes:   {', '.join(device.subscribes)}")
        if registered:
            click.echo(f"  device id:    {registered} (pending in the registry until placed)")
        elif device.device_id:
            click.echo(f"  device id:    {device.device_id} (pending once heard)")
        click.echo(f"  set up:       {device.hint}")
    if not password_stdin:
        click.echo(f"  MQTT URL:     {credential.mqtt_url(broker_url)}")
    click.echo("The password is stored only as a hash: copy it now, it is not shown again.")


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


def _entry_json(entry: Device | FirmwareDevice | HandEdited) -> dict[str, object]:
    if isinstance(entry, Device):  # the keys rows of Udara's payload always had
        return {
            "name": entry.name,
            "format": "udara",
            "building": entry.building,
            "room": entry.room,
            "sensor": entry.sensor,
            "topic_prefix": entry.topic_prefix,
        }
    if isinstance(entry, FirmwareDevice):
        return _firmware_json(entry)
    return {"name": entry.name, "format": None, "hand_edited": True, "acl": list(entry.lines)}


@devices.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@config_dir_option
def list_command(as_json: bool, config_dir: Path) -> None:
    """List devices: those with a broker credential, and every device heard in any format."""
    registry = _registry(config_dir)
    try:
        found = registry.entries()
    except (DeviceError, OSError) as exc:
        raise _fail(exc) from exc
    heard = _heard(None)
    if as_json:
        rows = [_entry_json(entry) for entry in found]
        rows += [{"name": h.device, **h.to_json()} for h in heard]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not found and not heard:
        click.echo("no devices")
        return
    width = max([len(d.name) for d in found] + [len(h.device) for h in heard])
    for d in found:
        shown = f"{d.format}: {d.space}" if isinstance(d, FirmwareDevice) else d.space
        click.echo(f"{d.name:<{width}}  {shown}")
    for h in heard:
        where = f"{h.building}/{h.room}/{h.sensor}" if h.room else (h.building or "-")
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
    """Revoke device NAME's credential and ACL entry (of any format, or a hand-edited one)."""
    try:
        entry = _registry(config_dir).remove(name)
    except (DeviceError, OSError) as exc:
        raise _fail(exc) from exc
    click.echo(f"removed device {entry.name} ({entry.space})")
    click.echo(RELOAD_HINT, err=True)


commands: list[click.Command] = [devices]
