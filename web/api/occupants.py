"""`GET /api/v1/requests`: occupant requests of the caller's buildings (CONTRACTS.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from spectree import Response as Spec

from occupants.schemas import RequestOut
from web import deps
from web.api import bp, spec
from web.api.auth import api_auth, api_user
from web.api.models import CODE, ErrorOut, Query
from web.security import IAQ_READERS


class RequestsQuery(Query):
    """Narrow the requests to one status or building."""

    status: Literal["new", "in_work_order", "done", "rejected"] | None = None
    building: str | None = Field(None, pattern=CODE)


class RequestsOut(BaseModel):
    """Requests, newest first (at most 500)."""

    items: list[RequestOut]


@bp.get("/requests")
@api_auth(*IAQ_READERS)
@spec.validate(
    resp=Spec(HTTP_200=RequestsOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut), tags=["occupants"]
)
def list_requests(query: RequestsQuery) -> RequestsOut:
    """Occupant requests: what reports from the rooms' QR codes became."""
    found = deps.container().occupant_requests.list_requests(
        scope=api_user().scope, status=query.status, building=query.building
    )
    return RequestsOut(items=found)
