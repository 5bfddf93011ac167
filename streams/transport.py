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

:func:`install` gives an app this transport; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers import aiokafka as driver

from streams.settings import KafkaSettings


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


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> Any:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    """The aiokafka transport with :class:`_Consumer`."""

    Consumer = _Consumer


def install(app: Any) -> None:
    """Use :class:`Transport` for ``app`` (call before the app starts)."""
    app.transport = Transport(app.conf.broker_consumer, app)
