"""`udara devices`: the password file and ACL it writes (the broker's verdicts are in
test_broker.py)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from tests.deploy.conftest import MOSQUITTO_DIR
from udara.devices import (
    DEVICES_MARKER,
    FIRMWARE,
    Device,
    DeviceError,
    DeviceRegistry,
    FirmwareDevice,
    HandEdited,
    _filters_overlap,
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

    assert credential.device.space == "udara/hq/lobby/co2-1/"
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
    assert [(d.name, d.space) for d in registry.devices()] == [
        ("a-1", "udara/hq/r1/a-1/"),
        ("b-2", "udara/hq/r2/pm/"),
        ("c-3", "udara/annex/r1/c-3/"),
    ]
    registry.set_password("udara-ingest", "ingest-password")

    removed = registry.remove("b-2")
    assert removed.space == "udara/hq/r2/pm/"
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


# --- devices of other firmware ------------------------------------------------------------

FIRMWARE_BLOCKS = {
    ("kantor-plug", "tasmota", "kantor_1"): [
        "topic write tele/kantor_1/#",
        "topic write stat/kantor_1/#",
        "topic read cmnd/kantor_1/#",
        "topic read cmnd/tasmotas/#",
    ],
    ("node-7", "esphome", "node-7"): [
        "topic write node-7/#",
        "topic read node-7/+/+/command",
        "topic read node-7/+/+/+/command",
        "topic write esphome/discover/node-7",
        "topic read esphome/discover",
        "topic read esphome/ping/node-7",
    ],
    ("z2m", "zigbee2mqtt", None): ["topic readwrite zigbee2mqtt/#"],
    ("ht-lt2", "shelly", "shellyplusht-lt2"): [
        "topic write shellyplusht-lt2/#",
        "topic read shellyplusht-lt2/rpc",
        "topic read shellyplusht-lt2/command/#",
    ],
    ("lns", "chirpstack", None): [
        "topic write application/#",
        "topic read application/+/device/+/command/#",
    ],
}


@pytest.mark.parametrize(("key", "lines"), FIRMWARE_BLOCKS.items(), ids=lambda v: str(v))
def test_firmware_device_gets_its_own_topic_space(
    config_dir: Path, key: tuple[str, str, str | None], lines: list[str]
) -> None:
    name, fmt, topic = key
    acl_before = (config_dir / "acl").read_text()
    registry = DeviceRegistry(config_dir)
    now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    credential = registry.add(name, format=fmt, topic=topic, now=now)

    what = f"{fmt} {FIRMWARE[fmt].option} {topic}" if topic else fmt
    assert (config_dir / "acl").read_text() == acl_before + "\n" + "\n".join(
        [f"# device {name} ({what}), added 2025-03-01T08:00:00Z", f"user {name}", *lines]
    ) + "\n"
    assert registry.check_password(name, credential.password)
    assert registry.devices() == [FirmwareDevice(name, fmt, topic)]
    assert credential.device == FirmwareDevice(name, fmt, topic)


def test_firmware_device_ids_follow_the_contract() -> None:
    assert FirmwareDevice("p", "tasmota", "Kantor_1").device_id == "tasmota:Kantor_1"
    assert FirmwareDevice("n", "esphome", "node-7").device_id == "esphome:node-7"
    # A bridge speaks for many devices; a Shelly's id (its src) is known once heard.
    assert FirmwareDevice("z", "zigbee2mqtt").device_id is None
    assert FirmwareDevice("c", "chirpstack").device_id is None
    assert FirmwareDevice("s", "shelly", "shellyplusht-lt2").device_id is None


def test_every_format_round_trips_through_the_acl(
    registry: DeviceRegistry, config_dir: Path
) -> None:
    acl_before = (config_dir / "acl").read_text()
    registry.add("lobby-co2", building="hq", room="lobby", sensor="co2-1")
    for name, fmt, topic in FIRMWARE_BLOCKS:
        registry.add(name, format=fmt, topic=topic)
    registry.add("upper", format="tasmota", topic="tasmota_A1B2C3")
    fresh = DeviceRegistry(config_dir)  # read back from the files alone
    assert fresh.devices() == [
        Device("lobby-co2", "hq", "lobby", "co2-1"),
        *(FirmwareDevice(name, fmt, topic) for name, fmt, topic in FIRMWARE_BLOCKS),
        FirmwareDevice("upper", "tasmota", "tasmota_A1B2C3"),
    ]
    removed = fresh.remove("node-7")
    assert removed == FirmwareDevice("node-7", "esphome", "node-7")
    assert "node-7" not in passwd_users(config_dir)
    assert [d.name for d in fresh.devices()] == [
        "lobby-co2", "kantor-plug", "z2m", "ht-lt2", "lns", "upper",
    ]  # fmt: skip
    for device in fresh.devices():
        fresh.remove(device.name)
    assert (config_dir / "acl").read_text() == acl_before
    assert passwd_users(config_dir) == []


@pytest.mark.parametrize(
    ("fmt", "topic", "message"),
    [
        ("tasmota", None, "needs --topic"),
        ("tasmota", "kantor/1", "1 to 64 characters of A-Z, a-z"),
        ("tasmota", "kantor_#", "kept conservative"),
        ("tasmota", "+", "tasmota topic"),
        ("tasmota", "kantor 1", "tasmota topic"),
        ("tasmota", "kantor_1\nuser udara-ingest", "tasmota topic"),
        ("tasmota", "kantor_1\n", "tasmota topic"),
        ("tasmota", "k" * 65, "tasmota topic"),
        ("esphome", "Node-7", "1 to 64 characters of a-z"),
        ("esphome", "node.7", "esphome node"),
        ("esphome", "udara", "topic space of the platform"),
        ("esphome", "tele", "topic space of the platform"),
        ("esphome", "esphome", "topic space of the platform"),
        ("shelly", "application", "topic space of the platform"),
        ("shelly", "zigbee2mqtt", "topic space of the platform"),
        ("shelly", "shelly/#", "shelly prefix"),
        ("shelly", None, "needs --prefix"),
        ("zigbee2mqtt", "zigbee2mqtt", "one topic space"),
        ("chirpstack", "application", "one topic space"),
        ("lorawan", None, "unknown format"),
    ],
)
def test_firmware_values_are_checked(
    config_dir: Path, fmt: str, topic: str | None, message: str
) -> None:
    registry = DeviceRegistry(config_dir)
    with pytest.raises(DeviceError, match=message):
        registry.add("dev-1", format=fmt, topic=topic)
    assert registry.entries() == []
    assert not (config_dir / "passwd").exists()


@pytest.mark.parametrize(
    "kwargs",
    [{"building": "hq"}, {"room": "lobby"}, {"sensor": "s1"}],
)
def test_firmware_devices_are_placed_through_the_registry(
    config_dir: Path, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(DeviceError, match="placed on a room through the device registry"):
        DeviceRegistry(config_dir).add("dev-1", format="tasmota", topic="kantor_1", **kwargs)


def test_udara_format_still_needs_its_location(config_dir: Path) -> None:
    registry = DeviceRegistry(config_dir)
    with pytest.raises(DeviceError, match="needs --building and --room"):
        registry.add("dev-1", room="lobby")
    with pytest.raises(DeviceError, match="no --topic"):
        registry.add("dev-1", building="hq", room="lobby", topic="x")


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (("tasmota", "kantor_1"), ("tasmota", "kantor_1"), "'first' already publishes under tele/"),
        (("zigbee2mqtt", None), ("zigbee2mqtt", None), "already publishes under zigbee2mqtt/#"),
        (("chirpstack", None), ("chirpstack", None), "already publishes under application/#"),
        (("esphome", "lt2"), ("shelly", "lt2"), "already publishes under lt2/#"),
        (("shelly", "lt2"), ("esphome", "lt2"), "already publishes under lt2/#"),
    ],
)
def test_two_accounts_never_write_the_same_topics(
    config_dir: Path,
    first: tuple[str, str | None],
    second: tuple[str, str | None],
    message: str,
) -> None:
    registry = DeviceRegistry(config_dir)
    registry.add("first", format=first[0], topic=first[1])
    with pytest.raises(DeviceError, match=message):
        registry.add("second", format=second[0], topic=second[1])
    assert [d.name for d in registry.devices()] == ["first"]
    # Different topics of one format, and Tasmota topics differing in case, are fine.
    if first[0] == "tasmota":
        registry.add("second", format="tasmota", topic="Kantor_1")


def test_filters_overlap() -> None:
    assert _filters_overlap("tele/kantor_1/#", "tele/+/SENSOR")
    assert _filters_overlap("a/#", "a")
    assert _filters_overlap("+/status", "node-7/#")
    assert _filters_overlap("udara/+/+/+/telemetry", "udara/hq/lobby/s1/telemetry")
    assert not _filters_overlap("tele/kantor_1/#", "tele/kantor_2/#")
    assert not _filters_overlap("a/b", "a/b/c")
    assert not _filters_overlap("application/#", "applications/x")


HAND_EDITED = """
# two users in one paragraph (mosquitto takes each user's lines after it)
user gateway-a
topic write site/a/#
user gateway-b
topic write site/b/#

