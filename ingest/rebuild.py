"""At start, before ingest takes a message: the evaluation windows rebuilt from InfluxDB.

Bounded: each metric is read with one grouped query whose answer streams in chunks, at the
resolution the windows keep (slot sums, raw readings only for the last minutes), so memory
does not grow with the stored readings. Time and rows are capped as well; past a cap the
rebuild stops, says so in the log, and ingest starts with the windows it has (partly empty
windows only delay verdicts, as after a restart without any rebuild).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import chain
from typing import TypeVar

from ingest.adapters.influx import InfluxError
from ingest.adapters.influx_history import InfluxHistory
from ingest.domain.evaluation import Evaluator
from ingest.domain.history import LastSeen, Restored, lookback, plan, restore

log = logging.getLogger(__name__)

MAX_SECONDS = 60.0  # well inside the 120 s the MQTT process waits for its worker
MAX_ROWS = 5_000_000  # about 500 rooms x 24 h of 10 s readings of one range metric x 4

_Row = TypeVar("_Row")


class Budget:
    """Rows and seconds a rebuild may still spend."""

    def __init__(self, max_rows: int, max_seconds: float) -> None:
        self.rows = 0
        self.max_rows = max_rows
        self.deadline = time.monotonic() + max_seconds
        self.exceeded: str | None = None

    def take(self, rows: Iterable[_Row]) -> Iterator[_Row]:
        for row in rows:
            self.rows += 1
            if self.rows > self.max_rows:
                self.exceeded = f"{self.max_rows} rows"
                return
            if self.rows % 4096 == 0 and time.monotonic() > self.deadline:
                self.exceeded = "its time"
                return
            yield row


class WindowRebuild:
    """Fills an evaluator's windows from the readings InfluxDB holds."""

    def __init__(
        self,
        history: InfluxHistory,
        clock: Callable[[], datetime],
        max_rows: int = MAX_ROWS,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self._history = history
        self._clock = clock
        self._max_rows = max_rows
        self._max_seconds = max_seconds

    def run(self, evaluator: Evaluator) -> Restored:
        """Rebuild every metric's windows; InfluxDB errors are logged, never raised."""
        started = time.monotonic()
        now = self._clock()
        limits = evaluator.profile.evaluated_limits()
        budget = Budget(self._max_rows, self._max_seconds)
        restored = Restored()
        try:
            since, until = lookback(limits, evaluator.config, now)
            seen: dict[str, list[LastSeen]] = {}
            for metric, row in budget.take(self._history.newest(sorted(limits), since, until)):
                seen.setdefault(metric, []).append(row)
            newest = {metric: max(row.t for row in rows) for metric, rows in seen.items()}
            for read in plan(limits, evaluator.config, newest, now):
                if budget.exceeded:
                    break
                stream = self._history.rows(read)
                try:
                    rows = chain(budget.take(stream), seen[read.metric])
                    restore(evaluator, read, rows, now, restored)
                finally:
                    stream.close()  # drops the connection if the budget cut the answer short
        except InfluxError as exc:
            log.warning("could not rebuild the evaluation windows from InfluxDB: %s", exc)
        if budget.exceeded:
            log.warning(
                "window rebuild stopped at %s: the windows of some rooms start partly empty",
                budget.exceeded,
            )
        log.info(
            "windows rebuilt from InfluxDB in %.2fs: %d rows, %d slots, %d readings replayed, "
            "%d sensor metrics",
            time.monotonic() - started,
            budget.rows,
            restored.slots,
            restored.readings,
            restored.seen,
        )
        return restored
