"""``oddsflow sink``: ``odds.snapshots.v1`` → Postgres, exactly-once rows.

:class:`PostgresSink` is the process's one entry object. It is a plain aiokafka consumer
(not a faust agent: faust acks on error) in group ``ODDS_SINK__GROUP_ID`` with
auto-commit off. Lifecycle of :meth:`PostgresSink.run`:

* start the DLQ producer, the consumer (with a rebalance listener) and the Postgres
  connection (retried while Postgres is down), and run partition maintenance; maintenance
  runs again every ``ODDS_PARTITIONS__MAINTENANCE_INTERVAL_S`` between batches;
* on assignment, partitions stay paused until their next offsets are read from
  ``sink_offsets`` and the consumer seeks there (earliest when nothing is stored); a record
  below the stored offset is never written again;
* records are decoded as they arrive into a :class:`sinks.batch.Batch`, which closes at
  ``ODDS_SINK__BATCH_MAX_ROWS`` rows, ``…_BYTES`` bytes or ``…_LINGER_MS`` after its first
  record. One batch is written at a time (:class:`sinks.writer.BatchWriter`, one
  transaction with its offsets) while the next one fills; a full next batch pauses fetching;
* dead records (undecodable, outside the partition window, refused by Postgres) go to
  ``ODDS_TOPICS__DLQ`` and are acked by the broker before the transaction commits;
* a transient failure (Postgres or broker unreachable, serialization failure) pauses
  fetching, backs off with jitter and retries the same batch; offsets stay where they are
  until it is written; the consumer keeps polling so it stays in the group;
* Kafka offsets are committed after each transaction, only so that lag tools see progress;
  Postgres holds the offsets the sink trusts;
* :meth:`stop` (SIGTERM/SIGINT in the CLI) ends fetching, writes the open batch and leaves
  the group. If Postgres is unreachable for ``stop_grace_s`` after the stop, the sink
  gives up on the open batch — nothing is lost: its offsets were not stored.

``writers`` > 1 (``--writers``) runs that many members of the group in the process, each
with its own consumer, partitions and Postgres connection, exactly as separate processes
would: Postgres is then written on several connections while Python decodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from sinks.batch import Batch
from sinks.errors import Backoff, classify
from sinks.lease import SinkLease
from sinks.offsets import FencedError
from sinks.records import Dead, Record
from sinks.writer import BatchWriter, WriteResult
from streams import metrics
from streams.cli import settings_with
from streams.dlq import dead_letter
from streams.monitor import LagPublisher, LagRow, publish_lag_forever, start_health
from streams.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_RECORDS = 500  # per poll: bounds what is buffered beyond the batch being written
YIELD_EVERY = 16  # records decoded between yields to the event loop (a running write)
_NEWEST_CAPTURE: dict[str, float] = {}  # bookmaker → newest captured_at committed (this process)
GC_THRESHOLDS = (100_000, 50, 100)  # CPython's default is (700, 10, 10); see PostgresSink.run
EARLY_FRACTION = 8  # an idle writer takes a batch of 1/8 of the row limit without lingering


@dataclass(slots=True)
class SinkStats:
    """Counters since start (read by tests, the benchmark and the progress log)."""

    messages: int = 0
    skipped: int = 0  # below the stored offset: already in Postgres
    batches: int = 0
    captures: int = 0
    history_rows: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    attempts: int = 0
    retries: int = 0
    fenced: int = 0
    partitions_created: int = 0
    first_message_at: float | None = None  # time.monotonic()
    last_commit_at: float | None = None

    @property
    def rows(self) -> int:
        return self.captures + self.history_rows


class StopDuringOutageError(Exception):
    """Stop was requested and the open batch could not be written within the grace time."""


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, sink: PostgresSink) -> None:
        self.sink = sink

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.sink._revoked({tp.partition for tp in revoked})

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.sink._assigned({tp.partition for tp in assigned})


class PostgresSink:
    """Consumes snapshots and writes them to Postgres; see module docstring for the lifecycle."""

    def __init__(
        self,
        settings: Settings,
        *,
        session_timeout_ms: int = 10_000,
        consumer_options: dict[str, Any] | None = None,
        stop_grace_s: float = 20.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        app: str = "oddsflow-sink",
        tune_gc: bool = True,
        writers: int = 1,
    ) -> None:
        self.settings = settings
        self.topic = settings.topics.snapshots
        self._lease = SinkLease(settings.postgres, settings.sink.group_id)
        self.app = app
        self.session_timeout_ms = session_timeout_ms
        self.consumer_options = consumer_options or {}
        self.stop_grace_s = stop_grace_s
        self.tune_gc = tune_gc
        # more members of the group in this process: each its own consumer, partitions and
        # Postgres connection (fencing keeps them exactly-once like separate processes)
        self._followers = [
            PostgresSink(
                settings,
                session_timeout_ms=session_timeout_ms,
                consumer_options=consumer_options,
                stop_grace_s=stop_grace_s,
                clock=clock,
                app=app,
                tune_gc=False,
            )
            for _ in range(writers - 1)
        ]
        self._label = "sink" if writers == 1 else "writer 1"
        self._lag = LagPublisher(settings.sink.group_id)  # one per process: members share it
        self._ready = False  # consumer started and Postgres connected
        for i, follower in enumerate(self._followers, start=2):
            follower._label = f"writer {i}"
            follower._lag = self._lag
        self.writer = BatchWriter(
            settings.postgres, settings.partitions, settings.sink.group_id, self.topic, clock
        )
        self._own = SinkStats()  # this pipeline's counters (see the stats property)
        self._stop = asyncio.Event()
        self._stop_at: float | None = None
        self._consumer: Any = None
        self._producer: Any = None
        self._batch = self._new_batch()  # filling
        self._closed: deque[Batch] = deque()  # full or lingered, waiting for their turn
        self._flushing: asyncio.Task[None] | None = None  # at most one batch is written at a time
        self._stored: dict[int, int | None] = {}  # assigned and positioned partitions
        self._position: dict[int, int] = {}  # next offset to accept per partition
        self._pending_seek: set[int] = set()
        self._held = False  # all partitions paused (Postgres or broker unreachable)
        self._room = asyncio.Event()  # set when the writer takes a closed batch
        self._outage = False
        self._retry_at = 0.0  # when to retry seeks after a failed attempt
        self._next_maintenance = 0.0
        self._last_progress = time.monotonic()
        self._uncommitted: dict[int, int] = {}  # Kafka commits still to send (lag tools only)
        self._committing: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def stop(self) -> None:
        """Ask :meth:`run` to write the open batch and return (signal-handler safe)."""
        if not self._stop.is_set():
            self._stop_at = time.monotonic()
            self._stop.set()
        for follower in self._followers:
            follower.stop()

    async def run(self) -> None:
        """Run until :meth:`stop`; raises on bugs (after stopping the clients). With
        ``writers`` > 1, every member runs until the stop (or until one crashes: then all stop).

        While running, the garbage collector's thresholds are raised (and restored after):
        a batch is ~10^5 short-lived container objects, and the default thresholds make
        CPython rescan them — with full collections of 100-300 ms stalling the event loop,
        and with it the write in flight — dozens of times per batch. Reference counting
        frees batches; the raised thresholds still collect cycles.
        """
        thresholds = gc.get_threshold()
        if self.tune_gc:
            gc.set_threshold(*GC_THRESHOLDS)
        m = self.settings.monitor
        server = None
        try:
            server = await start_health("sink", m.host, m.sink_port, self.ready)
        except OSError as exc:
            log.warning("sink metrics server not started on %s:%d: %r", m.host, m.sink_port, exc)
        lag_task = asyncio.create_task(publish_lag_forever(self._lag, self.lag_rows, m.lag_interval_s))
        try:
            await self._run_members()
        finally:
            lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag_task
            if server is not None:
                await server.stop()
            if self.tune_gc:
                gc.set_threshold(*thresholds)

    def ready(self) -> bool:
        """Readiness: every member has its consumer started and a Postgres connection."""
        return all(
            m._ready and m.writer.conn is not None and not m.writer.conn.is_closed()
            for m in (self, *self._followers)
        )

    def lag_rows(self) -> list[LagRow]:
        """(topic, partition, high watermark, next offset stored in Postgres) per positioned
        partition of every member: the offsets in ``sink_offsets`` are the ones the sink trusts."""
        rows: list[LagRow] = []
        for m in (self, *self._followers):
            if m._consumer is None:
                continue
            for tp in m._consumer.assignment():
                if tp.partition in m._pending_seek or tp.partition not in m._stored:
                    continue
                rows.append((tp.topic, tp.partition, m._consumer.highwater(tp), m._stored[tp.partition]))
        return rows

    async def _run_members(self) -> None:
        """Run this pipeline and its followers (see :meth:`run`)."""
        if not self._followers:
            await self._run_pipeline()
            return
        members = [self, *self._followers]
        drained = [asyncio.Event() for _ in members]
        tasks = [
            asyncio.create_task(m._run_pipeline(drained[i:] + drained[:i])) for i, m in enumerate(members)
        ]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        if any(t.exception() is not None for t in done):
            self.stop()  # one member crashed (a bug): stop the others, then re-raise
        await asyncio.gather(*tasks, return_exceptions=True)
        self._log_stopped(self.stats, "sink")
        for t in tasks:
            t.result()

    @property
    def stats(self) -> SinkStats:
        """Counters since start (of every member when ``writers`` > 1)."""
        if not self._followers:
            return self._own
        members = [self._own, *(f._own for f in self._followers)]
        total = SinkStats()
        for name in SinkStats.__dataclass_fields__:
            values = [getattr(m, name) for m in members]
            if name == "first_message_at":
                setattr(total, name, min((v for v in values if v is not None), default=None))
            elif name == "last_commit_at":
                setattr(total, name, max((v for v in values if v is not None), default=None))
            else:
                setattr(total, name, sum(values))
        return total

    async def _run_pipeline(self, drained: list[asyncio.Event] | None = None) -> None:
        """One member: start, loop, write what is open, leave the group.

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
        await self._retrying(self._lease.acquire, stop_aware=True)
        kafka = self.settings.kafka
        self._producer = AIOKafkaProducer(
            **kafka.client_kwargs(),
            acks="all",
            enable_idempotence=False,
            compression_type=None if kafka.compression == "none" else kafka.compression,
            max_request_size=kafka.max_message_bytes + 64 * 1024,
            linger_ms=0,
        )
        await self._producer.start()
        options: dict[str, Any] = {
            "group_id": self.settings.sink.group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "session_timeout_ms": self.session_timeout_ms,
            "heartbeat_interval_ms": max(100, self.session_timeout_ms // 3),
            "max_partition_fetch_bytes": max(1024 * 1024, kafka.max_message_bytes),
        }
        self._consumer = AIOKafkaConsumer(**kafka.client_kwargs(), **(options | self.consumer_options))
        self._consumer.subscribe([self.topic], listener=_Rebalance(self))
        await self._consumer.start()
        await self._retrying(self.writer.connection, stop_aware=True)
        self._ready = True
        await self._maintain()

    async def _shutdown(self) -> None:
        self._ready = False
        if self._committing is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._committing, 6)
        if self._flushing is not None and not self._flushing.done():
            self._flushing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._flushing
        if self._consumer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await self._consumer.stop()
        if self._producer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await self._producer.stop()
        await self.writer.close()
        await self._lease.release()
        self._log_stopped(self._own, self._label)

    @staticmethod
    def _log_stopped(s: SinkStats, label: str) -> None:
        log.info(
            "%s stopped: %d messages, %d batches, %d rows, %d duplicates, %d dead letters, %d retries",
            label,
            s.messages,
            s.batches,
            s.rows,
            s.duplicates,
            s.dead_letters,
            s.retries,
        )

    # -- the loop ------------------------------------------------------------------------

    async def _loop(self) -> None:
        consumer = self._consumer
        while True:
            if self._flushing is not None and self._flushing.done():
                task, self._flushing = self._flushing, None
                task.result()  # a bug in the flush crashes the sink here
            if self._flushing is None:
                await self._housekeeping()
            if self._stop.is_set():
                break
            if len(self._batch) and self._batch.lingered():
                self._close_batch()
            self._kick()
            self._hold(self._outage)
            if self._closed and not self._outage:
                # a full batch waits behind the one being written: fetch nothing more until
                # it is taken (pausing would throw away what the consumer prefetched)
                self._room.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._room.wait(), 0.5)
                continue
            timeout = 0.05 if self._held else min(self._batch.linger_left(), 0.5)
            records = await consumer.getmany(timeout_ms=int(timeout * 1000), max_records=MAX_RECORDS)
            for tp, messages in records.items():
                await self._accept(tp.partition, messages)
            self._progress()
        if self._flushing is not None:
            task, self._flushing = self._flushing, None
            await task
        self._close_batch()
        while self._closed:
            await self._flush(self._closed.popleft())

    def _close_batch(self) -> None:
        if len(self._batch):
            # ids the cache knows now, while Postgres is busy with the batch before this one
            self._batch.ids = self.writer.dimensions.cached(self._batch.captures)
            self._closed.append(self._batch)
            self._batch = self._new_batch()
            if not self._stop.is_set():
                self._kick()

    def _writer_idle_for(self, batch: Batch, partition: int, position: int) -> bool:
        """Catching up on a backlog, Postgres idle: take the batch now rather than linger.

        While a batch is written the next one grows up to its limits. When the writer is
        idle and the consumer is behind (records beyond this one are known to exist), a batch
        of 1/8 of the row limit goes at once: lingering only waits for records that are
        already there. Caught up, a batch closes at its limits or its linger time.
        """
        if batch.rows < batch.max_rows // EARLY_FRACTION or self._closed or self._outage:
            return False
        if self._flushing is not None and not self._flushing.done():
            return False
        highwater = self._consumer.highwater(TopicPartition(self.topic, partition))
        return highwater is not None and position < highwater

    def _kick(self) -> None:
        """Make sure a writer task is draining the closed batches."""
        task = self._flushing
        if task is not None and (not task.done() or task.cancelled() or task.exception() is not None):
            return  # running (it takes new batches itself), or failed: the loop re-raises
        if self._closed:
            self._flushing = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        """Write closed batches oldest first; the connection's other work happens in between."""
        while self._closed:
            await self._housekeeping()
            batch = self._closed.popleft()
            self._room.set()
            await self._flush(batch)

    async def _housekeeping(self) -> None:
        await self._seek_pending()
        if time.monotonic() >= self._next_maintenance:
            await self._maintain()

    def _drop(self, partitions: set[int] | dict[int, Any]) -> None:
        """Forget buffered records of ``partitions`` (not the batch being written)."""
        for batch in (self._batch, *self._closed):
            batch.drop_partitions(partitions)
        self._closed = deque(b for b in self._closed if len(b))

    async def _accept(self, partition: int, messages: list[Any]) -> None:
        """Decode records into the filling batch, yielding to the event loop every few records
        so that a running write's next statement never waits behind decoding."""
        position = self._position.get(partition)
        if position is None:
            return  # not positioned yet (assignment pending): these will be fetched again
        stats = self._own
        if stats.first_message_at is None:
            stats.first_message_at = time.monotonic()
        if messages:
            last = messages[-1]
            metrics.RECORDS_IN.labels("sink", last.topic).inc(len(messages))
            metrics.BYTES_IN.labels("sink", last.topic).inc(sum(len(m.value or b"") for m in messages))
            self._lag.seen(last.topic, partition, last.timestamp / 1000 if last.timestamp else None)
        for i, m in enumerate(messages):
            if i % YIELD_EVERY == YIELD_EVERY - 1:
                self._position[partition] = position
                await asyncio.sleep(0)
                if self._position.get(partition) != position:
                    return  # revoked or repositioned meanwhile
            if m.offset < position:
                stats.skipped += 1
                continue
            position = m.offset + 1
            self._batch.add(Record(m.topic, m.partition, m.offset, m.key, m.value, tuple(m.headers or ())))
            stats.messages += 1
            if self._batch.full() or self._writer_idle_for(self._batch, partition, position):
                self._close_batch()
        self._position[partition] = position

    def _hold(self, hold: bool) -> None:
        """Pause every assigned partition (or resume those that are positioned)."""
        if hold == self._held:
            return
        self._held = hold
        assigned = self._consumer.assignment()
        if hold:
            self._consumer.pause(*assigned)
        else:
            self._consumer.resume(*[tp for tp in assigned if tp.partition not in self._pending_seek])

    # -- writing ------------------------------------------------------------------------

    async def _flush(self, batch: Batch) -> None:
        """Write ``batch`` (retrying transient failures) and commit its offsets to Kafka."""
        backoff = Backoff()
        while True:
            batch.drop_partitions([p for p in batch.next_offsets if p not in self._stored])
            batch.drop_below({p: o for p, o in self._stored.items() if o is not None})
            if not len(batch):
                return
            expected = {p: self._stored[p] for p in batch.next_offsets}
            started = time.perf_counter()
            try:
                result = await self.writer.write(batch, expected, self._send_dead)
            except FencedError as exc:
                self._own.fenced += 1
                log.warning("%s: re-reading those partitions from Postgres", exc)
                self._reposition(exc.stored)
                continue
            except Exception as exc:
                if classify(exc) != "transient":
                    raise
                await self._transient(exc, backoff)
                continue
            break
        self._outage = False
        self._stored.update(batch.next_offsets)
        metrics.SINK_FLUSH_SECONDS.observe(time.perf_counter() - started)
        self._observe(batch, result)
        s = self._own
        s.batches += 1
        s.captures += result.captures
        s.history_rows += result.history_rows
        s.duplicates += result.duplicates
        s.dead_letters += len(result.dead)
        s.attempts += result.attempts
        s.partitions_created += len(result.partitions_created)
        s.last_commit_at = time.monotonic()
        if result.partitions_created:
            log.info("partitions created on demand: %s", ", ".join(result.partitions_created))
        if result.dead:
            log.warning("%d record(s) dead-lettered to %s", len(result.dead), self.settings.topics.dlq)
        self._commit_kafka(batch.next_offsets)

    @staticmethod
    def _observe(batch: Batch, result: WriteResult) -> None:
        """Metrics of one committed batch: rows, dead letters, freshness per bookmaker."""
        metrics.SINK_BATCH_ROWS.observe(result.rows)
        metrics.SINK_ROWS.labels("snapshots").inc(result.captures)
        metrics.SINK_ROWS.labels("odds_history").inc(result.history_rows)
        metrics.SINK_ROWS.labels("current_odds").inc(result.current_rows)
        for d in result.dead:
            metrics.DLQ_RECORDS.labels(d.error.stage, type(d.error).__name__, d.error.kind).inc()
        dead = {(d.record.partition, d.record.offset) for d in result.dead}
        now = time.time()
        by_bookmaker: dict[str, Any] = {}
        for c in batch.captures:
            if (c.record.partition, c.record.offset) in dead:
                continue
            bookmaker = c.snap.bookmaker
            at = c.snap.captured_at.timestamp()
            child = by_bookmaker.get(bookmaker)
            if child is None:
                child = by_bookmaker[bookmaker] = metrics.FRESHNESS.labels(bookmaker)
            child.observe(max(now - at, 0.0))
            if at > _NEWEST_CAPTURE.get(bookmaker, 0.0):
                _NEWEST_CAPTURE[bookmaker] = at
        for bookmaker in by_bookmaker:
            metrics.LAST_CAPTURE.labels(bookmaker).set(_NEWEST_CAPTURE[bookmaker])

    async def _send_dead(self, dead: list[Dead]) -> None:
        """Publish dead letters; returns after the broker acked every one (before COMMIT)."""
        futures = []
        for d in dead:
            r = d.record
            letter = dead_letter(
                key=r.key,
                value=r.value,
                headers=r.headers,
                error=d.error,
                topic=r.topic,
                partition=r.partition,
                offset=r.offset,
                app=self.app,
                bookmaker=d.bookmaker,
            )
            futures.append(
                await self._producer.send(
                    self.settings.topics.dlq, value=letter.value, key=letter.key, headers=letter.headers
                )
            )
        await asyncio.gather(*futures)

    def _commit_kafka(self, offsets: dict[int, int]) -> None:
        """Commit to Kafka in the background (only lag tools read these; Postgres holds the
        truth): the next batch is not kept waiting for the broker's answer."""
        self._uncommitted.update(offsets)
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit_pending())

    async def _commit_pending(self) -> None:
        while self._uncommitted:
            offsets, self._uncommitted = self._uncommitted, {}
            assigned = self._consumer.assignment()
            tps = {TopicPartition(self.topic, p): o for p, o in offsets.items()}
            tps = {tp: o for tp, o in tps.items() if tp in assigned}
            if not tps:
                continue
            try:
                await asyncio.wait_for(self._consumer.commit(tps), 5)
            except (KafkaError, TimeoutError) as exc:
                log.debug("kafka commit failed (ignored): %r", exc)

    async def _transient(self, exc: BaseException, backoff: Backoff) -> None:
        """Pause, drop the connection, sleep with jitter; give up if stopping past the grace."""
        self._own.retries += 1
        self._outage = True
        self._hold(True)
        await self.writer.reset()
        delay = backoff.next()
        if self._stop_at is not None:
            left = self._stop_at + self.stop_grace_s - time.monotonic()
            if left <= 0:
                raise StopDuringOutageError(
                    f"stopping while Postgres/broker unreachable ({exc!r}); the open batch was not "
                    "written and will be read again from the stored offsets"
                ) from exc
            delay = min(delay, left)
        log.warning("transient failure (%r); retrying in %.1fs", exc, delay)
        await asyncio.sleep(delay)

    async def _retrying(self, fn: Callable[[], Awaitable[T]], stop_aware: bool = False) -> T:
        backoff = Backoff()
        while True:
            try:
                return await fn()
            except Exception as exc:
                if classify(exc) != "transient":
                    raise
                if stop_aware and self._stop.is_set():
                    raise StopDuringOutageError(f"stopped before Postgres was reachable ({exc!r})") from exc
                await self._transient(exc, backoff)

    # -- assignment ----------------------------------------------------------------------

    def _assigned(self, partitions: set[int]) -> None:
        """New partitions stay paused until the loop has positioned them (Postgres offsets)."""
        for p in partitions:
            self._position.pop(p, None)
            self._stored.pop(p, None)
        self._pending_seek |= partitions
        self._consumer.pause(*[TopicPartition(self.topic, p) for p in partitions])
        self._retry_at = 0.0

    async def _revoked(self, partitions: set[int]) -> None:
        """Let an in-flight write finish (briefly), then forget the partitions' records."""
        if self._flushing is not None and not self._flushing.done():
            await asyncio.wait({self._flushing}, timeout=self.session_timeout_ms / 1000)
        for p in partitions:
            self._position.pop(p, None)
            self._stored.pop(p, None)
        self._pending_seek -= partitions
        self._drop(partitions)

    def _reposition(self, stored: dict[int, int | None]) -> None:
        """Partitions whose stored offsets another writer moved: read them again from there."""
        assigned = {tp.partition for tp in self._consumer.assignment()}
        mine = {p for p in stored if p in assigned}
        self._drop(stored)
        for p in stored:
            self._stored.pop(p, None)
            self._position.pop(p, None)
        if mine:
            self._assigned(mine)

    async def _seek_pending(self) -> None:
        if not self._pending_seek or time.monotonic() < self._retry_at:
            return
        parts = sorted(self._pending_seek)
        try:
            stored = await self.writer.stored_offsets(parts)
        except Exception as exc:
            if classify(exc) != "transient":
                raise
            log.warning("cannot read stored offsets (%r); retrying", exc)
            await self.writer.reset()
            self._retry_at = time.monotonic() + 1.0
            return
        assigned = self._consumer.assignment()
        ready = []
        for p in parts:
            tp = TopicPartition(self.topic, p)
            if tp not in assigned:
                continue
            if p in stored:
                self._consumer.seek(tp, stored[p])
            else:
                await self._consumer.seek_to_beginning(tp)
            self._stored[p] = stored.get(p)
            self._position[p] = stored.get(p, 0)
            ready.append(tp)
        self._pending_seek.difference_update(parts)
        log.info("positioned %s at stored offsets %s", self.topic, {p: stored.get(p) for p in parts})
        if not self._held:
            self._consumer.resume(*ready)

    async def _maintain(self) -> None:
        self._next_maintenance = time.monotonic() + self.settings.partitions.maintenance_interval_s
        try:
            await self._lease.ensure()
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

    def _progress(self) -> None:
        now = time.monotonic()
        if now - self._last_progress >= 10:
            self._last_progress = now
            s = self._own
            log.info(
                "sink: %d messages, %d batches, %d rows, %d dead letters",
                s.messages,
                s.batches,
                s.rows,
                s.dead_letters,
            )


