"""Device credentials for the broker: the Mosquitto password file and ACL `udara devices` edits.

Each device is one MQTT user, named like the device. Its block in the ACL file lets it write
only `udara/{building}/{room}/{sensor}/telemetry` and `.../status`; it reads nothing. The
platform's service accounts (ingest, web, simulator, healthcheck) sit above the devices marker
in the committed ACL; device blocks are appended below it, one paragraph each.

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
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


class DeviceError(Exception):
    """A device request that cannot be carried out (bad name, duplicate, unknown device)."""


@dataclass(frozen=True)
class Device:
    """A device's MQTT identity: its user name and the one sensor prefix it may publish under."""

    name: str
    building: str
    room: str
    sensor: str

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

    def acl_block(self, added_at: datetime) -> str:
        """The device's paragraph in the ACL file."""
        stamp = added_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"# device {self.name}, added {stamp}\n"
            f"user {self.username}\n"
            f"topic write {self.telemetry_topic}\n"
            f"topic write {self.status_topic}\n"
        )


@dataclass(frozen=True)
class Credential:
    """What `udara devices add` hands out, once: the device and its clear-text password."""

    device: Device
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
    return [line.split(None, 1)[1].strip() for line in lines if line.startswith("user ")]


def _device_from_paragraph(paragraph: list[str]) -> Device | None:
    users = _acl_users(paragraph)
    if not users:
        return None
    if len(users) > 1:
        raise DeviceError(f"ACL paragraph has several users, separate them: {users}")
    prefixes = set()
    for line in paragraph:
        match = _TOPIC_RE.match(line.strip())
        if match:
            prefixes.add((match["b"], match["r"], match["s"]))
    if len(prefixes) != 1:
        raise DeviceError(f"ACL block of {users[0]!r} does not name one sensor prefix")
    building, room, sensor = prefixes.pop()
    return Device(users[0], building, room, sensor)


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

    def devices(self) -> list[Device]:
        """The devices in the ACL file, in file order."""
        _, section = self._split_acl()
        found = (_device_from_paragraph(p) for p in _paragraphs(section))
        return [device for device in found if device is not None]

    def get(self, name: str) -> Device | None:
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
        building: str,
        room: str,
        sensor: str | None = None,
        password: str | None = None,
        now: datetime | None = None,
    ) -> Credential:
        """Issue a credential for a new device: its password entry and its ACL block."""
        device = Device(
            validate_segment(name, "device name"),
            validate_segment(building, "building"),
            validate_segment(room, "room"),
            validate_segment(sensor if sensor is not None else name, "sensor"),
        )
        if name.startswith(RESERVED_PREFIX):
            raise DeviceError(f"names starting with {RESERVED_PREFIX!r} are the platform's own")
        if password is None:
            password = generate_password()
        elif len(password) < MIN_PASSWORD_LENGTH:
            raise DeviceError(f"a device password needs at least {MIN_PASSWORD_LENGTH} characters")
        with self._locked():
            head, section = self._split_acl()
            if name in _acl_users(head + section) or self.has_password(name):
                raise DeviceError(f"user {name!r} exists already (remove it first to replace it)")
            for other in self.devices():
                if other.topic_prefix == device.topic_prefix:
                    raise DeviceError(
                        f"device {other.name!r} already publishes under {device.topic_prefix}"
                    )
            encoded = self._hash(name, password)
            blocks = ["\n".join(p) for p in _paragraphs(section)]
            blocks.append(device.acl_block(now or datetime.now(UTC)).rstrip("\n"))
            write_atomic(self.acl_path, _acl_text(head, blocks), 0o644)
            self._write_passwd([*self._passwd_entries(), (name, encoded)])
        return Credential(device, password)

    def remove(self, name: str) -> Device:
        """Delete a device's ACL block and password entry; it can no longer connect."""
        with self._locked():
            device = self.get(name)
            if device is None:
                raise DeviceError(f"no device called {name!r}")
            head, section = self._split_acl()
            kept = [
                "\n".join(p)
                for p in _paragraphs(section)
                if (found := _device_from_paragraph(p)) is None or found.name != name
            ]
            write_atomic(self.acl_path, _acl_text(head, kept), 0o644)
            self._write_passwd([(u, e) for u, e in self._passwd_entries() if u != name])
        return device
