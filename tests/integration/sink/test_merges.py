"""The sink's identity merges (sinks.write.merges) on a real Postgres, through BatchWriter.

A bookmaker-only event (``betpawa:p77``) is merged into ``sr:9``: rows move, boards do not
mix, ``odds_at`` / ``best_current_odds`` / ``current_odds`` answer through one event,
``event_merges`` records it, and applying the record twice changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from sinks.write.batch import Batch
from sinks.write.records import Dead, Record
from sinks.write.writer import BatchWriter
from streams.contracts.merge import EventMergeV1, encode_merge, merge_of
from streams.contracts.snapshot import EventInfo, SnapshotV1, Source, encode_snapshot
from streams.settings import PartitionSettings, PostgresSettings

pytestmark = pytest.mark.integration

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
KICKOFF = T0 + timedelta(hours=5)
X12 = (1, "")
TOTAL = (18, "total=2.5")


def snap(
    sr: int | None, book: str, at: datetime, changed: dict[tuple[int, str], Any], kf: bool
) -> SnapshotV1:
    return SnapshotV1(
        event=EventInfo(sr, "soccer", "A", "B", KICKOFF),
        bookmaker=book,
        bookmaker_event_id="p77" if book == "betpawa" else "sr:match:9",
        captured_at=at,
        live=False,
        keyframe=kf,
        lines_total=len(changed),
        source=Source(f"odds.raw.{book}", 0, int(at.timestamp())),
        changed=changed,
    )


class Sink:
    def __init__(self, db: str) -> None:
        self.writer = BatchWriter(PostgresSettings(url=db), PartitionSettings(backend="builtin"), "g", "t")
        self.offsets: dict[int, int] = {}
        self.stored: dict[int, int | None] = {}

    def batch(self, *items: tuple[int, SnapshotV1 | EventMergeV1]) -> Batch:
        batch = Batch(10**6, 10**9, 1)
        for partition, item in items:
            value = encode_merge(item) if isinstance(item, EventMergeV1) else encode_snapshot(item)
            offset = self.offsets.get(partition, 0)
            self.offsets[partition] = offset + 1
            batch.add(Record("t", partition, offset, item.key.encode(), value))
        return batch

    async def write(self, batch: Batch) -> int:
        async def no_dead(dead: list[Dead]) -> None:
            assert not dead, [d.error for d in dead]

        result = await self.writer.write(batch, {p: self.stored.get(p) for p in batch.next_offsets}, no_dead)
        self.stored.update(batch.next_offsets)
        return result.merges


def price(outcome_1: float) -> dict[str, float | None]:
    return {"1": outcome_1, "2": 3.0}


async def board(pg: asyncpg.Connection, event: int, book: str, at: datetime) -> dict[tuple[int, str], str]:
    rows = await pg.fetch(
        "SELECT o.market_id, o.line, o.outcomes::text FROM odds_at($1, "
        "(SELECT id FROM bookmakers WHERE key = $2), $3) o",
        event,
        book,
        at,
    )
    return {(r[0], r[1]): r[2] for r in rows}


async def test_bookmaker_only_event_merged_into_the_matched_one(
    pg: asyncpg.Connection, migrated_db: str
) -> None:
    sink = Sink(migrated_db)
    t1, t2 = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)
    try:
        await sink.write(
            sink.batch(
                (0, snap(None, "betpawa", T0, {X12: price(2.0), TOTAL: {"over": 1.8, "under": 2.0}}, True)),
                (1, snap(9, "sportybet", T0, {X12: price(1.9)}, True)),
            )
        )
        old = await pg.fetchval("SELECT id FROM events WHERE sportradar_id IS NULL")
        # a straggler of the old key, whose ids the sink took from its cache before the merge
        straggler = sink.batch(
            (0, snap(None, "betpawa", t2 - timedelta(seconds=30), {X12: price(2.05)}, False))
        )
        straggler.ids = sink.writer.dimensions.cached(straggler.captures)
        straggler.ids_generation = sink.writer.dimensions.generation
        assert straggler.ids[0] is not None and straggler.ids[0][0] == old
        # the matched keyframe of betpawa (its total line gone) is written before the merge record
        assert await sink.write(sink.batch((1, snap(9, "betpawa", t1, {X12: price(2.1)}, True)))) == 0
        new = await pg.fetchval("SELECT id FROM events WHERE sportradar_id = 9")
        assert (
            await pg.fetchval("SELECT event_id FROM event_bookmakers WHERE bookmaker_event_id = 'p77'") == old
        )  # kept for the merge
        merge = merge_of("betpawa:p77", "sr:9", "sportradar_id", t1)
        assert await sink.write(sink.batch((0, merge))) == 1
        assert await sink.write(straggler) == 0  # stale cached ids are not used
        assert await sink.write(sink.batch((0, merge))) == 0  # applied twice: harmless
    finally:
        await sink.writer.close()

    assert [tuple(r) for r in await pg.fetch("SELECT id, sportradar_id FROM events")] == [(new, 9)]
    assert {r[0] for r in await pg.fetch("SELECT event_id FROM event_bookmakers")} == {new}
    assert await pg.fetchval("SELECT count(*) FROM snapshots WHERE event_id = $1", new) == 4
    assert await board(pg, new, "betpawa", T0) == {
        X12: '{"1": 2.0, "2": 3.0}',
        TOTAL: '{"over": 1.8, "under": 2.0}',
    }
    assert await board(pg, new, "betpawa", t1) == {X12: '{"1": 2.1, "2": 3.0}'}
    # the straggler (a delta of the old board, after t1) and the matched board: the latest wins
    current = await pg.fetch(
        "SELECT b.key, c.market_id, c.outcomes::text FROM current_odds c"
        " JOIN bookmakers b ON b.id = c.bookmaker_id WHERE c.event_id = $1 ORDER BY 1, 2",
        new,
    )
    assert [tuple(r) for r in current] == [
        ("betpawa", 1, '{"1": 2.05, "2": 3.0}'),
        ("sportybet", 1, '{"1": 1.9, "2": 3.0}'),
    ]
    best = await pg.fetchrow(
        "SELECT bookmaker, price FROM best_current_odds WHERE event_id = $1 AND outcome = '1'", new
    )
    assert tuple(best) == ("betpawa", 2.05)
    merges = await pg.fetch(
        "SELECT from_event_id, into_event_id, from_key, into_key, reason, merged_at FROM event_merges"
    )
    assert [tuple(r) for r in merges] == [(old, new, "betpawa:p77", "sr:9", "sportradar_id", t1)]


async def test_merge_before_the_matched_event_is_stored_gives_the_old_event_its_id(
    pg: asyncpg.Connection, migrated_db: str
) -> None:
    sink = Sink(migrated_db)
    t1 = T0 + timedelta(minutes=1)
    try:
        await sink.write(sink.batch((0, snap(None, "betpawa", T0, {X12: price(2.0)}, True))))
        old = await pg.fetchval("SELECT id FROM events")
        assert await sink.write(sink.batch((0, merge_of("betpawa:p77", "sr:9", "sportradar_id", t1)))) == 1
        await sink.write(
            sink.batch(
                (1, snap(9, "betpawa", t1, {X12: price(2.2)}, True)),
                (1, snap(9, "sportybet", t1, {X12: price(1.8)}, True)),
            )
        )
    finally:
        await sink.writer.close()
    assert [tuple(r) for r in await pg.fetch("SELECT id, sportradar_id FROM events")] == [(old, 9)]
    assert await pg.fetchval("SELECT count(DISTINCT event_id) FROM snapshots") == 1
    assert await board(pg, old, "betpawa", T0) == {X12: '{"1": 2.0, "2": 3.0}'}
    assert await board(pg, old, "betpawa", t1) == {X12: '{"1": 2.2, "2": 3.0}'}
    row = await pg.fetchrow("SELECT from_event_id, into_event_id FROM event_merges")
    assert tuple(row) == (old, old)
