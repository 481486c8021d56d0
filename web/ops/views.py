"""`/healthz`, `/readyz` and `/metrics`: open to the monitoring system, no login."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.wrappers import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text

from maintenance.domain.transitions import SYSTEM
from maintenance.services.queries import WorkOrderFilter
from udara.scope import EVERYTHING
from web import deps

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)
CHECK_TIMEOUT_S = 2.0


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers."""
    return jsonify({"status": "ok"})


def _check_broker() -> str | None:
    target = deps.container().settings.mqtt
    try:
        with socket.create_connection((target.host, target.port), timeout=CHECK_TIMEOUT_S):
            return None
    except OSError as exc:
        return f"broker {target.host}:{target.port} unreachable: {exc.strerror or exc}"


def _check_influx() -> str | None:
    return None if deps.readings().ping() else "InfluxDB does not answer /ping"


def _check_database() -> str | None:
    try:
        with deps.container().engine.connect() as conn:
            migrated = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except Exception as exc:  # any driver error means "not ready"
        return f"database unavailable or not migrated (udara db upgrade): {type(exc).__name__}"
    return None if migrated else "database not migrated: run `udara db upgrade`"


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: the broker accepts TCP, InfluxDB answers /ping, the database a query."""
    checks = {"broker": _check_broker(), "influxdb": _check_influx(), "database": _check_database()}
    ready = all(problem is None for problem in checks.values())
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    return jsonify(body), 200 if ready else 503


class ScrapeTimeCollector(Collector):
    """Gauges read from the services when Prometheus scrapes, never cached."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def collect(self) -> Iterator[Any]:
        """Open alerts by severity, open and overdue work orders."""
        with self._app.app_context():
            yield from self._collect()

    def _collect(self) -> Iterator[Any]:
        error = GaugeMetricFamily("udara_web_scrape_error", "1 when a gauge could not be read")
        failed = 0
        try:
            alerts = GaugeMetricFamily(
                "udara_open_alerts", "Alerts active or acknowledged", labels=["severity"]
            )
            counts = {"warning": 0, "critical": 0}
            # Site-wide counts for the operator's Prometheus: no building is named.
            for alert in deps.container().alert_service.list(open_only=True, scope=EVERYTHING):
                counts[alert.severity] = counts.get(alert.severity, 0) + 1
            for severity, count in sorted(counts.items()):
                alerts.add_metric([severity], count)
            yield alerts
        except Exception:
            log.exception("could not count open alerts for /metrics")
            failed = 1
        try:
            service = deps.container().work_order_service
            now = deps.now()
            # Site-wide counts for the operator's Prometheus: no building is named.
            overdue = service.list(
                WorkOrderFilter(overdue=True), viewer=SYSTEM, limit=1, now=now
            ).total
            still_open = service.list(
                WorkOrderFilter(open_only=True), viewer=SYSTEM, limit=1, now=now
            ).total
            yield GaugeMetricFamily(
                "udara_overdue_work_orders", "Open work orders past their due time", value=overdue
            )
            yield GaugeMetricFamily(
                "udara_open_work_orders", "Work orders not done, verified or cancelled",
                value=still_open,
            )  # fmt: skip
        except Exception:
            log.exception("could not count work orders for /metrics")
            failed = 1
        error.add_metric([], failed)
        yield error


def _registry() -> tuple[CollectorRegistry, Counter]:
    found: tuple[CollectorRegistry, Counter] = current_app.extensions["udara_metrics"]
    return found


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format."""
    registry, _ = _registry()
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_metrics(app: Flask) -> None:
    """A registry per app (tests build many apps), with a request counter."""
    registry = CollectorRegistry(auto_describe=False)
    requests = Counter(
        "udara_web_requests",
        "HTTP requests served, by endpoint and status",
        ["method", "endpoint", "status"],
        registry=registry,
    )
    registry.register(ScrapeTimeCollector(app))
    app.extensions["udara_metrics"] = (registry, requests)
    app.extensions["udara_push_uplinks"] = Counter(
        "udara_push_uplinks",
        "LoRaWAN uplinks pushed over HTTP, by format, outcome and reason",
        ["format", "outcome", "reason"],
        registry=registry,
    )

    @app.after_request
    def _count(response: Response) -> Response:
        endpoint = request.endpoint or "unmatched"
        requests.labels(request.method, endpoint, str(response.status_code)).inc()
        return response
