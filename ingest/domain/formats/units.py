"""Units devices report in, and how each becomes Udara's unit for its metric.

Udara stores °C, % RH, ppm (CO2, CO, formaldehyde) and µg/m³ (PM). Gas mass concentrations
become mixing ratios at 25 °C and 1 atm: ppm = mg/m³ × 24.45 / molar mass (CONTRACTS.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

MOLAR_VOLUME_L: Final = 24.45  # litres per mole of an ideal gas at 25 °C, 1 atm
MOLAR_MASS_G: Final[dict[str, float]] = {"hcho": 30.03, "co": 28.01, "co2": 44.01}

Converter = Callable[[float], float]

# What people write for a unit → the canonical spelling used below.
_ALIASES: Final[dict[str, str]] = {
    "c": "°C",
    "°c": "°C",
    "celsius": "°C",
    "f": "°F",
    "°f": "°F",
    "fahrenheit": "°F",
    "k": "K",
    "kelvin": "K",
    "%": "%",
    "%rh": "%",
    "rh": "%",
    "ppm": "ppm",
    "ppb": "ppb",
    "ug/m3": "µg/m³",
    "µg/m3": "µg/m³",
    "μg/m3": "µg/m³",  # Greek mu, as some firmwares spell it
    "mg/m3": "mg/m³",
}


def canonical_unit(text: str) -> str | None:
    """The canonical spelling of a unit, or None when it is not one Udara converts."""
    key = text.strip().lower().replace("³", "3").replace(" ", "")
    return _ALIASES.get(key)


def _f_to_c(value: float) -> float:
    return (value - 32.0) * 5.0 / 9.0


def _k_to_c(value: float) -> float:
    return value - 273.15


def _per_thousand(value: float) -> float:
    return value / 1000.0


def _times_thousand(value: float) -> float:
    return value * 1000.0


def _mass_to_ppm(metric: str, per_mg: float) -> Converter:
    factor = MOLAR_VOLUME_L / MOLAR_MASS_G[metric] * per_mg

    def convert(value: float) -> float:
        return value * factor

    return convert


# (metric, canonical unit) → conversion to Udara's unit; None: already Udara's unit.
CONVERSIONS: Final[dict[tuple[str, str], Converter | None]] = {
    ("temperature", "°C"): None,
    ("temperature", "°F"): _f_to_c,
    ("temperature", "K"): _k_to_c,
    ("humidity", "%"): None,
    ("co2", "ppm"): None,
    ("co2", "ppb"): _per_thousand,
    ("co2", "mg/m³"): _mass_to_ppm("co2", 1.0),
    ("pm25", "µg/m³"): None,
    ("pm25", "mg/m³"): _times_thousand,
    ("pm10", "µg/m³"): None,
    ("pm10", "mg/m³"): _times_thousand,
    ("co", "ppm"): None,
    ("co", "ppb"): _per_thousand,
    ("co", "mg/m³"): _mass_to_ppm("co", 1.0),
    ("hcho", "ppm"): None,
    ("hcho", "ppb"): _per_thousand,
    ("hcho", "mg/m³"): _mass_to_ppm("hcho", 1.0),
    ("hcho", "µg/m³"): _mass_to_ppm("hcho", 0.001),
}

# Udara's own unit of each metric, spelled canonically.
UDARA_UNIT: Final[dict[str, str]] = {
    "temperature": "°C",
    "humidity": "%",
    "co2": "ppm",
    "pm25": "µg/m³",
    "pm10": "µg/m³",
    "co": "ppm",
    "hcho": "ppm",
}
