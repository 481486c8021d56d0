"""Simulated sensors in the shapes real firmware publishes (`udara simulate --format`). Pure.

One `Device` per simulated room: the hardware a facility would buy for it, publishing what that
firmware publishes (docs/reference/device-payloads.md; the adapters in
`ingest.domain.formats` read the same shapes):

- `udara`: Udara's own payload, `udara/{b}/{r}/s-{r}/telemetry` and `…/status`; `ts` RFC 3339.
- `tasmota`: an ESP32 with SCD30 + PMS5003, `tele/{b}-{r}/SENSOR` and `tele/{b}-{r}/LWT`;
  `Time` local without offset, to the second.
- `esphome`: the same sensors on ESPHome, `{b}-{r}/sensor/{object_id}/state` and
  `{b}-{r}/status`; no time: the time of receipt.
- `zigbee2mqtt`: a Tuya air box (CO2, PM2.5, T/RH, VOC), `zigbee2mqtt/{b}/{r}/air` and
  `…/availability`; `last_seen` (ISO_8601, milliseconds).
- `shelly`: a Shelly Plus H&T (T/RH only), `shellyplusht-{mac}/events/rpc` and `…/online`;
  `params.ts`, 10 ms.
- `chirpstack`: a Milesight AM319 (O3 variant), `application/{app}/device/{eui}/event/up`;
  `time` with nanoseconds.

Values are rounded to what the firmware reports (`Device.resolution`); a device reports only
the metrics its hardware measures (`Device.measures`): a Shelly H&T no CO2, a PMS5003 always
PM10. Device ids are derived from building and room, so a room's device keeps its id from run
to run and can be placed once (`udara simulate --list-devices` prints them).

Decisions:
- ESPHome publishes its states retained (the firmware's default), the others their status or
  last will retained and readings not.
- Values the room model has no quantity for are left out rather than invented (the Tuya box's
  formaldehyde); quantities Udara does not store are sent as the hardware would (PMS particle
  counts, eCO2, dew point, VOC, PIR, light, pressure, O3), so adapters meet them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import uuid
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, ClassVar, Final

from ingest.domain.const import STATUS_SUFFIX
from ingest.domain.model import telemetry_payload
from sensors_sim.climate import is_workday
from sensors_sim.message import Message
from sensors_sim.rooms import Room

FORMATS: Final = ("udara", "tasmota", "esphome", "zigbee2mqtt", "shelly", "chirpstack")
MIXED: Final = "mixed"  # the formats round-robin over the rooms
CHOICES: Final = (*FORMATS, MIXED)

_COMPACT: Final = (",", ":")


def format_of(choice: str, index: int) -> str:
    """The format of the room at `index` when simulating `choice` (a format or `mixed`)."""
    if choice == MIXED:
        return FORMATS[index % len(FORMATS)]
    if choice not in FORMATS:
        raise ValueError(f"unknown format {choice!r}: one of {', '.join(CHOICES)}")
    return choice


def _digest(room: Room, what: str) -> str:
    """Stable hex digits for one room (hardware addresses, ids)."""
    return hashlib.sha256(f"{what}:{room.building}/{room.name}".encode()).hexdigest()


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=_COMPACT, ensure_ascii=False).encode()


def _num(value: float) -> float | int:
    """A number as JavaScript prints it (decoders and Zigbee2MQTT): 62, not 62.0."""
    return int(value) if value == int(value) else value


def _office_hours(local: datetime) -> bool:
    return is_workday(local) and 8 <= local.hour < 18


class Device(ABC):
    """The simulated sensor of one room in one firmware's shape."""

    format: ClassVar[str]
    # Metrics the hardware measures (None: whatever the room's sensor gives).
    measures: ClassVar[frozenset[str] | None] = None
    # The sensor reports PM10 whatever kind of room it is in (a PMS5003 does).
    with_pm10: ClassVar[bool] = False
    # Smallest step the firmware reports, per metric, in Udara's unit.
    RESOLUTION: ClassVar[dict[str, float]] = {}

    def __init__(self, room: Room, tz: tzinfo) -> None:
        self.room = room
        self.tz = tz
        self.resolution = dict(self.RESOLUTION)  # this device's (a °F Tasmota's is finer)

    @property
    @abstractmethod
    def device_id(self) -> str:
        """The id ingest gives this device (`tasmota:{topic}`, `chirpstack:{dev_eui}`, …)."""

    @abstractmethod
    def status(self, online: bool, at: datetime) -> list[Message]:
        """Its availability message(s) (retained), or none when the format has none."""

    @abstractmethod
    def reading(self, values: dict[str, float], at: datetime) -> list[Message]:
        """The message(s) of one reading: `values` in Udara's units, taken at `at`."""

    def reported(self, values: dict[str, float]) -> dict[str, float]:
        """Of `values`, those this hardware reports."""
        if self.measures is None:
            return dict(values)
        return {k: v for k, v in values.items() if k in self.measures}


