"""Device credentials for the broker: the Mosquitto password file and ACL `udara devices` edits.

Each device is one MQTT user, named like the device, with one paragraph in the ACL file below
the devices marker (the platform's service accounts sit above it):

- a device of Udara's own payload (format `udara`) may write only
  `udara/{building}/{room}/{sensor}/telemetry` and `.../status`, and reads nothing;
- a device of another firmware (`FIRMWARE`: Tasmota, ESPHome, Zigbee2MQTT, Shelly, ChirpStack)
  gets its firmware's own topic space: what it publishes and the command topics it
  subscribes to, for its own topic/node/prefix only (bridges: the bridge's whole space).

The ACL is read back from its topic lines, never from comments. A paragraph the command did
not write (hand-edited, several users, lines it does not know) is listed as such and can be
removed, but never breaks `list` or `remove`. Every value that goes into an ACL line is
checked against a conservative character set, so no `#`, `+`, `/` or space can widen a grant,
and no two device accounts may write to overlapping topics.

Passwords are stored only as Mosquitto PBKDF2-SHA512 hashes (`$7$`), made by `mosquitto_passwd`
when it is installed and by the same algorithm in Python otherwise. Files are replaced
atomically (keeping their owner and mode) under a lock, so the broker never reads half a file.
Mosquitto rereads both files on SIGHUP.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import os
import re
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Final, Literal, cast
from urllib.parse import quote

DEFAULT_CONFIG_DIR = Path("deploy/mosquitto")
ACL_FILE = "acl"
PASSWD_FILE = "passwd"  # noqa: S105 (a file name)
LOCK_FILE = ".devices.lock"

# Building, room and sensor segments of a topic (CONTRACTS.md); device names follow the same rule.
SEGMENT_RE = re.compile(r"^[a-z0-9_-]{1,64}$")
# Names of the platform's own accounts start with this; devices may not use it.
RESERVED_PREFIX = "udara-"
DEVICES_MARKER = "# ==== devices (managed by `udara devices`; edit with the command) ===="
MIN_PASSWORD_LENGTH = 12

PBKDF2_ITERATIONS = 101  # what mosquitto_passwd 2.x writes
PBKDF2_SALT_BYTES = 12
PBKDF2_HASH_BYTES = 64

_TOPIC_RE = re.compile(
    r"^topic\s+write\s+udara/(?P<b>[a-z0-9_-]{1,64})/(?P<r>[a-z0-9_-]{1,64})/"
    r"(?P<s>[a-z0-9_-]{1,64})/(?P<kind>telemetry|status)$"
)
# One topic line of a Mosquitto acl_file: `topic [read|write|readwrite|deny] <topic>` (no
# access word means readwrite). A topic with spaces is legal there but never ours.
_RULE_RE = re.compile(r"^topic\s+(?:(?P<access>read|write|readwrite|deny)\s+)?(?P<topic>\S+)$")

Access = Literal["read", "write", "readwrite"]
Rule = tuple[Access, str]  # (access, topic filter): one `topic` line
WRITES: Final = ("write", "readwrite")


class DeviceError(Exception):
    """A device request that cannot be carried out (bad name, duplicate, unknown device)."""


def _stamp(added_at: datetime) -> str:
    return added_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _block(title: str, username: str, rules: tuple[Rule, ...]) -> str:
    lines = [f"# {title}", f"user {username}", *(f"topic {a} {t}" for a, t in rules)]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Device:
    """A device of Udara's own payload: its user name and the one sensor prefix it may publish
    under."""

    name: str
    building: str
    room: str
    sensor: str

    format: ClassVar[str] = "udara"

    @property
    def username(self) -> str:
        """The MQTT user name (the device name)."""
        return self.name

    @property
    def topic_prefix(self) -> str:
        """`udara/{building}/{room}/{sensor}/`."""
        return f"udara/{self.building}/{self.room}/{self.sensor}/"

    @property
    def telemetry_topic(self) -> str:
        """Where the device publishes readings."""
        return self.topic_prefix + "telemetry"

    @property
    def status_topic(self) -> str:
        """Where the device publishes `online`/`offline` (retained, and as its last will)."""
        return self.topic_prefix + "status"

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Its topic lines: write its telemetry and status, read nothing."""
        return (("write", self.telemetry_topic), ("write", self.status_topic))

    @property
    def space(self) -> str:
        """Where it publishes, for people."""
        return self.topic_prefix

    @property
    def device_id(self) -> None:
        """Udara's payload places itself through its topic: no registry id."""
        return None

    def acl_block(self, added_at: datetime) -> str:
        """The device's paragraph in the ACL file."""
        return _block(f"device {self.name}, added {_stamp(added_at)}", self.username, self.rules)


