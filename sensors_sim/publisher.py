"""Publish at QoS 1 through paho and count every PUBACK (the simulator's only MQTT adapter).

The caller's thread drives paho's network loop itself, through paho's external-loop calls
(`loop_read`, `loop_write`, `loop_misc`): with no second thread there is no GIL hand-off
and no wake-up write per message, which about doubles throughput. A bounded in-flight window keeps
the broker busy; success is reported only once the broker acknowledged every message.
MQTT 5 by default, so a broker that refuses a message (ACL) says so in its PUBACK.
"""

from __future__ import annotations

import select
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from sensors_sim.stats import PublishStats
from udara.settings import MqttTarget

DEFAULT_WINDOW = 2000
READ_EVERY = 32  # publishes between reads of the PUBACKs that arrived meanwhile
RECONNECT_BACKOFF_S = (0.5, 1.0, 2.0, 5.0)


class PublishError(RuntimeError):
    """The broker could not be reached or refused the connection."""


def as_target(target: MqttTarget | str) -> MqttTarget:
    """Accept a parsed target or an `mqtt://` URL."""
    return MqttTarget(target) if isinstance(target, str) else target


class Publisher:
    """One MQTT connection publishing with a bounded in-flight window; use from one thread."""

    def __init__(
        self,
        target: MqttTarget | str,
        *,
        window: int = DEFAULT_WINDOW,
        client_id: str | None = None,
        protocol: mqtt.MQTTProtocolVersion = mqtt.MQTTv5,
        keepalive: int = 30,
    ) -> None:
        self.target = as_target(target)
        self.window = window
        self.keepalive = keepalive
        self.stats = PublishStats()
        self.on_idle: Callable[[PublishStats], None] | None = None  # called while waiting
        self._connected = False
        self._refused: str | None = None
        self._next_reconnect = 0.0
        self._failures = 0
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"udara-sim-{uuid.uuid4().hex[:10]}",
            protocol=protocol,
        )
        # The window bounds what is in flight; paho's own limit rescans its queue on every ack.
        self._client.max_inflight_messages_set(0)
        self._client.max_queued_messages_set(0)
        if self.target.username:
            self._client.username_pw_set(self.target.username, self.target.password)
        if self.target.tls:
            self._client.tls_set()
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        self._connected = not reason.is_failure
        self._refused = str(reason) if reason.is_failure else None
        if self._connected:
            self._failures = 0

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        self._connected = False

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, reason: ReasonCode, props: Any
    ) -> None:
        if reason.is_failure:
            self.stats.failed += 1
        else:
            self.stats.acked += 1

    def connect(self, timeout: float = 10.0) -> None:
        """Connect and wait for the broker's CONNACK."""
        t = self.target
        try:
            self._client.connect(t.host, t.port, keepalive=self.keepalive)
        except OSError as exc:
            raise PublishError(f"cannot reach the broker at {t.host}:{t.port}: {exc}") from exc
        deadline = time.monotonic() + timeout
        while not self._connected:
            self._network(0.05)
            if self._refused or time.monotonic() > deadline:
                why = self._refused or f"no CONNACK within {timeout:.0f}s"
                self._client.disconnect()
                raise PublishError(f"broker at {t.host}:{t.port} refused the connection: {why}")
        self.stats = PublishStats()

    def _network(self, timeout: float) -> int:
        """Wait up to `timeout` for the socket, then let paho read, write and keep alive."""
        client, sock = self._client, self._client.socket()
        if sock is None:
            return int(mqtt.MQTT_ERR_NO_CONN)
        writing = [sock] if client.want_write() else []
        try:
            readable, writable, _ = select.select([sock], writing, [], timeout)
        except (OSError, ValueError):
            return int(mqtt.MQTT_ERR_CONN_LOST)
        pending = getattr(sock, "pending", None)  # TLS may hold decrypted bytes select misses
        rc = mqtt.MQTT_ERR_SUCCESS
        if readable or (pending is not None and pending()):
            rc = client.loop_read()
        if rc == mqtt.MQTT_ERR_SUCCESS and writable:
            rc = client.loop_write()
        if rc == mqtt.MQTT_ERR_SUCCESS:
            rc = client.loop_misc()
        return int(rc)

    def service(self, timeout: float = 0.0) -> None:
        """Service the connection once: send, read acks, keep alive, reconnect if needed."""
        if self.on_idle is not None:
            self.on_idle(self.stats)
        if self._network(timeout) == mqtt.MQTT_ERR_SUCCESS:
            return
        self._connected = False
        now = time.monotonic()
        if now < self._next_reconnect:
            time.sleep(min(timeout, self._next_reconnect - now))
            return
        delay = RECONNECT_BACKOFF_S[min(self._failures, len(RECONNECT_BACKOFF_S) - 1)]
        self._failures += 1
        self._next_reconnect = now + delay
        try:
            self._client.reconnect()  # paho re-sends unacknowledged QoS 1 messages
            self.stats.reconnects += 1
        except OSError:
            pass

    def idle_until(self, deadline: float, stop: threading.Event | None = None) -> None:
        """Keep the connection serviced until the monotonic `deadline` (or `stop`)."""
        while (remaining := deadline - time.monotonic()) > 0:
            if stop is not None and stop.is_set():
                return
            self.service(min(remaining, 0.25))

    def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False, *, stall_s: float = 60
    ) -> bool:
        """Publish once the window has room; False if the broker acked nothing for `stall_s`."""
        stats = self.stats
        if stats.unacknowledged >= self.window:
            deadline = time.monotonic() + stall_s
            while stats.unacknowledged >= self.window:
                if time.monotonic() > deadline:
                    return False
                self.service(0.01)
        self._client.publish(topic, payload, qos=qos, retain=retain)
        stats.published += 1
        if stats.published % READ_EVERY == 0:
            self._client.loop_read()
            self._client.loop_misc()
        return True

    def wait_all(self, timeout: float) -> bool:
        """Wait until every published message is acknowledged; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.stats.unacknowledged > 0 and time.monotonic() < deadline:
            self.service(0.01)
        self.stats.elapsed_s = time.monotonic() - self.stats.started
        return self.stats.unacknowledged == 0

    def close(self) -> None:
        """Disconnect cleanly."""
        self._client.disconnect()
        self._network(0)

    def __enter__(self) -> Publisher:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Pace = Callable[[Sequence[Any]], float | None]


def publish_readings(
    target: MqttTarget | str,
    messages: Iterable[Sequence[Any]],
    qos: int = 1,
    *,
    window: int = DEFAULT_WINDOW,
    ack_timeout: float = 30.0,
    pace: Pace | None = None,
    progress: Callable[[PublishStats], None] | None = None,
    stop: threading.Event | None = None,
    protocol: mqtt.MQTTProtocolVersion = mqtt.MQTTv5,
) -> PublishStats:
    """Publish every (topic, payload[, retain[, at]]) message and wait for all PUBACKs.

    `pace(message)` may return the monotonic time before which the message must not go out.
    Stops early when `stop` is set or the broker acknowledges nothing for `ack_timeout` s.
    """
    with Publisher(target, window=window, protocol=protocol) as pub:
        stats = pub.stats
        pub.on_idle = progress
        try:
            for message in messages:
                if stop is not None and stop.is_set():
                    stats.interrupted = True
                    break
                if pace is not None and (not_before := pace(message)) is not None:
                    pub.idle_until(not_before, stop)
                retain = len(message) > 2 and bool(message[2])
                if not pub.publish(message[0], message[1], qos, retain, stall_s=ack_timeout):
                    break
                if len(message) > 3:
                    stats.last_at = message[3]
                if progress is not None:
                    progress(stats)
        except KeyboardInterrupt:
            stats.interrupted = True  # still collect the PUBACKs of what was sent
        pub.wait_all(ack_timeout)
        if progress is not None:
            progress(stats)
        return stats
