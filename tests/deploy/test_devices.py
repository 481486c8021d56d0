"""`udara devices`: the password file and ACL it writes (the broker's verdicts are in
test_broker.py)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.deploy.conftest import MOSQUITTO_DIR
from udara.devices import (
    DEVICES_MARKER,
    DeviceError,
    DeviceRegistry,
    find_passwd_tool,
    pbkdf2_hash,
    tool_hash,
    verify_password,
)
from udara.devices_cli import commands, devices


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of the committed broker config folder (acl with service accounts, no passwd)."""
    target = tmp_path / "mosquitto"
    shutil.copytree(MOSQUITTO_DIR, target, ignore=shutil.ignore_patterns("passwd*", ".*"))
    return target


@pytest.fixture(params=["mosquitto_passwd", "python"])
def registry(request: pytest.FixtureRequest, config_dir: Path) -> DeviceRegistry:
    """A registry hashing with the system tool, and one with the Python fallback."""
    tool = find_passwd_tool() if request.param == "mosquitto_passwd" else None
    assert tool or request.param == "python", "mosquitto_passwd is missing (make system-packages)"
    return DeviceRegistry(config_dir, passwd_tool=tool)


def passwd_users(config_dir: Path) -> list[str]:
    text = (config_dir / "passwd").read_text()
    return [line.split(":", 1)[0] for line in text.splitlines()]


def test_add_writes_hash_and_acl_block(registry: DeviceRegistry, config_dir: Path) -> None:
    acl_before = (config_dir / "acl").read_text()
    now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    credential = registry.add("lobby-co2", building="hq", room="lobby", sensor="co2-1", now=now)

    assert credential.device.topic_prefix == "udara/hq/lobby/co2-1/"
    assert len(credential.password) >= 32
    line = (config_dir / "passwd").read_text().strip()
    user, encoded = line.split(":", 1)
    assert user == "lobby-co2" and encoded.startswith("$7$")
    assert credential.password not in line
    assert verify_password(credential.password, encoded)
    assert not verify_password("not-the-password", encoded)
    assert stat.S_IMODE((config_dir / "passwd").stat().st_mode) == 0o600

    acl = (config_dir / "acl").read_text()
    assert acl.startswith(acl_before)  # the service accounts' part is untouched
    assert acl[len(acl_before) :] == (
        "\n# device lobby-co2, added 2025-03-01T08:00:00Z\n"
        "user lobby-co2\n"
        "topic write udara/hq/lobby/co2-1/telemetry\n"
        "topic write udara/hq/lobby/co2-1/status\n"
    )


def test_list_and_remove_round_trip(registry: DeviceRegistry, config_dir: Path) -> None:
    acl_before = (config_dir / "acl").read_text()
    registry.add("a-1", building="hq", room="r1")
    registry.add("b-2", building="hq", room="r2", sensor="pm")
    registry.add("c-3", building="annex", room="r1")
    assert [(d.name, d.topic_prefix) for d in registry.devices()] == [
        ("a-1", "udara/hq/r1/a-1/"),
        ("b-2", "udara/hq/r2/pm/"),
        ("c-3", "udara/annex/r1/c-3/"),
    ]
    registry.set_password("udara-ingest", "ingest-password")

    removed = registry.remove("b-2")
    assert removed.topic_prefix == "udara/hq/r2/pm/"
    assert [d.name for d in registry.devices()] == ["a-1", "c-3"]
    assert passwd_users(config_dir) == ["a-1", "c-3", "udara-ingest"]

    registry.remove("a-1")
    registry.remove("c-3")
    assert (config_dir / "acl").read_text() == acl_before
    assert passwd_users(config_dir) == ["udara-ingest"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Lobby"}, "device name"),
        ({"name": "a/b"}, "device name"),
        ({"name": "x" * 65}, "device name"),
        ({"building": "hq/+"}, "building"),
        ({"room": "#"}, "room"),
        ({"sensor": ""}, "sensor"),
        ({"name": "udara-ingest"}, "platform"),
        ({"name": "udara-anything"}, "platform"),
        ({"password": "short"}, "at least"),
    ],
)
def test_add_refuses_bad_input(config_dir: Path, kwargs: dict[str, str], message: str) -> None:
    registry = DeviceRegistry(config_dir)
    args = {"name": "dev-1", "building": "hq", "room": "lobby", **kwargs}
    with pytest.raises(DeviceError, match=message):
        registry.add(args.pop("name"), **args)  # type: ignore[arg-type]
    assert not (config_dir / "passwd").exists()
    assert registry.devices() == []


def test_add_refuses_duplicates(config_dir: Path) -> None:
    registry = DeviceRegistry(config_dir)
    registry.add("dev-1", building="hq", room="lobby", sensor="s1")
    with pytest.raises(DeviceError, match="exists already"):
        registry.add("dev-1", building="hq", room="other")
    with pytest.raises(DeviceError, match="already publishes under udara/hq/lobby/s1/"):
        registry.add("dev-2", building="hq", room="lobby", sensor="s1")
    registry.set_password("gateway", "a-hand-made-account")
    with pytest.raises(DeviceError, match="exists already"):
        registry.add("gateway", building="hq", room="lobby")
    with pytest.raises(DeviceError, match="no device called"):
        registry.remove("nobody")


