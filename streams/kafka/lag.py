"""Consumer lag from the outside: committed offsets vs fetch high watermarks.

Why fetch high watermarks: the embedded broker answers ListOffsets(latest) with the base
offset of the last batch + 1 (:mod:`streams.kafka.workarounds.tansu_gaps`), so ``end_offsets()``
under-reports lag there;
the high watermark carried by every fetch response is exact on tansu and on Apache Kafka.

:func:`probe` assigns the partitions to a group-less consumer, seeks each to its committed
offset (or the beginning), fetches once, and reads back ``highwater(tp)`` plus the
timestamp of the first unconsumed record — whose age is the lag in seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.kafka.workarounds import offset_fetch_errors


@dataclass(frozen=True, slots=True)
class PartitionLag:
    """Lag of one partition for one group."""

    group: str
    topic: str
    partition: int
    committed: int | None
    highwater: int
    lag: int
    lag_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "topic": self.topic,
            "partition": self.partition,
            "committed": self.committed,
            "highwater": self.highwater,
            "lag": self.lag,
            "lag_seconds": round(self.lag_seconds, 3),
        }


def compute(
    group: str,
    tp: TopicPartition,
    committed: int | None,
    highwater: int,
    oldest_unconsumed_ms: int | None,
    now_s: float,
) -> PartitionLag:
    """Pure lag arithmetic: no commit yet counts from offset 0."""
    lag = max(highwater - (committed or 0), 0)
    age = 0.0
    if lag and oldest_unconsumed_ms is not None:
        age = max(now_s - oldest_unconsumed_ms / 1000.0, 0.0)
    return PartitionLag(group, tp.topic, tp.partition, committed, highwater, lag, age)


async def partitions_of(client_kwargs: dict[str, Any], topics: list[str]) -> list[TopicPartition]:
    """Every partition of ``topics`` (a producer's metadata; topics are not created)."""
    producer = AIOKafkaProducer(**client_kwargs)
    await producer.start()
    try:
        out: list[TopicPartition] = []
        for topic in topics:
            out.extend(TopicPartition(topic, p) for p in sorted(await producer.partitions_for(topic)))
        return out
    finally:
        await producer.stop()


async def committed_offsets(
    client_kwargs: dict[str, Any], group: str, tps: list[TopicPartition]
) -> dict[TopicPartition, int | None]:
    """Committed offsets of a Kafka consumer group (``committed()``, not the admin API)."""
    offset_fetch_errors.install()
    consumer = AIOKafkaConsumer(**client_kwargs, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {tp: await consumer.committed(tp) for tp in tps}
    finally:
        await consumer.stop()


async def probe(
    client_kwargs: dict[str, Any],
    group: str,
    committed: Mapping[TopicPartition, int | None],
    timeout_s: float = 5.0,
) -> list[PartitionLag]:
    """Lag of every partition in ``committed`` (see module docstring)."""
    if not committed:
        return []
    consumer = AIOKafkaConsumer(
        **client_kwargs,
        enable_auto_commit=False,
        max_partition_fetch_bytes=1024 * 1024,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    try:
        tps = list(committed)
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, committed[tp] or 0)
        first_ts: dict[TopicPartition, int] = {}
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=len(tps) * 4)
            for tp, records in batch.items():
                if records and tp not in first_ts:
                    first_ts[tp] = records[0].timestamp
                    consumer.pause(tp)
            if all(consumer.highwater(tp) is not None for tp in tps):
                missing = [
                    tp for tp in tps if tp not in first_ts and consumer.highwater(tp) > (committed[tp] or 0)
                ]
                if not missing:
                    break
            await asyncio.sleep(0)
        now = time.time()
        return [
            compute(group, tp, committed[tp], consumer.highwater(tp) or 0, first_ts.get(tp), now)
            for tp in tps
        ]
    finally:
        await consumer.stop()