async def run_sink(settings: Settings, **kwargs: Any) -> SinkStats:
    """Run a sink until SIGTERM/SIGINT; returns its counters."""
    sink = PostgresSink(settings, **kwargs)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, sink.stop)
    try:
        await sink.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return sink.stats


@click.command("sink")
@click.option("--group-id", default=None, help="Consumer group. Env: ODDS_SINK__GROUP_ID")
@click.option("--batch-max-rows", type=int, default=None, help="Env: ODDS_SINK__BATCH_MAX_ROWS")
@click.option("--batch-max-bytes", type=int, default=None, help="Env: ODDS_SINK__BATCH_MAX_BYTES")
@click.option("--linger-ms", type=int, default=None, help="Env: ODDS_SINK__LINGER_MS")
@click.option(
    "--session-timeout-ms",
    type=int,
    default=None,
    help="Kafka group session timeout. Env: ODDS_SINK__SESSION_TIMEOUT_MS",
)
@click.option(
    "--writers",
    type=click.IntRange(1, 64),
    default=None,
    help="Group members in this process, each with its partitions and Postgres connection. "
    "Env: ODDS_SINK__WRITERS",
)
def sink_command(
    group_id: str | None,
    batch_max_rows: int | None,
    batch_max_bytes: int | None,
    linger_ms: int | None,
    session_timeout_ms: int | None,
    writers: int | None,
) -> None:
    """Consume odds.snapshots.v1 into Postgres (exactly-once rows) until SIGTERM."""
    settings = settings_with(
        sink__group_id=group_id,
        sink__batch_max_rows=batch_max_rows,
        sink__batch_max_bytes=batch_max_bytes,
        sink__linger_ms=linger_ms,
        sink__session_timeout_ms=session_timeout_ms,
        sink__writers=writers,
    )
    s = settings.sink
    asyncio.run(run_sink(settings, session_timeout_ms=s.session_timeout_ms, writers=s.writers))
