"""One serializer per public shape: `udara alerts list --json` and `udara workorders list
--json` print exactly what the API answers for the same alerts and work orders."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from ingest.cli import alerts_group
from maintenance.cli import workorders
from tests.web.conftest import NOW, FixedClockContainer, Seed, make_settings
from tests.web.test_api import open_coded_alert
from web import create_app

Headers = Callable[[str], dict[str, str]]


def cli_json(container: FixedClockContainer, group: Any, *args: str) -> list[dict[str, Any]]:
    """What a command prints with `--json`, parsed."""
    result = CliRunner().invoke(group, [*args, "--json"], obj=container, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.output)
    return rows


@pytest.mark.parametrize("lang", ["id", "en"])
def test_alerts_list_json_is_the_api_alert_json(
    seeded: Seed, seeded_url: str, container: FixedClockContainer, token_for: Headers, lang: str
) -> None:
    open_coded_alert(container)
    # The CLI speaks UDARA_LANG; the API the language the request asks for.
    speaking = FixedClockContainer(make_settings(seeded_url, lang=lang), NOW)
    printed = cli_json(speaking, alerts_group, "list")
    api: FlaskClient = create_app(container, {"TESTING": True}).test_client()
    served = api.get(f"/api/v1/alerts?limit=500&lang={lang}", headers=token_for("viewer"))
    assert printed == served.get_json()["items"]
    assert len(printed) == 3 and {a["room_name"] for a in printed} == {"Lobi", "Ruang Rapat 201"}


def test_alerts_list_json_filters_by_state_like_the_api(
    seeded: Seed, container: FixedClockContainer, api_client: FlaskClient, token_for: Headers
) -> None:
    printed = cli_json(container, alerts_group, "list", "--state", "resolved")
    served = api_client.get("/api/v1/alerts?state=resolved", headers=token_for("viewer"))
    assert printed == served.get_json()["items"] and [a["id"] for a in printed] == [
        seeded.resolved_alert_id
    ]


def test_workorders_list_json_is_the_api_work_order_json(
    seeded: Seed, container: FixedClockContainer, api_client: FlaskClient, token_for: Headers
) -> None:
    printed = cli_json(container, workorders, "list")
    served = api_client.get("/api/v1/work-orders?limit=500", headers=token_for("fm")).get_json()
    assert printed == served["items"]
    assert len(printed) == served["total"] >= 2
    # Fields only one channel had before are in both now.
    assert all("alert_resolved_at" in wo and "alert_ids" in wo for wo in printed)


@pytest.fixture
def api_client(container: FixedClockContainer) -> FlaskClient:
    """A client of the API over the same database and clock as the CLI."""
    return create_app(container, {"TESTING": True}).test_client()
