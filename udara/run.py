"""`udara run`: ingest, scheduler and web (and optionally the simulator) as one process group.

For small sites and demos. Each part runs as its own child process exactly as it would on
its own; `udara run` starts them, shows ingest's live summary, and stops them together.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from udara.demo_cli import demo_group

if TYPE_CHECKING:
    from udara.bootstrap import Container

LOG_DIR = Path("var/log")


def _child(args: list[str], log_name: str | None) -> subprocess.Popen[bytes]:
    """Start `udara ARGS`; output to var/log/NAME.log, or to this terminal when NAME is None."""
    command = [sys.executable, "-m", "udara.cli", *args]
    if log_name is None:
        return subprocess.Popen(command)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with (LOG_DIR / f"{log_name}.log").open("ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Web UI address.")
@click.option("--port", default=5000, show_default=True, type=int, help="Web UI port.")
@click.option("--with-simulator", is_flag=True, help="Also run simulated sensors (demo).")
@click.option("--rooms", default=12, show_default=True, type=int, help="Simulated rooms.")
@click.pass_obj
def run_command(
    container: Container, host: str, port: int, with_simulator: bool, rooms: int
) -> None:
    """Run ingest, scheduler and web together (small sites and demos)."""
    from ingest.adapters.mqtt import register_session
    from ingest.service import subscriptions
    from udara.db import upgrade_database
    from udara.demo import DEMO_BUILDING, prepare_demo

    settings = container.settings
    settings.check_production_ready()
    upgrade_database(settings.database_url)
    sink = None
    if with_simulator and not settings.is_production and settings.smtp_url is None:
        # The demo's messages go to a local SMTP sink, readable at /demo/mailbox; the
        # children (the scheduler sends) inherit the settings through the environment.
        from udara.demo_mail import start_sink

        sink = start_sink()
        os.environ["UDARA_SMTP_URL"] = f"smtp://127.0.0.1:{sink.port}"
        os.environ.setdefault("UDARA_PUBLIC_URL", f"http://{host}:{port}")
        click.echo(f"demo mail: SMTP sink on 127.0.0.1:{sink.port}; "
                   f"messages at http://{host}:{port}/demo/mailbox")  # fmt: skip
    if with_simulator and not settings.is_production:
        click.echo(f"demo: {DEMO_BUILDING}'s past month, written on the first run only (~30 s)")
        for line in prepare_demo(container, base_url=f"http://{host}:{port}", rooms=rooms):
            click.echo(line)
    # Ingest's session must exist before the first sensor speaks, or early readings are lost.
    register_session(
        settings.mqtt,
        settings.mqtt_client_id,
        subscriptions(settings.mqtt_shared_group, settings.mqtt_buildings),
    )
    children = {
        "ingest": _child(["ingest"], None),
        "scheduler": _child(["scheduler"], "scheduler"),
        "web": _child(["web", "--host", host, "--port", str(port)], "web"),
    }
    if with_simulator:
        # The past is already there (prepare_demo wrote it straight to InfluxDB); live
        # readings every 10 s go on from it, the building's air handlers on night setback.
        sim = ["simulate", "--rooms", str(rooms), "--building", DEMO_BUILDING, "--night-setback"]
        children["simulator"] = _child([*sim, "--scenario", "meeting-co2", "--onset", "0m"],
                                       "simulator")  # fmt: skip
    click.echo(f"web UI: http://{host}:{port}/  (logs of the other parts in {LOG_DIR}/)")
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping:
        for name, child in list(children.items()):
            if child.poll() is None:
                continue
            click.echo(f"{name} exited with {child.returncode}; stopping the others", err=True)
            stopping = True
        time.sleep(0.5)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children.values():
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
    if sink is not None:
        sink.stop()


commands: list[click.Command] = [run_command, demo_group]
