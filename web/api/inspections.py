"""Inspections in the API (CONTRACTS.md, "Inspections and KPIs"): `POST /api/v1/inspections`
records a checklist filled in elsewhere (a crew app that synced, a tablet form), `GET
/api/v1/inspections` and `GET /api/v1/inspections/{id}` read them. Photos of failed items come
base64 in the JSON, re-encoded and stripped like every upload."""

from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, Field, field_validator
from spectree import Response as Spec

from inspections.schemas import InspectionOut
from inspections.services.inspections import InspectionInput, ItemInput
from occupants.domain.model import MAX_PHOTO_BYTES, PhotoRefused
from web import deps
from web.api import bp, spec
from web.api.auth import api_auth, api_user
from web.api.errors import ApiError
from web.api.models import CODE, Body, ErrorOut, Paging
from web.app import INSPECTION_PHOTOS
from web.i18n import lazy
from web.refusals import photo_refusal
from web.security import ASSIGNERS, IAQ_READERS

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut}
KEY = r"^[A-Za-z0-9._:-]{1,64}$"


class ItemIn(Body):
    """One answered item: `passed` for a pass/fail item, `score` (1-5) for a scored one;
    `photo` a JPEG or PNG of at most 5 MB, base64 (a failed item its template marks
    `photo_on_fail` needs one). Photos are re-encoded without their metadata."""

    item: str = Field(pattern=CODE)
    passed: bool | None = None
    score: int | None = Field(None, ge=1, le=5)
    note: str = Field("", max_length=500)
    photo: str | None = Field(None, max_length=MAX_PHOTO_BYTES * 4 // 3 + 4)

    def photo_bytes(self) -> bytes | None:
        """The photo decoded; ApiError 422 when it is not base64."""
        if not self.photo:
            return None
        try:
            return base64.b64decode(self.photo, validate=True)
        except binascii.Error as exc:
            message = lazy("%(item)s: the photo is not base64", item=self.item)
            raise ApiError(422, "invalid_request", str(message)) from exc


class InspectionIn(Body):
    """A filled-in checklist. `key` is the submitter's own id for it: sending the same key
    again (a retry after a lost answer) returns the inspection already recorded."""

    key: str = Field(pattern=KEY)
    template: str = Field(pattern=CODE)
    building: str = Field(pattern=CODE)
    room: str = Field(pattern=CODE)
    asset: str | None = Field(None, pattern=CODE)
    note: str = Field("", max_length=1000)
    items: list[ItemIn] = Field(min_length=1, max_length=100)

    @field_validator("items")
    @classmethod
    def _few_photos(cls, items: list[ItemIn]) -> list[ItemIn]:
        if sum(1 for i in items if i.photo) > INSPECTION_PHOTOS:
            raise ValueError(f"at most {INSPECTION_PHOTOS} photos an inspection")  # pydantic's
        return items


class InspectionsQuery(Paging):
    """Narrow to one building; a page of the newest first."""

    building: str | None = Field(None, pattern=CODE)


class InspectionsOut(BaseModel):
    """A page of the caller's buildings' inspections, newest first."""

    items: list[InspectionOut]
    limit: int
    offset: int


@bp.post("/inspections")
@api_auth(*ASSIGNERS)
@spec.validate(resp=Spec(HTTP_201=InspectionOut, HTTP_422=ErrorOut, **ERRORS), tags=["inspections"])
def submit_inspection(json: InspectionIn) -> tuple[InspectionOut, int]:
    """Record an inspection: each failed item opens one corrective work order for the
    template's crew. The same `key` again opens nothing and returns what was recorded."""
    data = InspectionInput(
        key=json.key,
        template=json.template,
        building=json.building,
        room=json.room,
        items=[ItemInput(i.item, i.passed, i.score, i.note, i.photo_bytes()) for i in json.items],
        asset_code=json.asset,
        note=json.note,
    )
    try:
        done = deps.container().inspections.submit(api_user().actor, data)
    except PhotoRefused as exc:
        raise ApiError(422, exc.code, str(photo_refusal(exc.code))) from exc
    return InspectionOut.of(done), 201


@bp.get("/inspections")
@api_auth(*IAQ_READERS)
@spec.validate(resp=Spec(HTTP_200=InspectionsOut, **ERRORS), tags=["inspections"])
def list_inspections(query: InspectionsQuery) -> InspectionsOut:
    """Inspections of the caller's buildings, newest first."""
    found = deps.container().inspections.recent(
        scope=api_user().scope, building=query.building, limit=query.limit, offset=query.offset
    )
    return InspectionsOut(
        items=[InspectionOut.of(v) for v in found], limit=query.limit, offset=query.offset
    )


@bp.get("/inspections/<int:inspection_id>")
@api_auth(*IAQ_READERS)
@spec.validate(resp=Spec(HTTP_200=InspectionOut, **ERRORS), tags=["inspections"])
def get_inspection(inspection_id: int) -> InspectionOut:
    """One inspection with its items and the work orders they opened."""
    found = deps.container().inspections.get(inspection_id, scope=api_user().scope)
    return InspectionOut.of(found)
