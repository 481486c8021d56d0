"""The JSON API under /api/v1 (CONTRACTS.md), described by OpenAPI from its pydantic models."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, jsonify, request
from flask.wrappers import Response
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from web.api.models import ErrorOut
from web.extensions import compressed

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _validation_error_body(
    req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any
) -> None:
    """Give spectree's 422 the API's error shape: code, sentence, per-field details."""
    if error is None or resp is None:
        return
    details = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in adapter.validation_errors(error)
    ]
    where = "; ".join(
        f"{'.'.join(str(p) for p in d['loc']) or 'body'}: {d['msg']}" for d in details[:5]
    )
    body = {"error": "invalid_request", "message": where or "invalid request", "details": details}
    resp.set_data(json.dumps(body))
    resp.mimetype = "application/json"


spec = SpecTree(
    "flask",
    mode="strict",
    title="Udara API",
    description=(
        "Indoor air quality and building maintenance. Authenticate with "
        "`Authorization: Bearer <token>` (from `udara tokens create NAME`)."
    ),
    version="1",
    openapi_version="3.1.0",
    page_templates={},
    before=_validation_error_body,
    validation_error_status=422,
    validation_error_model=ErrorOut,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[
        SecurityScheme(
            name="bearerAuth", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer")
        ),
    ],
    security={"bearerAuth": []},
)


@bp.after_request
def _compress_reads(response: Response) -> Response:
    """gzip what the API reads out (room lists and chart series are large, and hold no
    secrets); answers to writes stay as they are."""
    return compressed(response) if request.method == "GET" else response


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document, generated from the models that validate requests."""
    return jsonify(spec.spec)


from web.api import (  # noqa: E402,F401  (routes register on import)
    assets,
    devices,
    errors,
    inspections,
    kpis,
    locations,
    occupants,
    push,
    stock,
    views,
)
