"""Command-line commands of the sensors_sim package: `udara simulate`."""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
import paho.mqtt.client as mqtt

from ingest.domain.const import NAME_PATTERN
from sensors_sim.formats import CHOICES
from sensors_sim.message import Message
from sensors_sim.progress import Progress
from sensors_sim.publisher import DEFAULT_WINDOW, PublishError
from sensors_sim.rooms import DEFAULT_BUILDING
from sensors_sim.run import RunPlan, parse_duration, parse_start, plan_run, run_simulation
from sensors_sim.scenarios import SCENARIOS, target_rooms
from sensors_sim.stats import PublishStats
from sensors_sim.stream import SimulationSpec, devices, messages
from udara.settings import MqttTarget, Settings


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> timedelta | None:
    try:
        return parse_duration(value) if value is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _check_building(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not re.match(NAME_PATTERN, value):
        raise click.BadParameter("1 to 64 characters of a-z, 0-9, - and _")
    return value


def _target(settings: Settings, url: str | None, user: str | None, pw: str | None) -> MqttTarget:
    try:
        target = MqttTarget(url or settings.mqtt_url)  # a copy: credentials may change below
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--mqtt-url") from None
    if user is not None:
        target.username, target.password = user, pw
    return target


def _report(stats: PublishStats) -> str:
    text = (
        f"published {stats.published:,} messages: {stats.acked:,} acknowledged, "
        f"{stats.failed:,} refused, {stats.unacknowledged:,} unacknowledged "
        f"in {stats.elapsed_s:.1f} s ({stats.rate:,.0f} msg/s)"
    )
    if stats.reconnects:
        text += f"; reconnected {stats.reconnects} time(s)"
    return text + ("; stopped early" if stats.interrupted else "")


@contextmanager
def _stop_on_sigterm() -> Iterator[threading.Event]:
    """An event set by SIGTERM, so a stopped run still collects its PUBACKs and reports."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def _dry_run(stream: Iterator[Message]) -> None:
    out = sys.stdout
    for message in stream:
        flag = " (retained)" if message.retain else ""
        text = message.payload[:300].decode("utf-8", "backslashreplace")
        out.write(f"{message.topic}{flag} {text}\n")


@click.command("simulate")
@click.option("--rooms", default=12, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--scenario",
    type=click.Choice(list(SCENARIOS)),
    default="normal",
    show_default=True,
    help="; ".join(f"{s.name}: {s.description}" for s in SCENARIOS.values()),
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    help="Load mode: readings per second in total, each waiting for its PUBACK.",
)
@click.option("--count", type=click.IntRange(min=1), help="Stop after N readings.")
@click.option(
    "--interval",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.01),
    help="Simulated seconds between two readings of one sensor.",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    help="Accelerated: simulated seconds per wall-clock second (default 1, real time).",
)
@click.option(
    "--start",
    help="Simulated start (RFC 3339, or local date/time of the building); "
    "without --speed the run goes as fast as the broker acknowledges.",
)
@click.option("--duration", callback=_duration, help="Simulated time to cover: 3d, 6h, 90m.")
@click.option("--onset", callback=_duration, help="When the scenario's fault begins: 30m.")
@click.option(
    "--building",
    default=DEFAULT_BUILDING,
    show_default=True,
    callback=_check_building,
    help="Building id in the topics.",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same data.")
@click.option(
    "--night-setback",
    is_flag=True,
    help="Out of hours the air handlers dehumidify and filter instead of stopping.",
)
@click.option("--mqtt-url", help="Broker, mqtt://host:port or mqtts:// (default UDARA_MQTT_URL).")
@click.option("--username", help="Device user name on the broker.")
@click.option(
    "--password", envvar="UDARA_SIM_PASSWORD", help="Device password (or UDARA_SIM_PASSWORD)."
)
@click.option(
    "--window",
    default=DEFAULT_WINDOW,
    show_default=True,
    type=click.IntRange(1, 60000),
    help="Messages in flight awaiting their PUBACK.",
)
@click.option(
    "--ack-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds to wait for outstanding PUBACKs before giving up.",
)
@click.option(
    "--mqtt-version",
    type=click.Choice(["5", "3.1.1"]),
    default="5",
    show_default=True,
    help="MQTT 5 reports refused messages in the PUBACK.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(CHOICES),
    default="udara",
    show_default=True,
    help="What each sensor publishes: Udara's own payload, or a firmware's shape (Tasmota, "
    "ESPHome, Zigbee2MQTT, Shelly Gen2, ChirpStack v4); `mixed` takes them in turn per room. "
    "Other formats' devices are pending until placed (--list-devices); ESPHome readings "
    "carry no time, ingest stamps them on receipt; a Shelly H&T reports only T/RH.",
)
@click.option(
    "--list-devices",
    is_flag=True,
    help="Print the simulated devices (id, format, building, room) as JSON and exit.",
)
@click.option("--dry-run", is_flag=True, help="Print the messages instead of publishing them.")
@click.pass_context
def simulate(
    ctx: click.Context,
    rooms: int,
    scenario: str,
    rate: float | None,
    count: int | None,
    interval: float,
    speed: float | None,
    start: str | None,
    duration: timedelta | None,
    onset: timedelta | None,
    building: str,
    seed: int,
    night_setback: bool,
    mqtt_url: str | None,
    username: str | None,
    password: str | None,
    window: int,
    ack_timeout: float,
    mqtt_version: str,
    fmt: str,
    list_devices: bool,
    dry_run: bool,
) -> None:
    """Simulated sensors publishing realistic office air over MQTT (QoS 1, every PUBACK awaited)."""
    settings: Settings = getattr(ctx.obj, "settings", None) or Settings()
    tz = ZoneInfo(settings.timezone)
    try:
        start_at = parse_start(start, tz) if start else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--start") from None
    spec = SimulationSpec(
        rooms,
        building,
        scenario,
        seed,
        timedelta(seconds=interval),
        settings.timezone,
        onset,
        night_setback=night_setback,
        format=fmt,
    )
    if list_devices:
        click.echo(json.dumps(_device_list(spec), indent=2))
        return
    try:
        target_rooms(SCENARIOS[scenario], spec.room_list())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scenario") from None
    plan = plan_run(
        datetime.now(UTC),
        rooms=rooms,
        interval=spec.interval,
        start=start_at,
        duration=duration,
        speed=speed,
        rate=rate,
        count=count,
    )
    try:
        if dry_run:
            _dry_run(messages(spec, plan.start, plan.end, plan.limit))
            return
        target = _target(settings, mqtt_url, username, password)
        click.echo(_banner(spec, plan, target), err=True)
        progress = Progress(tz)
        with _stop_on_sigterm() as stop:
            stats = run_simulation(
                target,
                spec,
                plan,
                window=window,
                ack_timeout=ack_timeout,
                progress=progress,
                stop=stop,
                protocol=mqtt.MQTTv5 if mqtt_version == "5" else mqtt.MQTTv311,
            )
        progress.finish()
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_report(stats))
    if not stats.ok:
        click.echo("some messages were not acknowledged by the broker", err=True)
        ctx.exit(1)


def _device_list(spec: SimulationSpec) -> list[dict[str, str]]:
    rooms = spec.room_list()
    return [
        {"device": d.device_id, "format": d.format, "building": r.building, "room": r.name}
        for d, r in zip(devices(spec), rooms, strict=True)
    ]


def _banner(spec: SimulationSpec, plan: RunPlan, target: MqttTarget) -> str:
    local = plan.start.astimezone(ZoneInfo(spec.timezone))
    until = f" for {plan.end - plan.start}" if plan.end else ""
    limit = f", {plan.limit:,} readings" if plan.limit else ""
    return (
        f"simulating {spec.rooms} rooms of {spec.building} ({spec.scenario}, "
        f"{spec.format} format) to "
        f"{target.host}:{target.port} from {local:%Y-%m-%d %H:%M %Z}{until}{limit}; "
        f"{plan.mode}"
    )


commands: list[click.Command] = [simulate]
