"""Prometheus metrics of the ingest process (the MQTT side serves them)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from ingest.pipeline import PipelineStats

RECEIVED = Counter("udara_ingest_messages_received_total", "MQTT messages taken from the broker")
REJECTED = Counter(
    "udara_ingest_messages_rejected_total", "Messages rejected as breaking the contract", ["reason"]
)
IGNORED = Counter(
    "udara_ingest_messages_ignored_total",
    "Sound messages with nothing to store (a plug on a Zigbee bus, a retired device)",
    ["reason"],
)
POINTS_WRITTEN = Counter("udara_ingest_points_written_total", "Readings written to InfluxDB")
WRITE_FAILURES = Counter("udara_ingest_write_failures_total", "Failed InfluxDB write attempts")
WRITE_SECONDS = Histogram(
    "udara_ingest_write_seconds",
    "Duration of one InfluxDB batch write",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUEUE_DEPTH = Gauge("udara_ingest_queue_depth", "Messages waiting in the ingest queue")
UNACKED = Gauge(
    "udara_ingest_unacknowledged_messages", "Messages received but not yet acknowledged"
)
CONNECTED = Gauge("udara_ingest_broker_connected", "1 while connected to the MQTT broker")


class MetricsBridge:
    """Turns the worker's cumulative stats into this process's Prometheus metrics."""

    def __init__(self) -> None:
        self._last = PipelineStats()

    def update(self, stats: PipelineStats) -> None:
        """Apply what changed since the previous snapshot."""
        last = self._last
        RECEIVED.inc(max(stats.received - last.received, 0))
        POINTS_WRITTEN.inc(max(stats.stored - last.stored, 0))
        WRITE_FAILURES.inc(max(stats.write_failures - last.write_failures, 0))
        for reason, n in stats.rejected.items():
            REJECTED.labels(reason=reason).inc(max(n - last.rejected.get(reason, 0), 0))
        for reason, n in stats.ignored.items():
            IGNORED.labels(reason=reason).inc(max(n - last.ignored.get(reason, 0), 0))
        for seconds in stats.write_seconds:
            WRITE_SECONDS.observe(seconds)
        self._last = stats
