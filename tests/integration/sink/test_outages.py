"""Crashes and outages: SIGKILL at several points, SIGTERM, Postgres stopped mid-stream."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from aiokafka.errors import KafkaTimeoutError

from sinks.store import migrate
from sinks.write.batch import Batch
from sinks.write.records import Dead, Record
from sinks.write.writer import BatchWriter
from streams.contracts.snapshot import encode_snapshot
from streams.embedded.postgres import EmbeddedPostgres
from streams.settings import PartitionSettings, PostgresSettings
from tests.conftest import create_database, start_postgres
from tests.integration.sink.conftest import (
    SESSION_TIMEOUT_MS,
    count,
    create_topics,
    new_sink,
    offsets_reach,
    publish,
    running,
    sink_env,
    sink_settings,
    stored_offsets,
    wait_until,
)
from tests.unit.sink.feed import make_feed

pytestmark = pytest.mark.integration

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
ROOT = Path(__file__).resolve().parents[3]


async def _exact(db_url: str, snaps: int, history: int) -> None:
    assert await count(db_url, "SELECT count(*) FROM snapshots") == snaps
    assert await count(db_url, "SELECT count(*) FROM odds_history") == history
    distinct = await count(
        db_url,
        "SELECT count(*) FROM (SELECT DISTINCT event_id, bookmaker_id, captured_at, market_id, line "
        "FROM odds_history) d",
    )
    assert distinct == history


def _spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # two members of the group in the process: kills hit two writers at once
    cmd = [
        sys.executable,
        "-m",
        "streams",
        "sink",
        f"--session-timeout-ms={SESSION_TIMEOUT_MS}",
        "--writers=2",
    ]
    out = open(log, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=out)


async def _total(db_url: str, names: dict[str, str]) -> int:
    return sum((await stored_offsets(db_url, names["group"], names["topic"])).values())


async def test_sigkill_at_several_points_then_sigterm(
    bootstrap_servers: str, migrated_db: str, names: dict[str, str], tmp_path: Path
) -> None:
    await create_topics(bootstrap_servers, (names["topic"], 3), (names["dlq"], 1))
    feed = make_feed(3000, matched=20, unmatched=4, start=START)
    expected = await publish(bootstrap_servers, names["topic"], feed.snaps, 3)
    # small batches: many transactions to die in; a long linger: only rows close a batch,
    # so the tail stays open until SIGTERM flushes it
    env = sink_env(bootstrap_servers, migrated_db, names, batch_max_rows=150, linger_ms=60_000)
    log = tmp_path / "sink.log"
    total = sum(expected.values())
    kills = []
    for fraction in (0.15, 0.45, 0.75):
        proc = _spawn(env, log)
        try:
            target = int(total * fraction)
            await wait_until(lambda t=target: _done(migrated_db, names, t), 60, f"{target} stored")  # type: ignore[misc]
        finally:
            proc.kill()
            proc.wait()
        kills.append(await _total(migrated_db, names))
    assert kills == sorted(kills) and kills[-1] < total

    proc = _spawn(env, log)
    try:
        # wait until it has resumed writing (a slow start must not pass for "stopped"), then
        # until progress stops with no more left than the two writers' open (lingering)
        # batches can hold: < 150 rows each, so < 150 records. Stillness alone is not enough:
        # a rebalance (the killed process's members expiring) pauses a writer for seconds
        await wait_until(lambda: _done(migrated_db, names, kills[-1] + 1), 60, "progress after restart")
        open_most = 2 * (150 - 1)
        last, still, deadline = -1, 0, time.monotonic() + 90
        while still < 30 or total - last > open_most:
            now = await _total(migrated_db, names)
            still = still + 1 if now == last else 0
            last = now
            await asyncio.sleep(0.1)
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"{total - last} records unwritten for 90 s"
        assert last < total  # the tail was not written yet...
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert await stored_offsets(migrated_db, names["group"], names["topic"]) == expected  # ...SIGTERM did
    await _exact(migrated_db, len(feed.snaps), feed.history_rows)
    assert await count(migrated_db, "SELECT count(*) FROM current_odds") == feed.current_rows


async def _done(db_url: str, names: dict[str, str], target: int) -> bool:
    return await _total(db_url, names) >= target


async def test_postgres_stopped_and_restarted_mid_stream(
    bootstrap_servers: str, names: dict[str, str], own_postgres: EmbeddedPostgres
) -> None:
    db_url = await asyncio.to_thread(create_database, own_postgres.url, "oddsflow_outage")
    await asyncio.to_thread(migrate.upgrade, db_url)
    await create_topics(bootstrap_servers, (names["topic"], 2), (names["dlq"], 1))
    feed = make_feed(600, start=START)
    settings = sink_settings(bootstrap_servers, db_url, names, batch_max_rows=200, linger_ms=100)
    sink = new_sink(settings)
    async with running(sink) as task:
        expected = await publish(bootstrap_servers, names["topic"], feed.snaps[:300], 2)
        await wait_until(offsets_reach(db_url, names, expected), 30, "first half stored", task)

        await asyncio.to_thread(own_postgres.stop)
        before = sink.stats.rows
        expected = await publish(bootstrap_servers, names["topic"], feed.snaps[300:], 2)

        async def retried() -> bool:
            return sink.stats.retries >= 3

        await wait_until(retried, 20, "the sink retrying while Postgres is down", task)
        assert sink.stats.rows == before
        member = sink.members[0]
        assert member._positions.held and member._consumer.paused()  # fetching paused while Postgres is away

        await asyncio.to_thread(start_postgres, own_postgres)  # same port, same data
        await wait_until(offsets_reach(db_url, names, expected), 60, "second half stored", task)
        assert not member._positions.held
    await _exact(db_url, len(feed.snaps), feed.history_rows)
    assert sink.stats.dead_letters == 0


async def test_postgres_down_when_the_sink_starts(
    bootstrap_servers: str, names: dict[str, str], own_postgres: EmbeddedPostgres
) -> None:
    """No Postgres at start (lease and first connection fail): the sink waits, then writes everything."""
    db_url = await asyncio.to_thread(create_database, own_postgres.url, "oddsflow_startup")
    await asyncio.to_thread(migrate.upgrade, db_url)
    await create_topics(bootstrap_servers, (names["topic"], 2), (names["dlq"], 1))
    feed = make_feed(200, start=START)
    expected = await publish(bootstrap_servers, names["topic"], feed.snaps, 2)
    await asyncio.to_thread(own_postgres.stop)
    sink = new_sink(sink_settings(bootstrap_servers, db_url, names, linger_ms=100))
    async with running(sink) as task:

        async def retried() -> bool:
            return sink.stats.retries >= 2

        await wait_until(retried, 30, "the sink retrying its start while Postgres is down", task)
        assert sink.stats.rows == 0
        await asyncio.to_thread(start_postgres, own_postgres)
        await wait_until(offsets_reach(db_url, names, expected), 60, "everything stored", task)
    await _exact(db_url, len(feed.snaps), feed.history_rows)


async def test_dead_letters_are_acked_before_offsets_move(migrated_db: str) -> None:
    """If the DLQ write fails, the whole batch rolls back: no rows, offsets unchanged."""
    writer = BatchWriter(PostgresSettings(url=migrated_db), PartitionSettings(backend="builtin"), "g", "t")
    feed = make_feed(5, start=START)
    batch = Batch(10**6, 10**9, 1)
    for i, s in enumerate(feed.snaps):
        batch.add(Record("t", 0, i, b"k", encode_snapshot(s)))
    batch.add(Record("t", 0, 5, b"k", b"not json"))

    async def broker_down(dead: list[Dead]) -> None:
        assert [d.record.offset for d in dead] == [5]
        raise KafkaTimeoutError()

    try:
        with pytest.raises(KafkaTimeoutError):
            await writer.write(batch, {0: None}, broker_down)
        assert await writer.stored_offsets([0]) == {}
    finally:
        await writer.close()
    conn = await asyncpg.connect(migrated_db)
    try:
        assert await conn.fetchval("SELECT count(*) FROM snapshots") == 0
        assert await conn.fetchval("SELECT count(*) FROM events") == 0
    finally:
        await conn.close()


async def test_writes_inside_an_outer_transaction_reuse_the_stage_table(migrated_db: str) -> None:
    """``oddsflow reprocess`` loads chunk after chunk inside one transaction: the stage table
    (emptied only at COMMIT) must be truncated between them, or a line seen in two chunks
    makes the upsert fail (CardinalityViolationError)."""
    writer = BatchWriter(PostgresSettings(url=migrated_db), PartitionSettings(backend="builtin"), "g", "t")
    feed = make_feed(40, matched=1, unmatched=0, start=START)
    conn = await writer.connection()

    async def no_dead(dead: list[Dead]) -> None:
        assert not dead

    try:
        async with conn.transaction():  # the swap's outer transaction
            stored: dict[int, int | None] = {}
            for lo in range(0, len(feed.snaps), 10):
                batch = Batch(10**6, 10**9, 1)
                for i, s in enumerate(feed.snaps[lo : lo + 10], start=lo):
                    batch.add(Record("t", 0, i, b"k", encode_snapshot(s)))
                await writer.write(batch, {0: stored.get(0)}, no_dead)
                stored[0] = batch.next_offsets[0]
    finally:
        await writer.close()
    assert await count(migrated_db, "SELECT count(*) FROM current_odds") == feed.current_rows


async def test_a_consumer_stuck_in_a_rejoin_is_replaced(
    bootstrap_servers: str, names: dict[str, str], migrated_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiokafka can hang in a rejoin after taking an assignment and before calling the
    listener (sinks.write.stuck). Here the first callback is lost on purpose: the member holds
    partitions it never positions until the watch replaces its consumer; then every
    capture is stored once."""
    from sinks.write.member import SinkMember

    real = SinkMember._assigned
    lost: list[set[int]] = []

    def assigned(self: SinkMember, partitions: set[int]) -> None:
        if not lost:
            lost.append(partitions)  # as if aiokafka never called the listener
            return
        real(self, partitions)

    monkeypatch.setattr(SinkMember, "_assigned", assigned)
    await create_topics(bootstrap_servers, (names["topic"], 2), (names["dlq"], 1))
    feed = make_feed(200, start=START)
    expected = await publish(bootstrap_servers, names["topic"], feed.snaps, 2)
    sink = new_sink(sink_settings(bootstrap_servers, migrated_db, names, linger_ms=100))
    started = time.monotonic()
    async with running(sink) as task:
        await wait_until(offsets_reach(migrated_db, names, expected), 60, "everything stored", task)
    assert lost == [{0, 1}] and sink.stats.consumer_restarts == 1
    assert time.monotonic() - started >= 10  # nothing was written before the watch's limit
    await _exact(migrated_db, len(feed.snaps), feed.history_rows)