# a Tasmota block someone widened by hand
user plug-x
topic write tele/plug_x/#
topic write stat/plug_x/#
topic read cmnd/plug_x/#
topic read cmnd/tasmotas/#
topic read cmnd/all/#

# a pattern line, a topic with spaces, an empty user line
user odd-1
pattern write odd/%u/#
topic write odd place/x
user

user Upper.Case
topic write whatever/#

# an orphan comment paragraph
"""


def test_hand_edited_blocks_never_break_list_or_remove(config_dir: Path) -> None:
    registry = DeviceRegistry(config_dir)
    registry.add("lobby-co2", building="hq", room="lobby")
    with (config_dir / "acl").open("a") as acl:
        acl.write(HAND_EDITED)
    registry.add("kantor-plug", format="tasmota", topic="kantor_1")

    entries = registry.entries()
    assert [(e.name, type(e).__name__) for e in entries] == [
        ("lobby-co2", "Device"),
        ("gateway-a", "HandEdited"),
        ("gateway-b", "HandEdited"),
        ("plug-x", "HandEdited"),
        ("odd-1", "HandEdited"),
        ("Upper.Case", "HandEdited"),
        ("kantor-plug", "FirmwareDevice"),
    ]
    assert [d.name for d in registry.devices()] == ["lobby-co2", "kantor-plug"]
    widened = entries[3]
    assert isinstance(widened, HandEdited) and "topic read cmnd/all/#" in widened.lines

    # Nothing may be issued where a hand-written line already lets someone write.
    with pytest.raises(DeviceError, match="'gateway-a' already publishes under site/a/#"):
        registry.add("esp", format="esphome", topic="site")
    with pytest.raises(DeviceError, match="already publishes under tele/plug_x/#"):
        registry.add("plug-2", format="tasmota", topic="plug_x")

    with pytest.raises(DeviceError, match="also holds gateway-b: separate them"):
        registry.remove("gateway-a")
    registry.set_password("plug-x", "a-hand-made-password")
    removed = registry.remove("plug-x")
    assert isinstance(removed, HandEdited) and "plug-x" not in passwd_users(config_dir)
    registry.remove("kantor-plug")
    registry.remove("lobby-co2")
    text = (config_dir / "acl").read_text()
    assert "user gateway-a\ntopic write site/a/#\nuser gateway-b" in text
    assert "pattern write odd/%u/#" in text and "user Upper.Case" in text
    assert "plug_x" not in text and "kantor" not in text and "lobby" not in text
    assert [e.name for e in registry.entries()] == ["gateway-a", "gateway-b", "odd-1", "Upper.Case"]


def test_cli_add_tasmota_prints_its_topics_and_lists_them(config_dir: Path) -> None:
    result = run(
        ["add", "kantor-plug", "--format", "tasmota", "--topic", "kantor_1",
         "--config-dir", str(config_dir)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "publishes:    tele/kantor_1/#, stat/kantor_1/#" in out
    assert "subscribes:   cmnd/kantor_1/#, cmnd/tasmotas/#" in out
    assert "device id:    tasmota:kantor_1 (pending once heard)" in out
    assert "Topic kantor_1" in out
    password = next(line.split()[-1] for line in out.splitlines() if "password:" in line)
    assert DeviceRegistry(config_dir).check_password("kantor-plug", password)

    added = run(
        ["add", "z2m", "--format", "zigbee2mqtt", "--json", "--config-dir", str(config_dir)]
    )
    data = json.loads(added.stdout)
    assert data["format"] == "zigbee2mqtt" and data["device_id"] is None
    assert data["publish"] == ["zigbee2mqtt/#"] and data["subscribe"] == ["zigbee2mqtt/#"]
    assert data["mqtt_url"] == f"mqtt://z2m:{data['password']}@BROKER_HOST:1883"
    assert run(["add", "pm-1", "--building", "hq", "--room", "lab",
                "--config-dir", str(config_dir)]).exit_code == 0  # fmt: skip

    listed = json.loads(run(["list", "--json", "--config-dir", str(config_dir)]).stdout)
    assert listed == [
        {
            "name": "kantor-plug",
            "format": "tasmota",
            "topic": "kantor_1",
            "device_id": "tasmota:kantor_1",
            "publish": ["tele/kantor_1/#", "stat/kantor_1/#"],
            "subscribe": ["cmnd/kantor_1/#", "cmnd/tasmotas/#"],
        },
        {
            "name": "z2m",
            "format": "zigbee2mqtt",
            "device_id": None,
            "publish": ["zigbee2mqtt/#"],
            "subscribe": ["zigbee2mqtt/#"],
        },
        {  # rows of Udara's payload keep exactly their keys
            "name": "pm-1",
            "format": "udara",
            "building": "hq",
            "room": "lab",
            "sensor": "pm-1",
            "topic_prefix": "udara/hq/lab/pm-1/",
        },
    ]
    text = run(["list", "--config-dir", str(config_dir)]).stdout.splitlines()
    assert text[0].split() == ["kantor-plug", "tasmota:", "tele/kantor_1/#,", "stat/kantor_1/#"]

    removed = run(["remove", "kantor-plug", "--config-dir", str(config_dir)])
    assert removed.exit_code == 0
    assert "removed device kantor-plug (tele/kantor_1/#, stat/kantor_1/#)" in removed.stdout


def test_cli_hand_edited_block_is_listed_and_removable(config_dir: Path) -> None:
    with (config_dir / "acl").open("a") as acl:
        acl.write("\nuser hass\ntopic readwrite homeassistant/#\ntopic write cmnd/#\n")
    listed = json.loads(run(["list", "--json", "--config-dir", str(config_dir)]).stdout)
    assert listed == [
        {
            "name": "hass",
            "format": None,
            "hand_edited": True,
            "acl": ["topic readwrite homeassistant/#", "topic write cmnd/#"],
        }
    ]
    assert "hand-edited" in run(["list", "--config-dir", str(config_dir)]).stdout
    removed = run(["remove", "hass", "--config-dir", str(config_dir)])
    assert removed.exit_code == 0 and "hand-edited" in removed.stdout
    assert run(["list", "--config-dir", str(config_dir)]).stdout.strip() == "no devices"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "tasmota"], "needs --topic"),
        (["--format", "tasmota", "--node", "n"], "--node is not for format tasmota"),
        (["--format", "esphome", "--topic", "t"], "--topic is not for format esphome"),
        (["--format", "zigbee2mqtt", "--prefix", "p"], "it takes none of them"),
        (["--format", "udara", "--topic", "t", "--building", "hq", "--room", "r"], "--topic"),
        (["--format", "udara", "--building", "hq"], "needs --building and --room"),
        (["--format", "tasmota", "--topic", "t", "--room", "r"], "through the device registry"),
        (["--format", "zigbee2mqtt", "--building", "hq"], "a bridge for many devices"),
        (["--format", "shelly", "--prefix", "p", "--building", "hq"], "known only once"),
        (["--format", "tasmota", "--topic", "t", "--building", "HQ"], "building 'HQ'"),
        (["--format", "tasmota", "--topic", "t", "--building", "hq"], "run as `udara devices"),
    ],
)
def test_cli_add_refuses_what_does_not_fit_the_format(
    config_dir: Path, args: list[str], message: str
) -> None:
    result = run(["add", "dev-1", *args, "--config-dir", str(config_dir)])
    assert result.exit_code != 0
    assert message in result.stderr
    assert DeviceRegistry(config_dir).entries() == []
