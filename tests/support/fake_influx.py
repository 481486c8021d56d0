"""An in-memory InfluxDB for fast pipeline tests: the `LineWriter` interface of `InfluxClient`.

It keeps points by series and time (a rewrite overwrites, as InfluxDB does), refuses lines
with a 400 the way InfluxDB refuses a field-type conflict (it stores the rest of the batch,
then reports the partial write), and can be down (retryable errors, nothing stored).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from ingest.adapters.influx import InfluxError


class FakeInflux:
    """`write_lines` and `create_database`, with the failures tests choose."""

    def __init__(self) -> None:
        self.points: dict[tuple[str, str], str] = {}  # (series, time) -> fields
        self.down = False
        self.refuse: Callable[[str], bool] = lambda line: False
        self.requests = 0  # write requests, failed ones included
        self.databases_created = 0
        self._lock = threading.Lock()

    def write_lines(self, lines: Sequence[str]) -> None:
        """Store the lines, or raise InfluxError as InfluxDB's /write answers would."""
        with self._lock:
            self.requests += 1
            if self.down:
                raise InfluxError("InfluxDB unreachable at fake: connection refused", True)
            lines = [one for entry in lines for one in entry.split("\n")]  # as /write reads them
            refused = [line for line in lines if self.refuse(line)]
            for line in lines:
                if line not in refused:
                    series, fields, at = line.rsplit(" ", 2)
                    self.points[(series, at)] = fields
            if refused:
                raise InfluxError(
                    f"InfluxDB /write 400: partial write: field type conflict: {refused[0]!r}",
                    retryable=False,
                )

    def create_database(self) -> None:
        """Succeeds unless down."""
        if self.down:
            raise InfluxError("InfluxDB unreachable at fake: connection refused", True)
        self.databases_created += 1

    def stored(self, needle: str = "") -> int:
        """How many points hold `needle` in their series or fields."""
        with self._lock:
            return sum(
                1 for (series, _), fields in self.points.items() if needle in series + fields
            )
