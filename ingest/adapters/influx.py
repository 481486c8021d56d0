"""InfluxDB through the v1-compatible HTTP API: line protocol on /write, InfluxQL on /query.

InfluxDB 1.x serves this natively; 2.x and 3.x through their compatibility endpoints (with
a token and a database→bucket mapping). Lines are written here, not with influxdb-client's
`Point`: `reading_line` runs for every message (see there why), and importing influxdb-client
costs each ingest process about 30 MB and 700 modules for a serializer. Its `Point` stays
the reference the tests hold these lines to.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import urllib3

from ingest.domain.model import Reading, SensorRef

log = logging.getLogger(__name__)

MEASUREMENT = "iaq"
ALERT_MEASUREMENT = "iaq_alert"
# A value Udara does not trust (a faulty sensor's, or one implausible jump) carries a second
# field with the same value: `co2=1500,faulty_co2=1500`. Its presence is the flag; its
# value lets InfluxQL subtract flagged readings from sums and counts, since InfluxQL cannot
# select the rows where a field is absent (`faulty_co2 != …` never matches a missing one).
FAULTY_PREFIX = "faulty_"


class InfluxError(Exception):
    """InfluxDB refused or could not take a request; `retryable` says whether to try again."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def quote_ident(name: str) -> str:
    """An InfluxQL identifier, double-quoted and escaped (never trust a name in a query)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


_ESCAPE_KEY = str.maketrans(
    {",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"}
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def escape_tag(value: str) -> str:
    """A tag key or value escaped exactly as influxdb-client's `Point` escapes it."""
    escaped = value.translate(_ESCAPE_KEY)
    return escaped + " " if escaped.endswith("\\") else escaped


def field_value(value: float) -> str:
    text = str(float(value))
    return text[:-2] if text.endswith(".0") else text


@lru_cache(maxsize=64)
def _field_key(metric: str) -> str:
    """A field key escaped once (str.translate costs more than the rest of a field)."""
    return metric.translate(_ESCAPE_KEY)


@lru_cache(maxsize=65_536)
def _series(sensor: SensorRef) -> str:
    """Measurement and tags of one sensor's series, escaped once and kept."""
    return (
        f"{MEASUREMENT},building={escape_tag(sensor.building)},room={escape_tag(sensor.room)}"
        f",sensor={escape_tag(sensor.sensor)} "
    )