# --- other firmware -------------------------------------------------------------------------

# The conservative character sets of the values that go into ACL lines: one topic level, no
# wildcard, no separator, no space. Each firmware allows more; these are what we accept.
_LOWER = re.compile(r"^[a-z0-9_-]{1,64}$")
_MIXED = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # Tasmota's default topic is tasmota_A1B2C3
_LOWER_TEXT = "1 to 64 characters of a-z, 0-9, '-' and '_'"
_MIXED_TEXT = "1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'"

# First topic levels an ESPHome node or a Shelly prefix may not take: the platform's own topics
# and the other formats' spaces (`{node}/#` would write there).
RESERVED_TOPIC_ROOTS: Final = frozenset(
    {
        "udara", "tele", "stat", "cmnd", "tasmota", "zigbee2mqtt", "application",
        "esphome", "homeassistant", "shellies",
    }
)  # fmt: skip

# Tasmota's default group topic (`GroupTopic`, MQTT_GRPTOPIC): every device subscribes to
# `cmnd/tasmotas/#` so one command reaches all of them.
TASMOTA_GROUP_TOPIC: Final = "tasmotas"


def _tasmota(topic: str) -> tuple[Rule, ...]:
    # xdrv_02_mqtt MqttConnected: publishes tele/%topic%/LWT and, from then on, tele/… and
    # stat/…; subscribes cmnd/%topic%/# and cmnd/%grptopic%/# (with the default FullTopic).
    return (
        ("write", f"tele/{topic}/#"),
        ("write", f"stat/{topic}/#"),
        ("read", f"cmnd/{topic}/#"),
        ("read", f"cmnd/{TASMOTA_GROUP_TOPIC}/#"),
    )


def _esphome(node: str) -> tuple[Rule, ...]:
    # components/mqtt: states, availability ({node}/status) and logs ({node}/debug) under the
    # topic prefix (default: the node name); commands on {node}/{component}/{id}/command and,
    # for climate and fans, {node}/{component}/{id}/{what}/command. The dashboard's
    # `discover_ip` (on by default): answers esphome/discover and esphome/ping/{node} on
    # esphome/discover/{node}.
    return (
        ("write", f"{node}/#"),
        ("read", f"{node}/+/+/command"),
        ("read", f"{node}/+/+/+/command"),
        ("write", f"esphome/discover/{node}"),
        ("read", "esphome/discover"),
        ("read", f"esphome/ping/{node}"),
    )


def _zigbee2mqtt(_: str) -> tuple[Rule, ...]:
    # A bridge: publishes every device and its own state under the base topic, and takes
    # commands (…/set, bridge/request/…) there too.
    return (("readwrite", "zigbee2mqtt/#"),)


def _shelly(prefix: str) -> tuple[Rule, ...]:
    # Gen2+: {prefix}/online, {prefix}/events/rpc, {prefix}/status/{component}; RPC requests on
    # {prefix}/rpc, MQTT control on {prefix}/command and {prefix}/command/{component:id}.
    return (
        ("write", f"{prefix}/#"),
        ("read", f"{prefix}/rpc"),
        ("read", f"{prefix}/command/#"),
    )


def _chirpstack(_: str) -> tuple[Rule, ...]:
    # A network server's MQTT integration (v4): events on
    # application/{application_id}/device/{dev_eui}/event/{event}, downlinks queued from
    # application/{application_id}/device/{dev_eui}/command/down.
    return (
        ("write", "application/#"),
        ("read", "application/+/device/+/command/#"),
    )


