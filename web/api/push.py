"""HTTP push of LoRaWAN uplinks (CONTRACTS.md "Sensor devices"): a thin door to `PushIngest`."""

from __future__ import annotations

from flask import current_app, request
from pydantic import BaseModel
from spectree import Response as Spec

from ingest.push import MAX_PUSH_BYTES, PushResult
from web import deps
from web.api import bp, spec
from web.api.auth import api_auth
from web.api.errors import ApiError
from web.api.models import ErrorOut

DEVICE = "device"


class PushOut(BaseModel):
    """What became of one uplink."""

    device: str | None
    stored: int = 0
    held: int = 0
    ignored: str | None = None


PUSH_RESPONSES = Spec(
    HTTP_200=PushOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_413=ErrorOut,
    HTTP_422=ErrorOut, HTTP_503=ErrorOut,
)  # fmt: skip


def _push(fmt: str) -> PushOut:
    """Decode, store, hand to evaluation; 2xx only once written (503: retry, it is safe)."""
    if (request.content_length or 0) > MAX_PUSH_BYTES:
        _count(fmt, "rejected", "too_large")
        raise ApiError(413, "too_large", f"an uplink is at most {MAX_PUSH_BYTES} bytes")
    event = request.args.get("event", "up")
    if event != "up":  # ChirpStack's HTTP integration posts every event kind: only uplinks
        _count(fmt, "ignored", "not_uplink")
        return PushOut(device=None, ignored="not_uplink")
    body = request.get_data(cache=False)[: MAX_PUSH_BYTES + 1]
    try:
        result: PushResult = deps.container().push_ingest.push(fmt, body, deps.now())
    except Exception as exc:  # InfluxDB or the broker away: the network server retries
        _count(fmt, "failed", type(exc).__name__)
        raise ApiError(503, "unavailable", "not stored; retry the same uplink") from exc
    if result.rejected:
        _count(fmt, "rejected", result.rejected)
        raise ApiError(422, "rejected", f"{result.rejected}: {result.detail}"[:300])
    _count(fmt, "ignored" if result.ignored else "stored", result.ignored or "")
    return PushOut(device=result.device, stored=result.stored, held=result.held,
                   ignored=result.ignored)  # fmt: skip


def _count(fmt: str, outcome: str, reason: str) -> None:
    current_app.extensions["udara_push_uplinks"].labels(fmt, outcome, reason).inc()


@bp.post("/ingest/chirpstack")
@api_auth(DEVICE)
@spec.validate(resp=PUSH_RESPONSES, tags=["devices"])
def push_chirpstack() -> PushOut:
    """A ChirpStack v4 uplink event (its HTTP integration), decoded `object` included."""
    return _push("chirpstack")


@bp.post("/ingest/tts")
@api_auth(DEVICE)
@spec.validate(resp=PUSH_RESPONSES, tags=["devices"])
def push_tts() -> PushOut:
    """A The Things Stack v3 uplink (its webhook integration)."""
    return _push("tts")
