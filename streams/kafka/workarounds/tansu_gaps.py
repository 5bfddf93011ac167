"""Where tansu (the embedded demo broker) answers a standard call unlike Apache Kafka.

On only with ``ODDS_KAFKA__ENGINE=tansu`` (:func:`enabled`: the one switch; ``oddsflow demo``
sets it for the tansu it starts). With the default ``kafka`` nothing here runs and the
standard answers are trusted. Seen on tansu 0.6.0 (docs/operations.md, Engines); each gap is
shown on both engines by ``tests/integration/streams/test_tansu_gaps.py``:

* **ListOffsets(latest)** after multi-record batches answers the last batch's base offset
  + 1 (15 records in 3 batches of 5: 11; Kafka: 15). The high watermark of a fetch
  response is exact on both: :func:`highwaters` reads it. Used by faust's changelog
  recovery (:mod:`streams.kafka.transport`: a recovering worker otherwise stopped short of a
  changelog's last records) and by log bounds (:mod:`streams.replay.log_offsets`).
* **ListOffsets(timestamp)** (``offsets_for_times``) answered offset 0 for every time
  asked: inside a batch, at a batch's start, after the last record (Kafka: the first
  offset at or after the time, or none after the last record):
  :func:`first_at_or_after` finds that offset by binary search, reading one record's
  timestamp per step (``log2(n)`` fetches).

Two more differences are handled by settings that hold on every engine, not here: a
waiting fetch sees a new record late on tansu (``kafka.fetch_max_wait_ms``, 100 ms, bounds
it), and tansu ignores the per-partition fetch limit (``kafka.fetch_partition_bytes``), so
``streams.max_poll_records`` bounds what a worker holds there.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.settings import KafkaSettings

#: reads the first record at or after an offset: ``(offset, timestamp_ms)``, None past the end
RecordAt = Callable[[int], Awaitable[tuple[int, int] | None]]


def enabled(kafka: KafkaSettings) -> bool:
    """Whether the clients talk to tansu (``ODDS_KAFKA__ENGINE=tansu``)."""
    return kafka.engine == "tansu"


async def highwaters(
    consumer: AIOKafkaConsumer, tps: Sequence[TopicPartition], timeout_s: float
) -> dict[TopicPartition, int]:
    """The log end of each partition from a fetch response's high watermark.

    ``consumer`` has ``tps`` assigned and no group; each partition is sought to what
    ListOffsets says (at or below the end) and fetched until a response carried its high
    watermark, so at most one batch per partition is read. Raises ``TimeoutError``.
    """
    ends = await consumer.end_offsets(list(tps))
    for tp in tps:
        consumer.seek(tp, ends[tp])
    deadline = time.monotonic() + timeout_s
    while any(consumer.highwater(tp) is None for tp in tps):
        if time.monotonic() > deadline:
            late = ", ".join(f"{tp.topic}:{tp.partition}" for tp in tps if consumer.highwater(tp) is None)
            raise TimeoutError(f"no fetch response (high watermark) for {late}")
        await consumer.getmany(*tps, timeout_ms=100)
    return {tp: max(int(consumer.highwater(tp)), ends[tp]) for tp in tps}


async def fetch_highwaters(kafka: KafkaSettings, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
    """:func:`highwaters` with an own group-less consumer (faust's changelog recovery)."""
    consumer: Any = AIOKafkaConsumer(**kafka.client_kwargs(), enable_auto_commit=False, fetch_max_wait_ms=50)
    await consumer.start()
    try:
        consumer.assign(list(tps))
        return await highwaters(consumer, tps, timeout_s=30)
    finally:
        await consumer.stop()  # partitions still assigned: after assign([]) stop() can hang on tansu


async def first_at_or_after(
    record_at: RecordAt, when_ms: int, earliest: int, latest: int
) -> tuple[int, int] | None:
    """``(offset, timestamp_ms)`` of the first record with timestamp ``>= when_ms`` in
    ``[earliest, latest)``; None when the last record is older (or there is none).

    Timestamps are assumed non-decreasing within a partition (LogAppendTime, or CreateTime
    from producers with sane clocks); otherwise some offset where they cross ``when_ms`` is
    found, which is also all Kafka's time index promises.
    """
    last = await record_at(latest - 1) if latest > earliest else None
    if last is None or last[1] < when_ms:
        return None
    lo, hi = earliest, latest - 1  # invariant: reading from hi gives a record >= when_ms
    while lo < hi:
        mid = (lo + hi) // 2
        rec = await record_at(mid)
        assert rec is not None  # mid < latest - 1 and the last record exists
        if rec[1] >= when_ms:
            hi = mid
        else:
            lo = rec[0] + 1
    return await record_at(hi)
