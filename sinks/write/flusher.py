"""A sink member's output: closed batches written one at a time, with retries, then committed.

The member (:class:`sinks.write.member.SinkMember`) closes batches into :attr:`Flusher.closed`
and calls :meth:`Flusher.kick`; one task (:meth:`Flusher.drain`) writes them oldest first
while the member fills the next one. Contracts of :meth:`Flusher.flush` for one batch:

* records of partitions no longer positioned, and records below the offsets already stored
  in Postgres, are dropped first (an empty batch is done, and ends an outage: see below);
* the batch is written in one transaction with its offsets (:class:`sinks.write.writer.BatchWriter`,
  dead letters acked by the broker before the COMMIT); if the fence says another writer moved
  the offsets, the member forgets those partitions (``fenced``) and the rest is written;
* a transient failure (:func:`sinks.write.errors.classify`) pauses every partition (``outage``:
  the member holds them until a write succeeds or the batch empties), drops the
  connection, backs off with jitter and retries the same batch; once stopping, it gives up
  after the member's ``stop_grace_s`` (:class:`StopDuringOutageError`: nothing is lost, the
  batch's offsets were not stored);
* after the COMMIT: the member's stored offsets move, counters and metrics are updated and
  the offsets are committed to Kafka in the background (for lag tools only).

Between batches (:meth:`Flusher.housekeeping`) the writer's connection positions newly
assigned partitions and, every ``ODDS_PARTITIONS__MAINTENANCE_INTERVAL_S``, runs partition
maintenance.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sinks.write import stats
from sinks.write.batch import Batch
from sinks.write.errors import Backoff, classify
from sinks.write.lease import SinkLease
from sinks.write.offsets import FencedError
from sinks.write.positions import KafkaCommits, Positions
from sinks.write.stats import SinkStats
from sinks.write.writer import BatchWriter
from streams.deadletters.sender import DeadLetterSender
from streams.observe import metrics
from streams.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


class StopDuringOutageError(Exception):
    """Stop was requested and the open batch could not be written within the grace time."""


class Flusher:
    """Writes one member's closed batches (see module docstring).

    ``stopping()`` is when the member was asked to stop (``None``: running); ``fenced(stored)``
    makes the member forget partitions whose stored offsets another writer moved. The member
    sets :attr:`consumer` once its consumer exists.
    """

    def __init__(
        self,
        settings: Settings,
        writer: BatchWriter,
        positions: Positions,
        counters: SinkStats,
        lease: SinkLease,
        dead_letters: DeadLetterSender,
        *,
        stop_grace_s: float,
        stopping: Callable[[], float | None],
        fenced: Callable[[dict[int, int | None]], None],
    ) -> None:
        self.settings = settings
        self.writer = writer
        self.positions = positions
        self.counters = counters
        self.lease = lease
        self.dead_letters = dead_letters
        self.stop_grace_s = stop_grace_s
        self.stopping = stopping
        self.fenced = fenced
        self.consumer: Any = None
        self.commits = KafkaCommits(positions.topic)
        self.closed: deque[Batch] = deque()  # full or lingered, waiting for their turn
        self.task: asyncio.Task[None] | None = None  # at most one batch is written at a time
        self.room = asyncio.Event()  # set when the writer takes a closed batch
        self.outage = False
        self._next_maintenance = 0.0

    # -- the writing task ----------------------------------------------------------------

    def busy(self) -> bool:
        """A batch is being written."""
        return self.task is not None and not self.task.done()

    def reap(self) -> None:
        """Forget a finished writing task; a bug in it is raised here (and crashes the member)."""
        if self.task is not None and self.task.done():
            task, self.task = self.task, None
            task.result()

    def kick(self) -> None:
        """Make sure a writer task is draining the closed batches."""
        task = self.task
        if task is not None and (not task.done() or task.cancelled() or task.exception() is not None):
            return  # running (it takes new batches itself), or failed: the loop re-raises
        if self.closed:
            self.task = asyncio.create_task(self.drain())

    async def drain(self) -> None:
        """Write closed batches oldest first; the connection's other work happens in between."""
        while self.closed:
            await self.housekeeping()
            batch = self.closed.popleft()
            self.room.set()
            await self.flush(batch)

    async def join(self) -> None:
        """After the stop: wait for the running write (its failure is raised here)."""
        if self.task is not None:
            task, self.task = self.task, None
            await task

    async def finish(self) -> None:
        """After :meth:`join`: write every closed batch here, oldest first."""
        while self.closed:
            await self.flush(self.closed.popleft())

    async def close(self) -> None:
        """At shutdown: give Kafka commits 6 s, then cancel a write still running."""
        await self.commits.wait(6)
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task

    def drop(self, partitions: set[int] | dict[int, Any]) -> None:
        """Forget closed batches' records of ``partitions`` (not the batch being written)."""
        for batch in self.closed:
            batch.drop_partitions(partitions)
        self.closed = deque(b for b in self.closed if len(b))

    # -- one batch -----------------------------------------------------------------------

    async def flush(self, batch: Batch) -> None:
        """Write ``batch`` (retrying transient failures) and commit its offsets to Kafka."""
        positions = self.positions
        backoff = Backoff()
        while True:
            batch.drop_partitions([p for p in batch.next_offsets if p not in positions.stored])
            batch.drop_below({p: o for p, o in positions.stored.items() if o is not None})
            if not len(batch):
                # e.g. its partitions were revoked while Postgres was down: nothing is left to
                # show the outage is over, so stop holding; the next write finds out again
                # (holding on would keep every partition paused and no batch would ever come)
                self.outage = False
                return
            expected = {p: positions.stored[p] for p in batch.next_offsets}
            started = time.perf_counter()
            try:
                result = await self.writer.write(batch, expected, self.dead_letters.send)
            except FencedError as exc:
                self.counters.fenced += 1
                log.warning("%s: re-reading those partitions from Postgres", exc)
                self.fenced(exc.stored)
                continue
            except Exception as exc:
                if classify(exc) != "transient":
                    raise
                await self.transient(exc, backoff)
                continue
            break
        self.outage = False
        positions.stored.update(batch.next_offsets)
        metrics.SINK_FLUSH_SECONDS.observe(time.perf_counter() - started)
        stats.observe(batch, result)
        self.counters.count(result)
        if result.partitions_created:
            log.info("partitions created on demand: %s", ", ".join(result.partitions_created))
        if result.dead:
            log.warning("%d record(s) dead-lettered to %s", len(result.dead), self.settings.topics.dlq)
        self.commits.commit(self.consumer, batch.next_offsets)

    # -- failures ------------------------------------------------------------------------

    async def transient(self, exc: BaseException, backoff: Backoff) -> None:
        """Pause, drop the connection, sleep with jitter; give up if stopping past the grace."""
        self.counters.retries += 1
        self.outage = True
        if self.consumer is not None:  # None while starting (lease, first connection)
            self.positions.hold(self.consumer, True)
        await self.writer.reset()
        delay = backoff.next()
        stop_at = self.stopping()
        if stop_at is not None:
            left = stop_at + self.stop_grace_s - time.monotonic()
            if left <= 0:
                raise StopDuringOutageError(
                    f"stopping while Postgres/broker unreachable ({exc!r}); the open batch was not "
                    "written and will be read again from the stored offsets"
                ) from exc
            delay = min(delay, left)
        log.warning("transient failure (%r); retrying in %.1fs", exc, delay)
        await asyncio.sleep(delay)

    async def retrying(self, fn: Callable[[], Awaitable[T]], stop_aware: bool = False) -> T:
        """``await fn()`` until it succeeds, sleeping through transient failures (see
        :meth:`transient`); with ``stop_aware``, a stop request ends the wait at once."""
        backoff = Backoff()
        while True:
            try:
                result = await fn()
            except Exception as exc:
                if classify(exc) != "transient":
                    raise
                if stop_aware and self.stopping() is not None:
                    raise StopDuringOutageError(f"stopped before Postgres was reachable ({exc!r})") from exc
                await self.transient(exc, backoff)
                continue
            self.outage = False  # the member resumes fetching (it holds while in an outage)
            return result

    # -- between batches -----------------------------------------------------------------

    async def housekeeping(self) -> None:
        await self.positions.seek_pending(self.consumer, self.writer)
        if time.monotonic() >= self._next_maintenance:
            await self.maintain()

    async def maintain(self) -> None:
        self._next_maintenance = time.monotonic() + self.settings.partitions.maintenance_interval_s
        try:
            await self.lease.ensure()
            changed = await self.writer.maintain()
        except Exception as exc:
            if classify(exc) != "transient":
                raise
            log.warning("partition maintenance failed (%r); retrying in 60s", exc)
            await self.writer.reset()
            self._next_maintenance = time.monotonic() + 60
            return
        if changed:
            log.info("partition maintenance: %s", ", ".join(changed))
