"""The worker's receiving thread: when the MQTT process is gone, the pipeline stops."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import struct
import threading
from datetime import UTC, datetime

import pytest

from ingest.domain.evaluation import Evaluator
from ingest.domain.profiles import load_profile
from ingest.inbound import WireMessage
from ingest.pipeline import IngestPipeline
from ingest.worker import _receive
from tests.support.fake_influx import FakeInflux
from tests.unit.test_pipeline import Alerts


@pytest.mark.parametrize(
    "left_in_pipe",
    [
        pytest.param(b"", id="closed between chunks"),
        # SIGKILL while the relay was sending a chunk: its length header promised more bytes
        # than ever came (multiprocessing raises OSError, not EOFError, for that).
        pytest.param(struct.pack("!i", 200_000) + b"\x80\x05" * 100, id="killed mid-chunk"),
    ],
)
def test_the_mqtt_process_gone_stops_the_pipeline(left_in_pipe: bytes) -> None:
    reader, writer = mp.Pipe(duplex=False)
    inbox: queue.Queue[list[WireMessage]] = queue.Queue(4)
    pipeline = IngestPipeline(
        inbox,
        FakeInflux(),
        Evaluator(load_profile("permenkes-1077-2011")),
        Alerts(),
        ack=lambda _acks, _stats: None,
        clock=lambda: datetime(2026, 11, 2, tzinfo=UTC),
    )
    os.write(writer.fileno(), left_in_pipe)
    writer.close()

    receiver = threading.Thread(target=_receive, args=(reader, inbox, pipeline), daemon=True)
    receiver.start()
    receiver.join(5)

    assert not receiver.is_alive()
    # Otherwise the orphaned worker lived on (seen in the ingest-killed test): it held the
    # database and InfluxDB connections and went on checking for offline sensors, while the
    # restarted ingest took over.
    assert pipeline.stop_event.is_set()
