"""Alert messages as a code and parameters, worded only when someone reads them.

Evaluation decides *what* happened (a code from `MessageCode` and its parameters: numbers,
metric and sensor codes, durations in seconds); the reader's channel decides the language.
`TEMPLATES` holds the English wording, which is also the msgid of the web's Babel catalogue
(`N_` marks it for `pybabel extract`): Indonesian lives in that one catalogue, and every
channel passes its own `Words` (a gettext, a number and a time format) to `render`. The
pure `ENGLISH` words give the text stored in `alerts.message` for logs and older readers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final, Literal, Protocol, get_args

MessageCode = Literal[
    "early_warning_above",
    "early_warning_below",
    "range_warning_above",
    "range_warning_below",
    "range_critical",
    "average_breach",
    "threshold_cleared",
    "sensor_offline_silent",
    "sensor_offline_never_heard",
    "sensor_offline_reported",
    "sensor_online_reporting",
    "sensor_online_reported",
    "sensor_stuck",
    "sensor_jump",
    "sensor_drift_low",
    "sensor_drift_high",
    "sensor_faulty_cleared",
]
ParamValue = str | float | int | None
Params = dict[str, ParamValue]


def N_(message: str) -> str:  # gettext's name for "translate later"
    """Mark `message` for the catalogue without translating it here."""
    return message


TEMPLATES: Final[dict[str, str]] = {
    "early_warning_above": N_(
        "%(metric)s %(window)s mean %(value)s %(unit)s is above %(bound)s %(unit)s: "
        "an early warning, not a breach of the regulation's %(averaging)s mean"
    ),
    "early_warning_below": N_(
        "%(metric)s %(window)s mean %(value)s %(unit)s is below %(bound)s %(unit)s: "
        "an early warning, not a breach of the regulation's %(averaging)s mean"
    ),
    "range_warning_above": N_(
        "%(metric)s %(window)s mean %(value)s %(unit)s is above %(bound)s %(unit)s: "
        "a warning; critical if it stays outside %(limit)s for %(span)s"
    ),
    "range_warning_below": N_(
        "%(metric)s %(window)s mean %(value)s %(unit)s is below %(bound)s %(unit)s: "
        "a warning; critical if it stays outside %(limit)s for %(span)s"
    ),
    "range_critical": N_(
        "%(metric)s outside %(limit)s for %(span)s or more (%(window)s mean %(value)s %(unit)s)"
    ),
    "average_breach": N_(
        "%(metric)s %(averaging)s mean %(value)s %(unit)s breaches %(limit)s "
        "(%(coverage)s coverage; %(source)s)"
    ),
    "threshold_cleared": N_("%(metric)s back inside %(limit)s by the hysteresis margin"),
    "sensor_offline_silent": N_(
        "sensor %(sensor)s in %(building)s/%(room)s offline: silent since %(since)s"
    ),
    "sensor_offline_never_heard": N_(
        "sensor %(sensor)s in %(building)s/%(room)s offline: never heard"
    ),
    "sensor_offline_reported": N_(
        "sensor %(sensor)s in %(building)s/%(room)s offline: the device reports offline"
    ),
    "sensor_online_reporting": N_(
        "sensor %(sensor)s in %(building)s/%(room)s online again: reporting again"
    ),
    "sensor_online_reported": N_(
        "sensor %(sensor)s in %(building)s/%(room)s online again: the device reports online"
    ),
    # Faulty sensors (`ingest.domain.quality`): one code per reason, with the detector's
    # numbers, so the technician reads what the sensor did, not just that it is suspect.
    "sensor_stuck": N_(
        "sensor %(sensor)s in %(building)s/%(room)s faulty: %(metric)s stuck at %(value)s "
        "%(unit)s since %(since)s (no change of %(resolution)s %(unit)s in %(span)s)"
    ),
    "sensor_jump": N_(
        "sensor %(sensor)s in %(building)s/%(room)s faulty: %(metric)s jumps implausibly, "
        "%(jumps)s times within %(window)s (last from %(previous)s to %(value)s %(unit)s in "
        "%(interval)s, at most %(allowed)s %(unit)s is plausible)"
    ),
    "sensor_drift_low": N_(
        "sensor %(sensor)s in %(building)s/%(room)s faulty: %(metric)s reads too low, its "
        "night minimum %(value)s %(unit)s was below %(bound)s %(unit)s %(nights)s nights in "
        "a row (an empty room settles near outdoor air, %(outdoor)s %(unit)s)"
    ),
    "sensor_drift_high": N_(
        "sensor %(sensor)s in %(building)s/%(room)s faulty: %(metric)s reads too high, its "
        "night minimum %(value)s %(unit)s was above %(bound)s %(unit)s %(nights)s nights in "
        "a row (an empty room settles near outdoor air, %(outdoor)s %(unit)s)"
    ),
    "sensor_faulty_cleared": N_(
        "sensor %(sensor)s in %(building)s/%(room)s: %(metric)s plausible again"
    ),
}
CODES: Final = frozenset(get_args(MessageCode))

# Metric names where they are words (formulas and symbols read the same in every language).
# These and the duration words below are msgids the web's labels already put in the
# catalogue; tests/unit/test_alert_messages.py keeps every one of them translated.
METRIC_NAMES: Final[dict[str, str]] = {
    "temperature": "Temperature",
    "humidity": "Humidity",
    "co2": "CO₂",
    "pm25": "PM2.5",
    "pm10": "PM10",
    "co": "CO",
    "hcho": "Formaldehyde",
}
_HOURS, _MINUTES, _SECONDS = "%(n)s h", "%(n)s min", "%(n)s s"
_LIMIT_MEAN = "%(span)s mean"
_DURATIONS: Final = {
    "window_s": "window",
    "averaging_s": "averaging",
    "span_s": "span",
    "interval_s": "interval",
}
_NUMBERS: Final = ("value", "bound", "previous", "allowed", "resolution", "outdoor")
_INSTANTS: Final = ("since", "night_start", "night_end")


class Words(Protocol):
    """How one language says things: translated text, numbers and instants."""

    def gettext(self, message: str) -> str:
        """`message` (an English msgid) in this language."""
        ...

    def number(self, value: float) -> str:
        """A number as this language writes it."""
        ...

    def instant(self, value: datetime) -> str:
        """A point in time as this language writes it."""
        ...


class _English:
    """The source language, without any catalogue or locale data: for the stored text."""

    def gettext(self, message: str) -> str:
        return message

    def number(self, value: float) -> str:
        return format(Decimal(str(value)).normalize(), "f")

    def instant(self, value: datetime) -> str:
        return value.isoformat()


ENGLISH: Final[Words] = _English()


def significant(value: float) -> float:
    """`value` to four significant digits (whole numbers stay whole): what a message shows."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, max(0, 3 - math.floor(math.log10(abs(value)))))