@dataclass(frozen=True)
class Firmware:
    """What a firmware needs on the broker, and how its devices are known."""

    name: str
    option: str | None  # the CLI option naming its topic space; None: a bridge, one space
    rules: Callable[[str], tuple[Rule, ...]]
    pattern: re.Pattern[str] = _LOWER
    allowed: str = _LOWER_TEXT
    registers: bool = False  # one account is one device: pre-registered in the registry
    reserved_roots: bool = False  # the value is the first topic level
    hint: str = ""

    def device_id(self, value: str | None) -> str | None:
        """The registry id of the account's device (CONTRACTS.md), if it is one device."""
        return f"{self.name}:{value}" if self.registers and value else None

    def check(self, value: str | None) -> str:
        """`value` if it may name this firmware's topic space, else DeviceError."""
        if self.option is None:
            if value is not None:
                raise DeviceError(
                    f"a {self.name} account has one topic space: no --topic/--node/--prefix"
                )
            return ""
        what = f"{self.name} {self.option}"
        if value is None:
            raise DeviceError(f"a {self.name} device needs --{self.option}")
        if not self.pattern.fullmatch(value):
            raise DeviceError(
                f"{what} {value!r} must be {self.allowed} (kept conservative: it becomes one "
                "topic level of ACL lines, so no '/', '#', '+' or spaces)"
            )
        if self.reserved_roots and value in RESERVED_TOPIC_ROOTS:
            raise DeviceError(
                f"{what} {value!r} is a topic space of the platform or another format "
                f"({', '.join(sorted(RESERVED_TOPIC_ROOTS))})"
            )
        return value


FIRMWARE: Final[dict[str, Firmware]] = {
    f.name: f
    for f in (
        Firmware(
            "tasmota", "topic", _tasmota, _MIXED, _MIXED_TEXT, registers=True,
            hint="Tasmota: set Topic {value} and keep FullTopic %prefix%/%topic%/ (the default).",
        ),
        Firmware(
            "esphome", "node", _esphome, registers=True, reserved_roots=True,
            hint="ESPHome: leave mqtt: topic_prefix at the node name ({value}).",
        ),
        Firmware(
            "zigbee2mqtt", None, _zigbee2mqtt,
            hint="Zigbee2MQTT: keep mqtt.base_topic zigbee2mqtt; place each device when heard.",
        ),
        Firmware(
            "shelly", "prefix", _shelly, reserved_roots=True,
            hint="Shelly: set the MQTT prefix to {value} and turn on RPC status notifications.",
        ),
        Firmware(
            "chirpstack", None, _chirpstack,
            hint="ChirpStack: MQTT integration with the default topic prefix application.",
        ),
    )
}  # fmt: skip
FORMATS: Final = ("udara", *FIRMWARE)


@dataclass(frozen=True)
class FirmwareDevice:
    """A device (or bridge) of another firmware: its account and its firmware's topic space."""

    name: str
    format: str
    topic: str | None = None  # Tasmota topic, ESPHome node, Shelly prefix; None for bridges

    @property
    def firmware(self) -> Firmware:
        """What its format needs."""
        return FIRMWARE[self.format]

    @property
    def username(self) -> str:
        """The MQTT user name (the device name)."""
        return self.name

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Its topic lines (each once)."""
        return tuple(dict.fromkeys(self.firmware.rules(self.topic or "")))

    @property
    def publishes(self) -> list[str]:
        """The topic filters it may publish to."""
        return [t for a, t in self.rules if a in WRITES]

    @property
    def subscribes(self) -> list[str]:
        """The topic filters it receives messages of."""
        return [t for a, t in self.rules if a in ("read", "readwrite")]

    @property
    def space(self) -> str:
        """Where it publishes, for people."""
        return ", ".join(self.publishes)

    @property
    def device_id(self) -> str | None:
        """Its id in the device registry, if the account is one device whose id is known."""
        return self.firmware.device_id(self.topic)

    @property
    def hint(self) -> str:
        """How to set the device up to match its ACL."""
        return self.firmware.hint.format(value=self.topic)

    def acl_block(self, added_at: datetime) -> str:
        """The device's paragraph in the ACL file."""
        what = f"{self.format} {self.firmware.option} {self.topic}" if self.topic else self.format
        title = f"device {self.name} ({what}), added {_stamp(added_at)}"
        return _block(title, self.username, self.rules)


