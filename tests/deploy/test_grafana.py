"""The Grafana profile: provisioning files, and the dashboard's InfluxQL run against a real
InfluxDB 1.x holding points shaped as ingest writes them."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import REPO
from udara.devservers import ManagedServer

GRAFANA = REPO / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "udara-iaq.json"
METRICS = ("temperature", "humidity", "co2", "pm25", "pm10", "co", "hcho")


def dashboard() -> dict[str, Any]:
    data = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def queries(dash: dict[str, Any]) -> list[str]:
    """Every InfluxQL statement of the dashboard: panels, variables, annotations."""
    found = [t["query"] for p in dash["panels"] for t in p.get("targets", [])]
    found += [v["query"] for v in dash["templating"]["list"]]
    found += [a["query"] for a in dash["annotations"]["list"] if "query" in a]
    return found


def test_datasource_provisioning(compose: dict[str, Any]) -> None:
    doc = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "influxdb.yaml").read_text())
    (source,) = doc["datasources"]
    assert source["type"] == "influxdb" and source["uid"] == "udara-influxdb"
    assert source["url"] == "http://influxdb:8086"
    assert source["jsonData"]["dbName"] == "${UDARA_INFLUX_DB}"
    # Each ${VAR} the file expands is in the grafana service's environment.
    env = compose["services"]["grafana"]["environment"]
    text = (GRAFANA / "provisioning" / "datasources" / "influxdb.yaml").read_text()
    for name in re.findall(r"\$\{([A-Z_]+)\}", text):
        assert name in env, name


def test_dashboard_provisioning_points_at_the_mounted_folder(compose: dict[str, Any]) -> None:
    doc = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "udara.yaml").read_text())
    (provider,) = doc["providers"]
    mounts = dict(v.split(":")[:2][::-1] for v in compose["services"]["grafana"]["volumes"])
    assert mounts[provider["options"]["path"]] == "./deploy/grafana/dashboards"
    assert mounts["/etc/grafana/provisioning"] == "./deploy/grafana/provisioning"


def test_dashboard_shape() -> None:
    dash = dashboard()
    assert dash["uid"] == "udara-iaq"
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            assert target["datasource"] == {"type": "influxdb", "uid": "udara-influxdb"}
            assert target["rawQuery"] is True
    text = " ".join(queries(dash))
    for metric in METRICS:
        assert f'"{metric}"' in text, f"no panel shows {metric}"
    assert '"iaq_alert"' in text
    assert [v["name"] for v in dash["templating"]["list"]] == ["building", "room"]


@pytest.fixture
def influx_with_points(influxdb: ManagedServer, influx_db_name: str) -> Iterator[str]:
    """A database with readings and alert events written as ingest writes them."""
    base = f"http://127.0.0.1:{influxdb.port}"
    post(f"{base}/query", {"q": f'CREATE DATABASE "{influx_db_name}"'})
    now = time.time_ns()
    lines = []
    for i in range(30):
        t = now - i * 60 * 10**9
        for room, co2 in (("lobby", 600 + i), ("meeting-1", 1100 + i)):
            lines.append(
                f"iaq,building=hq,room={room},sensor=s1 temperature=27.5,humidity=55,"
                f"co2={co2},pm25=12,pm10=20,co=0.4,hcho=0.02 {t}"
            )
    lines.append(
        "iaq_alert,building=hq,room=meeting-1,metric=co2,severity=warning,kind=threshold,"
        f'sensor=s1 event="open",alert_id=7i,open=1i,value=1120 {now - 600 * 10**9}'
    )
    lines.append(
        "iaq_alert,building=hq,room=meeting-1,metric=co2,severity=warning,kind=threshold,"
        f'sensor=s1 event="resolve",alert_id=7i,open=0i,value=900 {now - 60 * 10**9}'
    )
    post(f"{base}/write?db={influx_db_name}", body="\n".join(lines).encode())
    yield base


def post(url: str, form: dict[str, str] | None = None, body: bytes | None = None) -> Any:
    data = body if body is not None else urllib.parse.urlencode(form or {}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as resp:  # noqa: S310
        raw = resp.read()
    return json.loads(raw) if raw else None


def grafana_expand(query: str, building: str = "hq", rooms: str = "(lobby|meeting-1)") -> str:
    """What Grafana sends for this query: its macros and variables filled in."""
    return (
        query.replace("$timeFilter", "time > now() - 6h")
        .replace("$__interval", "1m")
        .replace("$building", building)
        .replace("$room", rooms)
    )


@pytest.mark.integration
def test_dashboard_queries_run_on_influxdb(influx_with_points: str, influx_db_name: str) -> None:
    for query in queries(dashboard()):
        answer = post(
            f"{influx_with_points}/query", {"db": influx_db_name, "q": grafana_expand(query)}
        )
        (result,) = answer["results"]
        assert "error" not in result, f"{query}\n→ {result['error']}"
        assert result.get("series"), f"no data for: {query}"

    # The room variable follows the building; the CO₂ stat shows one value per room.
    stat = next(p for p in dashboard()["panels"] if p["type"] == "stat")
    answer = post(
        f"{influx_with_points}/query",
        {"db": influx_db_name, "q": grafana_expand(stat["targets"][0]["query"])},
    )
    rooms = {s["tags"]["room"]: s["values"][0][1] for s in answer["results"][0]["series"]}
    assert rooms == {"lobby": 600.0, "meeting-1": 1100.0}


def test_no_dashboard_edits_left_behind() -> None:
    # Files in the dashboards folder are all loaded by Grafana: only valid JSON belongs there.
    for path in Path(GRAFANA / "dashboards").iterdir():
        assert path.suffix == ".json", path
        json.loads(path.read_text(encoding="utf-8"))
