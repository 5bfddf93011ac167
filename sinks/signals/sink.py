"""``oddsflow signals-sink``: ``odds.signals.v1`` → the signal tables, exactly-once rows.

:class:`SignalsSink` is the process's one entry object: a plain aiokafka consumer of the
group ``ODDS_SIGNALS__SINK_GROUP_ID`` whose offsets live in Postgres (``sink_offsets``), as
in the snapshot sink. Lifecycle:

* an assigned partition is paused until it is sought to the offset stored in Postgres
  (:class:`sinks.write.positions.Positions`, shared with the snapshot sink);
* each fetch of positioned records is one batch, written by
  :class:`~sinks.signals.writer.SignalsWriter` in one transaction with its offsets; dead
  records go to the DLQ before the COMMIT (:class:`streams.deadletters.sender.DeadLetterSender`);
* a transient failure (:func:`sinks.write.errors.classify`) drops the connection, backs off and
  writes the same batch again; a fence failure re-positions the partitions another writer
  moved and drops the batch's records of them; any other failure is a bug and stops the sink;
* after the COMMIT the offsets are mirrored to Kafka (lag tools only); partition
  maintenance runs every ``ODDS_PARTITIONS__MAINTENANCE_INTERVAL_S``.

:meth:`SignalsSink.stop` ends the loop after the batch being written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Any

import click
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from sinks.signals.writer import SignalsResult, SignalsWriter
from sinks.write.errors import Backoff, classify
from sinks.write.offsets import FencedError
from sinks.write.positions import KafkaCommits, Positions, Rebalance
from sinks.write.records import Record
from streams.deadletters.sender import DeadLetterSender
from streams.observe import metrics
from streams.settings import Settings

log = logging.getLogger(__name__)


class SignalsSink:
    """See the module docstring."""

    def __init__(
        self, settings: Settings, *, session_timeout_ms: int = 10_000, max_records: int = 2_000
    ) -> None:
        self.settings = settings
        sig = settings.signals
        self.topic = sig.topic
        self.writer = SignalsWriter(settings.postgres, settings.partitions, sig.sink_group_id, sig.topic)
        self.positions = Positions(sig.topic)
        self.commits = KafkaCommits(sig.topic)
        self.dead_letters = DeadLetterSender(settings.kafka, settings.topics.dlq, "oddsflow-signals-sink")
        self.session_timeout_ms = session_timeout_ms
        self.max_records = max_records
        self.consumer: Any = None
        self.written = SignalsResult()
        self._stop = asyncio.Event()
        self._next_maintenance = 0.0

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        kafka = self.settings.kafka
        await self.dead_letters.start()
        self.consumer = consumer = AIOKafkaConsumer(
            **kafka.client_kwargs(),
            group_id=self.settings.signals.sink_group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=max(100, self.session_timeout_ms // 3),
            max_partition_fetch_bytes=kafka.fetch_partition_bytes,
            fetch_max_wait_ms=kafka.fetch_max_wait_ms,
        )
        consumer.subscribe([self.topic], listener=Rebalance(self._assigned, self._revoked))
        try:
            await consumer.start()
            await self._retrying(self.writer.connection)
            while not self._stop.is_set():
                await self.positions.seek_pending(consumer, self.writer)
                await self._maintain()
                fetched = await consumer.getmany(timeout_ms=200, max_records=self.max_records)
                records = self._accept(fetched)
                if records:
                    await self._write(records)
        finally:
            await self.commits.wait(5)
            with contextlib.suppress(KafkaError, OSError):
                await consumer.stop()
            await self.dead_letters.stop()
            await self.writer.close()

    # -- partitions ----------------------------------------------------------------------

    def _assigned(self, partitions: set[int]) -> None:
        self.positions.assigned(self.consumer, partitions)

    async def _revoked(self, partitions: set[int]) -> None:
        self.positions.revoked(partitions)

    def _accept(self, fetched: dict[Any, list[Any]]) -> list[Record]:
        out = []
        pos = self.positions
        for tp, messages in fetched.items():
            p = tp.partition
            if p not in pos.stored:
                continue  # not positioned (yet, or any more)
            for m in messages:
                if m.offset < pos.position[p]:
                    continue
                out.append(Record(m.topic, p, m.offset, m.key, m.value, tuple(m.headers or ())))
                pos.position[p] = m.offset + 1
        return out

    # -- writing -------------------------------------------------------------------------

    async def _write(self, records: list[Record]) -> None:
        backoff = Backoff()
        pos = self.positions
        while True:
            records = [r for r in records if r.partition in pos.stored]
            if not records:
                return
            expected = {r.partition: pos.stored[r.partition] for r in records}
            try:
                result = await self.writer.write(records, expected, self.dead_letters.send)
            except FencedError as exc:
                log.warning("%s: re-reading those partitions from Postgres", exc)
                pos.moved(self.consumer, exc.stored)
                continue
            except Exception as exc:
                if classify(exc) != "transient":
                    raise
                log.warning("transient failure (%r); retrying the batch", exc)
                await self.writer.reset()
                await asyncio.sleep(backoff.next())
                continue
            break
        nxt: dict[int, int] = {}
        for r in records:
            nxt[r.partition] = r.offset + 1
        pos.stored.update(nxt)
        self.written.messages += result.messages
        self.written.rows += result.rows
        self.written.dead += result.dead
        metrics.SINK_ROWS.labels("signals").inc(result.rows)
        self.commits.commit(self.consumer, nxt)

    async def _retrying(self, fn: Any) -> Any:
        backoff = Backoff()
        while True:
            try:
                return await fn()
            except Exception as exc:
                if classify(exc) != "transient" or self._stop.is_set():
                    raise
                await self.writer.reset()
                await asyncio.sleep(backoff.next())

    async def _maintain(self) -> None:
        if time.monotonic() < self._next_maintenance:
            return
        self._next_maintenance = time.monotonic() + self.settings.partitions.maintenance_interval_s
        try:
            await self.writer.maintain()
        except Exception as exc:
            if classify(exc) != "transient":
                raise
            await self.writer.reset()
            self._next_maintenance = time.monotonic() + 60


async def run_signals_sink(settings: Settings) -> SignalsResult:
    """Run until SIGTERM/SIGINT; returns what was written."""
    sink = SignalsSink(settings, session_timeout_ms=settings.sink.session_timeout_ms)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, sink.stop)
    try:
        await sink.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return sink.written


@click.command("signals-sink")
@click.option("--group-id", default=None, help="Consumer group. Env: ODDS_SIGNALS__SINK_GROUP_ID")
def signals_sink_command(group_id: str | None) -> None:
    """Consume odds.signals.v1 into the signal tables (exactly-once rows) until SIGTERM."""
    from streams.cli.root import settings_with

    written = asyncio.run(run_signals_sink(settings_with(signals__sink_group_id=group_id)))
    log.info(
        "signals sink stopped: %d messages, %d rows, %d dead", written.messages, written.rows, written.dead
    )
