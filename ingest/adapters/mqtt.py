"""The MQTT side of ingest: a persistent QoS 1 session whose callback only enqueues.

Messages are acknowledged manually, by the pipeline, after InfluxDB stored them. The
broker-side Receive Maximum bounds how many unacknowledged messages we hold, so memory stays
bounded and the broker keeps the backlog while InfluxDB is down.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from ingest.adapters.paho_buffered import BufferedClient
from ingest.domain.const import SUBSCRIPTIONS
from ingest.inbound import WireAck, WireMessage
from ingest.metrics import CONNECTED
from udara.settings import MqttTarget

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps our queue for a week of downtime


class MqttConsumer:
    """Owns the paho client: connects, subscribes in on_connect, enqueues, acknowledges."""

    def __init__(
        self,
        target: MqttTarget,
        client_id: str,
        inbox: queue.Queue[WireMessage],
        receive_maximum: int = 20_000,
        subscriptions: tuple[str, ...] = SUBSCRIPTIONS,
    ) -> None:
        self._inbox = inbox
        self._subscriptions = subscriptions
        self._generation = 0
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self._client = BufferedClient(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if target.username:
            self._client.username_pw_set(target.username, target.password)
        if target.tls:
            self._client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._target = target
        self._receive_maximum = receive_maximum

    def start(self) -> None:
        """Connect in the background; paho reconnects with backoff on its own."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = self._receive_maximum
        self._client.connect_async(
            self._target.host,
            self._target.port,
            keepalive=30,
            clean_start=False,
            properties=props,
        )
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect cleanly; unacknowledged messages stay with the broker for next time."""
        self._client.disconnect()
        self._client.loop_stop()

    def ack(self, acks: list[WireAck]) -> None:
        """Acknowledge messages, except those of an older connection (they are redelivered)."""
        with self._lock:
            generation = self._generation
        current = [
            (mid, qos) for mid, qos, message_generation in acks if message_generation == generation
        ]
        self._client.ack_many([mid for mid, qos in current if qos == 1])
        for mid, qos in current:
            if qos == 2:
                self._client.ack(mid, qos)

    def _on_connect(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s", reason)
            return
        with self._lock:
            self._generation += 1
        # Subscribing here means a reconnect always resubscribes.
        client.subscribe([(topic, SubscribeOptions(qos=1)) for topic in self._subscriptions])
        CONNECTED.set(1)
        self.connected.set()
        log.info("connected to %s:%s", self._target.host, self._target.port)

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        CONNECTED.set(0)
        self.connected.clear()
        log.warning("disconnected from broker (%s); reconnecting", reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        # Runs on paho's network thread: hand over and return, nothing else.
        try:
            topic = msg.topic
        except UnicodeDecodeError:
            topic = repr(msg._topic)  # rejected downstream as a bad topic, and acknowledged
        self._inbox.put(
            (topic, bytes(msg.payload), msg.mid, msg.qos, time.time(), self._generation)
        )


def register_session(
    target: MqttTarget, client_id: str, subscriptions: tuple[str, ...], timeout: float = 10
) -> None:
    """Create ingest's persistent session and subscriptions, then leave.

    From then on the broker queues readings for ingest even before ingest first runs, so
    sensors that start at the same moment as ingest (a demo, a site's first boot) lose nothing.

    It takes nothing from the session: a session that exists may hold a backlog the broker
    starts sending at once, and this client acknowledges none of it (manual acks, never
    given), so every message stays in the session for the consumer that follows. The
    subscriptions are (re)made either way: a new device format adds topic filters.
    """
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True
    )
    if target.username:
        client.username_pw_set(target.username, target.password)
    if target.tls:
        client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
    subscribed = threading.Event()
    client.on_subscribe = lambda *_args: subscribed.set()
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = SESSION_EXPIRY_S
    client.connect(target.host, target.port, clean_start=False, properties=props)
    client.loop_start()
    try:
        client.subscribe([(topic, SubscribeOptions(qos=1)) for topic in subscriptions])
        if not subscribed.wait(timeout):
            raise TimeoutError(f"broker did not confirm ingest's subscriptions within {timeout}s")
    finally:
        client.disconnect()
        client.loop_stop()
