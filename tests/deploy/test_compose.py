"""docker-compose.yml and .env.example, checked without a Docker engine.

`docker compose` cannot run here, so these tests read the file as compose would: services,
profiles, healthchecks, restart policies, start order, volumes, mounted files, and the
variables it interpolates.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest

from tests.deploy.conftest import REPO
from udara.settings import Settings

CORE = {"mosquitto", "influxdb", "postgres", "migrate", "web", "ingest", "scheduler"}
OPTIONAL = {"simulator": "simulator", "grafana": "grafana", "devices": "tools"}
APP_SERVICES = {"migrate", "web", "ingest", "scheduler", "simulator", "devices"}
LONG_RUNNING = {"mosquitto", "influxdb", "postgres", "web", "ingest", "scheduler", "grafana"}
# Configuration variables of CONTRACTS.md, "Configuration" (copied: tests never read ../shared).
CONTRACT_VARIABLES = {
    "UDARA_ENV",
    "UDARA_MQTT_URL",
    "UDARA_MQTT_CLIENT_ID",
    "UDARA_INFLUX_URL",
    "UDARA_INFLUX_DB",
    "UDARA_INFLUX_USERNAME",
    "UDARA_INFLUX_PASSWORD",
    "UDARA_INFLUX_TOKEN",
    "UDARA_DATABASE_URL",
    "UDARA_SECRET_KEY",
    "UDARA_TIMEZONE",
    "UDARA_THRESHOLD_PROFILE",
}
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


def env_example() -> dict[str, str | None]:
    """Variables of .env.example: name → value, or None when only documented (commented out)."""
    found: dict[str, str | None] = {}
    for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            found.setdefault(match[2], None if match[1] else match[3])
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "use the mapping form of environment"
    return {k: str(v) for k, v in env.items()}


def test_services_and_profiles(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == CORE | set(OPTIONAL)
    for name in CORE:
        assert "profiles" not in services[name], f"{name} must start by default"
    for name, profile in OPTIONAL.items():
        assert services[name]["profiles"] == [profile]


def test_images(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["mosquitto"]["image"] == "eclipse-mosquitto:2"
    assert services["influxdb"]["image"].startswith("influxdb:1.")
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["grafana"]["image"].startswith("grafana/")
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, "every Udara process runs the one image"
    for name in APP_SERVICES:
        assert services[name]["build"]["context"] == "."


def test_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["udara", "db", "upgrade"]
    assert services["ingest"]["command"][:2] == ["udara", "ingest"]
    assert services["scheduler"]["command"] == ["udara", "scheduler"]
    assert services["simulator"]["command"][:2] == ["udara", "simulate"]
    web = services["web"]["command"]
    assert web[0] == "gunicorn" and web[-1] == "web.app:create_app()"
    assert any(arg.startswith("--workers=") for arg in web)
    assert services["devices"]["entrypoint"] == ["udara", "devices"]


def test_healthchecks_and_restart_policies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL"), f"{name} needs a healthcheck"
        assert {"interval", "timeout", "retries"} <= set(check)
        assert services[name]["restart"] == "unless-stopped", name
    assert services["simulator"]["restart"] == "unless-stopped"
    for one_shot in ("migrate", "devices"):
        assert services[one_shot]["restart"] == "no"
        assert "healthcheck" not in services[one_shot]
    assert "/ping" in " ".join(services["influxdb"]["healthcheck"]["test"])
    assert "healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_start_order(compose: dict[str, Any]) -> None:
    services = compose["services"]

    def depends(name: str) -> dict[str, str]:
        return {dep: cond["condition"] for dep, cond in services[name]["depends_on"].items()}

    for name in ("web", "ingest", "scheduler"):
        assert depends(name)["migrate"] == "service_completed_successfully", name
    assert depends("migrate") == {"postgres": "service_healthy"}
    assert depends("ingest")["mosquitto"] == "service_healthy"
    assert depends("ingest")["influxdb"] == "service_healthy"
    assert depends("simulator") == {"mosquitto": "service_healthy"}
    assert depends("grafana") == {"influxdb": "service_healthy"}
    # Every dependency that must be healthy has a healthcheck.
    for name, service in services.items():
        for dep, cond in service.get("depends_on", {}).items():
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits on {dep}'s health"


def test_volumes_and_mounted_files_exist(compose: dict[str, Any]) -> None:
    named = set(compose["volumes"])
    assert named == {"mosquitto-data", "influxdb-data", "postgres-data", "grafana-data"}
    used = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                path = (REPO / source).resolve()
                assert path.exists(), f"{name} mounts {source}, missing from the repository"
                assert REPO in path.parents, f"{name} mounts {source} from outside the repository"
            else:
                assert source in named, f"{name} uses undeclared volume {source}"
                used.add(source)
    assert used == named
    mounts = {v.split(":")[1]: v.split(":")[0] for v in compose["services"]["influxdb"]["volumes"]}
    assert mounts["/var/lib/influxdb"] == "influxdb-data"


def test_broker_service(compose: dict[str, Any]) -> None:
    mosquitto = compose["services"]["mosquitto"]
    volumes = dict(v.split(":")[:2][::-1] for v in mosquitto["volumes"])
    assert volumes["/mosquitto/config"] == "./deploy/mosquitto"
    assert volumes["/mosquitto/data"] == "mosquitto-data"
    assert mosquitto["entrypoint"] == ["/bin/sh", "/mosquitto/config/entrypoint.sh"]
    assert mosquitto["command"][-2:] == ["-c", "/mosquitto/config/mosquitto.conf"]
    assert "/mosquitto/config/healthcheck.sh" in mosquitto["healthcheck"]["test"]
    # Only the device listener is published; the platform listener stays inside compose.
    assert [p.rsplit(":", 1)[1] for p in mosquitto["ports"]] == ["1883"]
    for account in ("INGEST", "WEB", "HEALTHCHECK", "SIMULATOR"):
        assert f"MQTT_{account}_PASSWORD" in environment(mosquitto)


def test_broker_config_lines() -> None:
    conf = (REPO / "deploy" / "mosquitto" / "mosquitto.conf").read_text()
    settings: dict[str, list[str]] = {}
    for line in conf.splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition(" ")
            settings.setdefault(key, []).append(value)
    assert settings["listener"] == ["1883", "1884"]
    assert settings["allow_anonymous"] == ["false"]
    assert settings["password_file"] == ["/mosquitto/config/passwd"]
    assert settings["acl_file"] == ["/mosquitto/config/acl"]
    assert settings["persistence"] == ["true"]
    assert settings["persistence_location"] == ["/mosquitto/data/"]
    assert 0 < int(settings["autosave_interval"][0]) <= 60
    assert int(settings["max_queued_messages"][0]) >= 1_000_000
    assert settings["max_queued_bytes"] == ["0"]
    assert int(settings["max_inflight_messages"][0]) >= 100
    # The device listener ties client ids to user names.
    assert conf.index("use_username_as_clientid true") < conf.index("listener 1884")


def test_app_services_reach_servers_by_compose_names(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in APP_SERVICES:
        env = environment(services[name])
        assert services[name]["env_file"] == ".env"
        assert env["UDARA_INFLUX_URL"] == "${UDARA_INFLUX_URL:-http://influxdb:8086}"
        assert env["UDARA_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@postgres:5432/" in env["UDARA_DATABASE_URL"]
        assert "@mosquitto:1884" in env["UDARA_MQTT_URL"], "services use the platform listener"
    accounts = {
        name: environment(services[name])["UDARA_MQTT_URL"].split("://")[1].split(":")[0]
        for name in APP_SERVICES
    }
    assert accounts["ingest"] == "udara-ingest"
    assert accounts["simulator"] == "udara-simulator"
    assert {accounts[n] for n in APP_SERVICES - {"ingest", "simulator"}} == {"udara-web"}
    client_ids = [environment(services[n])["UDARA_MQTT_CLIENT_ID"] for n in APP_SERVICES]
    assert client_ids.count("udara-ingest") == 1, "only ingest may use ingest's session id"


def test_env_example_documents_every_setting() -> None:
    documented = env_example()
    fields = {f"UDARA_{name.upper()}" for name in Settings.model_fields}
    udara_vars = {name for name in documented if name.startswith("UDARA_")}
    assert udara_vars <= fields, f"not Settings fields: {udara_vars - fields}"
    assert CONTRACT_VARIABLES <= udara_vars, f"undocumented: {CONTRACT_VARIABLES - udara_vars}"
    assert documented["UDARA_ENV"] == "production"
    assert "CHANGE-ME" in (documented["UDARA_SECRET_KEY"] or "")


def test_env_example_loads_as_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(f"UDARA_{name.upper()}", raising=False)
    settings = Settings(_env_file=REPO / ".env.example")  # type: ignore[call-arg]
    assert settings.is_production
    assert settings.secret_key.get_secret_value().startswith("CHANGE-ME")


def test_every_interpolated_variable_is_in_env_example() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    text = text.replace("$$", "")  # escaped: left for the container's shell
    documented = env_example()
    for match in INTERPOLATION.finditer(text):
        name, op = match[1], match[2]
        assert name in documented, f"${{{name}}} is not in .env.example"
        if op and op.endswith("?"):
            assert documented[name], f"{name} is required: .env.example must give it a value"
    bare = re.findall(r"\$(?!\{)[A-Za-z_]", text)
    assert bare == [], "use ${VAR} interpolation only"


def test_placeholders_are_distinct_and_secrets_not_committed() -> None:
    documented = env_example()
    secrets = {k: v for k, v in documented.items() if k.endswith(("PASSWORD", "SECRET_KEY"))}
    for name, value in secrets.items():
        assert value is None or value == "" or value.startswith("CHANGE-ME"), name
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO, check=False)
    assert ignored.returncode == 0, ".env holds the site's secrets and must be git-ignored"
