"""faust's aiokafka transport for the workers: the fetch wait from settings, exact changelog
ends on tansu, and every record in offset order from faust's last seek.

Fetch wait: faust-streaming hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer;
the worker uses ``settings.kafka.fetch_max_wait_ms`` like every other oddsflow consumer. On
Apache Kafka that only paces idle polling (a waiting fetch returns as soon as a record
arrives); tansu notices a record arriving during the wait only at intervals that grow with
it, so each of the two faust hops (raw → canonical → snapshots) added up to a second there
(bench/broker.py; tests/integration/streams/test_tansu_gaps.py shows both engines).

Table recovery (tansu only, ``ODDS_KAFKA__ENGINE=tansu``): faust asks ``end_offsets()``
(ListOffsets) how far to read each changelog; tansu's answer is short of the last records
(:mod:`streams.kafka.workarounds.tansu_gaps`), so a recovering worker kept boards one capture old and faust
raised ``ConsistencyError`` when a standby was further. :meth:`_ConsumerThread._highwaters`
answers with the high watermark of a fetch response there. On Kafka faust's own call is exact.

Record order (faust and aiokafka bugs, on every engine): every record reaches faust in
offset order, from where faust last sought, without skipping (:mod:`streams.kafka.ordering`: a
seek ledger kept on the consumer thread), because faust hands its loop batches fetched
before a seek (faust-streaming #221/#606) and reads records before its post-rebalance seek.
Every partition is sought by this transport's ``seek_to_committed`` (aiokafka 0.14's skips
partitions committed at 0 or never), a changelog seek below 0 (faust's recovery arithmetic)
reads from the log start, and faust's commits over offset gaps are logged.
``tests/integration/streams/test_stale_fetch.py`` reproduces the first two bugs on Apache
Kafka with faust's and aiokafka's own code.

:func:`install` gives an app this transport; nothing else changes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

from aiokafka import TopicPartition
from faust.transport.drivers import aiokafka as driver

from streams.kafka.ordering import Key, SeekLedger, Verdict
from streams.kafka.workarounds import tansu_gaps

log = logging.getLogger(__name__)


class _Stamped(dict[Any, Any]):
    """A fetched record map with the :class:`SeekLedger` stamp it was fetched under."""

    def __init__(self, records: Mapping[Any, Any], stamp: dict[Key, int]) -> None:
        super().__init__(records)
        self.stamp = stamp


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
        app: Any = self.app
        kafka = app.oddsflow.settings.kafka
        if not tansu_gaps.enabled(kafka) or self.consumer.in_transaction or not partitions:
            return await super()._highwaters(partitions)
        tps = [TopicPartition(tp.topic, tp.partition) for tp in partitions]
        ends = await tansu_gaps.fetch_highwaters(kafka, tps)
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

    async def _seek_wait(self, consumer: Any, partitions: Mapping[Any, int | None]) -> None:
        """faust's table recovery seeks changelogs here. Its offset arithmetic ("last read",
        -1 for none) can give an offset below -1, which aiokafka rejects and the worker died
        of (crash campaign): such a changelog is read from its start, which is always safe.
        So is a standby offset of ``None``: a rebalance landing while an earlier recovery
        still runs adds its new standby partitions (offset ``None``, built only by the next
        recovery) and the running one seeks them (crash campaign on Kafka, rolling restart:
        generations 5 and 6 one second apart; TypeError here, ValueError in aiokafka)."""
        negative = {tp: offset for tp, offset in partitions.items() if offset is None or offset < 0}
        if negative:
            log.warning("changelog seek to %s: reading those partitions from their start", negative)
        targets = {tp: max(0, offset or 0) for tp, offset in partitions.items()}
        self.ledger.sought(targets)  # aiokafka's seeks below run in this same step
        await super()._seek_wait(consumer, targets)


class _Consumer(driver.Consumer):
    _stamp: Mapping[Key, int] = {}

    def _new_consumer_thread(self) -> Any:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _getmany(self, active_partitions: Any, timeout: float) -> Any:  # noqa: ASYNC109
        records = await super()._getmany(active_partitions, timeout)
        self._stamp = getattr(records, "stamp", {})
        return records

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[Any, Any]]:  # noqa: ASYNC109
        """faust's getmany, each record admitted by the seek ledger (:mod:`streams.kafka.ordering`):
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
