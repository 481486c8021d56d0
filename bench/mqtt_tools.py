"""Load tools for the benchmark: a fast QoS 1 publisher that waits for every PUBACK, and
the bare paho receive loop that ingest is compared with."""

from __future__ import annotations

import json
import multiprocessing as mp
import socket
import threading
import time
import uuid
from collections.abc import Sequence

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

SESSION_EXPIRY_S = 3600
PACING_TICK_S = 0.01  # paced publishers send one batch per tick
IN_FLIGHT = 2_000  # unacknowledged QoS 1 messages per publisher


class RawPublisher:
    """A QoS 1 MQTT 3.1.1 publisher that writes pre-encoded PUBLISH packets in batches.

    The load generator shares the two cores with broker, ingest and InfluxDB, so its cost
    distorts what is measured. Through paho each publish cost 110-140 µs of CPU here (two
    socket writes, a v5 properties object per PUBACK, thread hand-offs): at 10,000/s that is
    more than a core taken from the system under test. Sensors publish from their own
    hardware; this generator stays out of the way: one `sendall` per batch, PUBACKs counted
    from the byte stream, never more than `window` unacknowledged.
    """

    def __init__(self, port: int, client_id: str = "", window: int = IN_FLIGHT) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._window = window
        self._mid = 0
        self.sent = 0
        self.acked = 0
        self._pending = b""
        ident = (client_id or f"bench-{uuid.uuid4().hex[:12]}").encode()
        # CONNECT: protocol "MQTT" level 4, clean session, keepalive off, client id.
        body = b"\x00\x04MQTT\x04\x02\x00\x00" + len(ident).to_bytes(2, "big") + ident
        self._sock.sendall(b"\x10" + _varint(len(body)) + body)
        connack = self._recv_exactly(4)
        if connack[0] != 0x20 or connack[3] != 0:
            raise RuntimeError(f"broker refused the connection: {connack!r}")

    def publish(self, messages: Sequence[tuple[str, bytes]]) -> None:
        """Send a batch at QoS 1 in one write, after waiting for room in the window."""
        if len(messages) > self._window:
            raise ValueError("a batch larger than the window")
        self._take_acks(block=False)
        while self.sent + len(messages) - self.acked > self._window:
            self._take_acks(block=True)
        packets = []
        for topic, payload in messages:
            self._mid = self._mid % 65_535 + 1
            encoded = topic.encode()
            body = len(encoded).to_bytes(2, "big") + encoded + self._mid.to_bytes(2, "big")
            packets.append(b"\x32" + _varint(len(body) + len(payload)) + body + payload)
        self._sock.sendall(b"".join(packets))
        self.sent += len(messages)

    def wait_for_acks(self) -> None:
        """Block until every message sent has its PUBACK."""
        while self.acked < self.sent:
            self._take_acks(block=True)

    def close(self) -> None:
        """DISCONNECT and close."""
        try:
            self._sock.sendall(b"\xe0\x00")
        finally:
            self._sock.close()

    def _take_acks(self, block: bool) -> None:
        self._sock.setblocking(block)
        try:
            data = self._sock.recv(65_536)
        except BlockingIOError:
            return
        finally:
            self._sock.settimeout(60)
        if not data:
            raise RuntimeError("the broker closed the connection")
        data = self._pending + data
        whole = len(data) - len(data) % 4
        for k in range(0, whole, 4):  # every packet we can receive is a 4-byte PUBACK
            if data[k] != 0x40 or data[k + 1] != 0x02:
                raise RuntimeError(f"unexpected packet from the broker: {data[k : k + 4]!r}")
        self.acked += whole // 4
        self._pending = data[whole:]

    def _recv_exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self._sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("the broker closed the connection")
            data += chunk
        return data


def _varint(n: int) -> bytes:
    """MQTT's variable-length 'remaining length' encoding."""
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def publish_chunk(
    port: int, messages: Sequence[tuple[str, bytes]], rate: float | None = None
) -> None:
    """Publish at QoS 1, optionally paced to `rate`/s in ticks of PACING_TICK_S; waits for
    every PUBACK."""
    publisher = RawPublisher(port)
    batch = max(1, min(IN_FLIGHT // 2, int((rate or 50_000) * PACING_TICK_S)))
    start = time.monotonic()
    try:
        for i in range(0, len(messages), batch):
            if rate and (delay := start + i / rate - time.monotonic()) > 0:
                time.sleep(delay)
            publisher.publish(messages[i : i + batch])
        publisher.wait_for_acks()
    finally:
        publisher.close()


def _publish_worker(args: tuple[int, list[tuple[str, bytes]]]) -> int:
    port, messages = args
    publish_chunk(port, messages)
    return len(messages)


def publish_parallel(port: int, messages: list[tuple[str, bytes]], processes: int = 2) -> float:
    """Publish with several processes; returns seconds taken (all PUBACKs received)."""
    chunks = [messages[k::processes] for k in range(processes)]
    start = time.monotonic()
    with mp.get_context("fork").Pool(processes) as pool:
        done = sum(pool.map(_publish_worker, [(port, c) for c in chunks]))
    assert done == len(messages)
    return time.monotonic() - start


def register_session(port: int, client_id: str, topic: str) -> None:
    """Create a persistent QoS 1 session so the broker queues messages for `client_id`."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = SESSION_EXPIRY_S
    subscribed = threading.Event()
    client.on_subscribe = lambda *_a: subscribed.set()
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    client.subscribe(topic, qos=1)
    if not subscribed.wait(10):
        raise RuntimeError("subscription not confirmed")
    client.disconnect()
    client.loop_stop()


def bare_drain(
    port: int,
    client_id: str,
    expected: int,
    receive_maximum: int = 20_000,
    client_class: type[mqtt.Client] = mqtt.Client,
) -> float:
    """Reconnect a persistent session and receive `expected` messages (JSON parse only).

    Returns messages/s from the first to the last message: the ceiling ingest is held to.
    `client_class` lets the same loop run on ingest's block-reading paho client.
    """
    client = client_class(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = SESSION_EXPIRY_S
    props.ReceiveMaximum = receive_maximum
    done = threading.Event()
    state = {"n": 0, "first": 0.0, "last": 0.0}

    def on_message(_c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        json.loads(msg.payload)
        if state["n"] == 0:
            state["first"] = time.monotonic()
        state["n"] += 1
        if state["n"] >= expected:
            state["last"] = time.monotonic()
            done.set()

    client.on_message = on_message
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    if not done.wait(600):
        raise RuntimeError(f"bare loop received only {state['n']} of {expected}")
    client.disconnect()
    client.loop_stop()
    return (expected - 1) / max(state["last"] - state["first"], 1e-9)


def drop_session(port: int, client_id: str) -> None:
    """End a persistent session, so the broker stops queueing messages for it."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    connected = threading.Event()
    client.on_connect = lambda *_a: connected.set()
    client.connect("127.0.0.1", port, clean_start=True, properties=props)
    client.loop_start()
    if not connected.wait(10):
        raise RuntimeError("no CONNACK")
    client.disconnect()
    client.loop_stop()
