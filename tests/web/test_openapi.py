"""The OpenAPI 3 document is generated from the pydantic models that validate requests."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from web.api import models

CONTRACT = [
    ("get", "/api/v1/rooms"),
    ("get", "/api/v1/rooms/{building}/{room}/readings"),
    ("get", "/api/v1/alerts"),
    ("post", "/api/v1/alerts/{alert_id}/acknowledge"),
    ("get", "/api/v1/work-orders"),
    ("post", "/api/v1/work-orders"),
    ("patch", "/api/v1/work-orders/{wo_id}"),
    ("get", "/api/v1/plans"),
    ("post", "/api/v1/plans"),
]


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    """The served document (no login needed)."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def test_document_is_openapi_3_with_bearer_auth(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
    }  # fmt: skip
    assert spec["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize(("method", "path"), CONTRACT)
def test_every_contract_endpoint_is_described(spec: dict[str, Any], method: str, path: str) -> None:
    operation = spec["paths"][path][method]
    assert operation["summary"]
    assert {"401", "403"} <= set(operation["responses"])


def test_request_schemas_are_the_validating_models(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for model in (models.WorkOrderCreate, models.WorkOrderPatch, models.PlanCreate):
        generated = model.model_json_schema()
        served = schemas[model.__name__]
        assert served.get("required", []) == generated.get("required", [])
        assert set(served["properties"]) == set(generated["properties"])
        assert served.get("additionalProperties") is False  # unknown fields are refused
    body = spec["paths"]["/api/v1/work-orders"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/WorkOrderCreate")


def test_query_parameters_come_from_the_query_models(spec: dict[str, Any]) -> None:
    params = {p["name"] for p in spec["paths"]["/api/v1/work-orders"]["get"]["parameters"]}
    assert {"status", "crew", "assignee", "overdue", "limit", "offset"} <= params
    readings = spec["paths"]["/api/v1/rooms/{building}/{room}/readings"]["get"]["parameters"]
    assert {"building", "room", "metric", "start", "end", "every"} <= {p["name"] for p in readings}


def test_errors_are_described_with_their_json_shape(spec: dict[str, Any]) -> None:
    response = spec["paths"]["/api/v1/work-orders"]["post"]["responses"]["422"]
    ref = response["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/ErrorOut")
    assert set(spec["components"]["schemas"]["ErrorOut"]["required"]) == {"error", "message"}
