"""Constants of the sensor contract (CONTRACTS.md, "MQTT")."""

from __future__ import annotations

from typing import Final

TOPIC_PREFIX: Final = "udara"
TELEMETRY_SUFFIX: Final = "telemetry"
STATUS_SUFFIX: Final = "status"
SUBSCRIPTIONS: Final = ("udara/+/+/+/telemetry", "udara/+/+/+/status")
MAX_PAYLOAD_BYTES: Final = 16 * 1024
NAME_PATTERN: Final = r"^[a-z0-9_-]{1,64}$"

METRICS: Final = ("temperature", "humidity", "co2", "pm25", "pm10", "co", "hcho")

# What a building sensor can physically report; outside this a value is a fault, not air.
PHYSICAL_RANGES: Final[dict[str, tuple[float, float]]] = {
    "temperature": (-40.0, 85.0),  # °C, industrial sensor range
    "humidity": (0.0, 100.0),  # % RH
    "co2": (0.0, 40_000.0),  # ppm, NDIR full scale
    "pm25": (0.0, 1_000.0),  # µg/m³, laser counters' effective range
    "pm10": (0.0, 2_000.0),  # µg/m³
    "co": (0.0, 1_000.0),  # ppm, electrochemical full scale
    "hcho": (0.0, 50.0),  # ppm
}

UNITS: Final[dict[str, str]] = {
    "temperature": "°C",
    "humidity": "%",
    "co2": "ppm",
    "pm25": "µg/m³",
    "pm10": "µg/m³",
    "co": "ppm",
    "hcho": "ppm",
}


class RejectReason:
    """Why a message was rejected; used as the `reason` label of the rejection counter."""

    TOO_LARGE: Final = "too_large"
    BAD_TOPIC: Final = "bad_topic"
    NOT_UTF8: Final = "not_utf8"
    NOT_JSON: Final = "not_json"
    NOT_OBJECT: Final = "not_object"
    BAD_TYPE: Final = "bad_type"
    NOT_FINITE: Final = "not_finite"
    IMPOSSIBLE: Final = "impossible_value"
    NO_METRIC: Final = "no_metric"
    BAD_TIMESTAMP: Final = "bad_timestamp"
    BAD_STATUS: Final = "bad_status"

    ALL: Final = (
        TOO_LARGE,
        BAD_TOPIC,
        NOT_UTF8,
        NOT_JSON,
        NOT_OBJECT,
        BAD_TYPE,
        NOT_FINITE,
        IMPOSSIBLE,
        NO_METRIC,
        BAD_TIMESTAMP,
        BAD_STATUS,
    )
