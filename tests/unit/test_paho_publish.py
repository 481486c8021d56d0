"""`BufferedClient._packet_read` and `_handle_publish` hand over exactly the messages paho's
own reading and decoding give: a PUBLISH whole in the block cut out in one slice, the common
one (QoS 1, MQTT 5, no properties) decoded directly, every other left to paho, however the
reads split the packets."""

from __future__ import annotations

import inspect
import struct
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from ingest.adapters.paho_buffered import BufferedClient


class _Stream:
    """A socket holding `data`, giving at most `most` bytes a `recv`."""

    def __init__(self, data: bytes, most: int) -> None:
        self.data, self.pos, self.most = data, 0, most

    def recv(self, size: int) -> bytes:
        if self.pos >= len(self.data):
            raise BlockingIOError
        chunk = self.data[self.pos : self.pos + min(size, self.most)]
        self.pos += len(chunk)
        return chunk

    def close(self) -> None:
        pass


def packet(
    topic: bytes, payload: bytes, *, qos: int = 1, mid: int = 7, props: bytes = b"\x00",
    dup: bool = False, retain: bool = False,
) -> bytes:  # fmt: skip
    body = struct.pack("!H", len(topic)) + topic
    if qos:
        body += struct.pack("!H", mid)
    body += props + payload
    length, remaining = b"", len(body)
    while True:
        byte, remaining = remaining % 128, remaining // 128
        length += bytes([byte | (128 if remaining else 0)])
        if not remaining:
            break
    header = 0x30 | (qos << 1) | (0x08 if dup else 0) | (0x01 if retain else 0)
    return bytes([header]) + length + body


def received(
    client_class: type[mqtt.Client], data: bytes, most: int = 1 << 20, **kwargs: Any
) -> list[tuple]:
    client = client_class(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5, **kwargs)
    out: list[tuple] = []

    def on_message(_c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        out.append(
            (
                msg._topic, type(msg._topic), msg.payload, type(msg.payload), msg.mid, msg.qos,
                msg.dup, msg.retain, str(msg.properties),
                msg.properties.pack() if msg.properties else None,
            )
        )  # fmt: skip

    client.on_message = on_message
    client._sock = _Stream(data, most)  # type: ignore[assignment]
    for _ in range(len(data) + 1):
        client.loop_read()
        if client._sock is None:
            break
    return out


MESSAGES = [
    packet(b"udara/b/r/s/telemetry", b'{"co2":612}'),
    packet(b"udara/b/r/s/telemetry", b""),
    packet(b"", b"no topic"),
    packet(b"t\xff/\xfe", b"topic not UTF-8"),
    packet(b"a/b", b"x" * 70_000, mid=65_535),
    packet(b"a/b", b"dup and retained", dup=True, retain=True),
    packet(b"a/b", b"with a property", props=b"\x02\x01\x01"),  # payload format indicator
    packet(b"a/b", b"qos 0", qos=0),
    packet(b"a/b", b"qos 2", qos=2),
    packet(b"a/b", b"\x00\x01binary"),
]


@pytest.mark.parametrize("most", [1, 2, 7, 100, 65_536, 1 << 20])  # packets split across reads
@pytest.mark.parametrize("manual_ack", [True, False])
def test_messages_arrive_as_paho_decodes_them(manual_ack: bool, most: int) -> None:
    data = b"".join(MESSAGES)
    ours = received(BufferedClient, data, most, manual_ack=manual_ack)
    pahos = received(mqtt.Client, data, manual_ack=manual_ack)
    assert len(ours) == len(MESSAGES) - 1  # the QoS 2 one waits for its PUBREL
    assert ours == pahos


@pytest.mark.parametrize("cut", [1, 2, 3, 5])
def test_a_truncated_publish_is_paho_s_to_refuse(cut: int) -> None:
    # A remaining length that ends inside the topic or the message id: paho's decoding
    # raises, the connection is dropped, nothing is handed over.
    whole = packet(b"udara/b/r/s/telemetry", b"")
    body = whole[2 : 2 + cut]
    data = bytes([whole[0], len(body)]) + body
    assert received(BufferedClient, data, manual_ack=True) == []
    assert received(BufferedClient, data + MESSAGES[0], manual_ack=True) == []


def test_a_remaining_length_over_four_bytes_is_paho_s_to_refuse() -> None:
    data = bytes([0x32, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) + MESSAGES[0]
    assert received(BufferedClient, data, manual_ack=True) == []


def test_paho_internals_it_overrides_still_exist() -> None:
    assert list(inspect.signature(mqtt.Client._handle_publish).parameters) == ["self"]
    assert list(inspect.signature(mqtt.Client._packet_read).parameters) == ["self"]
    assert set(BufferedClient(CallbackAPIVersion.VERSION2)._in_packet) == {
        "command", "have_remaining", "remaining_count", "remaining_mult", "remaining_length",
        "packet", "to_process", "pos",
    }  # fmt: skip
    assert list(inspect.signature(mqtt.Client._handle_on_message).parameters) == [
        "self",
        "message",
    ]
    assert callable(mqtt.time_func)
