"""Assets in the API: list, add, one with its work-order history, meter readings
(CONTRACTS.md "Assets")."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from spectree import Response as Spec

from assets.domain.model import ASSET_READERS
from assets.schemas import AssetDetailOut, AssetOut, MeterReadingOut
from assets.service import AssetView
from maintenance.schemas import WorkOrderOut
from maintenance.services.queries import WorkOrderFilter
from web import deps
from web.api import bp, spec
from web.api.auth import api_auth, api_user
from web.api.models import CODE, Body, ErrorOut, Query
from web.security import FACILITY_MANAGER

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut}
HISTORY = 200  # work orders shown with an asset, newest first


class AssetsQuery(Query):
    """Narrow the list to one building, kind or status."""

    building: str | None = Field(None, pattern=CODE)
    kind: str | None = Field(None, pattern=CODE)
    status: str | None = Field(None, pattern="^(active|retired)$")


class AssetsOut(BaseModel):
    """Assets of the caller's buildings, by building and code."""

    items: list[AssetOut]


class AssetCreate(Body):
    """A new asset; `serves` names the rooms it supplies (its zone)."""

    code: str = Field(pattern=CODE)
    kind: str = Field(pattern=CODE)
    building: str = Field(pattern=CODE)
    room: str | None = Field(None, pattern=CODE)
    serves: list[str] = Field(default_factory=list, max_length=200)
    name: str | None = Field(None, max_length=100)
    make: str | None = Field(None, max_length=100)
    model: str | None = Field(None, max_length=100)
    serial: str | None = Field(None, max_length=100)
    installed_on: date | None = None
    attributes: dict[str, str | float | int | bool] = Field(default_factory=dict, max_length=50)


class MeterCreate(Body):
    """A meter reading, as read off the unit now."""

    meter: str = Field(pattern=CODE)
    value: float = Field(ge=0, le=1e12)


def _out(view: AssetView) -> AssetOut:
    return AssetOut.of(view)


@bp.get("/assets")
@api_auth(*ASSET_READERS)
@spec.validate(resp=Spec(HTTP_200=AssetsOut, **ERRORS), tags=["assets"])
def list_assets(query: AssetsQuery) -> AssetsOut:
    """AHUs, FCUs, chillers and other equipment of the caller's buildings."""
    found = deps.container().asset_service.list(
        viewer=api_user().actor, building=query.building, kind=query.kind, status=query.status
    )
    return AssetsOut(items=[_out(a) for a in found])


@bp.post("/assets")
@api_auth(FACILITY_MANAGER)
@spec.validate(
    resp=Spec(HTTP_201=AssetOut, HTTP_404=ErrorOut, HTTP_422=ErrorOut, **ERRORS),
    tags=["assets"],
)
def create_asset(json: AssetCreate) -> tuple[AssetOut, int]:
    """Register an asset (facility managers of its building)."""
    data = json.model_dump()
    view = deps.container().asset_service.add(
        data.pop("code"), data.pop("kind"), data.pop("building"), by=api_user().actor, **data
    )
    return _out(view), 201


@bp.get("/assets/<asset>")
@api_auth(*ASSET_READERS)
@spec.validate(resp=Spec(HTTP_200=AssetDetailOut, HTTP_404=ErrorOut, **ERRORS), tags=["assets"])
def get_asset(asset: str) -> AssetDetailOut:
    """One asset with its work-order history (the caller's visible orders) and meters."""
    c = deps.container()
    viewer = api_user().actor
    view = c.asset_service.get(asset, viewer=viewer)
    orders = c.work_order_service.list(
        WorkOrderFilter(asset=asset), viewer=viewer, limit=HISTORY, now=deps.now()
    ).items
    meters = c.asset_service.meter_readings(asset, viewer=viewer)
    return AssetDetailOut(
        **_out(view).model_dump(),
        work_orders=[WorkOrderOut.of(w) for w in sorted(orders, key=lambda w: -w.id)],
        meters=[MeterReadingOut.of(m) for m in meters],
    )


@bp.post("/assets/<asset>/meters")
@api_auth(*ASSET_READERS)
@spec.validate(
    resp=Spec(HTTP_201=MeterReadingOut, HTTP_404=ErrorOut, HTTP_422=ErrorOut, **ERRORS),
    tags=["assets"],
)
def record_meter(asset: str, json: MeterCreate) -> tuple[MeterReadingOut, int]:
    """Record a meter reading (run hours, filter pressure drop); a meter plan that became
    due gets its work order on the scheduler's next pass."""
    reading = deps.container().asset_service.record_meter(
        asset, json.meter, json.value, by=api_user().actor
    )
    return MeterReadingOut.of(reading), 201
