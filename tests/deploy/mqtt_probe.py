"""A small MQTT v5 test client that reports what the broker answered: CONNACK, SUBACK, PUBACK."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

TIMEOUT = 10.0
NOT_AUTHORIZED = 0x87
NO_MATCHING_SUBSCRIBERS = 0x10


@dataclass
class Received:
    topic: str
    payload: bytes
    retain: bool


@dataclass
class Probe:
    """One connection to the broker, as a device or a service would make it."""

    port: int
    username: str | None = None
    password: str | None = None
    client_id: str = ""
    clean_start: bool = True
    session_expiry: int = 0
    will: tuple[str, bytes] | None = None
    messages: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5
        )
        if self.username is not None:
            self.client.username_pw_set(self.username, self.password)
        if self.will:
            self.client.will_set(self.will[0], self.will[1], qos=1, retain=True)
        self._lock = threading.Condition()
        self.connack: ReasonCode | None = None
        self.session_present = False
        self._subacks: dict[int, list[ReasonCode]] = {}
        self._pubacks: dict[int, ReasonCode] = {}
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_publish = self._on_publish
        self.client.on_message = self._on_message

    # --- callbacks (paho's network thread) ---
    def _on_connect(self, _c: Any, _u: Any, flags: Any, reason: ReasonCode, _p: Any) -> None:
        with self._lock:
            self.connack = reason
            self.session_present = bool(flags.session_present)
            self._lock.notify_all()
        if reason.is_failure:
            self.client.disconnect()  # no automatic retries of a refused login

    def _on_subscribe(self, _c: Any, _u: Any, mid: int, reasons: list[ReasonCode], _p: Any) -> None:
        with self._lock:
            self._subacks[mid] = reasons
            self._lock.notify_all()

    def _on_publish(self, _c: Any, _u: Any, mid: int, reason: ReasonCode, _p: Any) -> None:
        with self._lock:
            self._pubacks[mid] = reason
            self._lock.notify_all()

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(Received(message.topic, bytes(message.payload), message.retain))
            self._lock.notify_all()

    def _wait(self, predicate: Any, what: str, timeout: float = TIMEOUT) -> None:
        with self._lock:
            if not self._lock.wait_for(predicate, timeout):
                raise AssertionError(f"{self.username}: no {what} within {timeout}s")

    # --- actions ---
    def connect(self) -> ReasonCode:
        """Connect and return the CONNACK reason code (keeps the loop running if accepted)."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session_expiry
        self.client.connect(
            "127.0.0.1", self.port, keepalive=30, clean_start=self.clean_start, properties=props
        )
        self.client.loop_start()
        self._wait(lambda: self.connack is not None, "CONNACK")
        assert self.connack is not None
        return self.connack

    def subscribe(self, topic: str) -> list[int]:
        """Subscribe at QoS 1; return the SUBACK reason code values."""
        _, mid = self.client.subscribe(topic, qos=1)
        assert mid is not None
        self._wait(lambda: mid in self._subacks, "SUBACK")
        return [code.value for code in self._subacks[mid]]

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> int:
        """Publish at QoS 1; return the PUBACK reason code (0 accepted, 0x87 not authorized).

        0x10 "no matching subscribers" is an acceptance too and is returned as 0.
        """
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        self._wait(lambda: info.mid in self._pubacks, "PUBACK")
        code = int(self._pubacks[info.mid].value)
        return 0 if code == NO_MATCHING_SUBSCRIBERS else code

    def wait_for(self, topic: str, payload: bytes, timeout: float = TIMEOUT) -> None:
        """Block until a message with this topic and payload arrived."""
        self._wait(
            lambda: any(m.topic == topic and m.payload == payload for m in self.messages),
            f"message {payload!r} on {topic}",
            timeout,
        )

    def got(self, topic: str) -> list[bytes]:
        """Payloads received on `topic` so far."""
        with self._lock:
            return [m.payload for m in self.messages if m.topic == topic]

    def drop(self) -> None:
        """Vanish without DISCONNECT, as a device losing power does (the broker sends its will)."""
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()

    def close(self) -> None:
        """Disconnect cleanly and stop the network loop."""
        if self.connack is not None and not self.connack.is_failure:
            self.client.disconnect()
        self.client.loop_stop()