def rfc3339(value: datetime) -> str:
    """An aware instant as InfluxQL's RFC 3339 time literal (UTC, nanosecond field)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def reading_line(reading: Reading, flagged: Collection[str] = ()) -> str:
    """The line-protocol line of one reading: measurement iaq, tags, float fields, ms time;
    with `faulty_<metric>` beside each metric in `flagged` (see `FAULTY_PREFIX`).

    Written out here rather than through influxdb-client's `Point` because this runs for
    every reading: profiling the worker at live rates put `Point` (7 µs a reading) level with
    payload validation. A unit test holds the output identical to `Point`'s for the same
    reading, escaping included.
    """
    if flagged:
        return _flagged_line(reading, flagged)
    fields = ",".join(
        [
            f"{_field_key(metric)}={field_value(value)}"
            for metric, value in sorted(reading.values.items())
            if math.isfinite(value)
        ]
    )
    return f"{_series(reading.sensor)}{fields} {epoch_ms(reading.time)}"


def _flagged_line(reading: Reading, flagged: Collection[str]) -> str:
    """`reading_line` of a reading with flagged metrics (rare: kept off the common path)."""
    values = {m: v for m, v in reading.values.items() if math.isfinite(v)}
    values.update({FAULTY_PREFIX + m: values[m] for m in flagged if m in values})
    fields = ",".join(
        f"{_field_key(name)}={field_value(value)}" for name, value in sorted(values.items())
    )
    return f"{_series(reading.sensor)}{fields} {epoch_ms(reading.time)}"


def epoch_ms(at: datetime) -> int:
    """Milliseconds since the epoch, exactly (float seconds could land a millisecond early)."""
    return (at - _EPOCH) // _MS


class InfluxClient:
    """A small client of the v1 HTTP API with pooled keep-alive connections."""

    def __init__(
        self,
        url: str,
        database: str,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.database = database
        self._http = urllib3.PoolManager(
            num_pools=2,
            maxsize=4,
            timeout=urllib3.Timeout(connect=2.0, read=timeout),
            retries=False,
        )
        self._headers: dict[str, str] = {}
        if token:
            self._headers["Authorization"] = f"Token {token}"
        elif username:
            basic = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
            self._headers["Authorization"] = f"Basic {basic}"

    def _request(
        self,
        method: str,
        path: str,
        fields: Mapping[str, str],
        body: bytes | None = None,
        stream: bool = False,
    ) -> urllib3.BaseHTTPResponse:
        query = urlencode(fields)
        try:
            response = self._http.request(
                method,
                f"{self.url}{path}?{query}",
                body=body,
                headers=self._headers,
                preload_content=not stream,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise InfluxError(f"InfluxDB unreachable at {self.url}: {exc}", retryable=True) from exc
        if response.status >= 300:
            text = response.data[:500].decode("utf-8", "replace")
            # 4xx other than 429 is our fault (bad line, no database): retrying will not help.
            retryable = response.status >= 500 or response.status in (408, 429)
            raise InfluxError(f"InfluxDB {path} {response.status}: {text}", retryable)
        return response

    def ping(self) -> bool:
        """True when the server answers /ping."""
        try:
            return self._request("GET", "/ping", {}).status == 204
        except InfluxError:
            return False

    def create_database(self) -> None:
        """Create the database on 1.x (a no-op if it exists)."""
        self.query(f"CREATE DATABASE {quote_ident(self.database)}", method="POST")

    def write_lines(self, lines: Sequence[str], precision: str = "ms") -> None:
        """Write line-protocol lines in one request; raises InfluxError on failure."""
        if not lines:
            return
        body = "\n".join(lines).encode()
        self._request("POST", "/write", {"db": self.database, "precision": precision}, body)

    def write_readings(self, readings: Iterable[Reading]) -> int:
        """Write readings; returns how many points were sent."""
        lines = [reading_line(r) for r in readings]
        self.write_lines(lines)
        return len(lines)

    def query(
        self, influxql: str, params: Mapping[str, Any] | None = None, method: str = "GET"
    ) -> list[dict[str, Any]]:
        """Run InfluxQL (values bound as $params) and return the first statement's series."""
        fields = {"db": self.database, "q": influxql, "epoch": "ms"}
        if params:
            fields["params"] = json.dumps(params)
        response = self._request(method, "/query", fields)
        payload = json.loads(response.data or b"{}")
        results = payload.get("results") or [{}]
        first = results[0]
        if "error" in first:
            raise InfluxError(f"InfluxQL error: {first['error']}", retryable=False)
        series: list[dict[str, Any]] = first.get("series", [])
        return series

    def query_stream(
        self, influxql: str, params: Mapping[str, Any] | None = None, chunk_size: int = 10_000
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Run InfluxQL statements (`;`-separated) with a chunked answer: yields (statement
        index, series part) as they arrive, so a large answer is never held whole. Closing
        the iterator early drops the connection instead of reading the rest."""
        fields = {"db": self.database, "q": influxql, "epoch": "ms", "chunked": "true"}
        fields["chunk_size"] = str(chunk_size)
        if params:
            fields["params"] = json.dumps(params)
        response = self._request("GET", "/query", fields, stream=True)
        finished = False
        try:
            pending = b""
            for block in response.stream(1 << 16):
                *lines, pending = (pending + block).split(b"\n")
                for line in lines:
                    yield from _chunk_series(line)
            yield from _chunk_series(pending)
            finished = True
        except urllib3.exceptions.HTTPError as exc:
            raise InfluxError(f"InfluxDB answer broke off: {exc}", retryable=True) from exc
        finally:
            if finished:
                response.release_conn()
            else:
                response.close()

    def close(self) -> None:
        """Release pooled connections."""
        self._http.clear()


def _chunk_series(line: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """The series of one JSON object of a chunked /query answer, with statement indexes."""
    if not line.strip():
        return
    payload = json.loads(line)
    if "error" in payload:
        raise InfluxError(f"InfluxQL error: {payload['error']}", retryable=False)
    for result in payload.get("results") or ():
        if "error" in result:
            raise InfluxError(f"InfluxQL error: {result['error']}", retryable=False)
        for series in result.get("series") or ():
            yield int(result.get("statement_id", 0)), series
