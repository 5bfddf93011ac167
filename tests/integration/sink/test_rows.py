"""N captures in → exactly the expected rows, boards rebuilt by ``odds_at``, resume after restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import pytest

from sinks.store.reading import best_current_odds, event_id, odds_at
from streams.taxonomy.names import market_name, outcome_name
from tests.integration.sink.conftest import (
    create_topics,
    kafka_committed,
    new_sink,
    offsets_reach,
    publish,
    running,
    sink_settings,
    wait_until,
)
from tests.unit.sink.feed import BOOKMAKERS, Feed, make_feed

pytestmark = pytest.mark.integration

PARTITIONS = 3
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)


async def _ids(conn: asyncpg.Connection, feed: Feed) -> dict[tuple[str, str], tuple[int, int]]:
    """(event key, bookmaker) → (event_id, bookmaker_id), looked up the public way."""
    bms = {r["key"]: r["id"] for r in await conn.fetch("SELECT id, key FROM bookmakers")}
    out = {}
    for s in feed.snaps:
        if (s.key, s.bookmaker) not in out:
            if s.event.sportradar_id is not None:
                eid = await event_id(conn, sportradar_id=s.event.sportradar_id)
            else:
                eid = await event_id(conn, bookmaker=s.bookmaker, bookmaker_event_id=s.bookmaker_event_id)
            assert eid is not None
            out[(s.key, s.bookmaker)] = (eid, bms[s.bookmaker])
    return out


async def _check_database(conn: asyncpg.Connection, feed: Feed) -> None:
    snaps = feed.snaps
    assert await conn.fetchval("SELECT count(*) FROM snapshots") == len(snaps)
    assert await conn.fetchval("SELECT count(*) FROM odds_history") == feed.history_rows
    distinct = await conn.fetchval(
        "SELECT count(*) FROM (SELECT DISTINCT event_id, bookmaker_id, captured_at, market_id, line "
        "FROM odds_history) d"
    )
    assert distinct == feed.history_rows  # no row twice
    matched = {s.event.sportradar_id for s in snaps if s.event.sportradar_id is not None}
    own = {(s.bookmaker, s.bookmaker_event_id) for s in snaps if s.event.sportradar_id is None}
    assert await conn.fetchval("SELECT count(*) FROM events") == len(matched) + len(own)
    assert await conn.fetchval("SELECT count(*) FROM event_bookmakers") == len(
        {(s.bookmaker, s.bookmaker_event_id) for s in snaps}
    )
    ids = await _ids(conn, feed)
    # current_odds is the last board of every event × bookmaker
    rows = await conn.fetch("SELECT event_id, bookmaker_id, market_id, line, outcomes FROM current_odds")
    current = {
        (r["event_id"], r["bookmaker_id"], r["market_id"], r["line"]): orjson.loads(r["outcomes"])
        for r in rows
    }
    expected = {
        (*ids[board_key], mid, line): outs
        for board_key, board in feed.final.items()
        for (mid, line), outs in board.items()
    }
    assert current == expected
    # every capture that went in can be rebuilt exactly as it was published
    for p in feed.published:
        e, b = ids[(p.snap.key, p.snap.bookmaker)]
        assert await odds_at(conn, e, b, p.snap.captured_at) == p.board, p.snap
    # before the first capture of a board there is nothing
    first = feed.published[0].snap
    e, b = ids[(first.key, first.bookmaker)]
    assert await odds_at(conn, e, b, first.captured_at - timedelta(microseconds=1)) == {}


async def _check_best(conn: asyncpg.Connection, feed: Feed) -> None:
    sr = next(s.event.sportradar_id for s in feed.snaps if s.event.sportradar_id is not None)
    key = f"sr:{sr}"
    eid = await event_id(conn, sportradar_id=sr)
    assert eid is not None
    best: dict[tuple[int, str, str], float] = {}
    for bm in BOOKMAKERS:
        for (mid, line), outs in feed.final.get((key, bm), {}).items():
            for outcome, price in outs.items():
                if price is not None:
                    best[(mid, line, outcome)] = max(price, best.get((mid, line, outcome), 0.0))
    got = await best_current_odds(conn, eid)
    assert {(b.market_id, b.line, b.outcome): b.price for b in got} == best
    home, away = await conn.fetchrow("SELECT home, away FROM events WHERE id = $1", eid)
    for b in got:
        assert feed.final[(key, b.bookmaker)][(b.market_id, b.line)][b.outcome] == b.price
        # names rendered by the view for the event the sink stored = the Python renderer's
        assert b.market_name == market_name(b.market_id, b.line, home, away)
        assert b.outcome_name == outcome_name(b.market_id, b.outcome, b.line, home, away)


@pytest.mark.parametrize("writers", [1, 2])
async def test_every_capture_lands_exactly_once_and_boards_rebuild(
    bootstrap_servers: str, migrated_db: str, names: dict[str, str], writers: int
) -> None:
    await create_topics(bootstrap_servers, (names["topic"], PARTITIONS), (names["dlq"], 1))
    feed = make_feed(460, matched=6, unmatched=2, start=START)
    first, later = feed.snaps[:400], feed.snaps[400:]
    expected = await publish(bootstrap_servers, names["topic"], first, PARTITIONS)
    settings = sink_settings(bootstrap_servers, migrated_db, names, batch_max_rows=300, linger_ms=100)

    sink = new_sink(settings, writers=writers)  # 2: two members of the group in one process
    async with running(sink) as task:
        await wait_until(offsets_reach(migrated_db, names, expected), 60, "all offsets stored", task)
    assert sink.stats.batches > 3  # several transactions, written while the next batch filled
    assert sink.stats.dead_letters == 0 and sink.stats.duplicates == 0
    assert await kafka_committed(bootstrap_servers, names["group"], names["topic"], PARTITIONS) == expected

    # a new sink in the same group starts from the offsets in Postgres: nothing is re-written
    expected = await publish(bootstrap_servers, names["topic"], later, PARTITIONS)
    again = new_sink(settings, writers=writers)
    async with running(again) as task:
        await wait_until(offsets_reach(migrated_db, names, expected), 60, "later offsets stored", task)
    assert again.stats.messages == len(later)

    conn = await asyncpg.connect(migrated_db)
    try:
        await _check_database(conn, feed)
        await _check_best(conn, feed)
    finally:
        await conn.close()
