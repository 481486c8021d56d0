"""Reading back from InfluxDB what the data-quality detector replays at start.

Grouped InfluxQL over every sensor at once, identifiers quoted, times bound as
`$parameters`, answered in chunks and turned into `ingest.domain.quality_replay` rows as
they arrive. Flagged values are read like the others: the detector judged them live, so it
must see them again to reach the same state.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import UTC, datetime

from ingest.adapters.influx import MEASUREMENT, InfluxClient, quote_ident, rfc3339
from ingest.domain.model import SensorRef
from ingest.domain.quality_replay import NightRow, ReplayPlan, TailRow

_BY_SENSOR = ", ".join(quote_ident(tag) for tag in ("building", "room", "sensor"))


def _time(epoch_s: float) -> str:
    return rfc3339(datetime.fromtimestamp(epoch_s, UTC))


class InfluxQualityHistory:
    """Stored readings of measurement `iaq` as the quality replay needs them."""

    def __init__(self, influx: InfluxClient, chunk_size: int = 10_000) -> None:
        self._influx = influx
        self._chunk_size = chunk_size

    def newest(self, metrics: Sequence[str], since: float, until: float) -> float | None:
        """Epoch seconds of the newest stored reading of any of `metrics` in [since, until]."""
        iaq = quote_ident(MEASUREMENT)
        statements = ";".join(
            f"SELECT last({quote_ident(m)}) FROM {iaq} WHERE time >= $since AND time <= $until"
            for m in metrics
        )
        params = {"since": _time(since), "until": _time(until)}
        found = [
            values[0]
            for _, series in self._influx.query_stream(statements, params, self._chunk_size)
            for values in series["values"]
        ]
        return max(found) / 1000 if found else None

    def rows(self, plan: ReplayPlan) -> Generator[NightRow | TailRow]:
        """Every sensor's slot minima of the drift metric, then every sensor's raw tail."""
        iaq = quote_ident(MEASUREMENT)
        drift = quote_ident(plan.drift_metric)
        fields = ", ".join(quote_ident(m) for m in plan.metrics)
        statements = [
            f"SELECT min({drift}) FROM {iaq} WHERE time >= $nights AND time < $tail "
            f"GROUP BY time({round(plan.slot * 1000)}ms), {_BY_SENSOR} fill(none)",
            f"SELECT {fields} FROM {iaq} WHERE time >= $tail AND time <= $until "
            f"GROUP BY {_BY_SENSOR}",
        ]
        params = {
            "nights": _time(plan.nights_since),
            "tail": _time(plan.tail_since),
            "until": _time(plan.until),
        }
        for index, series in self._influx.query_stream(
            ";".join(statements), params, self._chunk_size
        ):
            tags = series["tags"]
            sensor = SensorRef(tags["building"], tags["room"], tags["sensor"])
            if index == 0:
                for t, minimum in series["values"]:
                    if minimum is not None:
                        yield NightRow(sensor, t / 1000, float(minimum))
                continue
            columns = series["columns"][1:]
            for t, *values in series["values"]:
                found = {m: float(v) for m, v in zip(columns, values, strict=True) if v is not None}
                if found:
                    yield TailRow(sensor, t / 1000, found)
