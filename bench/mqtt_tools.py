"""Load tools for the benchmark: a fast QoS 1 publisher that waits for every PUBACK, and
the bare paho receive loop that ingest is compared with."""

from __future__ import annotations

import json
import multiprocessing as mp
import threading
import time
from collections.abc import Sequence

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

SESSION_EXPIRY_S = 3600


def _publisher_client() -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(2_000)
    client.max_queued_messages_set(0)
    return client


def publish_chunk(
    port: int, messages: Sequence[tuple[str, bytes]], rate: float | None = None
) -> list[float]:
    """Publish at QoS 1 (optionally paced to `rate`/s); returns each message's publish time."""
    client = _publisher_client()
    acked = threading.Semaphore(0)
    client.on_publish = lambda *_args: acked.release()
    client.connect("127.0.0.1", port)
    client.loop_start()
    sent_at: list[float] = []
    start = time.monotonic()
    try:
        for i, (topic, payload) in enumerate(messages):
            if rate:
                due = start + i / rate
                if (delay := due - time.monotonic()) > 0:
                    time.sleep(delay)
            sent_at.append(time.time())
            client.publish(topic, payload, qos=1)
        for _ in messages:
            if not acked.acquire(timeout=60):
                raise RuntimeError("a publish was not acknowledged within 60 s")
    finally:
        client.disconnect()
        client.loop_stop()
    return sent_at


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


def bare_drain(port: int, client_id: str, expected: int, receive_maximum: int = 20_000) -> float:
    """Reconnect a persistent session and receive `expected` messages (JSON parse only).

    Returns messages/s from the first to the last message: the ceiling ingest is held to.
    """
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
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
