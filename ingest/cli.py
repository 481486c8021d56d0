"""Command-line commands of the ingest package: `udara ingest`, `udara alerts list`."""

from __future__ import annotations

import errno
import json
import signal
import threading
import time
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from udara.bootstrap import Container


def serve_metrics(host: str, port: int) -> int:
    """Serve Prometheus metrics on host:port (0: a free port); returns the port.

    A port that is taken, or an address that cannot be used, ends the command with one
    line saying so (exit status 1) instead of a traceback.
    """
    from prometheus_client import start_http_server

    try:
        server, _thread = start_http_server(port, addr=host)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"metrics port {host}:{port} is already in use (another ingest?): choose "
                "another with --metrics-port PORT, or 0 for a free one. "
                f"Port metrik {host}:{port} sudah dipakai: pilih port lain dengan "
                "--metrics-port PORT, atau 0 untuk port yang bebas."
            ) from None
        raise click.ClickException(
            f"cannot serve metrics on {host}:{port}: {exc.strerror or exc} (see --metrics-host "
            f"and --metrics-port). Metrik tidak bisa dilayani di {host}:{port}."
        ) from None
    return int(server.server_address[1])


@click.command("ingest")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=9108,
    show_default=True,
    help="Serve Prometheus metrics on this port (0: any free port, printed at start).",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="Address of the metrics server (0.0.0.0 in a container).",
)
@click.option("--metrics/--no-metrics", default=True, help="Serve Prometheus metrics.")
@click.option("--summary/--no-summary", default=True, help="Print a live summary line.")
@click.pass_obj
def ingest_command(
    container: Container, metrics_port: int, metrics_host: str, metrics: bool, summary: bool
) -> None:
    """Consume sensor readings from MQTT into InfluxDB and raise alerts."""
    from udara.logging_setup import configure_logging

    settings = container.settings
    configure_logging(settings.log_level, settings.log_json)
    if metrics:
        port = serve_metrics(metrics_host, metrics_port)
        chosen = " (a free port: --metrics-port 0)" if metrics_port == 0 else ""
        click.echo(f"ingest: metrics on http://{metrics_host}:{port}/metrics{chosen}", err=True)
    service = container.make_ingest_service()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    service.start()
    click.echo(
        f"ingest: {settings.mqtt.host}:{settings.mqtt.port} → "
        f"{settings.influx_url}/{settings.influx_db}",
        err=True,
    )
    last_stored, last_time = 0, time.monotonic()
    while not stop.wait(5.0):
        if not service.healthy():
            click.echo("ingest worker died; exiting so a supervisor restarts ingest", err=True)
            service.stop()
            raise SystemExit(1)
        if not summary:
            continue
        stats, now = service.stats, time.monotonic()
        rate = (stats.stored - last_stored) / (now - last_time)
        last_stored, last_time = stats.stored, now
        click.echo(
            f"readings/s {rate:8.1f} | stored {stats.stored} | rejected {stats.rejected_total} "
            f"| open alerts {container.alert_service.count_open()}",
            err=True,
        )
    service.stop()


@click.group("alerts")
def alerts_group() -> None:
    """Air-quality and sensor alerts."""


@alerts_group.command("list")
@click.option("--state", type=click.Choice(["active", "acknowledged", "resolved"]))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def alerts_list(container: Container, state: str | None, as_json: bool) -> None:
    """List alerts, newest first; texts in Indonesian unless UDARA_LANG=en."""
    from ingest.schemas import AlertOut
    from udara.scope import EVERYTHING

    # The operator's shell reaches every building, as the database itself does.
    found = container.alert_service.list(state=state, scope=EVERYTHING)
    places = container.location_service.rooms_by_code((a.building, a.room) for a in found)
    lang = container.settings.lang
    alerts = [AlertOut.of(a, lang, places.get((a.building, a.room))) for a in found]
    if as_json:
        rows = [a.model_dump(mode="json") for a in alerts]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for a in alerts:
        what = a.metric if a.kind == "threshold" else " ".join(filter(None, (a.kind, a.metric)))
        click.echo(
            f"#{a.id:<5} {a.state:<12} {a.severity:<8} {a.building}/{a.room} ({a.room_name}) "
            f"{what}: {a.message}"
        )


commands: list[click.Command] = [ingest_command, alerts_group]
