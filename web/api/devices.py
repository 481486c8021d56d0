"""Devices in the API: list, one, place, correct, retire (CONTRACTS.md "Sensor devices")."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from spectree import Response as Spec

from web import deps
from web.api import bp, spec
from web.api.auth import api_auth, api_user
from web.api.models import ErrorOut
from web.security import ALL_ROLES, FACILITY_MANAGER

CODE = r"^[a-z0-9_-]{1,64}$"


class DeviceOut(BaseModel):
    """A device: pending or placed, what it reports, where it reports for."""

    device: str
    format: str
    status: str
    first_seen: datetime | None
    last_seen: datetime | None
    readings: int
    metrics: list[str]
    building: str | None
    room: str | None
    sensor: str | None
    mapping: dict[str, str]
    offsets: dict[str, float]
    placed_at: datetime | None
    placed_by: str | None


class DevicesOut(BaseModel):
    """Devices the caller may see, pending first."""

    items: list[DeviceOut]


class DevicesQuery(BaseModel):
    """Narrow the list by status."""

    status: str | None = Field(default=None, pattern="^(pending|active|retired)$")


class DevicePlace(BaseModel):
    """Where a device goes, and how its values are read."""

    building: str = Field(pattern=CODE)
    room: str = Field(pattern=CODE)
    sensor: str | None = Field(default=None, pattern=CODE)
    mapping: dict[str, str] | None = Field(default=None, max_length=50)
    offsets: dict[str, float] | None = Field(default=None, max_length=20)


def _out(view: object) -> DeviceOut:
    return DeviceOut.model_validate(view, from_attributes=True)


ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut}


@bp.get("/devices")
@api_auth(*ALL_ROLES)
@spec.validate(resp=Spec(HTTP_200=DevicesOut, **ERRORS), tags=["devices"])
def list_devices(query: DevicesQuery) -> DevicesOut:
    """Devices of the caller's buildings (pending ones of no building: unlimited managers)."""
    found = deps.container().device_service.list(query.status, viewer=api_user().actor)
    return DevicesOut(items=[_out(d) for d in found])


@bp.get("/devices/<path:device>")
@api_auth(*ALL_ROLES)
@spec.validate(resp=Spec(HTTP_200=DeviceOut, HTTP_404=ErrorOut, **ERRORS), tags=["devices"])
def get_device(device: str) -> DeviceOut:
    """One device."""
    return _out(deps.container().device_service.get(device, viewer=api_user().actor))


@bp.post("/devices/<path:device>/place")
@api_auth(FACILITY_MANAGER)
@spec.validate(
    resp=Spec(HTTP_200=DeviceOut, HTTP_404=ErrorOut, HTTP_422=ErrorOut, **ERRORS),
    tags=["devices"],
)
def place_device(device: str, json: DevicePlace) -> DeviceOut:
    """Put a device on a room: its held readings join the room's history within seconds."""
    view = deps.container().device_service.place(
        device, json.building, json.room, sensor=json.sensor, mapping=json.mapping,
        offsets=json.offsets, by=api_user().actor,
    )  # fmt: skip
    return _out(view)


@bp.post("/devices/<path:device>/retire")
@api_auth(FACILITY_MANAGER)
@spec.validate(resp=Spec(HTTP_200=DeviceOut, HTTP_404=ErrorOut, **ERRORS), tags=["devices"])
def retire_device(device: str) -> DeviceOut:
    """Stop storing a device's readings."""
    return _out(deps.container().device_service.retire(device, by=api_user().actor))
