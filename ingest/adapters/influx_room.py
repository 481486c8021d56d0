"""One room's raw readings of one metric over a span, from measurement `iaq`.

For sensor-verified completion (maintenance's verification job): every sensor of the room,
identifiers quoted, tag values and times bound as `$parameters`. Flagged values
(`faulty_<metric>`) are left out, as evaluation leaves them out.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.adapters.influx import FAULTY_PREFIX, MEASUREMENT, InfluxClient, quote_ident, rfc3339
from ingest.domain.const import METRICS


class RoomReadings:
    """Raw readings of a room, oldest first."""

    def __init__(self, influx: InfluxClient, chunk_size: int = 10_000) -> None:
        self._influx = influx
        self._chunk_size = chunk_size

    def values(
        self, building: str, room: str, metric: str, since: datetime, until: datetime
    ) -> list[tuple[datetime, float]]:
        """(time, value) of every trusted reading of `metric` in the room in [since, until]."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
        field, flag = quote_ident(metric), quote_ident(FAULTY_PREFIX + metric)
        statement = (
            f"SELECT {field}, {flag} FROM {quote_ident(MEASUREMENT)} "
            f"WHERE {quote_ident('building')} = $building AND {quote_ident('room')} = $room "
            f"AND time >= $since AND time <= $until"
        )
        params = {"building": building, "room": room, "since": rfc3339(since),
                  "until": rfc3339(until)}  # fmt: skip
        found: list[tuple[datetime, float]] = []
        for _, series in self._influx.query_stream(statement, params, self._chunk_size):
            for t, value, flagged in series["values"]:
                if value is not None and flagged is None:
                    found.append((datetime.fromtimestamp(t / 1000, UTC), float(value)))
        found.sort(key=lambda pair: pair[0])
        return found
