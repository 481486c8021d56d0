"""Reading back from InfluxDB what the evaluation windows hold, for the rebuild at start.

One grouped InfluxQL query per metric, over every sensor at once (never one per sensor),
with identifiers quoted and times bound as `$parameters`, answered in chunks and turned into
the rows of `ingest.domain.history` as they arrive. Flagged values (`faulty_<metric>`) are
left out, as evaluation left them out live: slot sums and counts less the flagged ones',
raw readings without them.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from ingest.adapters.influx import (
    FAULTY_PREFIX,
    MEASUREMENT,
    InfluxClient,
    quote_ident,
    rfc3339,
)
from ingest.domain.history import LastSeen, MetricHistory, SlotRow, TailRow
from ingest.domain.model import SensorRef

_BUILDING, _ROOM, _SENSOR = quote_ident("building"), quote_ident("room"), quote_ident("sensor")


def _time(epoch_s: float) -> str:
    return rfc3339(datetime.fromtimestamp(epoch_s, UTC))


def _duration(seconds: float) -> str:
    """An InfluxQL duration literal, in whole milliseconds."""
    return f"{round(seconds * 1000)}ms"


class InfluxHistory:
    """Stored readings, aggregated as far as the windows allow, from measurement `iaq`."""

    def __init__(self, influx: InfluxClient, chunk_size: int = 10_000) -> None:
        self._influx = influx
        self._chunk_size = chunk_size

    def newest(
        self, metrics: Sequence[str], since: float, until: float
    ) -> Iterator[tuple[str, LastSeen]]:
        """Each sensor's newest reading of each metric in [since, until] (epoch seconds)."""
        statements = ";".join(
            f"SELECT last({quote_ident(m)}) FROM {quote_ident(MEASUREMENT)} "
            f"WHERE time >= $since AND time <= $until GROUP BY {_BUILDING}, {_ROOM}, {_SENSOR}"
            for m in metrics
        )
        params = {"since": _time(since), "until": _time(until)}
        for index, series in self._influx.query_stream(statements, params, self._chunk_size):
            tags = series.get("tags") or {}
            sensor = SensorRef(tags["building"], tags["room"], tags["sensor"])
            for values in series["values"]:
                yield metrics[index], LastSeen(sensor, values[0] / 1000)

    def rows(self, read: MetricHistory) -> Generator[SlotRow | TailRow]:
        """The slot sums and counts, then the raw readings, per room, of one metric."""
        field, iaq = quote_ident(read.metric), quote_ident(MEASUREMENT)
        flag = quote_ident(FAULTY_PREFIX + read.metric)
        statements = []
        params: dict[str, Any] = {"tail": _time(read.tail_since), "until": _time(read.until)}
        if read.slot_width is not None and read.slots_since is not None:
            params["slots"] = _time(read.slots_since)
            statements.append(
                f"SELECT sum({field}), count({field}), sum({flag}), count({flag}) FROM {iaq} "
                f"WHERE time >= $slots AND time <= $until "
                f"GROUP BY time({_duration(read.slot_width)}), {_BUILDING}, {_ROOM} fill(none)"
            )
        statements.append(
            f"SELECT {field}, {flag} FROM {iaq} WHERE time >= $tail AND time <= $until "
            f"GROUP BY {_BUILDING}, {_ROOM}"
        )
        tail = len(statements) - 1
        for index, series in self._influx.query_stream(
            ";".join(statements), params, self._chunk_size
        ):
            building, room = series["tags"]["building"], series["tags"]["room"]
            if index == tail:
                for t, value, flagged in series["values"]:
                    if value is not None and flagged is None:
                        yield TailRow(building, room, t / 1000, float(value))
            else:
                for t, total, count, flagged_total, flagged_count in series["values"]:
                    count = (count or 0) - (flagged_count or 0)
                    if count > 0:
                        total = total - (flagged_total or 0.0)
                        yield SlotRow(building, room, t / 1000, float(total), count)
