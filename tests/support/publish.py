"""Publish test messages at QoS 1 and wait for every PUBACK (like a careful device)."""

from __future__ import annotations

from collections.abc import Sequence

from sensors_sim.publisher import publish_readings
from udara.settings import MqttTarget


def publish_all(target: MqttTarget, messages: Sequence[tuple[str, bytes]], qos: int = 1) -> None:
    """Publish every (topic, payload) and return once the broker acknowledged each one."""
    stats = publish_readings(target, messages, qos=qos)
    if not stats.ok or stats.acked != len(messages):
        raise AssertionError(f"broker did not acknowledge every message: {stats}")