class UdaraDevice(Device):
    """Udara's own JSON payload: the values as the room's sensor gives them, `ts` with offset."""

    format = "udara"
    RESOLUTION: ClassVar[dict[str, float]] = {
        "temperature": 0.01, "humidity": 0.1, "co2": 1.0, "pm25": 0.1, "pm10": 0.1,
    }  # fmt: skip

    @property
    def device_id(self) -> str:
        s = self.room.sensor
        return f"udara:{s.building}/{s.room}/{s.sensor}"

    def status(self, online: bool, at: datetime) -> list[Message]:
        payload = b"online" if online else b"offline"
        return [Message(self.room.sensor.topic(STATUS_SUFFIX), payload, True, at.timestamp())]

    def reading(self, values: dict[str, float], at: datetime) -> list[Message]:
        payload = telemetry_payload(values, at.astimezone(self.tz))
        return [Message(self.room.sensor.topic(), payload, False, at.timestamp())]


def dew_point(temperature: float, humidity: float) -> float:
    """Dew point °C (Magnus formula, as Tasmota's `CalcTempHumToDew`)."""
    gamma = math.log(max(humidity, 0.1) / 100) + 17.62 * temperature / (243.12 + temperature)
    return 243.12 * gamma / (17.62 - gamma)


class TasmotaDevice(Device):
    """Tasmota on an ESP32 with a Sensirion SCD30 (NDIR CO2, T/RH) and a Plantower PMS5003.

    `tele/{topic}/SENSOR` every TelePeriod: `Time` in local time without an offset (seconds),
    the sensors in driver order (xsns_18 PMS5003, xsns_42 SCD30), then `TempUnit`. Tasmota
    rounds temperatures and humidity to one decimal (TempRes, HumRes 1); the PMS5003 reports
    whole µg/m³. `tele/{topic}/LWT` is `Online`/`Offline`, retained.
    """

    format = "tasmota"
    measures = frozenset({"co2", "temperature", "humidity", "pm25", "pm10"})
    with_pm10 = True
    RESOLUTION: ClassVar[dict[str, float]] = {
        "temperature": 0.1, "humidity": 0.1, "co2": 1.0, "pm25": 1.0, "pm10": 1.0,
    }  # fmt: skip

    def __init__(self, room: Room, tz: tzinfo, temp_unit: str = "C") -> None:
        super().__init__(room, tz)
        if temp_unit not in ("C", "F"):
            raise ValueError("TempUnit is C or F")
        self.temp_unit = temp_unit
        if temp_unit == "F":
            self.resolution["temperature"] = 0.1 * 5 / 9
        self.topic = f"{room.building}-{room.name}"
        self._eco2: float | None = None  # the SCD30 driver's running average

    @property
    def device_id(self) -> str:
        return f"tasmota:{self.topic}"

    def status(self, online: bool, at: datetime) -> list[Message]:
        payload = b"Online" if online else b"Offline"
        return [Message(f"tele/{self.topic}/LWT", payload, True, at.timestamp())]

    def _temp(self, celsius: float) -> float:
        return round(celsius * 9 / 5 + 32 if self.temp_unit == "F" else celsius, 1)

    def reading(self, values: dict[str, float], at: datetime) -> list[Message]:
        local = at.astimezone(self.tz)
        body: dict[str, Any] = {"Time": f"{local:%Y-%m-%dT%H:%M:%S}"}
        if "pm25" in values:
            pm = values["pm25"]
            pm25 = round(pm)
            pm10 = round(values.get("pm10", values["pm25"] * 1.6))
            pm1 = round(values["pm25"] * 0.7)
            body["PMS5003"] = {
                "CF1": _cf(pm1), "CF2.5": _cf(pm25), "CF10": _cf(pm10),
                "PM1": pm1, "PM2.5": pm25, "PM10": pm10,
                "PB0.3": round(pm * 118 + 210), "PB0.5": round(pm * 34 + 60),
                "PB1": round(pm * 6.5 + 8), "PB2.5": round(pm * 0.45),
                "PB5": round(pm * 0.12), "PB10": round(pm * 0.03),
            }  # fmt: skip
        if "co2" in values:
            co2 = values["co2"]
            self._eco2 = co2 if self._eco2 is None else self._eco2 + 0.2 * (co2 - self._eco2)
            scd30: dict[str, Any] = {"CarbonDioxide": round(co2), "eCO2": round(self._eco2)}
            if "temperature" in values and "humidity" in values:
                t, rh = values["temperature"], values["humidity"]
                scd30.update(
                    Temperature=self._temp(t),
                    Humidity=round(rh, 1),
                    DewPoint=self._temp(dew_point(t, rh)),
                )
            body["SCD30"] = scd30
        body["TempUnit"] = self.temp_unit
        return [Message(f"tele/{self.topic}/SENSOR", _json(body), False, at.timestamp())]


