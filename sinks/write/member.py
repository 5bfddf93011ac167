"""One member of the sink's consumer group: its consumer, its filling batch, its writer.

A :class:`SinkMember` is a plain aiokafka consumer (not a faust agent: faust acks on error)
in group ``ODDS_SINK__GROUP_ID`` with auto-commit off. Lifecycle of :meth:`SinkMember.run`:

* hold the group's lease (:mod:`sinks.write.lease`), start the DLQ producer, the consumer (with a
  rebalance listener) and the Postgres connection (retried while Postgres is down), and
  run partition maintenance;
* assigned partitions stay paused until they are positioned at the offsets stored in
  ``sink_offsets`` (:mod:`sinks.write.positions`); a record below that offset is skipped;
* records are decoded as they arrive into a :class:`sinks.write.batch.Batch`, which closes at
  ``ODDS_SINK__BATCH_MAX_ROWS`` rows, ``…_BYTES`` bytes or ``…_LINGER_MS`` after its first
  record (at once, past 1/8 of the rows, when the writer is idle and a backlog is known).
  Closed batches are written one at a time by the member's :class:`sinks.write.flusher.Flusher`
  (one transaction with their offsets; dead letters; transient failures retried, fetching
  paused meanwhile) while the next one fills; a full next batch stops fetching;
* :meth:`SinkMember.stop` ends fetching, writes the open batch and leaves the group. If
  Postgres is unreachable for ``stop_grace_s`` after the stop, the member gives up on the
  open batch — nothing is lost: its offsets were not stored.

A consumer stuck in a rejoin (aiokafka, see :mod:`sinks.write.stuck`) is replaced by a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from sinks.write import stats
from sinks.write.batch import Batch
from sinks.write.flusher import Flusher, StopDuringOutageError
from sinks.write.lease import SinkLease
from sinks.write.positions import Positions, Rebalance
from sinks.write.records import Record
from sinks.write.stats import SinkStats
from sinks.write.stuck import StuckWatch, abandon
from sinks.write.writer import BatchWriter
from streams.deadletters.sender import DeadLetterSender
from streams.observe import metrics
from streams.observe.monitor import LagPublisher, LagRow
from streams.settings import Settings

log = logging.getLogger(__name__)
MAX_RECORDS = 500  # per poll: bounds what is buffered beyond the batch being written
YIELD_EVERY = 16  # records decoded between yields to the event loop (a running write)
EARLY_FRACTION = 8  # an idle writer takes a batch of 1/8 of the row limit without lingering


class SinkMember:
    """Consumes snapshots and writes them to Postgres; see module docstring for the lifecycle.

    ``lag`` is the process's lag publisher (members share it); ``label`` names the member
    in its log lines.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        lag: LagPublisher,
        label: str = "sink",
        session_timeout_ms: int = 10_000,
        consumer_options: dict[str, Any] | None = None,
        stop_grace_s: float = 20.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        app: str = "oddsflow-sink",
    ) -> None:
        self.settings = settings
        self.topic = settings.topics.snapshots
        self.label = label
        self.session_timeout_ms = session_timeout_ms
        self.consumer_options = consumer_options or {}
        self.stop_grace_s = stop_grace_s
        self.stats = SinkStats()  # counters since start
        self.writer = BatchWriter(
            settings.postgres, settings.partitions, settings.sink.group_id, self.topic, clock
        )
        self._lease = SinkLease(settings.postgres, settings.sink.group_id)
        self._dead_letters = DeadLetterSender(settings.kafka, settings.topics.dlq, app)
        self._positions = Positions(self.topic)
        self._flusher = Flusher(
            settings,
            self.writer,
            self._positions,
            self.stats,
            self._lease,
            self._dead_letters,
            stop_grace_s=stop_grace_s,
            stopping=lambda: self._stop_at,
            fenced=self._fenced,
        )
        self._lag = lag
        self._ready = False  # consumer started and Postgres connected
        self._stop = asyncio.Event()
        self._stop_at: float | None = None
        self._consumer: Any = None
        self._batch = self._new_batch()  # filling; closed ones wait in the flusher
        self._last_progress = time.monotonic()
        self._watch = StuckWatch(max(10.0, 3 * session_timeout_ms / 1000))

    # -- lifecycle -----------------------------------------------------------------------

    def stop(self) -> None:
        """Ask :meth:`run` to write the open batch and return (signal-handler safe)."""
        if not self._stop.is_set():
            self._stop_at = time.monotonic()
            self._stop.set()

    def ready(self) -> bool:
        """Consumer started and a Postgres connection open."""
        return self._ready and self.writer.conn is not None and not self.writer.conn.is_closed()

    def lag_rows(self) -> list[LagRow]:
        """Lag rows of the positioned partitions (see :meth:`sinks.write.positions.Positions.lag_rows`)."""
        if self._consumer is None:
            return []
        return self._positions.lag_rows(self._consumer)

    async def run(self, drained: list[asyncio.Event] | None = None) -> None:
        """Start, loop until :meth:`stop`, write what is open, leave the group; raises on bugs
        (after stopping the clients).

        ``drained``: one event per member of this process (this one's at index 0 is set
        here). A member leaves the group only once every member has written its open batch:
        leaving triggers a rebalance, which would revoke a sibling's partitions in the middle
        of its last write and make it drop its open batch.
        """
        try:
            await self._start()
            await self._loop()
        except StopDuringOutageError as exc:
            log.warning("%s", exc)
        finally:
            if drained:
                drained[0].set()
                if self._stop.is_set():  # not when crashing: the others are still running
                    await asyncio.gather(*(e.wait() for e in drained))
            await self._shutdown()

    def _new_batch(self) -> Batch:
        s = self.settings.sink
        return Batch(s.batch_max_rows, s.batch_max_bytes, s.linger_ms / 1000)

    async def _start(self) -> None:
        # hold the group's lease (shared advisory lock) before reading any stored offset:
        # `oddsflow replay --target sink` refuses while it is held, and waits us out meanwhile
        await self._flusher.retrying(self._lease.acquire, stop_aware=True)
        await self._dead_letters.start()
        await self._start_consumer()
        await self._flusher.retrying(self.writer.connection, stop_aware=True)
        self._ready = True
        await self._flusher.maintain()

    async def _start_consumer(self) -> None:
        kafka = self.settings.kafka
        options: dict[str, Any] = {
            "group_id": self.settings.sink.group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "session_timeout_ms": self.session_timeout_ms,
            "heartbeat_interval_ms": max(100, self.session_timeout_ms // 3),
            "max_partition_fetch_bytes": kafka.fetch_partition_bytes,
            "fetch_max_wait_ms": kafka.fetch_max_wait_ms,
        }
        self._consumer = AIOKafkaConsumer(**kafka.client_kwargs(), **(options | self.consumer_options))
        self._flusher.consumer = self._consumer
        self._consumer.subscribe([self.topic], listener=Rebalance(self._assigned, self._revoked))
        self._watch.reset()
        await self._consumer.start()

    async def _restart_consumer(self) -> None:
        """Abandon a stuck consumer (it cannot be stopped cleanly) and join with a new one."""
        self.stats.consumer_restarts += 1
        await self._flusher.join()  # the batch being written keeps its fence; others are dropped
        partitions = set(self._positions.stored) | self._positions.pending
        self._positions.revoked(partitions)
        self._drop(partitions)
        self._batch = self._new_batch()
        await abandon(self._consumer)
        await self._start_consumer()

    async def _shutdown(self) -> None:
        self._ready = False
        await self._flusher.close()
        if self._consumer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await self._consumer.stop()
        await self._dead_letters.stop()
        await self.writer.close()
        await self._lease.release()
        stats.log_stopped(self.stats, self.label)

    # -- the loop ------------------------------------------------------------------------

    async def _loop(self) -> None:
        consumer, flusher, positions = self._consumer, self._flusher, self._positions
        while True:
            flusher.reap()  # a bug in the flush crashes the sink here
            if flusher.task is None:
                await flusher.housekeeping()
            if self._stop.is_set():
                break
            if self._watch.stuck(consumer, set(positions.stored) | positions.pending, self.label):
                await self._restart_consumer()
                consumer = self._consumer
                continue
            if len(self._batch) and self._batch.lingered():
                self._close_batch()
            flusher.kick()
            positions.hold(consumer, flusher.outage)
            if flusher.closed and not flusher.outage:
                # a full batch waits behind the one being written: fetch nothing more until
                # it is taken (pausing would throw away what the consumer prefetched)
                flusher.room.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(flusher.room.wait(), 0.5)
                continue
            timeout = 0.05 if positions.held else min(self._batch.linger_left(), 0.5)
            records = await consumer.getmany(timeout_ms=int(timeout * 1000), max_records=MAX_RECORDS)
            for tp, messages in records.items():
                await self._accept(tp.partition, messages)
            self._progress()
        await flusher.join()
        self._close_batch()
        await flusher.finish()

    def _close_batch(self) -> None:
        if len(self._batch):
            # ids the cache knows now, while Postgres is busy with the batch before this one
            self._batch.ids = self.writer.dimensions.cached(self._batch.captures)
            self._batch.ids_generation = self.writer.dimensions.generation
            self._flusher.closed.append(self._batch)
            self._batch = self._new_batch()
            if not self._stop.is_set():
                self._flusher.kick()

    def _writer_idle_for(self, batch: Batch, partition: int, position: int) -> bool:
        """Catching up on a backlog, Postgres idle: take the batch now rather than linger.

        While a batch is written the next one grows up to its limits. When the writer is
        idle and the consumer is behind (records beyond this one are known to exist), a batch
        of 1/8 of the row limit goes at once: lingering only waits for records that are
        already there. Caught up, a batch closes at its limits or its linger time.
        """
        flusher = self._flusher
        if batch.rows < batch.max_rows // EARLY_FRACTION or flusher.closed or flusher.outage:
            return False
        if flusher.busy():
            return False
        highwater = self._consumer.highwater(TopicPartition(self.topic, partition))
        return highwater is not None and position < highwater

    async def _accept(self, partition: int, messages: list[Any]) -> None:
        """Decode records into the filling batch, yielding to the event loop every few records
        so that a running write's next statement never waits behind decoding."""
        positions = self._positions
        position = positions.position.get(partition)
        if position is None:
            return  # not positioned yet (assignment pending): these will be fetched again
        counters = self.stats
        if counters.first_message_at is None:
            counters.first_message_at = time.monotonic()
        if messages:
            last = messages[-1]
            metrics.RECORDS_IN.labels("sink", last.topic).inc(len(messages))
            metrics.BYTES_IN.labels("sink", last.topic).inc(sum(len(m.value or b"") for m in messages))
            self._lag.seen(last.topic, partition, last.timestamp / 1000 if last.timestamp else None)
        for i, m in enumerate(messages):
            if i % YIELD_EVERY == YIELD_EVERY - 1:
                positions.position[partition] = position
                await asyncio.sleep(0)
                if positions.position.get(partition) != position:
                    return  # revoked or repositioned meanwhile
            if m.offset < position:
                counters.skipped += 1
                continue
            position = m.offset + 1
            self._batch.add(Record(m.topic, m.partition, m.offset, m.key, m.value, tuple(m.headers or ())))
            counters.messages += 1
            if self._batch.full() or self._writer_idle_for(self._batch, partition, position):
                self._close_batch()
        positions.position[partition] = position

    def _progress(self) -> None:
        now = time.monotonic()
        if now - self._last_progress >= 10:
            self._last_progress = now
            stats.log_progress(self.stats)

    # -- assignment ----------------------------------------------------------------------

    def _drop(self, partitions: set[int] | dict[int, Any]) -> None:
        """Forget buffered records of ``partitions`` (not the batch being written)."""
        self._batch.drop_partitions(partitions)
        self._flusher.drop(partitions)

    def _assigned(self, partitions: set[int]) -> None:
        """New partitions stay paused until the loop has positioned them (Postgres offsets)."""
        self._positions.assigned(self._consumer, partitions)

    async def _revoked(self, partitions: set[int]) -> None:
        """Let an in-flight write finish (briefly), then forget the partitions' records."""
        task = self._flusher.task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=self.session_timeout_ms / 1000)
        self._positions.revoked(partitions)
        self._drop(partitions)

    def _fenced(self, stored: dict[int, int | None]) -> None:
        """Partitions whose stored offsets another writer moved: read them again from there."""
        self._drop(stored)
        self._positions.moved(self._consumer, stored)
