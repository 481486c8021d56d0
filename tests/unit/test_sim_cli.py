"""`udara simulate` options that need no broker (dry runs and refusals)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sensors_sim.cli import simulate


def test_dry_run_prints_statuses_then_readings_with_explicit_timestamps() -> None:
    args = ["--dry-run", "--rooms", "3", "--count", "6", "--start", "2026-11-02T09:00"]
    result = CliRunner().invoke(simulate, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 9
    assert lines[0] == "udara/menara-sim/lt1-lobi/s-lt1-lobi/status (retained) online"
    topic, payload = lines[3].split(" ", 1)
    assert topic == "udara/menara-sim/lt1-lobi/s-lt1-lobi/telemetry"
    assert json.loads(payload)["ts"] == "2026-11-02T09:00:00+07:00"


def test_building_ids_must_fit_the_topic_contract() -> None:
    result = CliRunner().invoke(simulate, ["--dry-run", "--count", "1", "--building", "Menara A"])
    assert result.exit_code == 2 and "--building" in result.output


def test_a_scenario_without_its_kind_of_room_is_refused_before_connecting() -> None:
    result = CliRunner().invoke(simulate, ["--scenario", "meeting-co2", "--rooms", "2"])
    assert result.exit_code == 2 and "meeting room" in result.output


def test_durations_and_start_times_are_checked() -> None:
    assert CliRunner().invoke(simulate, ["--duration", "soon"]).exit_code == 2
    assert CliRunner().invoke(simulate, ["--start", "yesterday"]).exit_code == 2


def test_format_prints_a_firmwares_topics_and_payloads() -> None:
    args = ["--dry-run", "--rooms", "2", "--count", "2", "--start", "2026-11-02T09:00"]
    result = CliRunner().invoke(simulate, [*args, "--format", "tasmota"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "tele/menara-sim-lt1-lobi/LWT (retained) Online"
    topic, payload = lines[2].split(" ", 1)
    assert topic == "tele/menara-sim-lt1-lobi/SENSOR"
    assert json.loads(payload)["Time"] == "2026-11-02T09:00:00"
    refused = CliRunner().invoke(simulate, [*args, "--format", "homekit"])
    assert refused.exit_code == 2 and "--format" in refused.output


def test_list_devices_names_each_rooms_device_for_placing() -> None:
    args = ["--list-devices", "--rooms", "7", "--format", "mixed", "--building", "menara-b"]
    result = CliRunner().invoke(simulate, args)
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [d["format"] for d in listed] == [
        "udara", "tasmota", "esphome", "zigbee2mqtt", "shelly", "chirpstack", "udara",
    ]  # fmt: skip
    assert listed[1] == {
        "device": "tasmota:menara-b-lt2-kantor-1",
        "format": "tasmota",
        "building": "menara-b",
        "room": "lt2-kantor-1",
    }
    assert listed == json.loads(CliRunner().invoke(simulate, args).output)