def _cf(atmospheric: int) -> int:
    """A PMS5003's "standard particle" (CF=1) value: equal to the atmospheric one in clean
    air, higher above about 30 µg/m³."""
    return atmospheric if atmospheric <= 30 else round(30 + (atmospheric - 30) * 1.5)


class EsphomeDevice(Device):
    """ESPHome on the same SCD30 + PMSX003 hardware: one plain number per sensor.

    `{node}/sensor/{object_id}/state` with the value printed to the component's
    accuracy_decimals (SCD30: CO2 0, temperature and humidity 1; PMSX003: 0), retained
    (ESPHome's default); sensors named "CO2", "Temperature", "Humidity", "PM 2.5" and
    "PM 10.0". No timestamp: the time of receipt is the reading's time. `{node}/status`:
    `online`/`offline` (birth and last will), retained.
    """

    format = "esphome"
    measures = frozenset({"co2", "temperature", "humidity", "pm25", "pm10"})
    with_pm10 = True
    RESOLUTION: ClassVar[dict[str, float]] = {
        "temperature": 0.1, "humidity": 0.1, "co2": 1.0, "pm25": 1.0, "pm10": 1.0,
    }  # fmt: skip
    # metric → (object_id, accuracy_decimals), in the order the node publishes them.
    SENSORS: ClassVar[tuple[tuple[str, str, int], ...]] = (
        ("co2", "co2", 0),
        ("temperature", "temperature", 1),
        ("humidity", "humidity", 1),
        ("pm25", "pm_2_5", 0),
        ("pm10", "pm_10_0", 0),
    )

    def __init__(self, room: Room, tz: tzinfo) -> None:
        super().__init__(room, tz)
        self.node = f"{room.building}-{room.name}"

    @property
    def device_id(self) -> str:
        return f"esphome:{self.node}"

    def status(self, online: bool, at: datetime) -> list[Message]:
        payload = b"online" if online else b"offline"
        return [Message(f"{self.node}/status", payload, True, at.timestamp())]

    def reading(self, values: dict[str, float], at: datetime) -> list[Message]:
        return [
            Message(
                f"{self.node}/sensor/{object_id}/state",
                f"{values[metric]:.{decimals}f}".encode(),
                True,
                at.timestamp(),
            )
            for metric, object_id, decimals in self.SENSORS
            if metric in values
        ]


