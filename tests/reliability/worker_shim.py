"""``oddsflow worker`` whose faust recovery reads changelogs to their real end on tansu.

Run as ``python -m tests.reliability.worker_shim`` (the repository root on ``PYTHONPATH``).

Why: faust's table recovery asks ``end_offsets()`` (ListOffsets latest) how far to read
each changelog partition. Apache Kafka answers the log end; tansu answers the last
batch's base offset + 1 (shared/docs/BROKER.md). A recovering worker then stops before
the last records of a changelog batch — its ``last_prices`` boards are older than the
snapshots already published, and the next capture is diffed against the wrong board —
and a worker whose standby offset is beyond that answer stops with faust's
``ConsistencyError``. This build answers faust with the high watermark of a fetch
response (exact on tansu, what ListOffsets returns on Kafka) and changes nothing else.

It also logs every gap faust records in a stream partition (:func:`log_gaps`), for triage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.settings import KafkaSettings, load_settings


async def fetch_highwaters(kafka: KafkaSettings, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
    """High watermark of each partition from one fetch (a group-less consumer of its own)."""
    consumer = AIOKafkaConsumer(**kafka.client_kwargs(), enable_auto_commit=False, fetch_max_wait_ms=50)
    await consumer.start()
    try:
        consumer.assign(list(tps))
        ends = await consumer.end_offsets(list(tps))
        for tp in tps:
            consumer.seek(tp, ends[tp])  # at most one batch per partition is fetched
        for _ in range(300):
            if all(consumer.highwater(tp) is not None for tp in tps):
                return {tp: max(int(consumer.highwater(tp)), ends[tp]) for tp in tps}
            await consumer.getmany(timeout_ms=100)
        raise TimeoutError(f"no fetch response for {tps}")
    finally:
        # (stopping with the partitions still assigned: after assign([]) a stop can hang on tansu)
        await consumer.stop()


def install() -> None:
    """Replace faust's highwater query (it runs on faust's consumer thread)."""
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    kafka = load_settings().kafka

    async def _highwaters(self: Any, partitions: Sequence[Any]) -> Mapping[Any, int]:
        tps = [TopicPartition(tp.topic, tp.partition) for tp in partitions]
        if not tps:
            return {}
        ends = await fetch_highwaters(kafka, tps)
        return {tp: ends[TopicPartition(tp.topic, tp.partition)] for tp in partitions}

    AIOKafkaConsumerThread._highwaters = _highwaters  # type: ignore[method-assign]
    log_gaps()


def log_gaps() -> None:
    """Log each gap faust records in a stream partition: it commits over those offsets as if
    they had been processed (diagnosis only; behaviour unchanged)."""
    import logging

    from faust.transport.consumer import Consumer

    log = logging.getLogger("tests.reliability.worker_shim")
    add_gap = Consumer._add_gap

    async def _add_gap(self: Any, tp: Any, offset_from: int, offset_to: int) -> None:
        log.warning(
            "faust gap in %s:%d: offsets %d..%d will be committed unprocessed (read offset %s, committed %s)",
            tp.topic,
            tp.partition,
            offset_from,
            offset_to,
            self._read_offset.get(tp),
            self._committed_offset.get(tp),
        )
        await add_gap(self, tp, offset_from, offset_to)

    Consumer._add_gap = _add_gap  # type: ignore[method-assign]


if __name__ == "__main__":
    install()
    from streams.cli import main

    main(["worker"])
