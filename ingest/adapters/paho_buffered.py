"""A paho client that reads the broker's socket in blocks and acknowledges in batches.

paho reads each packet with at least three `recv` calls (command byte, length bytes, body)
and, for a client that only receives, goes back to `select()` after every single packet. On
this project's 2-core machines, where a syscall costs a few microseconds, that was most of
ingest's receive cost: 150 µs of CPU a message and about 6,000 messages/s, against 75 µs and
12,000/s with block reads (measured draining a 40,000-message QoS 1 backlog).

`BufferedClient` overrides four of paho's internals, which the tests pin down
(`tests/integration/test_paho_buffered.py`, `tests/unit/test_paho_publish.py`): `_sock_recv`
serves paho's small reads from a 64 KiB block read, and `loop_read` keeps parsing while that
block holds data, because `select()` cannot see bytes that already left the kernel;
`_packet_read` cuts a PUBLISH lying whole in the block out in one slice instead of paho's
three reads; `_handle_publish` reads a QoS 1 MQTT 5 PUBLISH without properties (what
Mosquitto delivers from sensors that set none) without building paho's `Properties` object,
half of what paho spent on a message (any other PUBLISH is paho's to decode). `ack_many`
queues the PUBACKs of a whole written batch as one write where `ack` queues one packet, one
wake-up of paho's thread and one `send` per message. Everything else (TLS, reconnects,
keepalive, flow control) is paho's own.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.exception import MalformedPacket
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

BLOCK = 65_536
# What a PUBLISH without properties carries as `properties` (paho gives each its own empty
# one); shared, so it must not be changed.
NO_PROPERTIES = Properties(PacketTypes.PUBLISH)


class BufferedClient(mqtt.Client):
    """`paho.mqtt.client.Client` with block reads; a drop-in replacement."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._block = b""
        self._block_pos = 0
        self._block_sock: object = None  # the socket the block came from

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._block_sock is not self._sock:  # a new connection: nothing of the old one
            self._block, self._block_pos, self._block_sock = b"", 0, self._sock
        if self._block_pos >= len(self._block):
            data = super()._sock_recv(BLOCK)  # raises BlockingIOError when nothing is there
            if not data:
                return data  # end of stream: paho handles the lost connection
            self._block, self._block_pos = data, 0
        chunk = self._block[self._block_pos : self._block_pos + bufsize]
        self._block_pos += len(chunk)
        return chunk

    def buffered(self) -> int:
        """Bytes read from the socket but not yet parsed."""
        if self._block_sock is not self._sock:
            return 0
        return len(self._block) - self._block_pos

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Read packets until the socket and the block are both drained."""
        rc = super().loop_read(max_packets)
        while rc == MQTTErrorCode.MQTT_ERR_SUCCESS and self._sock is not None and self.buffered():
            rc = super().loop_read(max_packets)
        return rc

    def _packet_read(self) -> MQTTErrorCode:
        """A PUBLISH lying whole in the block is cut out in one slice and handled as paho
        would after its three reads; any other packet, or one the block ends inside, is
        read by paho."""
        block, pos = self._block, self._block_pos
        if (
            self._in_packet["command"] != 0
            or self._block_sock is not self._sock
            or len(block) - pos < 2
            or block[pos] & 0xF0 != 0x30
        ):
            return super()._packet_read()
        length, shift, cursor = 0, 0, pos + 1
        while True:  # the remaining length: at most 4 bytes of 7 bits
            if cursor >= len(block) or cursor - pos > 4:
                return super()._packet_read()
            byte = block[cursor]
            length += (byte & 0x7F) << shift
            cursor += 1
            if not byte & 0x80:
                break
            shift += 7
        end = cursor + length
        if end > len(block):
            return super()._packet_read()
        self._block_pos = end
        self._in_packet = {
            "command": block[pos], "have_remaining": 1, "remaining_count": [],
            "remaining_mult": 1, "remaining_length": length,
            "packet": bytearray(memoryview(block)[cursor:end]),
            "to_process": 0, "pos": 0,
        }  # fmt: skip
        try:
            rc = self._packet_handle()
        except MalformedPacket:
            rc = MQTTErrorCode.MQTT_ERR_PROTOCOL
        self._in_packet = {
            "command": 0, "have_remaining": 0, "remaining_count": [], "remaining_mult": 1,
            "remaining_length": 0, "packet": bytearray(b""), "to_process": 0, "pos": 0,
        }  # fmt: skip
        with self._msgtime_mutex:
            self._last_bytes_received = mqtt.time_func()
        return rc

    def _handle_publish(self) -> MQTTErrorCode:
        """The common PUBLISH (QoS 1, MQTT 5, no properties, manual acks) read directly, with
        what paho's own decoding gives; any other is paho's."""
        header = self._in_packet["command"]
        packet = self._in_packet["packet"]
        if header & 0x06 != 0x02 or self._protocol != mqtt.MQTTv5 or not self._manual_ack:
            return super()._handle_publish()
        end = 2 + ((packet[0] << 8) | packet[1]) if len(packet) >= 2 else 0
        if len(packet) < end + 3 or packet[end + 2] != 0:  # short, or properties follow
            return super()._handle_publish()
        view = memoryview(packet)  # paho's packet is a bytearray; its decoding gives bytes
        mid = (packet[end] << 8) | packet[end + 1]
        message = mqtt.MQTTMessage(mid=mid, topic=bytes(view[2:end]))
        message.dup = bool(header & 0x08)
        message.qos = 1
        message.retain = bool(header & 0x01)
        message.properties = NO_PROPERTIES
        message.payload = bytes(view[end + 3 :])
        message.timestamp = mqtt.time_func()
        self._handle_on_message(message)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def ack_many(self, mids: Sequence[int]) -> MQTTErrorCode:
        """PUBACK QoS 1 messages, like `ack(mid, 1)` for each, in one queued write.

        Each PUBACK is the 4-byte form paho's `ack` sends (valid in MQTT 3.1.1 and, with
        reason Success and no properties, in 5); the broker reads them one by one.
        """
        if not self._manual_ack or not mids:
            return MQTTErrorCode.MQTT_ERR_SUCCESS
        command = PacketTypes.PUBACK << 4
        data = b"".join([struct.pack("!BBH", command, 2, mid) for mid in mids])
        return self._packet_queue(command, data, 0, 1)