class Zigbee2MqttDevice(Device):
    """A Tuya air box (TS0601 "smart air house keeper" kind) behind Zigbee2MQTT.

    `zigbee2mqtt/{friendly_name}`, one JSON object of the device's exposes: `co2` ppm, `pm25`
    µg/m³, `temperature` and `humidity` to one decimal (the converter divides by 10), `voc`,
    `linkquality`, and `last_seen` as the bridge's `last_seen: ISO_8601` option writes it (UTC,
    milliseconds). The friendly name contains `/` (`{building}/{room}/air`). Availability
    `…/availability` `{"state":"online"}`, retained. The box's formaldehyde is left out: the
    room model has none.
    """

    format = "zigbee2mqtt"
    measures = frozenset({"co2", "temperature", "humidity", "pm25"})
    RESOLUTION: ClassVar[dict[str, float]] = {
        "temperature": 0.1, "humidity": 0.1, "co2": 1.0, "pm25": 1.0,
    }  # fmt: skip

    def __init__(self, room: Room, tz: tzinfo) -> None:
        super().__init__(room, tz)
        self.friendly_name = f"{room.building}/{room.name}/air"
        self._link = 120 + int(_digest(room, "zigbee")[:4], 16) % 100

    @property
    def device_id(self) -> str:
        return f"zigbee2mqtt:{self.friendly_name}"

    def status(self, online: bool, at: datetime) -> list[Message]:
        body = _json({"state": "online" if online else "offline"})
        topic = f"zigbee2mqtt/{self.friendly_name}/availability"
        return [Message(topic, body, True, at.timestamp())]

    def reading(self, values: dict[str, float], at: datetime) -> list[Message]:
        body: dict[str, Any] = {}
        if "co2" in values:
            body["co2"] = round(values["co2"])
        if "humidity" in values:
            body["humidity"] = _num(round(values["humidity"], 1))
        utc = at.astimezone(UTC)
        body["last_seen"] = f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
        body["linkquality"] = self._link + int(at.timestamp()) % 7 - 3
        if "pm25" in values:
            body["pm25"] = round(values["pm25"])
        if "temperature" in values:
            body["temperature"] = _num(round(values["temperature"], 1))
        if "co2" in values:
            body["voc"] = max(1, round((values["co2"] - 380) / 40))
        topic = f"zigbee2mqtt/{self.friendly_name}"
        return [Message(topic, _json(body), False, at.timestamp())]


class ShellyDevice(Device):
    """A Shelly Plus H&T (Gen2): temperature and humidity only.

    `{prefix}/events/rpc` JSON-RPC `NotifyStatus` from `src` `shellyplusht-{mac}` with
    `params.ts` (Unix UTC seconds, two decimals) and the components that changed,
    `temperature:0` (`tC`, `tF`) and `humidity:0` (`rh`), one decimal each. The topic prefix
    is the device id (the default). `{prefix}/online` is `true`/`false`, retained; ingest does
    not subscribe to it.
    """

    format = "shelly"
    measures = frozenset({"temperature", "humidity"})
    RESOLUTION: ClassVar[dict[str, float]] = {
        "temperature": 0.1, "humidity": 0.1,
    }  # fmt: skip

    def __init__(self, room: Room, tz: tzinfo) -> None:
        super().__init__(room, tz)
        self.src = f"shellyplusht-08b61f{_digest(room, 'shelly')[:6]}"

    @property
    def device_id(self) -> str:
        return f"shelly:{self.src}"

    def status(self, online: bool, at: datetime) -> list[Message]:
        payload = b"true" if online else b"false"
        return [Message(f"{self.src}/online", payload, True, at.timestamp())]

    def reading(self, values: dict[str, float], at: datetime) -> list[Message]:
        params: dict[str, Any] = {"ts": round(at.timestamp(), 2)}
        if "temperature" in values:
            t = values["temperature"]
            params["temperature:0"] = {"id": 0, "tC": round(t, 1), "tF": round(t * 9 / 5 + 32, 1)}
        if "humidity" in values:
            params["humidity:0"] = {"id": 0, "rh": round(values["humidity"], 1)}
        body = {
            "src": self.src,
            "dst": f"{self.src}/events",
            "method": "NotifyStatus",
            "params": params,
        }
        return [Message(f"{self.src}/events/rpc", _json(body), False, at.timestamp())]


