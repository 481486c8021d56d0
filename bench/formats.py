"""µs per message of each device format's adapter, one core, no I/O.

    .venv/bin/python -m bench.formats [--number N]

Each format decodes a typical telemetry message of its kind (best of 5 runs of N).
"""

from __future__ import annotations

import argparse
import json
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from ingest.domain.formats import DECODERS, DeviceSettings, Telemetry, decode

RECEIVED = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)
SETTINGS = DeviceSettings(timezone="Asia/Jakarta")

MESSAGES: dict[str, tuple[str, bytes]] = {
    "udara": ("udara/menara-a/lt3/s1/telemetry", b'{"ts":1772862874,"temperature":24.5,'
              b'"humidity":61.2,"co2":812,"pm25":12.5}'),
    "tasmota": (
        "tele/ruang-rapat/SENSOR",
        json.dumps(
            {
                "Time": "2026-03-07T12:54:34",
                "SHT3X": {"Temperature": 24.5, "Humidity": 61.2, "DewPoint": 16.5},
                "SCD30": {"CarbonDioxide": 812, "eCO2": 790, "Temperature": 25.9,
                          "Humidity": 57.0, "DewPoint": 16.8},
                "PMS5003": {"CF1": 9, "CF2.5": 13, "CF10": 15, "PM1": 9, "PM2.5": 12, "PM10": 15,
                            "PB0.3": 1520, "PB0.5": 420, "PB1": 80, "PB2.5": 6, "PB5": 2,
                            "PB10": 0},
                "TempUnit": "C",
            }
        ).encode(),
    ),
    "esphome": ("kantor-lt3/sensor/pm_2_5/state", b"12.4"),
    "zigbee2mqtt": (
        "zigbee2mqtt/lt2/ruang-rapat/air",
        b'{"co2":612,"formaldehyd":0.03,"humidity":58.3,"temperature":27.2,"voc":24,'
        b'"linkquality":156,"last_seen":"2026-03-07T05:59:58.123Z"}',
    ),
    "shelly": (
        "shellyplusht-b8d61a8b17cc/events/rpc",
        json.dumps(
            {
                "src": "shellyplusht-b8d61a8b17cc",
                "dst": "shellyplusht-b8d61a8b17cc/events",
                "method": "NotifyFullStatus",
                "params": {
                    "ts": 1772862874.62,
                    "ble": {},
                    "cloud": {"connected": False},
                    "devicepower:0": {"id": 0, "battery": {"V": 6.1, "percent": 100},
                                      "external": {"present": False}},
                    "ht_ui": {},
                    "humidity:0": {"id": 0, "rh": 42.2},
                    "mqtt": {"connected": True},
                    "sys": {"mac": "B8D61A8B17CC", "uptime": 3, "ram_free": 164244,
                            "wakeup_period": 600},
                    "temperature:0": {"id": 0, "tC": 19.8, "tF": 67.6},
                    "wifi": {"sta_ip": "192.168.3.183", "status": "got ip", "rssi": -58},
                    "ws": {"connected": False},
                },
            }
        ).encode(),
    ),
    "chirpstack": (
        "application/17c8/device/24e124710c140083/event/up",
        json.dumps(
            {
                "deduplicationId": "3ac7e3c4-4401-4b8d-9386-a5c902f9202d",
                "time": "2026-03-07T05:54:15.775023242+00:00",
                "deviceInfo": {"tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242",
                               "applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97",
                               "deviceName": "am319-lt3", "devEui": "24e124710c140083"},
                "devAddr": "00189440", "dr": 1, "fPort": 85, "data": "A2fuAARofA==",
                "rxInfo": [{"gatewayId": "0016c001f153a14c", "rssi": -36, "snr": 10.5}],
                "object": {"temperature": 23.8, "humidity": 62, "pir": "trigger",
                           "light_level": 2, "co2": 936, "tvoc": 37, "pressure": 1008.6,
                           "hcho": 0.04, "pm2_5": 32, "pm10": 48},
            }
        ).encode(),
    ),
    "tts": (
        "",
        json.dumps(
            {
                "end_device_ids": {"device_id": "am319-lt3", "dev_eui": "24E124710C140083"},
                "received_at": "2026-03-07T05:54:46.014773143Z",
                "uplink_message": {
                    "f_port": 85, "frm_payload": "A2fuAARofA==",
                    "decoded_payload": {"temperature": 23.8, "humidity": 62, "co2": 936,
                                        "hcho": 0.04, "pm2_5": 32, "pm10": 48},
                    "rx_metadata": [{"gateway_ids": {"gateway_id": "gtw1"},
                                     "time": "2026-03-07T05:54:45.787Z", "rssi": -35}],
                    "received_at": "2026-03-07T05:54:45.789585559Z",
                },
            }
        ).encode(),
    ),
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000)
    args = parser.parse_args()
    print(f"{'format':<12} {'bytes':>6} {'adapter µs':>11} {'via registry µs':>16}")
    for fmt, (topic, payload) in MESSAGES.items():
        adapter = DECODERS[fmt]
        assert isinstance(adapter(topic, payload, RECEIVED, SETTINGS), Telemetry), fmt
        direct = _best(partial(adapter, topic, payload, RECEIVED, SETTINGS), args.number)
        routed = "-"
        if topic:  # TTS arrives over HTTP: no topic, no routing
            routed = (
                f"{_best(partial(decode, topic, payload, RECEIVED, SETTINGS), args.number):.1f}"
            )
        print(f"{fmt:<12} {len(payload):>6} {direct:>11.1f} {routed:>16}")


def _best(call: Callable[[], object], number: int) -> float:
    """µs per call, best of 5 runs of `number` calls."""
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


if __name__ == "__main__":
    main()
