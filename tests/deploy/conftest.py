"""Fixtures for the deployment tests: the repository's compose file, and a real Mosquitto running
the very configuration, ACL and entrypoint that docker-compose.yml mounts.

Only the listener ports and the container paths are rewritten (free ports, a temporary
folder); as root, `user root` is added so the broker need not drop privileges.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.mqtt_probe import Probe
from udara.devices import Credential, DeviceRegistry
from udara.devservers import ManagedServer, free_port, port_open, wait_until

REPO = Path(__file__).resolve().parents[2]
MOSQUITTO_DIR = REPO / "deploy" / "mosquitto"
CONTAINER_CONFIG_DIR = "/mosquitto/config"
CONTAINER_DATA_DIR = "/mosquitto/data"
DEVICE_LISTENER = 1883
PLATFORM_LISTENER = 1884

SERVICE_PASSWORDS = {
    "udara-ingest": "ingest-test-password",
    "udara-web": "web-test-password",
    "udara-simulator": "simulator-test-password",
    "udara-healthcheck": "healthcheck-test-password",
}
SERVICE_ENV = {
    "MQTT_INGEST_PASSWORD": SERVICE_PASSWORDS["udara-ingest"],
    "MQTT_WEB_PASSWORD": SERVICE_PASSWORDS["udara-web"],
    "MQTT_SIMULATOR_PASSWORD": SERVICE_PASSWORDS["udara-simulator"],
    "MQTT_HEALTHCHECK_PASSWORD": SERVICE_PASSWORDS["udara-healthcheck"],
}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """docker-compose.yml, parsed (YAML anchors and merge keys resolved)."""
    data = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def render_broker_config(
    text: str, *, config_dir: Path, data_dir: Path, device_port: int, platform_port: int
) -> str:
    """The mounted mosquitto.conf with only ports and container paths moved, every line kept."""
    replacements = {
        f"listener {DEVICE_LISTENER}": f"listener {device_port} 127.0.0.1",
        f"listener {PLATFORM_LISTENER}": f"listener {platform_port} 127.0.0.1",
    }
    used: set[str] = set()
    lines = ["user root"] if os.geteuid() == 0 else []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in replacements:
            used.add(stripped)
            line = replacements[stripped]
        line = line.replace(f"{CONTAINER_CONFIG_DIR}/", f"{config_dir}/")
        line = line.replace(f"{CONTAINER_DATA_DIR}/", f"{data_dir}/")
        lines.append(line)
    assert used == set(replacements), "mosquitto.conf must declare listeners 1883 and 1884"
    return "\n".join(lines) + "\n"


def run_entrypoint(
    config_dir: Path, data_dir: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run deploy/mosquitto/entrypoint.sh as the container does, with `true` as the command."""
    return subprocess.run(
        ["sh", str(config_dir / "entrypoint.sh"), "true"],
        env={
            "PATH": os.environ["PATH"],
            "MOSQUITTO_CONFIG_DIR": str(config_dir),
            "MOSQUITTO_DATA_DIR": str(data_dir),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@dataclass
class Broker:
    """A Mosquitto running the repository's broker configuration."""

    workdir: Path
    config_dir: Path
    data_dir: Path
    device_port: int
    platform_port: int
    credentials: dict[str, Credential] = field(default_factory=dict)
    server: ManagedServer | None = None
    probes: list[Probe] = field(default_factory=list)

    @property
    def registry(self) -> DeviceRegistry:
        """Device registry on this broker's files, hashing with mosquitto_passwd."""
        return DeviceRegistry(self.config_dir, passwd_tool=shutil.which("mosquitto_passwd"))

    def start(self) -> None:
        conf = self.workdir / "mosquitto.run.conf"
        conf.write_text(
            render_broker_config(
                (self.config_dir / "mosquitto.conf").read_text(encoding="utf-8"),
                config_dir=self.config_dir,
                data_dir=self.data_dir,
                device_port=self.device_port,
                platform_port=self.platform_port,
            )
        )
        self.server = ManagedServer(
            "mosquitto", ["mosquitto", "-c", str(conf)], self.workdir, self.device_port
        )
        self.server.start()
        for port in (self.device_port, self.platform_port):
            wait_until(lambda p=port: port_open("127.0.0.1", p), 15, f"mosquitto on {port}")

    def stop(self) -> None:
        for probe in self.probes:
            probe.close()
        self.probes.clear()
        if self.server is not None:
            self.server.stop()

    def reload(self) -> None:
        """SIGHUP: the broker rereads its password file and ACL, as after `udara devices`."""
        assert self.server is not None and self.server.process is not None
        self.server.process.send_signal(signal.SIGHUP)

    def login_ok(self, username: str, password: str | None = None) -> bool:
        """True when the device listener accepts this login (the connection is then closed)."""
        probe = Probe(self.device_port, username, password or self.credentials[username].password)
        try:
            return not probe.connect().is_failure
        finally:
            probe.close()

    def probe(self, username: str | None, password: str | None = None, **kwargs: Any) -> Probe:
        """A client of the device listener (`platform=True`: of the platform listener)."""
        port = self.platform_port if kwargs.pop("platform", False) else self.device_port
        if password is None and username in SERVICE_PASSWORDS:
            password = SERVICE_PASSWORDS[username]
        if password is None and username in self.credentials:
            password = self.credentials[username].password
        probe = Probe(port, username, password, **kwargs)
        self.probes.append(probe)
        return probe

    def connected(self, username: str | None, password: str | None = None, **kw: Any) -> Probe:
        """A probe that connected successfully."""
        probe = self.probe(username, password, **kw)
        code = probe.connect()
        assert not code.is_failure, f"{username} refused: {code}"
        return probe


@pytest.fixture
def broker_factory(tmp_path: Path) -> Iterator[Callable[..., Broker]]:
    """Start brokers on copies of deploy/mosquitto, with devices issued before the start."""
    started: list[Broker] = []

    def make(
        devices: tuple[tuple[str, str, str, str, bool], ...] = (),
        accounts: tuple[tuple[str, str, str | None], ...] = (),
        extra_acl: str = "",
        extra_passwords: dict[str, str] | None = None,
    ) -> Broker:
        """`devices`: (name, building, room, sensor, hash with mosquitto_passwd) of format
        udara; `accounts`: (name, format, topic) of other firmware; `extra_acl` and
        `extra_passwords`: accounts an operator added by hand."""
        workdir = tmp_path / f"broker{len(started)}"
        config_dir, data_dir = workdir / "config", workdir / "data"
        data_dir.mkdir(parents=True)
        shutil.copytree(MOSQUITTO_DIR, config_dir, ignore=shutil.ignore_patterns("passwd*", ".*"))
        broker = Broker(workdir, config_dir, data_dir, free_port(), free_port())
        run_entrypoint(config_dir, data_dir, SERVICE_ENV)
        for name, building, room, sensor, with_tool in devices:
            registry = broker.registry if with_tool else DeviceRegistry(config_dir)
            broker.credentials[name] = registry.add(
                name, building=building, room=room, sensor=sensor
            )
        for name, fmt, topic in accounts:
            broker.credentials[name] = broker.registry.add(name, format=fmt, topic=topic)
        if extra_acl:
            with (config_dir / "acl").open("a", encoding="utf-8") as acl:
                acl.write(extra_acl)
        for user, password in (extra_passwords or {}).items():
            broker.registry.set_password(user, password)
        broker.start()
        started.append(broker)
        return broker

    yield make
    for broker in started:
        broker.stop()


# Two devices: one hashed by mosquitto_passwd, one by the Python fallback.
STANDARD_DEVICES = (
    ("lobby-co2", "hq", "lobby", "co2-1", True),
    ("meeting-pm", "hq", "meeting-1", "pm-1", False),
)


@pytest.fixture
def broker(broker_factory: Callable[..., Broker]) -> Broker:
    """A broker on the repository's config with the standard devices issued."""
    return broker_factory(STANDARD_DEVICES)
