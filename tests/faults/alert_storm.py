"""The body of one process of the alert storm (run under multiprocessing's spawn context).

Each process builds its own composition root (its own engine and connection pool), waits at
a barrier shared with the other processes, then has several threads apply the very same
`open` change over and over while others run the reconcile sweep that links open alerts to
work orders, racing the listener of whichever writer won.
"""

from __future__ import annotations

import threading
import traceback
from datetime import datetime
from typing import Any

from ingest.domain.alerts import AlertChange, AlertKey

CO2_WARNING = AlertKey("fault-b", "lt9-rapat-besar", "co2", "warning")


def open_change(at: datetime) -> AlertChange:
    """The change every writer applies: one condition, one moment."""
    return AlertChange(
        "open", CO2_WARNING, at, value=1450.0, limit="1000 ppm", message="CO2 tinggi"
    )


def storm_process(
    settings: dict[str, Any],
    at: datetime,
    barrier: Any,
    results: Any,
    appliers: int,
    sweepers: int,
    rounds: int,
) -> None:
    """Apply the open `rounds` times from each of `appliers` threads; sweep from others."""
    from udara.bootstrap import Container
    from udara.settings import Settings

    container = Container(Settings(**settings))
    alerts = container.alert_service
    alerts.count_open()  # connect before the barrier: the race starts at the same moment
    change = open_change(at)
    lock = threading.Lock()
    opened: list[int] = []
    errors: list[str] = []
    start = threading.Barrier(appliers + sweepers)

    finished = threading.Event()  # set once every applier is done

    def apply() -> None:
        try:
            start.wait()
            for _ in range(rounds):
                changed = alerts.apply([change])
                with lock:
                    opened.extend(a.id for a in changed)
        except Exception:  # reported to the test, which fails on any
            errors.append(traceback.format_exc())

    def sweep() -> None:
        try:
            start.wait()
            sweeps = 0
            # Sweep for as long as anyone applies, and at least `rounds` times.
            while not finished.is_set() or sweeps < rounds:
                container.alert_work_orders.sweep(alerts, at)
                sweeps += 1
        except Exception:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=apply) for _ in range(appliers)]
    threads += [threading.Thread(target=sweep) for _ in range(sweepers)]
    barrier.wait(timeout=120)
    for thread in threads:
        thread.start()
    for thread in threads[:appliers]:
        thread.join()
    finished.set()
    for thread in threads[appliers:]:
        thread.join()
    results.put((opened, errors))
    container.close()
