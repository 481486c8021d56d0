"""Publish test messages at QoS 1 and wait for every PUBACK (like a careful device)."""

from __future__ import annotations

from collections.abc import Sequence

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from udara.settings import MqttTarget


def publish_all(target: MqttTarget, messages: Sequence[tuple[str, bytes]], qos: int = 1) -> None:
    """Publish every (topic, payload) and return once the broker acknowledged each one."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if target.username:
        client.username_pw_set(target.username, target.password)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(target.host, target.port)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=qos) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=30)
            if not info.is_published():
                raise AssertionError(f"message {info.mid} was not acknowledged by the broker")
    finally:
        client.disconnect()
        client.loop_stop()
