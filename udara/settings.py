"""The one settings object, read from the environment and an optional `.env` file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "udara-development-secret-do-not-use-in-production"  # noqa: S105


class MqttTarget:
    """A parsed `mqtt://[user:password@]host[:port]` URL."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts"):
            raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, got {url!r}")
        self.tls = parts.scheme == "mqtts"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (8883 if self.tls else 1883)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None


class Settings(BaseSettings):
    """Configuration of every Udara process (see CONTRACTS.md, "Configuration")."""

    model_config = SettingsConfigDict(
        env_prefix="UDARA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "production"] = "development"
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    mqtt_client_id: str = "udara-ingest"
    influx_url: str = "http://127.0.0.1:8086"
    influx_db: str = "udara"
    influx_username: str | None = None
    influx_password: SecretStr | None = None
    influx_token: SecretStr | None = None
    database_url: str = "sqlite:///var/udara.db"
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    timezone: str = "Asia/Jakarta"
    threshold_profile: str = "permenkes-1077-2011"

    # Additions beyond the contract (all optional).
    offline_after_s: int = Field(default=15 * 60, gt=0)
    mqtt_receive_maximum: int = Field(default=20_000, gt=0, le=65_535)
    # Several ingest processes share the load with `$share/<group>/...` subscriptions.
    mqtt_shared_group: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # Or each ingest takes whole buildings (comma-separated codes), so one process sees all
    # of a sensor's readings and its averaging windows stay whole.
    mqtt_buildings: str | None = Field(
        default=None, pattern=r"^[a-z0-9_-]{1,64}(,[a-z0-9_-]{1,64})*$"
    )
    # Sensor firmware formats ingest subscribes to (comma-separated; CONTRACTS.md "Sensor
    # devices"). Unset: all of them, or only `udara` when this ingest takes given buildings
    # (another firmware's topic says no building: exactly one ingest should take those).
    device_formats: str | None = Field(default=None, pattern=r"^[a-z0-9]+(,[a-z0-9]+)*$")
    influx_batch_size: int = Field(default=5_000, gt=0)
    influx_flush_interval_s: float = Field(default=0.25, gt=0)
    # A site's own data-quality thresholds (faulty sensors), in the shape of the shipped
    # ingest/domain/quality.yaml; unset: that file.
    quality_file: Path | None = None
    log_json: bool = False
    log_level: str = "INFO"
    # The language of the command line's alert texts (pages and the API follow the reader).
    lang: Literal["id", "en"] = "id"
    # Notifications (CONTRACTS.md "Notifications"): e-mail through this SMTP server
    # (`smtp://[user:password@]host[:port]`, `smtps://`, `?starttls=true`; unset: e-mail
    # deliveries wait and retry), the sender, and the base of links in messages.
    smtp_url: SecretStr | None = None
    mail_from: str = "Udara <udara@localhost>"
    public_url: str = "http://127.0.0.1:5000"
    # Who hears what (default: notifications/routing.yaml).
    notify_routing_file: str | None = None
    # Occupants' photos (re-encoded, by content hash) and the category rules (default:
    # occupants/rules.yaml).
    media_dir: Path = Path("var/media")
    occupant_rules_file: Path | None = None
    # Sensor-verified completion (CONTRACTS.md "Assets"): how long a room's readings must stay
    # inside the limit after an alert-born corrective work order is done.
    verify_minutes: int = Field(default=30, gt=0, le=7 * 24 * 60)

    @property
    def formats(self) -> tuple[str, ...]:
        """The device formats this ingest takes."""
        from ingest.domain.formats import parse_formats

        if self.device_formats is None and self.mqtt_buildings:
            return ("udara",)
        return parse_formats(self.device_formats)

    @field_validator("device_formats")
    @classmethod
    def _known_formats(cls, value: str | None) -> str | None:
        from ingest.domain.formats import parse_formats

        parse_formats(value)  # ValueError names the unknown ones
        return value

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url_parses(cls, value: str) -> str:
        MqttTarget(value)
        return value

    @cached_property
    def mqtt(self) -> MqttTarget:
        """The broker URL, parsed."""
        return MqttTarget(self.mqtt_url)

    @property
    def is_production(self) -> bool:
        """True when running with UDARA_ENV=production."""
        return self.env == "production"

    def check_production_ready(self) -> None:
        """Refuse to run production with the development secret."""
        secret = self.secret_key.get_secret_value()
        if self.is_production and (
            secret in ("", DEVELOPMENT_SECRET) or secret.upper().startswith("CHANGE-ME")
        ):
            raise RuntimeError(
                "UDARA_ENV=production needs UDARA_SECRET_KEY set to a long random value; "
                "refusing to start with the development secret."
            )
