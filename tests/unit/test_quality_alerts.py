"""Faulty sensors as alerts: keys per (sensor, metric), one worded code per reason, in both
languages, and the detector's pipeline call (`check`): what to leave out of evaluation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ingest.domain.alerts import AlertKey
from ingest.domain.messages import CODES, render
from ingest.domain.model import Reading, SensorRef
from ingest.domain.quality import FaultKey, QualityChange, QualityDetector
from ingest.domain.quality_alerts import (
    CLEARED,
    REASON_CODES,
    alert_change,
    alert_key,
    fault_keys,
)
from udara.i18n import words

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 07:00 in Jakarta
MIN = timedelta(minutes=1)
S1 = SensorRef("menara-a", "lt3-rapat", "s1")


def test_a_faulty_key_names_its_metric_so_two_metrics_of_one_sensor_do_not_collide() -> None:
    co2 = alert_key(FaultKey(S1, "co2"))
    temperature = alert_key(FaultKey(S1, "temperature"))
    assert co2 == AlertKey("menara-a", "lt3-rapat", "co2", "warning", "faulty", "s1")
    assert co2.open_key == "menara-a/lt3-rapat/sensor:s1/faulty/co2"
    assert co2.open_key != temperature.open_key
    offline = AlertKey("menara-a", "lt3-rapat", None, "warning", "offline", "s1")
    assert offline.open_key == "menara-a/lt3-rapat/sensor:s1/offline"  # unchanged
    longest = AlertKey("b" * 64, "r" * 64, "temperature", "warning", "faulty", "s" * 64)
    assert len(longest.open_key) <= 255  # the alerts.open_key column


def test_open_faulty_alerts_are_read_back_as_fault_keys() -> None:
    keys = [
        alert_key(FaultKey(S1, "co2")),
        AlertKey("menara-a", "lt3-rapat", "co2", "warning"),
        AlertKey("menara-a", "lt3-rapat", None, "warning", "offline", "s1"),
    ]
    assert fault_keys(keys) == [FaultKey(S1, "co2")]


def _stuck() -> list[QualityChange]:
    detector = QualityDetector()
    changes: list[QualityChange] = []
    for i in range(0, 6 * 60 + 10, 5):
        changes += detector.observe(T0 + i * MIN, S1, "co2", 1500.0)
    changes += detector.observe(T0 + 370 * MIN, S1, "co2", 1497.0)
    return changes


def _jumping() -> list[QualityChange]:
    detector = QualityDetector()
    values = [24.0, 24.1, 80.0, 24.1, 24.2, 75.0, 24.2, 24.1, 70.0] + [24.1, 24.2] * 6
    changes: list[QualityChange] = []
    for i, value in enumerate(values):
        changes += detector.observe(T0 + i * MIN, S1, "temperature", value)
    return changes


def _drifting(level: float) -> list[QualityChange]:
    """A CO2 sensor whose empty-room nights sit at `level` (default nights 22:00-05:00 WIB)."""
    detector = QualityDetector()
    changes: list[QualityChange] = []
    for i in range(0, 4 * 24 * 60, 10):
        value = level + (i // 10) % 3  # a live sensor's noise: never stuck
        changes += detector.observe(T0 + i * MIN, S1, "co2", value)
    return changes


def every_reason() -> list[QualityChange]:
    return _stuck() + _jumping() + _drifting(700.0) + _drifting(300.0)


def test_each_reason_opens_with_its_own_code_and_every_clear_with_one() -> None:
    changes = every_reason()
    opened = {c.reason for c in changes if c.action == "open"}
    assert opened == set(REASON_CODES)
    alerts = [alert_change(c) for c in changes]
    codes = {a.message_code for a in alerts}
    assert codes == {*REASON_CODES.values(), CLEARED} <= CODES
    for alert in alerts:
        assert alert.key.kind == "faulty" and alert.key.severity == "warning"
        assert alert.message == render(str(alert.message_code), alert.message_params or {})


def test_the_stuck_alert_says_what_the_sensor_did() -> None:
    opened, cleared = (alert_change(c) for c in _stuck())
    assert (opened.action, opened.at, opened.value) == ("open", T0 + 360 * MIN, 1500.0)
    assert opened.message == (
        "sensor s1 in menara-a/lt3-rapat faulty: CO₂ stuck at 1500 ppm since "
        "2026-03-02T00:00:00+00:00 (no change of 1 ppm in 6 h)"
    )
    indonesian = render("sensor_stuck", opened.message_params or {}, words("id", "Asia/Jakarta"))
    assert indonesian == (
        "sensor s1 di menara-a/lt3-rapat rusak: CO₂ macet di 1.500 ppm sejak "
        "2 Mar 2026 07:00 WIB (tidak berubah 1 ppm pun selama 6 jam)"
    )
    assert (cleared.action, cleared.message_code, cleared.at) == (
        "clear",
        "sensor_faulty_cleared",
        T0 + 370 * MIN,
    )


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_faulty_message_is_worded_whole_in_both_languages(lang: str) -> None:
    for alert in map(alert_change, every_reason()):
        text = render(str(alert.message_code), alert.message_params or {}, words(lang, "UTC"))
        assert "%(" not in text and not re.search(r"\d\.\d{5}", text), text


def test_reconciled_clears_have_no_reason_and_still_a_message() -> None:
    change = QualityChange("clear", FaultKey(S1, "humidity"), None, T0)
    alert = alert_change(change)
    assert alert.message == "sensor s1 in menara-a/lt3-rapat: Humidity plausible again"
    assert alert.key.metric == "humidity" and alert.value is None


def test_check_distrusts_a_faulty_metric_and_the_one_implausible_value_only() -> None:
    detector = QualityDetector()
    steady = {"co2": 600.0, "temperature": 24.0, "pm25": 10.0}

    def check(minute: int, **values: float) -> list[str]:
        return detector.check(Reading(S1, T0 + minute * MIN, steady | values))[1]

    assert check(0) == []
    assert check(1, temperature=85.0) == ["temperature"]  # a lone outlier: left out once
    assert check(2, temperature=24.1) == []
    for minute in range(3, 6 * 60 + 3):
        distrusted = check(minute, temperature=24.0 + (minute % 2) / 10)
    assert distrusted == ["co2"]  # co2 never moved: stuck since minute 0
    assert check(6 * 60 + 3, co2=612.0) == []  # the value that clears it is trusted again
    assert check(6 * 60 + 3, co2=700.0) == []  # not newer: decides nothing, nothing faulty
