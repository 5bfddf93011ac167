"""What the log itself says: partitions, earliest/latest offsets, the offset for a time.

:class:`LogOffsets` owns one consumer *without* a group (it commits nothing, joins nothing)
and uses the standard Kafka calls: ListOffsets for **earliest** and **latest**, and
``offsets_for_times`` for the **first offset at or after a time** (none when every record
is older). With ``ODDS_KAFKA__ENGINE=tansu`` two of them are replaced
(:mod:`streams.kafka.workarounds.tansu_gaps`):
latest is the high watermark of a fetch response (at most one batch per partition is read),
and the offset for a time is found by binary search over record timestamps.
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

from streams.kafka.workarounds import tansu_gaps
from streams.kafka.workarounds.metadata import topic_partitions
from streams.replay.plan import TP, ReplayError
from streams.settings import KafkaSettings


@dataclass(frozen=True, slots=True)
class Located:
    """The first record at or after a time: its offset and timestamp (ms), and how it was found."""

    offset: int
    timestamp_ms: int
    method: str  # "broker" (offsets_for_times) or "search" (tansu, see streams.kafka.workarounds.tansu_gaps)


class LogOffsets:
    """A group-less consumer for log bounds and record timestamps; ``async with`` it.

    Partitions stay assigned between calls (each call assigns what it reads), never
    ``assign([])``: aiokafka 0.14's fetcher swallows its own cancellation when ``stop()``
    comes while it handles an unassignment, and ``stop()`` then hangs forever.
    """

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
        """``(earliest, latest)`` per partition (latest: the offset after the last record)."""
        tps = sorted(set(tps))
        if not tps:
            return {}, {}
        c = self._consumer
        kafka_tps = [TopicPartition(*tp) for tp in tps]
        begin = await c.beginning_offsets(kafka_tps)
        if tansu_gaps.enabled(self.kafka):
            c.assign(kafka_tps)
            try:
                end = await tansu_gaps.highwaters(c, kafka_tps, self.timeout_s)
            except TimeoutError as exc:
                raise ReplayError(str(exc)) from None
        else:
            end = await c.end_offsets(kafka_tps)
        earliest = {TP(*tp): int(begin[tp]) for tp in kafka_tps}
        latest = {TP(*tp): max(int(end[tp]), int(begin[tp])) for tp in kafka_tps}
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
        """The first offset in ``[earliest, latest)`` whose record timestamp is ``>= when_ms``;
        ``None`` when there is none."""
        if tansu_gaps.enabled(self.kafka):

            async def record_at(offset: int) -> tuple[int, int] | None:
                return await self.record_at(tp, offset, latest)

            found = await tansu_gaps.first_at_or_after(record_at, when_ms, earliest, latest)
            return None if found is None else Located(found[0], found[1], "search")
        ktp = TopicPartition(*tp)
        try:
            got = await asyncio.wait_for(self._consumer.offsets_for_times({ktp: when_ms}), self.timeout_s)
        except (KafkaError, TimeoutError) as exc:
            raise ReplayError(f"{tp.topic}:{tp.partition}: no offset for {when_ms} ms: {exc!r}") from None
        answer = got.get(ktp)
        if answer is None or answer.offset >= latest:
            return None
        return Located(max(int(answer.offset), earliest), int(answer.timestamp), "broker")

    async def read(self, ranges: Mapping[TP, tuple[int, int]]) -> AsyncIterator[Any]:
        """Every record in ``[start, end)`` of each partition (aiokafka ``ConsumerRecord``s).

        Raises :class:`ReplayError` when the broker hands over no record for ``timeout_s``
        while some partition has not reached its end. The time the caller spends on the
        records yielded does not count: the wait restarts after it hands control back.
        """
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
            for ktp, messages in got.items():
                end = todo[ktp][1]
                for message in messages:
                    if message.offset < end:
                        yield message
            if got:  # after the caller handled them
                deadline = time.monotonic() + self.timeout_s
            for ktp in list(todo):
                if await c.position(ktp) >= todo[ktp][1]:
                    todo.pop(ktp)
                    c.pause(ktp)
            if todo and time.monotonic() > deadline:
                late = ", ".join(f"{tp.topic}:{tp.partition}" for tp in todo)
                raise ReplayError(f"reading {late}: no records for {self.timeout_s:.0f}s before the end")