_NAMESPACE: Final = uuid.UUID("5b0e7c9a-51a6-4b8e-8a3c-2f1d6e0c9b31")  # the simulator's ids


class ChirpstackDevice(Device):
    """A Milesight AM319 (O3 variant) on LoRaWAN, uplinks through a ChirpStack v4 server.

    `application/{application_id}/device/{dev_eui}/event/up`: the `UplinkEvent` JSON
    (camelCase, fields with default values omitted, so `fCnt` 0 is absent), `time` with
    nanoseconds, `data` the device's real bytes (channels of the AM300 series: 03 67
    temperature int16/10, 04 68 humidity uint8/2, 05 00 PIR, 06 CB light level, 07 7D CO2,
    08 7D tVOC, 09 73 pressure/10, 0B 7D PM2.5, 0C 7D PM10, 0D 7D O3/100) and `object` what
    Milesight's decoder makes of them: humidity in steps of 0.5 %, the rest whole numbers but
    temperature and pressure (0.1). The DevEUI starts with Milesight's 24E124. No availability
    topic: a silent device is just silent.
    """

    format = "chirpstack"
    measures = frozenset({"co2", "temperature", "humidity", "pm25", "pm10"})
    with_pm10 = True
    RESOLUTION: ClassVar[dict[str, float]] = {
        "temperature": 0.1, "humidity": 0.5, "co2": 1.0, "pm25": 1.0, "pm10": 1.0,
    }  # fmt: skip

    def __init__(self, room: Room, tz: tzinfo) -> None:
        super().__init__(room, tz)
        digest = _digest(room, "lorawan")
        self.dev_eui = f"24e124{digest[:10]}"
        self.dev_addr = digest[10:18]
        self.application_id = str(uuid.uuid5(_NAMESPACE, f"application:{room.building}"))
        self.tenant_id = str(uuid.uuid5(_NAMESPACE, "tenant"))
        self.profile_id = str(uuid.uuid5(_NAMESPACE, "profile:AM319"))
        self.gateway_id = f"24e124fffef{digest[18:23]}"
        self.f_cnt = 0

    @property
    def device_id(self) -> str:
        return f"chirpstack:{self.dev_eui}"

    def status(self, online: bool, at: datetime) -> list[Message]:
        return []

    def reading(self, values: dict[str, float], at: datetime) -> list[Message]:
        local = at.astimezone(self.tz)
        busy = _office_hours(local)
        obj: dict[str, Any] = {}
        data = bytearray()
        if "temperature" in values:
            raw = round(values["temperature"] * 10)
            obj["temperature"] = _num(raw / 10)
            data += b"\x03\x67" + raw.to_bytes(2, "little", signed=True)
        if "humidity" in values:
            raw = round(values["humidity"] * 2)
            obj["humidity"] = _num(raw / 2)
            data += b"\x04\x68" + raw.to_bytes(1, "little")
        obj["pir"] = "trigger" if busy else "idle"
        data += b"\x05\x00" + (b"\x01" if busy else b"\x00")
        obj["light_level"] = 4 if busy else 0
        data += b"\x06\xcb" + obj["light_level"].to_bytes(1, "little")
        if "co2" in values:
            obj["co2"] = round(values["co2"])
            obj["tvoc"] = max(1, round((values["co2"] - 380) / 12))
            data += b"\x07\x7d" + obj["co2"].to_bytes(2, "little")
            data += b"\x08\x7d" + obj["tvoc"].to_bytes(2, "little")
        pressure = round(10 * (1009.5 + 1.2 * math.sin(at.timestamp() / 43_200 * math.pi)))
        obj["pressure"] = _num(pressure / 10)
        data += b"\x09\x73" + pressure.to_bytes(2, "little")
        if "pm25" in values:
            obj["pm2_5"] = round(values["pm25"])
            data += b"\x0b\x7d" + obj["pm2_5"].to_bytes(2, "little")
        if "pm10" in values:
            obj["pm10"] = round(values["pm10"])
            data += b"\x0c\x7d" + obj["pm10"].to_bytes(2, "little")
        o3 = 2 + int(at.timestamp() // 600) % 3
        obj["o3"] = _num(o3 / 100)
        data += b"\x0d\x7d" + o3.to_bytes(2, "little")

        f_cnt, self.f_cnt = self.f_cnt, self.f_cnt + 1
        utc = at.astimezone(UTC)
        nanos = f"{utc.microsecond:06d}{(f_cnt * 379) % 1000:03d}"
        ns_time = utc + timedelta(milliseconds=31)
        body: dict[str, Any] = {
            "deduplicationId": str(uuid.uuid5(_NAMESPACE, f"{self.dev_eui}:{f_cnt}")),
            "time": f"{utc:%Y-%m-%dT%H:%M:%S}.{nanos}+00:00",
            "deviceInfo": {
                "tenantId": self.tenant_id,
                "tenantName": "Udara",
                "applicationId": self.application_id,
                "applicationName": self.room.building,
                "deviceProfileId": self.profile_id,
                "deviceProfileName": "Milesight AM319",
                "deviceName": f"am319-{self.room.name}",
                "devEui": self.dev_eui,
                "deviceClassEnabled": "CLASS_C",
                "tags": {"room": self.room.name},
            },
            "devAddr": self.dev_addr,
            "adr": True,
            "dr": 5,
            "fCnt": f_cnt,
            "fPort": 85,
            "data": base64.b64encode(bytes(data)).decode(),
            "object": obj,
            "rxInfo": [
                {
                    "gatewayId": self.gateway_id,
                    "uplinkId": int(self.dev_addr, 16) ^ f_cnt,
                    "nsTime": f"{ns_time:%Y-%m-%dT%H:%M:%S}.{ns_time.microsecond:06d}Z",
                    "rssi": -71 + f_cnt % 5,
                    "snr": 9.5,
                    "channel": f_cnt % 8,
                    "location": {},
                    "context": "qPA7Ug==",
                    "metadata": {"region_config_id": "as923_2", "region_common_name": "AS923_2"},
                    "crcStatus": "CRC_OK",
                }
            ],
            "txInfo": {
                "frequency": 921_400_000 + 200_000 * (f_cnt % 8),
                "modulation": {
                    "lora": {"bandwidth": 125_000, "spreadingFactor": 7, "codeRate": "CR_4_5"}
                },
            },
        }
        if not f_cnt:  # protobuf's JSON leaves out default values
            del body["fCnt"]
        if not body["rxInfo"][0]["channel"]:
            del body["rxInfo"][0]["channel"]
        topic = f"application/{self.application_id}/device/{self.dev_eui}/event/up"
        return [Message(topic, _json(body), False, at.timestamp())]


DEVICES: Final[dict[str, type[Device]]] = {
    cls.format: cls
    for cls in (
        UdaraDevice,
        TasmotaDevice,
        EsphomeDevice,
        Zigbee2MqttDevice,
        ShellyDevice,
        ChirpstackDevice,
    )
}


def device_for(fmt: str, room: Room, tz: tzinfo) -> Device:
    """The simulated device of `room` in format `fmt`."""
    return DEVICES[fmt](room, tz)
