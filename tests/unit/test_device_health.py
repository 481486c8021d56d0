"""Device health: the share of expected readings, and faulty time counted once."""

from datetime import UTC, datetime, timedelta

from devices.domain import health, sensor_tag

SINCE = datetime(2026, 3, 1, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=1)


def test_coverage_is_the_share_of_slots_holding_a_reading() -> None:
    assert health(144, 288, [], SINCE, UNTIL).coverage == 0.5
    assert health(300, 288, [], SINCE, UNTIL).coverage == 1.0  # never above all of them
    assert health(0, 0, [], SINCE, UNTIL).coverage == 0.0


def test_overlapping_faults_count_once_and_open_ones_run_to_the_end() -> None:
    h = SINCE + timedelta(hours=2)
    faults = [
        ("co2", h, h + timedelta(hours=3)),
        ("temperature", h + timedelta(hours=1), h + timedelta(hours=4)),  # overlaps by 2 h
        ("co2", UNTIL - timedelta(hours=1), None),  # still faulty
        ("humidity", SINCE - timedelta(days=2), SINCE + timedelta(hours=1)),  # began before
    ]
    found = health(288, 288, faults, SINCE, UNTIL)
    assert found.faulty_hours == 1 + 4 + 1
    assert found.faulty_now == ("co2",)


def test_a_device_id_becomes_a_valid_sensor_tag() -> None:
    assert sensor_tag("zigbee2mqtt:Ruang Rapat/Kecil") == "zigbee2mqtt-ruang-rapat-kecil"
    assert len(sensor_tag("chirpstack:" + "a" * 100)) == 64
