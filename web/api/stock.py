"""Stock in the API: `GET /api/v1/stock` (facility managers and supervisors) and
`POST /api/v1/work-orders/{id}/consumption` (who works on the order)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from spectree import Response as Spec

from maintenance.schemas import StockLevelOut, StockMovementOut
from web import deps
from web.api import bp, spec
from web.api.auth import api_auth, api_user
from web.api.models import CODE, Body, ErrorOut, Query
from web.security import ASSIGNERS, WORKERS

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut}


class StockQuery(Query):
    """Narrow the stock to one building."""

    building: str | None = Field(None, pattern=CODE)


class StockOut(BaseModel):
    """Stock per item and building, of the caller's buildings."""

    items: list[StockLevelOut]


class ConsumptionIn(Body):
    """Stock used on the work order (taken from its building's stock)."""

    item: str = Field(pattern=CODE)
    quantity: float = Field(gt=0, le=1_000_000)
    note: str = Field("", max_length=500)


class ConsumptionOut(BaseModel):
    """The item's stock after it, and everything used on the work order so far."""

    level: StockLevelOut
    consumption: list[StockMovementOut]


@bp.get("/stock")
@api_auth(*ASSIGNERS)
@spec.validate(resp=Spec(HTTP_200=StockOut, **ERRORS), tags=["stock"])
def list_stock(query: StockQuery) -> StockOut:
    """Stock of each item per building, with reorder levels and open purchase orders."""
    levels = deps.container().stock_service.levels(viewer=api_user().actor, building=query.building)
    return StockOut(items=[StockLevelOut.of(level) for level in levels])


@bp.post("/work-orders/<int:wo_id>/consumption")
@api_auth(*WORKERS)
@spec.validate(
    resp=Spec(HTTP_201=ConsumptionOut, HTTP_409=ErrorOut, **ERRORS), tags=["work orders"]
)
def record_consumption(wo_id: int, json: ConsumptionIn) -> tuple[ConsumptionOut, int]:
    """Record stock used on a work order (its assignee or a manager of its crew); reaching
    the item's reorder level opens one purchase work order for the item's crew."""
    stock, user = deps.container().stock_service, api_user()
    level = stock.consume(wo_id, json.item, json.quantity, user.username, deps.now(), json.note)
    used = stock.consumption(wo_id, viewer=user.actor)
    return ConsumptionOut(
        level=StockLevelOut.of(level), consumption=[StockMovementOut.of(m) for m in used]
    ), 201
