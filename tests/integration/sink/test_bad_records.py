"""Records the sink must not store: isolated by halving, dead-lettered before offsets move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from sinks.store.schema import PARTITIONED_TABLES
from sinks.write.offsets import FencedError
from sinks.write.records import Capture, Record
from sinks.write.writer import BatchWriter
from streams.contracts.snapshot import EventInfo, SnapshotV1, Source, encode_snapshot
from streams.deadletters.contract import dlq_headers
from streams.settings import PartitionSettings
from tests.integration.sink.conftest import (
    count,
    create_topics,
    new_sink,
    offsets_reach,
    publish,
    read_topic,
    running,
    sink_settings,
    wait_until,
)

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)


def capture(
    i: int, at: datetime, line: str = "total=2.5", sr: int | None = None, bm: str = "betpawa"
) -> SnapshotV1:
    """A small capture: one changed line on event ``sr`` (default: one of 40 events)."""
    sr = 70_000_000 + i % 40 if sr is None else sr
    return SnapshotV1(
        event=EventInfo(sr, "soccer", f"H{sr}", f"A{sr}", NOW + timedelta(days=1)),
        bookmaker=bm,
        bookmaker_event_id=f"{bm}-{sr}",
        captured_at=at,
        live=False,
        keyframe=False,
        lines_total=1,
        source=Source("odds.raw.betpawa", 0, i),
        changed={(18, line): {"12": 1.5 + (i % 100) / 100, "13": 2.5}},
    )


async def test_poison_record_in_a_batch_of_10000(
    bootstrap_servers: str, migrated_db: str, names: dict[str, str]
) -> None:
    await create_topics(bootstrap_servers, (names["topic"], 1), (names["dlq"], 1))
    base = NOW - timedelta(hours=1)
    snaps = [capture(i, base + timedelta(milliseconds=i)) for i in range(10_000)]
    poison_at = 6_543
    # decodes fine and is inside the window; Postgres refuses the NUL byte in `line`
    snaps[poison_at] = capture(poison_at, base + timedelta(milliseconds=poison_at), line="total=\x00")
    expected = await publish(bootstrap_servers, names["topic"], snaps, 1)
    assert expected == {0: 10_000}
    # 20,000 rows: below the row limit and below the early close of an idle writer (1/8 of
    # it), so the whole topic is one batch, closed by the linger time
    settings = sink_settings(bootstrap_servers, migrated_db, names, linger_ms=3000, batch_max_rows=200_000)
    sink = new_sink(settings)
    async with running(sink) as task:
        await wait_until(offsets_reach(migrated_db, names, expected), 90, "offsets stored", task)
    assert sink.stats.batches == 1  # the 10,000 records were one batch
    assert sink.stats.dead_letters == 1
    assert sink.stats.attempts <= 2 * 14 + 1  # halving, not row by row
    assert await count(migrated_db, "SELECT count(*) FROM snapshots") == 9_999
    assert await count(migrated_db, "SELECT count(*) FROM odds_history") == 9_999
    assert await count(migrated_db, "SELECT count(*) FROM odds_history WHERE line LIKE 'total=%'") == 9_999

    dead = await read_topic(bootstrap_servers, names["dlq"], 1)
    assert len(dead) == 1
    headers = dlq_headers(dead[0].headers)
    assert headers["stage"] == "sink"
    assert headers["error.kind"] == "invalid_value"
    assert headers["source.topic"] == names["topic"]
    assert headers["source.offset"] == str(poison_at)
    assert headers["bookmaker"] == "betpawa"
    assert dead[0].value == encode_snapshot(snaps[poison_at])  # the original bytes
    assert dead[0].key == snaps[poison_at].key.encode()


async def test_partitions_on_demand_inside_retention_dlq_outside(
    bootstrap_servers: str, migrated_db: str, names: dict[str, str]
) -> None:
    await create_topics(bootstrap_servers, (names["topic"], 1), (names["dlq"], 1))
    today = NOW.date()
    inside = NOW - timedelta(days=12)  # retention 30, premade -7..+7: no partition yet
    outside = NOW - timedelta(days=45)
    future = NOW + timedelta(days=30)
    items = [
        capture(1, NOW),
        capture(2, inside),
        capture(3, outside),
        capture(4, future),
        (b"sr:1", b"not json at all"),
        capture(5, NOW + timedelta(seconds=1)),
    ]
    expected = await publish(bootstrap_servers, names["topic"], items, 1)
    settings = sink_settings(bootstrap_servers, migrated_db, names, linger_ms=200)
    assert settings.partitions.retention_days == 30 and settings.partitions.premake_days == 7
    child = f"snapshots_p{inside:%Y_%m_%d}"
    assert await count(migrated_db, f"SELECT count(*) FROM pg_class WHERE relname = '{child}'") == 0
    sink = new_sink(settings)
    async with running(sink) as task:
        await wait_until(offsets_reach(migrated_db, names, expected), 30, "offsets stored", task)
    assert await count(migrated_db, f"SELECT count(*) FROM pg_class WHERE relname = '{child}'") == 1
    assert await count(migrated_db, f"SELECT count(*) FROM {child}") == 1
    assert await count(migrated_db, f"SELECT count(*) FROM odds_history_p{inside:%Y_%m_%d}") == 1
    assert await count(migrated_db, "SELECT count(*) FROM snapshots") == 3
    # that day's child of every daily-partitioned table (snapshots, odds_history, the signal tables)
    assert sink.stats.partitions_created == len(PARTITIONED_TABLES)
    dead = await read_topic(bootstrap_servers, names["dlq"], 3)
    kinds = sorted(
        (int(dlq_headers(d.headers)["source.offset"]), dlq_headers(d.headers)["error.kind"]) for d in dead
    )
    assert kinds == [(2, "bad_timestamp"), (3, "bad_timestamp"), (4, "not_json")]
    assert all(dlq_headers(d.headers)["stage"] == "sink" for d in dead)
    assert today.isoformat() not in {dlq_headers(d.headers)["error.message"] for d in dead}


async def test_recaptured_snapshot_is_stored_once(
    bootstrap_servers: str, migrated_db: str, names: dict[str, str]
) -> None:
    """The stream may emit a capture twice (at-least-once upstream): the natural key wins."""
    await create_topics(bootstrap_servers, (names["topic"], 1), (names["dlq"], 1))
    a, b = capture(1, NOW - timedelta(minutes=2)), capture(2, NOW - timedelta(minutes=1))
    settings = sink_settings(bootstrap_servers, migrated_db, names, linger_ms=200)
    sink = new_sink(settings)
    async with running(sink) as task:
        expected = await publish(bootstrap_servers, names["topic"], [a, a], 1)  # twice in one batch
        await wait_until(offsets_reach(migrated_db, names, expected), 30, "first batch", task)
        expected = await publish(bootstrap_servers, names["topic"], [a, b], 1)  # again in a later batch
        await wait_until(offsets_reach(migrated_db, names, expected), 30, "second batch", task)
    assert sink.stats.duplicates == 2 and sink.stats.dead_letters == 0
    assert await count(migrated_db, "SELECT count(*) FROM snapshots") == 2
    assert await count(migrated_db, "SELECT count(*) FROM odds_history") == 2


async def test_writer_fenced_by_another_writer(migrated_db: str) -> None:
    """A zombie writer (stale offsets after a rebalance) writes nothing."""
    from sinks.write.batch import Batch

    def batch(offsets: range) -> Batch:
        b = Batch(10**6, 10**9, 1)
        for o in offsets:
            b.add(Record("t", 0, o, b"k", encode_snapshot(capture(o, NOW - timedelta(seconds=100 - o)))))
        assert all(isinstance(c, Capture) for c in b.captures)
        return b

    async def no_dead(dead: object) -> None:
        raise AssertionError("nothing should be dead")

    from streams.settings import PostgresSettings

    pg = PostgresSettings(url=migrated_db)
    parts = PartitionSettings(backend="builtin")
    one, zombie = BatchWriter(pg, parts, "g", "t"), BatchWriter(pg, parts, "g", "t")
    try:
        await one.write(batch(range(0, 5)), {0: None}, no_dead)
        with pytest.raises(FencedError) as raised:
            await zombie.write(batch(range(0, 5)), {0: None}, no_dead)
        assert raised.value.stored == {0: 5}
        await one.write(batch(range(5, 8)), {0: 5}, no_dead)
        with pytest.raises(FencedError):
            await zombie.write(batch(range(5, 8)), {0: 5}, no_dead)
        assert await zombie.stored_offsets([0]) == {0: 8}
    finally:
        await one.close()
        await zombie.close()
    conn = await asyncpg.connect(migrated_db)
    try:
        assert await conn.fetchval("SELECT count(*) FROM snapshots") == 8
    finally:
        await conn.close()
