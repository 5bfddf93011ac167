"""A sink member's consumer stuck in a rejoin: detected, then abandoned for a new one.

Two ways, both found by the crash campaign with two writers in one sink process:

* aiokafka 0.14 on Python 3.11 can hang inside a rejoin: its coordinator waits forever for
  its cancelled commit-refresh task, after it took the new assignment and before it called
  the rebalance listener. The member then holds partitions it was never told about and
  never positions, while the group thinks they are served (the broker keeps the member
  while its heartbeats go on);
* a rejoin that never ends: the coordinator's join keeps failing and it retries forever,
  still at its old generation, while the group went on without it and gave it partitions
  at the new one (seen on the embedded broker after a sink restart; the failures are only
  logged at debug level). Nobody consumes those partitions.

:class:`StuckWatch` reports partitions that stay assigned — with no reassignment in
progress — without a listener callback for ``limit_s``, and a reassignment still in
progress after ``2 × limit_s``; :func:`abandon` closes such a consumer as far as it can be
closed. The member (:mod:`sinks.write.member`) then starts a new
consumer, which joins the group again; Postgres still decides where every partition
resumes, so nothing is lost or written twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


class StuckWatch:
    """Partitions assigned without a callback, and since when (monotonic seconds)."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.since: float | None = None
        self.rejoining_since: float | None = None

    def reset(self) -> None:
        self.since = None
        self.rejoining_since = None

    def stuck(self, consumer: Any, known: set[int], label: str) -> bool:
        """Whether partitions outside ``known`` (positioned or pending) have stayed assigned,
        with no reassignment in progress, for ``limit_s``, or a reassignment has been in
        progress for ``2 × limit_s`` (logged once it is so)."""
        now = time.monotonic()
        if consumer._subscription.reassignment_in_progress:
            self.since = None
            if self.rejoining_since is None:
                self.rejoining_since = now
            if now - self.rejoining_since < 2 * self.limit_s:
                return False  # a rejoin on its way (it waits for the group's other members)
            log.error(
                "%s: rejoining the group for %.0fs (the join keeps failing); starting a new consumer",
                label,
                now - self.rejoining_since,
            )
            return True
        self.rejoining_since = None
        unannounced = {tp.partition for tp in consumer.assignment()} - known
        if not unannounced:
            self.since = None
            return False
        if self.since is None:
            self.since = now
        if now - self.since < self.limit_s:
            return False
        log.error(
            "%s: partitions %s assigned for %.0fs without a rebalance callback (consumer stuck in "
            "a rejoin); starting a new consumer",
            label,
            sorted(unannounced),
            now - self.since,
        )
        return True


async def abandon(consumer: Any) -> None:
    """Stop ``consumer``; if its stuck coordinator blocks the stop, close the connections
    under it so that the broker expires that member (no more heartbeats)."""
    try:
        await asyncio.wait_for(consumer.stop(), 5)
    except (TimeoutError, KafkaError, OSError) as exc:
        log.warning("stuck consumer did not stop (%r); closing its connections", exc)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(consumer._client.close(), 5)
