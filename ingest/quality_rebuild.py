"""At start, before ingest takes a message: the data-quality detector replayed from InfluxDB.

What is read and why is `ingest.domain.quality_replay`'s docstring: three grouped queries
(the newest stored reading, slot minima of the drift metric, the raw tail), answered in
chunks and fed to the detector as they arrive. Capped in rows and seconds like the window
rebuild (`ingest.rebuild`), which runs first; past a cap, or with InfluxDB away, the replay
reports itself incomplete and `SensorQuality.prepare` then clears no stored alert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from ingest.adapters.influx import InfluxError
from ingest.adapters.influx_quality import InfluxQualityHistory
from ingest.domain.quality import QualityDetector
from ingest.domain.quality_replay import Replayed, lookback, plan_replay, replay
from ingest.rebuild import Budget

log = logging.getLogger(__name__)

# The worker must be ready within 120 s; the window rebuild may take 60 of them.
MAX_SECONDS = 40.0
MAX_ROWS = 5_000_000


class QualityReplay:
    """Fills a fresh detector from the readings InfluxDB holds."""

    def __init__(
        self,
        history: InfluxQualityHistory,
        clock: Callable[[], datetime],
        max_rows: int = MAX_ROWS,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self._history = history
        self._clock = clock
        self._max_rows = max_rows
        self._max_seconds = max_seconds

    def run(self, detector: QualityDetector) -> bool:
        """Replay into `detector`; True when everything meant was read (errors are logged)."""
        started = time.monotonic()
        now = self._clock()
        config = detector.config
        budget = Budget(self._max_rows, self._max_seconds)
        done = Replayed()
        complete = False
        try:
            since, until = lookback(config, now)
            metrics = sorted({*config.metrics, config.drift.metric})
            plan = plan_replay(config, self._history.newest(metrics, since, until), now)
            if plan is not None:
                stream = self._history.rows(plan)
                try:
                    replay(detector, plan, budget.take(stream), done)
                finally:
                    stream.close()  # drops the connection if the budget cut the answer short
            complete = budget.exceeded is None
        except InfluxError as exc:
            log.warning("could not replay data quality from InfluxDB: %s", exc)
        if budget.exceeded:
            log.warning("data-quality replay stopped at %s", budget.exceeded)
        log.info(
            "data quality replayed from InfluxDB in %.2fs: %d night slots, %d readings, %d faulty",
            time.monotonic() - started,
            done.slots,
            done.readings,
            len(detector.open_faults()),
        )
        return complete
