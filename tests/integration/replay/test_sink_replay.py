"""``oddsflow replay --target sink``: sink_offsets rewritten in one transaction, refused while a sink runs."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from sinks.write import lease
from sinks.write.lease import SinkLease, holders, is_held, try_hold, try_hold_exclusive
from streams.cli.replay import replay_command
from streams.settings import PostgresSettings
from tests.integration.replay.conftest import create_topic, fresh, invoke, now_ms, produce_timed, table_rows

pytestmark = pytest.mark.integration


@pytest.fixture
async def sink_case(bootstrap_servers: str, migrated_db: str) -> dict[str, str]:
    topic, group = fresh("test.snapshots.v1"), fresh("test-sink")
    await create_topic(bootstrap_servers, topic, 3)
    base = now_ms() - 600_000
    for p, n in ((0, 12), (1, 7)):  # partition 2 stays empty
        await produce_timed(bootstrap_servers, topic, p, [base + i * 1000 for i in range(n)])
    return {"topic": topic, "group": group, "db": migrated_db}


def env(bootstrap: str, case: dict[str, str]) -> dict[str, str]:
    return {
        "ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap,
        "ODDS_POSTGRES__URL": case["db"],
        "ODDS_TOPICS__SNAPSHOTS": case["topic"],
        "ODDS_SINK__GROUP_ID": case["group"],
    }


async def offsets(conn: asyncpg.Connection, group: str) -> dict[tuple[str, int], int]:
    rows = await conn.fetch(
        "SELECT topic, partition, next_offset FROM sink_offsets WHERE consumer_group = $1", group
    )
    return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}


async def test_sink_to_earliest_rewrites_sink_offsets(
    bootstrap_servers: str, sink_case: dict[str, str], pg: asyncpg.Connection
) -> None:
    topic, group = sink_case["topic"], sink_case["group"]
    other = fresh("other-sink")
    await pg.execute(
        "INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset) VALUES "
        "($1, $2, 0, 12), ($1, $2, 1, 7), ($1, $2, 2, -1), ($3, $2, 0, 12)",
        group,
        topic,
        other,
    )
    dry = await invoke(
        replay_command, ["--target", "sink", "--to-earliest"], env(bootstrap_servers, sink_case)
    )
    assert dry.exit_code == 0, dry.output
    planned = table_rows(dry.output)
    assert planned == {(topic, 0): (12, 0), (topic, 1): (7, 0), (topic, 2): (None, 0)}
    assert (await offsets(pg, group))[(topic, 0)] == 12  # dry run wrote nothing

    done = await invoke(
        replay_command, ["--target", "sink", "--to-earliest", "--execute"], env(bootstrap_servers, sink_case)
    )
    assert done.exit_code == 0, done.output
    assert table_rows(done.output) == planned
    assert await offsets(pg, group) == {tp: move[1] for tp, move in planned.items()}
    assert await offsets(pg, other) == {(topic, 0): 12}  # other groups untouched

    shifted = await invoke(
        replay_command,
        ["--target", "sink", "--shift-by", "5", "--topic", f"{topic}:0,1", "--execute"],
        env(bootstrap_servers, sink_case),
    )
    assert shifted.exit_code == 0, shifted.output
    assert await offsets(pg, group) == {(topic, 0): 5, (topic, 1): 5, (topic, 2): 0}


async def test_sink_replay_refused_while_a_sink_holds_the_lock(
    bootstrap_servers: str, sink_case: dict[str, str], pg: asyncpg.Connection
) -> None:
    topic, group = sink_case["topic"], sink_case["group"]
    await pg.execute(
        "INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, 0, 12)",
        group,
        topic,
    )
    running = SinkLease(PostgresSettings(url=sink_case["db"]), group)
    await running.acquire(wait_s=1)
    try:
        assert await is_held(pg, group)
        assert [h.application for h in await holders(pg, group)] == [lease.APPLICATION]
        for extra in ([], ["--execute"]):
            result = await invoke(
                replay_command,
                ["--target", "sink", "--to-earliest", *extra],
                env(bootstrap_servers, sink_case),
            )
            assert result.exit_code == 1
            assert "a sink of this group is running" in result.output
            assert lease.APPLICATION in result.output
        assert await offsets(pg, group) == {(topic, 0): 12}
    finally:
        await running.release()
    assert not await is_held(pg, group)
    ok = await invoke(
        replay_command,
        ["--target", "sink", "--to-offset", "3", "--execute"],
        env(bootstrap_servers, sink_case),
    )
    assert ok.exit_code == 0, ok.output
    assert (await offsets(pg, group))[(topic, 0)] == 3


async def test_shared_lease_and_exclusive_replay_lock(sink_case: dict[str, str]) -> None:
    group, url = sink_case["group"], sink_case["db"]
    one, two, replay = [await asyncpg.connect(url) for _ in range(3)]
    try:
        assert await try_hold(one, group) and await try_hold(two, group)  # sinks share the group
        assert not await try_hold_exclusive(replay, group)
        await one.close()
        await two.close()
        assert await try_hold_exclusive(replay, group)
        waiting = SinkLease(PostgresSettings(url=url), group, poll_s=0.05)
        started = asyncio.create_task(waiting.acquire(wait_s=10))
        await asyncio.sleep(0.3)
        assert not started.done()  # a sink waits while a replay holds the lock
        await lease.release_exclusive(replay, group)
        await asyncio.wait_for(started, 5)
        assert waiting.held and await is_held(replay, group)
        await waiting.release()
        assert await try_hold_exclusive(replay, group)
        with pytest.raises(lease.LeaseError, match="still held by a replay"):
            await SinkLease(PostgresSettings(url=url), group).acquire(wait_s=0.3)
    finally:
        for conn in (one, two, replay):
            if not conn.is_closed():
                await conn.close()