@dataclass(frozen=True)
class HandEdited:
    """An ACL paragraph below the marker that `udara devices` did not write as it stands: its
    user (one of several, if the paragraph has several) and the topic lines it holds."""

    name: str
    lines: tuple[str, ...]
    shared: bool = False  # the paragraph has other users too: cannot be removed alone

    format: ClassVar[None] = None

    @property
    def space(self) -> str:
        """What it is, for people."""
        return "hand-edited ACL block, not managed by `udara devices`"


AnyDevice = Device | FirmwareDevice
AclEntry = Device | FirmwareDevice | HandEdited


@dataclass(frozen=True)
class Credential:
    """What `udara devices add` hands out, once: the device and its clear-text password."""

    device: AnyDevice
    password: str

    def mqtt_url(self, broker_url: str = "mqtt://BROKER_HOST:1883") -> str:
        """`broker_url` with this device's user name and password filled in."""
        scheme, _, rest = broker_url.partition("://")
        host = rest.rsplit("@", 1)[-1]
        user = quote(self.device.username, safe="")
        return f"{scheme}://{user}:{quote(self.password, safe='')}@{host}"


def validate_segment(value: str, what: str) -> str:
    """Return `value` if it is a valid topic segment or device name, else raise DeviceError."""
    if not SEGMENT_RE.fullmatch(value):
        raise DeviceError(f"{what} {value!r} must be 1 to 64 characters of a-z, 0-9, '-' and '_'")
    return value


def generate_password() -> str:
    """A random URL-safe password (192 bits)."""
    return secrets.token_urlsafe(24)


# --- password hashes ----------------------------------------------------------------------


def pbkdf2_hash(
    password: str, *, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS
) -> str:
    """The Mosquitto `$7$` hash of `password`: PBKDF2-HMAC-SHA512, base64 salt and digest."""
    salt = secrets.token_bytes(PBKDF2_SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac(
        "sha512", password.encode("utf-8"), salt, iterations, PBKDF2_HASH_BYTES
    )
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches a Mosquitto `$7$` (PBKDF2) or `$6$` (salted SHA-512) hash."""
    parts = encoded.split("$")
    try:
        if len(parts) == 5 and parts[1] == "7":
            iterations, salt, digest = int(parts[2]), parts[3], parts[4]
            expected = base64.b64decode(digest)
            secret, raw_salt = password.encode("utf-8"), base64.b64decode(salt)
            actual = hashlib.pbkdf2_hmac("sha512", secret, raw_salt, iterations, len(expected))
        elif len(parts) == 4 and parts[1] == "6":
            expected = base64.b64decode(parts[3])
            actual = hashlib.sha512(password.encode("utf-8") + base64.b64decode(parts[2])).digest()
        else:
            return False
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def tool_hash(tool: str, username: str, password: str) -> str:
    """Hash `password` with `mosquitto_passwd -b` in a private scratch file; return the hash."""
    with tempfile.TemporaryDirectory(prefix="udara-passwd-") as scratch:
        path = Path(scratch) / "passwd"
        path.touch(mode=0o600)
        result = subprocess.run(
            [tool, "-b", str(path), username, password],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        line = path.read_text(encoding="utf-8").strip()
    user, sep, encoded = line.partition(":")
    if result.returncode != 0 or not sep or user != username:
        raise DeviceError(
            f"{tool} failed (exit {result.returncode}): {(result.stderr or result.stdout).strip()}"
        )
    return encoded


def find_passwd_tool() -> str | None:
    """The path of `mosquitto_passwd`, or None when it is not installed."""
    return shutil.which("mosquitto_passwd")


# --- files ----------------------------------------------------------------------------------


def write_atomic(path: Path, text: str, new_file_mode: int) -> None:
    """Replace `path` with `text` in one rename, keeping the old file's mode (and owner)."""
    try:
        old: os.stat_result | None = path.stat()
    except FileNotFoundError:
        old = None
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(old.st_mode) if old else new_file_mode)
        if old is not None:
            try:
                os.chown(tmp, old.st_uid, old.st_gid)
            except PermissionError:
                pass  # not root: the file becomes ours, with the old mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Split lines into paragraphs separated by blank lines."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def _acl_users(lines: list[str]) -> list[str]:
    return [line[5:].strip() for line in lines if line.startswith("user ") and line[5:].strip()]


