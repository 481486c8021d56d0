"""CPU of ingest's MQTT process per message, without any server.

    .venv/bin/python -m bench.receive_cost [--readings N] [--profile]

The backlog of `make bench` (Udara's own payload, QoS 1, MQTT 5 without properties, as
Mosquitto delivers it) is fed from memory, in 64 KiB blocks, to ingest's block-reading paho
client (`BufferedClient.loop_read`), whose callback hands each message over as ingest's does
(a `WireMessage` into a bounded queue); the chunks of `service.CHUNK` messages are then
pickled and unpickled as the pipe between the two processes does. Prints µs a message for
receiving (socket to queue) and for the pipe; `--profile` prints a cProfile of receiving.
"""

from __future__ import annotations

import argparse
import cProfile
import pickle
import pstats
import queue
import struct
import time
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.run import make_messages
from ingest.adapters.paho_buffered import BufferedClient
from ingest.inbound import WireMessage
from ingest.service import CHUNK

START = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)


def publish_packet(topic: str, payload: bytes, mid: int) -> bytes:
    """A QoS 1 MQTT 5 PUBLISH without properties, as the broker sends it."""
    name = topic.encode()
    body = struct.pack("!H", len(name)) + name + struct.pack("!HB", mid, 0) + payload
    length, remaining = b"", len(body)
    while True:
        byte, remaining = remaining % 128, remaining // 128
        length += bytes([byte | (128 if remaining else 0)])
        if not remaining:
            break
    return bytes([0x32]) + length + body


class _Stream:
    """A socket holding the packets: `recv` returns what is asked (the client asks for
    64 KiB blocks), then would block."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def recv(self, size: int) -> bytes:
        if self.pos >= len(self.data):
            raise BlockingIOError
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk

    def fileno(self) -> int:
        return -1

    def close(self) -> None:
        pass


def receive(data: bytes, n: int) -> tuple[float, list[WireMessage]]:
    """CPU seconds to read `n` messages from `data` into ingest's queue, and what arrived."""
    client = BufferedClient(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5, manual_ack=True)
    inbox: queue.Queue[WireMessage] = queue.Queue(maxsize=n + 1)

    def on_message(_client: Any, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        inbox.put((msg.topic, bytes(msg.payload), msg.mid, msg.qos, time.time(), 1))

    client.on_message = on_message
    client._sock = _Stream(data)  # type: ignore[assignment]
    started = time.process_time()
    while inbox.qsize() < n:
        client.loop_read()
    spent = time.process_time() - started
    return spent, [inbox.get_nowait() for _ in range(n)]


def pipe(messages: list[WireMessage]) -> float:
    """CPU seconds to pickle and unpickle `messages` in the relay's chunks."""
    started = time.process_time()
    for k in range(0, len(messages), CHUNK):
        pickle.loads(pickle.dumps(messages[k : k + CHUNK], pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=50_000)
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="best of N")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    n = args.readings
    messages = make_messages(n, args.rooms, START, "bench")
    data = b"".join(publish_packet(t, p, i % 65_535 + 1) for i, (t, p) in enumerate(messages))
    best_receive = best_pipe = float("inf")
    for _ in range(args.repeat):
        spent, wires = receive(data, n)
        assert [(w[0], w[1]) for w in wires] == messages
        best_receive = min(best_receive, spent)
        best_pipe = min(best_pipe, pipe(wires))
    print(f"receive (socket blocks → ingest's queue): {best_receive / n * 1e6:6.1f} µs a message")
    print(f"pipe (pickle + unpickle, chunks of {CHUNK:,}): {best_pipe / n * 1e6:6.1f} µs a message")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        receive(data, n)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