def regulation(source: str) -> str:
    """The regulation a limit's source names, e.g. `Permenkes 1077/2011` (its text is English)."""
    return re.split(r"[,:]", source, maxsplit=1)[0].strip()


def duration(seconds: float, words: Words = ENGLISH) -> str:
    """`8 h`, `30 min`, `75 s` in the words' language."""
    for template, size in ((_HOURS, 3600), (_MINUTES, 60)):
        if seconds >= size and seconds % size == 0:
            return words.gettext(template) % {"n": f"{seconds / size:g}"}
    return words.gettext(_SECONDS) % {"n": f"{seconds:g}"}


def limit_bounds(params: Mapping[str, ParamValue], words: Words = ENGLISH) -> str | None:
    """`≤ 1000 ppm`, `≥ 40 %` or `18–30 °C` from the `lower`, `upper` and `unit` params."""
    lower, upper, unit = params.get("lower"), params.get("upper"), params.get("unit", "")
    if isinstance(lower, int | float) and isinstance(upper, int | float):
        return f"{words.number(lower)}–{words.number(upper)} {unit}"
    if isinstance(upper, int | float):
        return f"≤ {words.number(upper)} {unit}"
    if isinstance(lower, int | float):
        return f"≥ {words.number(lower)} {unit}"
    return None


def limit_label(params: Mapping[str, ParamValue], words: Words = ENGLISH) -> str | None:
    """The limit with its averaging time, e.g. `≤ 1000 ppm (8 h mean)`, or None."""
    bounds = limit_bounds(params, words)
    averaging = params.get("averaging_s")
    if bounds is None or not isinstance(averaging, int | float):
        return bounds
    return f"{bounds} ({words.gettext(_LIMIT_MEAN) % {'span': duration(averaging, words)}})"


def render(code: str, params: Mapping[str, ParamValue], words: Words = ENGLISH) -> str:
    """The message `code` with `params` in the words' language; KeyError when either is
    unknown to this version (callers fall back to the stored text)."""
    template = words.gettext(TEMPLATES[code])
    return template % _worded(params, words)


def word(
    code: str | None, params: Mapping[str, ParamValue] | None, stored: str, words: Words
) -> str:
    """The message in the words' language; `stored` for alerts kept before codes existed,
    or with a code or parameters this version does not know."""
    if not code:
        return stored
    try:
        return render(code, params or {}, words)
    except (KeyError, TypeError, ValueError):
        return stored


def message(code: MessageCode, **params: ParamValue) -> tuple[MessageCode, Params, str]:
    """A message as evaluation records it: code, parameters and the English text."""
    return code, params, render(code, params)


def _worded(params: Mapping[str, ParamValue], words: Words) -> dict[str, object]:
    """The template's placeholders from the parameters, each as the reader writes it."""
    out: dict[str, object] = dict(params)
    metric = params.get("metric")
    if isinstance(metric, str):
        out["metric"] = words.gettext(METRIC_NAMES.get(metric, metric))
    for name in _NUMBERS:
        value = params.get(name)
        if isinstance(value, int | float):
            out[name] = words.number(significant(value))
    for name, placeholder in _DURATIONS.items():
        seconds = params.get(name)
        if isinstance(seconds, int | float):
            out[placeholder] = duration(seconds, words)
    coverage = params.get("coverage")
    if isinstance(coverage, int | float):
        out["coverage"] = f"{words.number(round(coverage * 100))}%"
    for name in _INSTANTS:
        instant = params.get(name)
        if isinstance(instant, str):
            out[name] = words.instant(datetime.fromisoformat(instant))
    limit = limit_bounds(params, words)
    if limit is not None:
        out["limit"] = limit
    return out