def _writes(paragraph: list[str]) -> list[tuple[str | None, str]]:
    """Every topic filter a paragraph lets someone write, whatever else it holds, with the
    user it belongs to (the `user` line before it, as Mosquitto reads it)."""
    found: list[tuple[str | None, str]] = []
    user = None
    for line in paragraph:
        if line.startswith("user "):
            user = line[5:].strip() or None
        match = _RULE_RE.match(line.strip())
        if match and (match["access"] or "readwrite") in WRITES:
            found.append((user, match["topic"]))
    return found


def _rules(paragraph: list[str]) -> tuple[list[Rule], bool]:
    """The topic lines of a paragraph as rules, and whether every other line is a comment
    (a `pattern` line, a topic with spaces or anything else makes it foreign)."""
    rules: list[Rule] = []
    clean = True
    for raw in paragraph:
        line = raw.strip()
        if line.startswith("#") or line.startswith("user "):
            continue
        match = _RULE_RE.match(line)
        if match is None:
            clean = False
            continue
        access = match["access"] or "readwrite"
        if access == "deny":
            clean = False
            continue
        rules.append((cast(Access, access), match["topic"]))
    return rules, clean


def _udara_device(name: str, rules: list[Rule]) -> Device | None:
    """A block naming exactly one `udara/{b}/{r}/{s}/` prefix is that sensor's (as before
    other formats existed, extra lines are tolerated)."""
    prefixes = set()
    for access, topic in rules:
        match = _TOPIC_RE.match(f"topic {access} {topic}")
        if match:
            prefixes.add((match["b"], match["r"], match["s"]))
    if len(prefixes) != 1:
        return None
    building, room, sensor = prefixes.pop()
    return Device(name, building, room, sensor)


def _firmware_device(name: str, rules: list[Rule]) -> FirmwareDevice | None:
    """The firmware device whose block is exactly these rules (in any order), if one is."""
    wanted = set(rules)
    for firmware in FIRMWARE.values():
        if firmware.option is None:
            candidates: set[str | None] = {None}
        else:
            # The value is the one level the firmware's first rule puts it in.
            first = firmware.rules("\0")[0][1].split("/")
            at = first.index("\0")
            candidates = {
                t.split("/")[at]
                for _, t in rules
                if len(t.split("/")) > at and firmware.pattern.fullmatch(t.split("/")[at])
            }
        for value in candidates:
            device = FirmwareDevice(name, firmware.name, value)
            if set(device.rules) == wanted:
                return device
    return None


def _entries_from_paragraph(paragraph: list[str]) -> list[AclEntry]:
    """What one ACL paragraph below the marker is: nothing (no user), a device of a known
    format, or a hand-edited block. Never raises."""
    users = _acl_users(paragraph)
    if len(users) > 1 or any(not SEGMENT_RE.fullmatch(user) for user in users):
        lines = tuple(line.strip() for line in paragraph if line.strip().startswith("topic"))
        return [HandEdited(user, lines, shared=len(users) > 1) for user in users]
    if not users:
        return []
    rules, clean = _rules(paragraph)
    found: AclEntry | None = _udara_device(users[0], rules)
    if found is None and clean:
        found = _firmware_device(users[0], rules)
    if found is None:
        lines = tuple(line.strip() for line in paragraph if line.strip().startswith("topic"))
        found = HandEdited(users[0], lines)
    return [found]


def _filters_overlap(a: str, b: str) -> bool:
    """True when some topic matches both MQTT topic filters."""
    left, right = a.split("/"), b.split("/")
    for i in range(max(len(left), len(right))):
        x = left[i] if i < len(left) else None
        y = right[i] if i < len(right) else None
        if x == "#" or y == "#":
            return True  # `a/#` also matches `a`
        if x is None or y is None:
            return False
        if x != y and "+" not in (x, y):
            return False
    return True


