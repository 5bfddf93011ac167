"""Replacing a raw range's rows in Postgres with the reprocessed ones, in one transaction.

:func:`swap` holds the sink group's advisory lock exclusively (:mod:`sinks.write.lease`: refused
while a sink runs; sinks starting meanwhile wait) and, in **one** transaction:

1. deletes the ``snapshots`` rows whose source (raw topic, partition, offset) lies in the
   range, and the ``odds_history`` rows of those captures (event, bookmaker, captured_at);
2. deletes the ``current_odds`` rows of those boards last changed between the board's first
   and last deleted capture (lines the old build named differently must not survive; lines
   changed before or after the range stay);
3. loads the run's snapshots topic through the sink's own :class:`~sinks.write.writer.BatchWriter`
   (savepoints inside this transaction), keeping only snapshots whose source is in the
   range: rows, ``current_odds`` (never overwriting a newer row) and dimensions exactly as
   the live sink writes them;
4. removes the load group's ``sink_offsets`` rows, commits, releases the lock.

If anything fails, the transaction rolls back and Postgres is as before.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer

from sinks.reprocess.plan import Names, RawRange
from sinks.write import lease
from sinks.write.batch import Batch
from sinks.write.records import Capture, Dead, Record, decode
from sinks.write.writer import BatchWriter
from streams.deadletters.contract import dead_letter
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP, ReplayError
from streams.settings import Settings

CHUNK_ROWS = 50_000


@dataclass(slots=True)
class SwapResult:
    deleted_snapshots: int = 0
    deleted_history: int = 0
    deleted_current: int = 0
    captures: int = 0
    history_rows: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    outside_range: int = 0  # snapshots of records past the range end (ignored)


def _in_range(capture: Capture, rng: RawRange) -> bool:
    src = capture.snap.source
    bounds = rng.get(TP(src.topic, src.partition))
    return bounds is not None and bounds[0] <= src.offset < bounds[1]


async def _delete_old(conn: Any, rng: RawRange, result: SwapResult) -> None:
    tps = sorted(rng)
    deleted = await conn.fetch(
        """DELETE FROM snapshots s
            USING unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[]) AS r(t, p, lo, hi)
            WHERE s.source_topic = r.t AND s.source_partition = r.p
              AND s.source_offset >= r.lo AND s.source_offset < r.hi
        RETURNING s.event_id, s.bookmaker_id, s.captured_at""",
        [tp.topic for tp in tps],
        [tp.partition for tp in tps],
        [rng[tp][0] for tp in tps],
        [rng[tp][1] for tp in tps],
    )
    result.deleted_snapshots = len(deleted)
    if not deleted:
        return
    status = await conn.execute(
        """DELETE FROM odds_history h
            USING unnest($1::bigint[], $2::smallint[], $3::timestamptz[]) AS k(e, b, t)
            WHERE h.event_id = k.e AND h.bookmaker_id = k.b AND h.captured_at = k.t""",
        [r["event_id"] for r in deleted],
        [r["bookmaker_id"] for r in deleted],
        [r["captured_at"] for r in deleted],
    )
    result.deleted_history = int(status.split()[-1])
    boards: dict[tuple[int, int], list[Any]] = {}
    for r in deleted:
        boards.setdefault((r["event_id"], r["bookmaker_id"]), []).append(r["captured_at"])
    keys = sorted(boards)
    status = await conn.execute(
        """DELETE FROM current_odds c
            USING unnest($1::bigint[], $2::smallint[], $3::timestamptz[], $4::timestamptz[])
                  AS k(e, b, lo, hi)
            WHERE c.event_id = k.e AND c.bookmaker_id = k.b AND c.captured_at BETWEEN k.lo AND k.hi""",
        [k[0] for k in keys],
        [k[1] for k in keys],
        [min(boards[k]) for k in keys],
        [max(boards[k]) for k in keys],
    )
    result.deleted_current = int(status.split()[-1])


class _DeadLetters:
    """Publishes records the load refuses (as the sink does), acked before the commit."""

    def __init__(self, settings: Settings, app: str) -> None:
        self.settings, self.app = settings, app
        self.producer: Any = None

    async def __call__(self, dead: list[Dead]) -> None:
        if self.producer is None:
            k = self.settings.kafka
            self.producer = AIOKafkaProducer(**k.client_kwargs(), acks="all", enable_idempotence=False)
            await self.producer.start()
        futures = []
        for d in dead:
            r = d.record
            letter = dead_letter(
                key=r.key, value=r.value, headers=r.headers, error=d.error, topic=r.topic,
                partition=r.partition, offset=r.offset, app=self.app, bookmaker=d.bookmaker,
            )  # fmt: skip
            futures.append(
                await self.producer.send(
                    self.settings.topics.dlq, letter.value, key=letter.key, headers=letter.headers
                )
            )
        await asyncio.gather(*futures)

    async def close(self) -> None:
        if self.producer is not None:
            await self.producer.stop()


async def swap(settings: Settings, names: Names, rng: RawRange) -> SwapResult:
    """Steps 1–4 of the module docstring."""
    writer = BatchWriter(settings.postgres, settings.partitions, names.load_group, names.snapshots)
    send_dead = _DeadLetters(settings, names.app_id)
    result = SwapResult()
    group = settings.sink.group_id
    conn = await writer.connection()
    try:
        if not await lease.try_hold_exclusive(conn, group):
            who = "; ".join(h.describe() for h in await lease.holders(conn, group) if h.granted)
            raise ReplayError(f"a sink of group {group!r} is running ({who}): stop it before the load")
        try:
            async with conn.transaction():
                await _delete_old(conn, rng, result)
                await _load(settings, names, rng, writer, send_dead, result)
                await conn.execute("DELETE FROM sink_offsets WHERE consumer_group = $1", names.load_group)
        finally:
            await lease.release_exclusive(conn, group)
    finally:
        await send_dead.close()
        await writer.close()
    return result


async def _load(
    settings: Settings,
    names: Names,
    rng: RawRange,
    writer: BatchWriter,
    send_dead: _DeadLetters,
    result: SwapResult,
) -> None:
    stored: dict[int, int | None] = {}
    batch = Batch(CHUNK_ROWS, 1 << 62, 0)

    async def flush() -> None:
        nonlocal batch
        if not len(batch):
            return
        written = await writer.write(batch, {p: stored.get(p) for p in batch.next_offsets}, send_dead)
        stored.update(batch.next_offsets)
        result.captures += written.captures
        result.history_rows += written.history_rows
        result.duplicates += written.duplicates
        result.dead_letters += len(written.dead)
        batch = Batch(CHUNK_ROWS, 1 << 62, 0)

    async with LogOffsets(settings.kafka) as log:
        partitions = (await log.topics()).get(names.snapshots, [])
        tps = [TP(names.snapshots, p) for p in partitions]
        earliest, latest = await log.bounds(tps)
        async for m in log.read({tp: (earliest[tp], latest[tp]) for tp in tps}):
            record = Record(m.topic, m.partition, m.offset, m.key, m.value, tuple(m.headers or ()))
            decoded = decode(record)
            if isinstance(decoded, Capture) and not _in_range(decoded, rng):
                result.outside_range += 1
                continue
            batch.add(record)
            if batch.full():
                await flush()
    await flush()
    if not result.captures and any(end > start for start, end in rng.values()) and result.deleted_snapshots:
        raise ReplayError("the reprocess produced no snapshots for a non-empty range: nothing replaced")