def test_password_from_caller_is_kept(config_dir: Path) -> None:
    registry = DeviceRegistry(config_dir)
    credential = registry.add(
        "dev-1", building="hq", room="lobby", password="correct horse battery"
    )
    assert credential.password == "correct horse battery"
    assert registry.check_password("dev-1", "correct horse battery")


def test_hash_formats_agree_with_mosquitto_passwd() -> None:
    tool = find_passwd_tool()
    assert tool, "mosquitto_passwd is missing (make system-packages)"
    made_by_tool = tool_hash(tool, "dev-1", "pässwörd with spaces")
    assert made_by_tool.startswith("$7$101$")
    assert verify_password("pässwörd with spaces", made_by_tool)
    ours = pbkdf2_hash("pässwörd with spaces")
    assert [len(p) for p in ours.split("$")] == [len(p) for p in made_by_tool.split("$")]
    salt = b"0123456789ab"
    assert pbkdf2_hash("x", salt=salt) == pbkdf2_hash("x", salt=salt)
    assert verify_password("x", pbkdf2_hash("x", salt=salt))


def test_files_keep_mode_and_owner(config_dir: Path) -> None:
    registry = DeviceRegistry(config_dir)
    registry.set_password("udara-ingest", "ingest-password")
    os.chmod(config_dir / "passwd", 0o640)
    os.chmod(config_dir / "acl", 0o604)
    registry.add("dev-1", building="hq", room="lobby")
    assert stat.S_IMODE((config_dir / "passwd").stat().st_mode) == 0o640
    assert stat.S_IMODE((config_dir / "acl").stat().st_mode) == 0o604
    leftovers = [p.name for p in config_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_acl_without_marker_gets_one(config_dir: Path) -> None:
    (config_dir / "acl").write_text("user udara-ingest\ntopic read udara/#\n")
    registry = DeviceRegistry(config_dir)
    registry.add("dev-1", building="hq", room="lobby")
    text = (config_dir / "acl").read_text()
    assert text.index("topic read udara/#") < text.index(DEVICES_MARKER) < text.index("dev-1")
    assert [d.name for d in registry.devices()] == ["dev-1"]


def test_missing_config_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="no ACL file"):
        DeviceRegistry(tmp_path / "nowhere").devices()


# --- the command line -------------------------------------------------------------------


def run(args: list[str], stdin: str | None = None) -> click.testing.Result:
    return CliRunner().invoke(devices, args, input=stdin, catch_exceptions=False)


def test_commands_export_the_group() -> None:
    assert commands == [devices]
    assert set(devices.commands) == {"add", "list", "remove", "pending", "place", "retire"}


def test_cli_add_prints_the_credential_once(config_dir: Path) -> None:
    result = run(
        [
            "add",
            "lobby-co2",
            "--building",
            "hq",
            "--room",
            "lobby",
            "--config-dir",
            str(config_dir),
            "--broker-url",
            "mqtt://iaq.example.id:1883",
        ]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    password = next(line.split()[-1] for line in out.splitlines() if "password:" in line)
    assert "topic prefix: udara/hq/lobby/lobby-co2/" in out
    assert "username:     lobby-co2" in out
    assert f"mqtt://lobby-co2:{password}@iaq.example.id:1883" in out
    assert "docker compose kill -s HUP mosquitto" in result.stderr
    assert DeviceRegistry(config_dir).check_password("lobby-co2", password)

    listed = run(["list", "--config-dir", str(config_dir)])
    assert listed.stdout.split() == ["lobby-co2", "udara/hq/lobby/lobby-co2/"]
    assert password not in listed.stdout


def test_cli_add_json_and_password_stdin(config_dir: Path) -> None:
    result = run(
        [
            "add",
            "pm-1",
            "--building",
            "hq",
            "--room",
            "lab",
            "--sensor",
            "pm",
            "--json",
            "--password-stdin",
            "--config-dir",
            str(config_dir),
        ],
        stdin="a-password-from-stdin\n",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["password"] == "a-password-from-stdin"
    assert data["telemetry_topic"] == "udara/hq/lab/pm/telemetry"
    assert data["status_topic"] == "udara/hq/lab/pm/status"
    assert data["mqtt_url"] == "mqtt://pm-1:a-password-from-stdin@BROKER_HOST:1883"
    listed = json.loads(run(["list", "--json", "--config-dir", str(config_dir)]).stdout)
    assert listed == [
        {
            "name": "pm-1",
            "format": "udara",
            "building": "hq",
            "room": "lab",
            "sensor": "pm",
            "topic_prefix": "udara/hq/lab/pm/",
        }
    ]


def test_cli_errors_and_remove(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOSQUITTO_CONFIG_DIR", str(config_dir))
    assert run(["add", "dev-1", "--building", "hq", "--room", "lobby"]).exit_code == 0
    again = run(["add", "dev-1", "--building", "hq", "--room", "lobby"])
    assert again.exit_code == 1 and "exists already" in again.stderr
    bad = run(["add", "Dev 1", "--building", "hq", "--room", "lobby"])
    assert bad.exit_code == 1 and "device name" in bad.stderr
    removed = run(["remove", "dev-1"])
    assert removed.exit_code == 0 and "removed device dev-1" in removed.stdout
    assert run(["list"]).stdout.strip() == "no devices"
    assert run(["remove", "dev-1"]).exit_code == 1