def _acl_text(head: list[str], blocks: list[str]) -> str:
    """The ACL file: the fixed part up to the marker, then one paragraph per device block."""
    text = "\n".join(head) + "\n"
    return text + "".join(f"\n{block}\n" for block in blocks)


class DeviceRegistry:
    """The devices of one broker: its `acl` and `passwd` files in `config_dir`."""

    def __init__(self, config_dir: Path = DEFAULT_CONFIG_DIR, *, passwd_tool: str | None = None):
        self.config_dir = Path(config_dir)
        self.acl_path = self.config_dir / ACL_FILE
        self.passwd_path = self.config_dir / PASSWD_FILE
        self.passwd_tool = passwd_tool

    @classmethod
    def with_system_tool(cls, config_dir: Path = DEFAULT_CONFIG_DIR) -> DeviceRegistry:
        """A registry hashing with `mosquitto_passwd` when installed, in Python otherwise."""
        return cls(config_dir, passwd_tool=find_passwd_tool())

    # --- reading ---
    def _acl_lines(self) -> list[str]:
        if not self.acl_path.exists():
            raise DeviceError(
                f"no ACL file at {self.acl_path}: point --config-dir at the broker's config folder"
            )
        return self.acl_path.read_text(encoding="utf-8").splitlines()

    def _split_acl(self) -> tuple[list[str], list[str]]:
        """(lines up to and including the marker, lines after it)."""
        lines = self._acl_lines()
        if DEVICES_MARKER in lines:
            at = lines.index(DEVICES_MARKER) + 1
            return lines[:at], lines[at:]
        return [*lines, "", DEVICES_MARKER], []

    def _passwd_entries(self) -> list[tuple[str, str]]:
        if not self.passwd_path.exists():
            return []
        entries = []
        for line in self.passwd_path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                user, _, encoded = line.partition(":")
                entries.append((user, encoded))
        return entries

    def entries(self) -> list[AclEntry]:
        """Every user below the devices marker, in file order: devices of each format, and
        hand-edited blocks as they are."""
        _, section = self._split_acl()
        return [entry for p in _paragraphs(section) for entry in _entries_from_paragraph(p)]

    def devices(self) -> list[AnyDevice]:
        """The devices in the ACL file (of every format), in file order."""
        return [e for e in self.entries() if not isinstance(e, HandEdited)]

    def get(self, name: str) -> AnyDevice | None:
        """The device called `name`, or None."""
        return next((d for d in self.devices() if d.name == name), None)

    def has_password(self, username: str) -> bool:
        """True when the password file has an entry for `username`."""
        return any(user == username for user, _ in self._passwd_entries())

    def check_password(self, username: str, password: str) -> bool:
        """True when `password` is the stored password of `username`."""
        return any(
            user == username and verify_password(password, encoded)
            for user, encoded in self._passwd_entries()
        )

    # --- writing ---
    @contextmanager
    def _locked(self) -> Iterator[None]:
        if not self.config_dir.is_dir():
            raise DeviceError(f"no broker config folder at {self.config_dir}")
        with (self.config_dir / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _hash(self, username: str, password: str) -> str:
        if self.passwd_tool:
            return tool_hash(self.passwd_tool, username, password)
        return pbkdf2_hash(password)

    def _write_passwd(self, entries: list[tuple[str, str]]) -> None:
        text = "".join(f"{user}:{encoded}\n" for user, encoded in entries)
        write_atomic(self.passwd_path, text, 0o600)

    def set_password(self, username: str, password: str) -> None:
        """Store (or replace) the hashed password of any broker user."""
        validate_segment(username, "user name")
        if not password:
            raise DeviceError("the password is empty")
        with self._locked():
            encoded = self._hash(username, password)
            entries = [(u, e) for u, e in self._passwd_entries() if u != username]
            self._write_passwd([*entries, (username, encoded)])

    def add(
        self,
        name: str,
        *,
        building: str | None = None,
        room: str | None = None,
        sensor: str | None = None,
        format: str = "udara",  # noqa: A002 (the CLI's --format)
        topic: str | None = None,
        password: str | None = None,
        now: datetime | None = None,
    ) -> Credential:
        """Issue a credential for a new device: its password entry and its ACL block.

        `format` "udara" needs `building` and `room` (its topic names them); another format
        takes `topic` (Tasmota topic, ESPHome node, Shelly prefix; nothing for bridges) and
        no location: such devices are placed later, through the device registry."""
        device = make_device(name, format, building=building, room=room, sensor=sensor, topic=topic)
        if password is None:
            password = generate_password()
        elif len(password) < MIN_PASSWORD_LENGTH:
            raise DeviceError(f"a device password needs at least {MIN_PASSWORD_LENGTH} characters")
        with self._locked():
            head, section = self._split_acl()
            if name in _acl_users(head + section) or self.has_password(name):
                raise DeviceError(f"user {name!r} exists already (remove it first to replace it)")
            _check_no_overlap(device, _paragraphs(section))
            encoded = self._hash(name, password)
            blocks = ["\n".join(p) for p in _paragraphs(section)]
            blocks.append(device.acl_block(now or datetime.now(UTC)).rstrip("\n"))
            write_atomic(self.acl_path, _acl_text(head, blocks), 0o644)
            self._write_passwd([*self._passwd_entries(), (name, encoded)])
        return Credential(device, password)

    def remove(self, name: str) -> AclEntry:
        """Delete a device's ACL block and password entry; it can no longer connect. A
        hand-edited block of that user goes too, unless it also holds other users."""
        with self._locked():
            head, section = self._split_acl()
            paragraphs = _paragraphs(section)
            found = [
                (p, e) for p in paragraphs for e in _entries_from_paragraph(p) if e.name == name
            ]
            if not found:
                raise DeviceError(f"no device called {name!r}")
            for paragraph, entry in found:
                if isinstance(entry, HandEdited) and entry.shared:
                    others = sorted(set(_acl_users(paragraph)) - {name})
                    raise DeviceError(
                        f"the ACL paragraph of {name!r} also holds {', '.join(others)}: "
                        "separate them with a blank line by hand, then remove"
                    )
            drop = [id(p) for p, _ in found]
            kept = ["\n".join(p) for p in paragraphs if id(p) not in drop]
            write_atomic(self.acl_path, _acl_text(head, kept), 0o644)
            self._write_passwd([(u, e) for u, e in self._passwd_entries() if u != name])
        return found[0][1]


def make_device(
    name: str,
    format: str = "udara",  # noqa: A002 (the CLI's --format)
    *,
    building: str | None = None,
    room: str | None = None,
    sensor: str | None = None,
    topic: str | None = None,
) -> AnyDevice:
    """The device a request describes, every value checked; DeviceError says what is wrong."""
    validate_segment(name, "device name")
    if name.startswith(RESERVED_PREFIX):
        raise DeviceError(f"names starting with {RESERVED_PREFIX!r} are the platform's own")
    if format == "udara":
        if building is None or room is None:
            raise DeviceError("a device of format udara needs --building and --room")
        if topic is not None:
            raise DeviceError("a device of format udara publishes under udara/…: no --topic")
        return Device(
            name,
            validate_segment(building, "building"),
            validate_segment(room, "room"),
            validate_segment(sensor if sensor is not None else name, "sensor"),
        )
    firmware = FIRMWARE.get(format)
    if firmware is None:
        raise DeviceError(f"unknown format {format!r}: one of {', '.join(FORMATS)}")
    if building is not None or room is not None or sensor is not None:
        raise DeviceError(
            f"a {format} device is placed on a room through the device registry once it is "
            "heard (udara devices place), not in the broker's ACL"
        )
    value = firmware.check(topic)
    return FirmwareDevice(name, format, value or None)


def _check_no_overlap(device: AnyDevice, paragraphs: list[list[str]]) -> None:
    """DeviceError when another device account may already write where `device` would."""
    mine = [t for a, t in device.rules if a in WRITES]
    for paragraph in paragraphs:
        for owner, theirs in _writes(paragraph):
            if any(_filters_overlap(theirs, t) for t in mine):
                udara = [e for e in _entries_from_paragraph(paragraph) if isinstance(e, Device)]
                who = f"device {owner!r}" if owner else "a hand-written ACL line"
                where = udara[0].space if udara and udara[0].name == owner else theirs
                raise DeviceError(f"{who} already publishes under {where}")
