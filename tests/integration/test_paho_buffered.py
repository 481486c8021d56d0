"""The block-reading paho client against a real Mosquitto: every message arrives once, whole
and in order, whatever the packet sizes and wherever the 64 KiB blocks split them; reconnects
start from a clean block."""

from __future__ import annotations

import inspect
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from ingest.adapters.paho_buffered import BLOCK, BufferedClient
from udara.devservers import ManagedServer


def test_paho_internals_it_overrides_still_exist() -> None:
    # A paho release that renames or reshapes these would bypass the block reads or break
    # ack_many; the signatures are what BufferedClient calls.
    assert list(inspect.signature(mqtt.Client._sock_recv).parameters) == ["self", "bufsize"]
    assert list(inspect.signature(mqtt.Client.loop_read).parameters) == ["self", "max_packets"]
    queue_params = list(inspect.signature(mqtt.Client._packet_queue).parameters)
    assert queue_params[:5] == ["self", "command", "packet", "mid", "qos"]


def _receive(port: int, payloads: list[bytes], topic: str) -> list[bytes]:
    received: list[bytes] = []
    done = threading.Event()
    subscribed = threading.Event()
    client = BufferedClient(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)

    def on_message(_c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        received.append(bytes(msg.payload))
        if len(received) == len(payloads):
            done.set()

    client.on_message = on_message
    client.on_subscribe = lambda *_a: subscribed.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe(topic, qos=1)
    assert subscribed.wait(10)
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    publisher.connect("127.0.0.1", port)
    publisher.loop_start()
    for payload in payloads:
        publisher.publish(topic, payload, qos=1)
    done.wait(30)
    publisher.disconnect()
    publisher.loop_stop()
    client.disconnect()
    client.loop_stop()
    return received


@pytest.mark.parametrize("sizes", [[40] * 5_000, [1, 70_000, 3, BLOCK - 7, 200_000, 9, BLOCK]])
def test_every_message_arrives_whole_and_in_order(
    mosquitto: ManagedServer, sizes: list[int]
) -> None:
    payloads = [bytes([65 + k % 26]) * size for k, size in enumerate(sizes)]
    assert _receive(mosquitto.port, payloads, f"test/buffered/{len(sizes)}") == payloads


def test_a_lone_message_is_not_left_in_the_block(mosquitto: ManagedServer) -> None:
    # One small message: select() must not wait on bytes already read into the block.
    assert _receive(mosquitto.port, [b"only"], "test/buffered/lone") == [b"only"]


def _session_receive(
    port: int, client_id: str, expect: int, ack: bool, wait: float = 10
) -> list[bytes]:
    """Connect a persistent manual-ack session, take `expect` messages, maybe ack_many them."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    received: list[mqtt.MQTTMessage] = []
    done = threading.Event()
    client = BufferedClient(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True
    )

    def on_message(_c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        received.append(msg)
        if len(received) >= expect:
            done.set()

    client.on_message = on_message
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 300
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    client.subscribe("test/acks/#", qos=1)
    done.wait(wait)
    if ack:
        client.ack_many([m.mid for m in received])
    time.sleep(0.5)  # let paho's thread write the PUBACKs
    client.disconnect()
    client.loop_stop()
    return [bytes(m.payload) for m in received]


def test_ack_many_acknowledges_every_message(mosquitto: ManagedServer) -> None:
    client_id = "test-ack-many"
    _session_receive(mosquitto.port, client_id, 0, ack=False, wait=0.5)  # create the session
    payloads = [f"m{k}".encode() for k in range(500)]
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    publisher.connect("127.0.0.1", mosquitto.port)
    publisher.loop_start()
    for payload in payloads:
        publisher.publish("test/acks/x", payload, qos=1).wait_for_publish(10)
    publisher.disconnect()
    publisher.loop_stop()

    # Not acknowledged: the broker delivers them again on the next connection.
    assert _session_receive(mosquitto.port, client_id, 500, ack=False) == payloads
    assert _session_receive(mosquitto.port, client_id, 500, ack=True) == payloads
    # Acknowledged with ack_many: nothing comes back.
    assert _session_receive(mosquitto.port, client_id, 1, ack=False, wait=2) == []
