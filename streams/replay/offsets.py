"""What the log itself says: partitions, earliest/latest offsets, the offset for a time.

:class:`LogOffsets` owns one consumer *without* a group (it commits nothing, joins nothing).
Standard Kafka APIs only, with the embedded broker's gaps (shared/docs/BROKER.md) designed
around rather than relied on:

* **latest** is the high watermark of a fetch response (``consumer.highwater(tp)``), not
  ListOffsets: tansu answers ListOffsets(latest) with the last batch's base offset + 1. The
  consumer seeks to what ListOffsets said (exact on Kafka, an underestimate on tansu) and
  fetches once, so at most one batch per partition is read.
* **offset for a time**: ``offsets_for_times`` is only a hint. It is checked by reading two
  records: the one at the hinted offset must have a timestamp ``>= T`` and the one before it
  ``< T`` (or be the log start). On Kafka that holds and costs two single-record reads; on
  tansu (batch-granular answers, offset 0 for a future time, offset 0 with timestamp -1 for
  an empty partition) it fails and a binary search over offsets, reading one record's
  timestamp per step (``log2(n)`` fetches), finds the first record with timestamp ``>= T``.
  A partition whose last record is older than ``T`` has no offset for ``T``: ``None``.
  Timestamps are assumed non-decreasing within a partition (LogAppendTime, or CreateTime
  from producers with sane clocks); otherwise any offset where they cross ``T`` is found,
  which is also all Kafka's time index promises.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streams.metadata import topic_partitions
from streams.replay.plan import TP, ReplayError
from streams.settings import KafkaSettings


@dataclass(frozen=True, slots=True)
class Located:
    """The first record at or after a time: its offset and timestamp (ms), and how it was found."""

    offset: int
    timestamp_ms: int
    method: str  # "broker" (hint verified) or "search"


class LogOffsets:
    """A group-less consumer for log bounds and record timestamps; ``async with`` it."""

    def __init__(self, kafka: KafkaSettings, timeout_s: float = 15.0) -> None:
        self.kafka = kafka
        self.timeout_s = timeout_s
        self._consumer: Any = None

    async def __aenter__(self) -> LogOffsets:
        self._consumer = AIOKafkaConsumer(
            **self.kafka.client_kwargs(),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=50,
            max_partition_fetch_bytes=max(1024 * 1024, self.kafka.max_message_bytes + 1024 * 1024),
        )
        await self._consumer.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await consumer.stop()

    async def topics(self) -> dict[str, list[int]]:
        """Every topic on the broker (internal ``__*`` topics excluded) → its partitions."""
        found = await topic_partitions(self._consumer)
        return {name: parts for name, parts in sorted(found.items()) if parts and not name.startswith("__")}

    async def bounds(self, tps: Iterable[TP]) -> tuple[dict[TP, int], dict[TP, int]]:
        """``(earliest, latest)`` per partition; latest is the fetch high watermark (see module doc)."""
        tps = sorted(set(tps))
        if not tps:
            return {}, {}
        c = self._consumer
        kafka_tps = [TopicPartition(*tp) for tp in tps]
        c.assign(kafka_tps)
        begin = await c.beginning_offsets(kafka_tps)
        end = await c.end_offsets(kafka_tps)
        for tp in kafka_tps:
            c.seek(tp, max(begin[tp], end[tp]))
        deadline = time.monotonic() + self.timeout_s
        while any(c.highwater(tp) is None for tp in kafka_tps):
            if time.monotonic() > deadline:
                late = [f"{tp.topic}:{tp.partition}" for tp in kafka_tps if c.highwater(tp) is None]
                raise ReplayError(f"no fetch response (high watermark) for {', '.join(late)}")
            await c.getmany(timeout_ms=100)
        earliest = {TP(*tp): int(begin[tp]) for tp in kafka_tps}
        latest = {TP(*tp): max(int(c.highwater(tp)), int(begin[tp])) for tp in kafka_tps}
        # no ``c.assign([])`` here or at the end of read(): aiokafka 0.14's fetcher swallows its
        # own cancellation when stop() comes while it handles an unassignment, and stop() then
        # hangs forever (here: right after, in __aexit__). Later calls assign what they read.
        return earliest, latest

    async def record_at(self, tp: TP, offset: int, latest: int) -> tuple[int, int] | None:
        """``(offset, timestamp_ms)`` of the first record at or after ``offset`` (below ``latest``)."""
        if offset >= latest:
            return None
        c = self._consumer
        ktp = TopicPartition(*tp)
        if c.assignment() != {ktp}:
            c.assign([ktp])
        c.seek(ktp, offset)
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            got = await c.getmany(ktp, timeout_ms=200, max_records=1)
            for message in got.get(ktp, []):
                if message.offset >= offset:
                    return int(message.offset), int(message.timestamp)
            if await c.position(ktp) >= latest:
                return None
        raise ReplayError(f"{tp.topic}:{tp.partition}: no record readable at offset {offset}")

    async def offset_for_time(self, tp: TP, when_ms: int, earliest: int, latest: int) -> Located | None:
        """The first offset whose record timestamp is ``>= when_ms``; ``None`` when there is none."""
        last = await self.record_at(tp, latest - 1, latest) if latest > earliest else None
        if last is None or last[1] < when_ms:
            return None
        hint = await self._hint(tp, when_ms)
        if hint is not None and earliest <= hint < latest:
            found = await self.record_at(tp, hint, latest)
            if found is not None and found[1] >= when_ms:
                before = None if hint == earliest else await self.record_at(tp, hint - 1, latest)
                if before is None or (before[0] == hint - 1 and before[1] < when_ms):
                    return Located(hint, found[1], "broker")
        # binary search: position lo..hi, invariant: reading from hi gives a record >= when
        lo, hi = earliest, latest - 1
        while lo < hi:
            mid = (lo + hi) // 2
            rec = await self.record_at(tp, mid, latest)
            assert rec is not None  # mid < latest - 1 and the last record exists
            if rec[1] >= when_ms:
                hi = mid
            else:
                lo = rec[0] + 1
        found = await self.record_at(tp, hi, latest)
        assert found is not None
        return Located(hi, found[1], "search")

    async def read(self, ranges: Mapping[TP, tuple[int, int]]) -> AsyncIterator[Any]:
        """Every record in ``[start, end)`` of each partition (aiokafka ``ConsumerRecord``s)."""
        c = self._consumer
        todo = {TopicPartition(*tp): (start, end) for tp, (start, end) in ranges.items() if start < end}
        if not todo:
            return
        c.assign(list(todo))
        for ktp, (start, _) in todo.items():
            c.seek(ktp, start)
        deadline = time.monotonic() + self.timeout_s
        while todo:
            got = await c.getmany(*todo, timeout_ms=200)
            if got:
                deadline = time.monotonic() + self.timeout_s
            for ktp, messages in got.items():
                end = todo[ktp][1]
                for message in messages:
                    if message.offset < end:
                        yield message
            for ktp in list(todo):
                if await c.position(ktp) >= todo[ktp][1]:
                    todo.pop(ktp)
                    c.pause(ktp)
            if time.monotonic() > deadline:
                late = ", ".join(f"{tp.topic}:{tp.partition}" for tp in todo)
                raise ReplayError(f"reading {late}: no records for {self.timeout_s:.0f}s before the end")

    async def _hint(self, tp: TP, when_ms: int) -> int | None:
        ktp = TopicPartition(*tp)
        try:
            got = await asyncio.wait_for(self._consumer.offsets_for_times({ktp: when_ms}), self.timeout_s)
        except (KafkaError, TimeoutError):
            return None
        answer = got.get(ktp)
        return None if answer is None else int(answer.offset)
