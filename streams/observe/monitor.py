"""Per-process monitoring glue: the health server and the periodic lag publisher.

Both processes (worker, sink) run a :class:`~streams.observe.health.HealthServer` on
``ODDS_MONITOR__HOST`` and their port (``…__WORKER_PORT`` / ``…__SINK_PORT``) and, every
``ODDS_MONITOR__LAG_INTERVAL_S``, publish ``kafka_consumergroup_lag`` for the partitions
assigned to them: fetch high watermark (``consumer.highwater(tp)``: exact on tansu and
Apache Kafka, see :mod:`streams.kafka.lag`) minus the group's committed offset. A partition
whose high watermark is not known yet (no fetch answered) is not published; a partition
no longer assigned is removed, so that another process's series for it is the only one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable

from streams.observe import metrics
from streams.observe.health import HealthServer

log = logging.getLogger(__name__)

#: (topic, partition, high watermark or None, committed offset or None)
LagRow = tuple[str, int, int | None, int | None]


class LagPublisher:
    """Turns (topic, partition, high watermark, committed) rows into lag gauges."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.last_ts: dict[tuple[str, int], float] = {}  # timestamp (s) of last consumed record
        self._published: set[tuple[str, int]] = set()

    def seen(self, topic: str, partition: int, timestamp_s: float | None) -> None:
        """Note the timestamp (epoch seconds) of a consumed record (lag in seconds is its age)."""
        if timestamp_s is not None and timestamp_s > 0:
            self.last_ts[(topic, partition)] = timestamp_s

    def publish(self, rows: Iterable[LagRow], now: float | None = None) -> None:
        now = time.time() if now is None else now
        current: set[tuple[str, int]] = set()
        for topic, partition, highwater, committed in rows:
            if highwater is None:
                continue
            current.add((topic, partition))
            lag = max(highwater - (committed or 0), 0)
            ts = self.last_ts.get((topic, partition))
            seconds = now - ts if ts is not None else 0.0
            metrics.set_lag(self.group, topic, partition, lag, seconds)
        for topic, partition in self._published - current:
            for gauge in (metrics.LAG, metrics.LAG_SECONDS):
                with contextlib.suppress(KeyError):
                    gauge.remove(self.group, topic, str(partition))
        self._published = current


async def publish_lag_forever(
    publisher: LagPublisher, rows: Callable[[], Iterable[LagRow]], interval_s: float
) -> None:
    """Call ``publisher.publish(rows())`` every ``interval_s`` until cancelled (errors logged)."""
    while True:
        try:
            publisher.publish(list(rows()))
        except Exception as exc:  # monitoring must never stop the process
            log.debug("lag publishing failed: %r", exc)
        await asyncio.sleep(interval_s)


async def start_health(name: str, host: str, port: int, ready: Callable[[], bool]) -> HealthServer:
    """Start a :class:`HealthServer` and log where it listens."""
    server = HealthServer(host, port, ready)
    await server.start()
    log.info("%s metrics on http://%s:%d/metrics (/healthz, /readyz)", name, host, server.port)
    return server
