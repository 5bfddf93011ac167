"""faust's aiokafka transport with the worker consumer's ``fetch_max_wait_ms`` from settings.

faust-streaming hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer. On Apache
Kafka that only bounds idle polling: a fetch returns as soon as ``fetch_min_bytes`` (1)
arrived. The embedded broker (tansu) answers a fetch that found nothing only after the full
wait, even when records arrive meanwhile, so every consumer hop adds up to that wait to the
latency (measured with aiokafka on tansu, records every 0.37 s: median delivery 0.64 s at
1500 ms, 0.07 s at 500 ms, 0.016 s at 100 ms). The pipeline has two faust hops (raw →
canonical → snapshots), so the worker uses ``settings.kafka.fetch_max_wait_ms`` like every
other oddsflow consumer.

Table recovery: faust asks ``end_offsets()`` (ListOffsets) how far to read each changelog.
tansu answers the last batch's base offset + 1 (shared/docs/BROKER.md), so a recovering
worker stopped short of a changelog's last records (boards one capture old, and faust's
``ConsistencyError`` when a standby was further). :meth:`_ConsumerThread._highwaters`
answers with the high watermark of a fetch response instead: exact on tansu, and what
ListOffsets returns on Apache Kafka. Found by the crash campaign (``tests/reliability``).

Record order: every record reaches faust in offset order, from where faust last sought,
without skipping (:mod:`streams.ordering`: a seek ledger kept on the consumer thread; the
crash campaign lost captures to faust reading records fetched before a seek, and records
read before its post-rebalance seek). Every partition is sought by this transport's
``seek_to_committed`` (aiokafka's skips partitions committed at 0 or never), and faust's
commits over offset gaps are logged.

:func:`install` gives an app this transport; nothing else changes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers import aiokafka as driver

from streams.ordering import Key, SeekLedger, Verdict
from streams.settings import KafkaSettings

log = logging.getLogger(__name__)


class _Stamped(dict[Any, Any]):
    """A fetched record map with the :class:`SeekLedger` stamp it was fetched under."""

    def __init__(self, records: Mapping[Any, Any], stamp: dict[Key, int]) -> None:
        super().__init__(records)
        self.stamp = stamp


async def fetch_highwaters(kafka: KafkaSettings, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
    """The log end of each partition from a fetch response's high watermark (own, group-less
    consumer; at most one batch per partition is fetched)."""
    consumer = AIOKafkaConsumer(**kafka.client_kwargs(), enable_auto_commit=False, fetch_max_wait_ms=50)
    await consumer.start()
    try:
        consumer.assign(list(tps))
        ends = await consumer.end_offsets(list(tps))
        for tp in tps:
            consumer.seek(tp, ends[tp])
        for _ in range(300):
            if all(consumer.highwater(tp) is not None for tp in tps):
                return {tp: max(int(consumer.highwater(tp)), ends[tp]) for tp in tps}
            await consumer.getmany(timeout_ms=100)
        raise TimeoutError(f"no fetch response for {tps}")
    finally:
        await consumer.stop()  # partitions still assigned: after assign([]) stop() can hang on tansu


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    ledger: SeekLedger

    def __post_init__(self) -> None:
        super().__post_init__()
        self.ledger = SeekLedger()

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # read by AIOKafkaConsumer.start() when it builds its fetcher (aiokafka 0.10–0.14)
        app: Any = self.app
        consumer._fetch_max_wait_ms = app.oddsflow.settings.kafka.fetch_max_wait_ms
        return consumer

    async def _highwaters(self, partitions: list[Any]) -> Mapping[Any, int]:
        if self.consumer.in_transaction or not partitions:
            return await super()._highwaters(partitions)
        app: Any = self.app
        tps = [TopicPartition(tp.topic, tp.partition) for tp in partitions]
        ends = await fetch_highwaters(app.oddsflow.settings.kafka, tps)
        return {tp: ends[TopicPartition(tp.topic, tp.partition)] for tp in partitions}

    # -- seeks and fetches, counted (see SeekLedger) --------------------------------------

    async def _fetch_records(  # faust's signature
        self,
        consumer: Any,
        active_partitions: Any,
        timeout: float | None = None,  # noqa: ASYNC109
        max_records: int | None = None,
    ) -> Any:
        records = await super()._fetch_records(consumer, active_partitions, timeout, max_records)
        return _Stamped(records, self.ledger.stamp(records))

    def seek(self, partition: Any, offset: int) -> None:
        super().seek(partition, offset)
        self.ledger.sought({partition: offset})

    async def seek_to_committed(self) -> Mapping[Any, Any]:  # offsets, None: never committed
        return await self.call_thread(self._seek_to_committed)  # type: ignore[no-any-return]

    async def _seek_to_committed(self) -> Mapping[Any, int | None]:
        """Every assigned partition to its committed offset, or to the log start if it has none.

        Unlike aiokafka's ``seek_to_committed``, which leaves a partition whose committed
        offset is missing or 0 wherever it was fetched to: a batch fetched from there and
        dropped by faust (a rebalance in the middle of it) was then never read again, and
        faust's next commit passed over it. All offsets are read first, then every seek is
        made and counted in one step (no fetch in between).
        """
        consumer = self._ensure_consumer()
        tps = list(consumer.assignment())
        committed = {tp: await consumer.committed(tp) for tp in tps}
        never = [tp for tp, offset in committed.items() if offset is None]
        # consumer_auto_offset_reset is "earliest" (streams.app); an explicit offset, not a
        # reset request: faust's livelock check reads every position and fails on a reset one
        start = await consumer.beginning_offsets(never) if never else {}
        targets = {tp: start[tp] if committed[tp] is None else committed[tp] for tp in tps}
        for tp, offset in targets.items():
            consumer.seek(tp, offset)
        self.ledger.sought(targets)
        return committed

    async def seek_to_beginning(self, *partitions: Any) -> None:
        await self.call_thread(self._seek_to_beginning, *partitions)

    async def _seek_to_beginning(self, *partitions: Any) -> None:
        consumer = self._ensure_consumer()
        self.ledger.sought(dict.fromkeys(partitions or consumer.assignment()))
        await consumer.seek_to_beginning(*partitions)  # the reset is requested before its first await

    async def _seek_wait(self, consumer: Any, partitions: Mapping[Any, int]) -> None:
        """faust's table recovery seeks changelogs here. Its offset arithmetic ("last read",
        -1 for none) can give an offset below -1, which aiokafka rejects and the worker died
        of (crash campaign): such a changelog is read from its start, which is always safe."""
        negative = {tp: offset for tp, offset in partitions.items() if offset < 0}
        if negative:
            log.warning("changelog seek to %s: reading those partitions from their start", negative)
        partitions = {tp: max(0, offset) for tp, offset in partitions.items()}
        self.ledger.sought(partitions)  # aiokafka's seeks below run in this same step
        await super()._seek_wait(consumer, partitions)


class _Consumer(driver.Consumer):
    _stamp: Mapping[Key, int] = {}

    def _new_consumer_thread(self) -> Any:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _getmany(self, active_partitions: Any, timeout: float) -> Any:  # noqa: ASYNC109
        records = await super()._getmany(active_partitions, timeout)
        self._stamp = getattr(records, "stamp", {})
        return records

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[Any, Any]]:  # noqa: ASYNC109
        """faust's getmany, each record admitted by the seek ledger (:mod:`streams.ordering`):
        records out of order are dropped, and fetched again from the next offset."""
        thread = cast(_ConsumerThread, self._thread)
        ledger = thread.ledger
        dropped: dict[Key, int] = {}
        async for tp, message in super().getmany(timeout):
            verdict = ledger.admit(self._stamp, tp, message.offset)
            if verdict is Verdict.READ:
                yield tp, message
                continue
            if verdict is Verdict.RESEEK:
                expected = cast(int, ledger.next_offset(tp))  # RESEEK: a concrete next offset
                log.info("%s:%d: offset %d came before %d; reading from there", *tp, message.offset, expected)
                thread.seek(tp, expected)  # the rest of this batch is stale now
            k = (tp.topic, tp.partition)
            dropped[k] = dropped.get(k, 0) + 1
        if dropped:
            log.info("dropped records read out of order (fetched again): %s", dropped)

    async def on_partitions_revoked(self, revoked: Any) -> None:
        cast(_ConsumerThread, self._thread).ledger.forget(revoked)
        await super().on_partitions_revoked(revoked)

    async def _add_gap(self, tp: Any, offset_from: int, offset_to: int) -> None:
        """faust commits over a gap in a partition's offsets as if it were processed: right for
        compacted topics and transaction markers, a loss otherwise, so it is logged."""
        log.warning(
            "offset gap in %s:%d: offsets %d..%d are committed unread (read offset %s, committed %s)",
            tp.topic,
            tp.partition,
            offset_from,
            offset_to - 1,
            self._read_offset.get(tp),
            self._committed_offset.get(tp),
        )
        await super()._add_gap(tp, offset_from, offset_to)


class Transport(driver.Transport):
    """The aiokafka transport with :class:`_Consumer`."""

    Consumer = _Consumer


def install(app: Any) -> None:
    """Use :class:`Transport` for ``app`` (call before the app starts)."""
    app.transport = Transport(app.conf.broker_consumer, app)
