"""Reading the dead-letter topic and republishing chosen records (the I/O of ``oddsflow dlq``).

* :func:`read_dead_letters` reads the DLQ up to its end *as it was when the call started*
  (high watermarks, see :mod:`streams.replay.log_offsets`), from the log start, or from the
  first record stamped at or after ``--since`` when given (the record timestamp is taken
  after ``dlq.time`` is written, so nothing selected is skipped), and keeps the records the
  :class:`~streams.deadletters.letters.Selection` matches.
* :func:`requeue` publishes each record to its ``dlq.source.topic`` with the original key,
  value and headers (``acks=all``, idempotent where the broker allows it, as
  :class:`~streams.kafka.producer.OddsProducer`; one at a time in DLQ order, each acknowledged
  before the next), so the source topic gets them in the order they failed. The partition
  is chosen by the key like any producer would (records of one key stay together and in
  order).
  Requeueing twice publishes twice: the stream stage and the sink are idempotent for
  repeated captures (same event, bookmaker and ``captured_at``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from streams.deadletters.letters import DeadRecord, DlqError, Selection
from streams.kafka.workarounds.idempotence import start_producer
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP
from streams.settings import KafkaSettings


@dataclass(frozen=True, slots=True)
class Requeued:
    """Where a requeued record landed."""

    record: DeadRecord
    topic: str
    partition: int
    offset: int


async def read_dead_letters(kafka: KafkaSettings, topic: str, selection: Selection) -> list[DeadRecord]:
    """The records of ``topic`` that ``selection`` matches, by partition then offset."""
    async with LogOffsets(kafka) as log:
        partitions = (await log.topics()).get(topic)
        if partitions is None:
            raise DlqError(f"dead-letter topic {topic!r} does not exist (ODDS_TOPICS__DLQ)")
        wanted = {p for p, _ in selection.ids}
        unknown = sorted(wanted - set(partitions))
        if unknown:
            raise DlqError(f"dead-letter topic {topic!r} has no partition {unknown}")
        tps = [TP(topic, p) for p in partitions if not wanted or p in wanted]
        earliest, latest = await log.bounds(tps)
        ranges: dict[TP, tuple[int, int]] = {}
        for tp in tps:
            start, end = earliest[tp], latest[tp]
            if selection.ids:
                offsets = [o for p, o in selection.ids if p == tp.partition]
                start, end = max(start, min(offsets)), min(end, max(offsets) + 1)
            elif selection.since is not None:
                when_ms = int(selection.since.timestamp() * 1000)
                located = await log.offset_for_time(tp, when_ms, start, end)
                start = end if located is None else located.offset
            ranges[tp] = (start, end)
        found = [
            DeadRecord.from_kafka(m.partition, m.offset, m.timestamp, m.key, m.value, m.headers)
            async for m in log.read(ranges)
        ]
    chosen = [r for r in found if selection.matches(r)]
    if selection.ids:
        have = {(r.partition, r.offset) for r in chosen}
        missing = [f"{p}:{o}" for p, o in selection.ids if (p, o) not in have]
        if missing:
            raise DlqError(f"no such record in {topic!r} (or filtered out): {', '.join(missing)}")
    return sorted(chosen, key=lambda r: (r.partition, r.offset))


async def requeue(kafka: KafkaSettings, records: Sequence[DeadRecord]) -> list[Requeued]:
    """Publish ``records`` to their source topics (see module docstring); returns where they landed."""
    targets = [(r, *r.requeue_target()) for r in records]  # refuse before sending anything

    def make(idempotent: bool) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            **kafka.client_kwargs(),
            acks="all",
            enable_idempotence=idempotent,
            compression_type=None if kafka.compression == "none" else kafka.compression,
            max_request_size=kafka.max_message_bytes + 1024 * 1024,
            linger_ms=0,
        )

    producer, _ = await start_producer(make, kafka.idempotence, name="dlq requeue")
    out: list[Requeued] = []
    try:
        for record, topic, key, value, headers in targets:
            meta = await producer.send_and_wait(topic, value, key=key, headers=headers or None)
            out.append(Requeued(record, meta.topic, meta.partition, meta.offset))
    finally:
        await producer.stop()
    return out
