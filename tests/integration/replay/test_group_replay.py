"""``oddsflow replay --target group`` on the real broker: dry run == execute, times, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer

from streams.cli.replay import replay_command
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP
from streams.settings import KafkaSettings
from tests.integration.replay.conftest import (
    commit,
    committed,
    create_topic,
    fresh,
    invoke,
    now_ms,
    produce_timed,
    table_rows,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def timed_topic(bootstrap_servers: str) -> tuple[str, int]:
    """A 2-partition topic: p0 has 30 records 1 s apart, p1 10; both in batches of 5; base an hour ago."""
    topic = fresh("test.replay")
    await create_topic(bootstrap_servers, topic, 2)
    base = now_ms() - 3_600_000
    await produce_timed(bootstrap_servers, topic, 0, [base + i * 1000 for i in range(30)])
    await produce_timed(bootstrap_servers, topic, 1, [base + i * 1000 for i in range(10)])
    return topic, base


def env(bootstrap: str, group: str) -> dict[str, str]:
    return {"ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap, "ODDS_STREAMS__APP_ID": group}


async def test_log_bounds_and_offsets_for_times(bootstrap_servers: str, timed_topic: tuple[str, int]) -> None:
    """Kafka's own answers (on tansu: tests/integration/streams/test_tansu_gaps.py)."""
    topic, base = timed_topic
    async with LogOffsets(KafkaSettings(bootstrap_servers=bootstrap_servers)) as log:
        earliest, latest = await log.bounds([TP(topic, 0), TP(topic, 1)])
        assert earliest == {TP(topic, 0): 0, TP(topic, 1): 0}
        assert latest == {TP(topic, 0): 30, TP(topic, 1): 10}
        located = await log.offset_for_time(TP(topic, 0), base + 12_500, 0, 30)
        assert located is not None and (located.offset, located.timestamp_ms, located.method) == (
            13,
            base + 13_000,
            "broker",
        )
        exact = await log.offset_for_time(TP(topic, 0), base + 10_000, 0, 30)
        assert exact is not None and exact.offset == 10
        assert await log.offset_for_time(TP(topic, 1), base + 12_500, 0, 10) is None
        assert await log.offset_for_time(TP(topic, 0), base - 1, 0, 30) == await log.offset_for_time(
            TP(topic, 0), base, 0, 30
        )


async def test_shift_by_dry_run_matches_execute(bootstrap_servers: str, timed_topic: tuple[str, int]) -> None:
    topic, _ = timed_topic
    group = fresh("test-replay-group")
    await commit(bootstrap_servers, group, {(topic, 0): 20, (topic, 1): 3})
    args = ["--shift-by", "-5"]  # no --topic: every topic of the group
    dry = await invoke(replay_command, args, env(bootstrap_servers, group))
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output
    planned = table_rows(dry.output)
    assert planned == {(topic, 0): (20, 15), (topic, 1): (3, 0)}  # p1 clamped to earliest
    assert "clamped up from -2 to earliest" in dry.output
    assert await committed(bootstrap_servers, group, list(planned)) == {(topic, 0): 20, (topic, 1): 3}

    done = await invoke(replay_command, [*args, "--execute"], env(bootstrap_servers, group))
    assert done.exit_code == 0, done.output
    assert table_rows(done.output) == planned
    after = await committed(bootstrap_servers, group, list(planned))
    assert after == {tp: move[1] for tp, move in planned.items()}


async def test_to_datetime_dry_run_matches_execute(
    bootstrap_servers: str, timed_topic: tuple[str, int]
) -> None:
    topic, base = timed_topic
    group = fresh("test-replay-group")
    await commit(bootstrap_servers, group, {(topic, 0): 30})
    when = (
        datetime.fromtimestamp((base + 12_500) / 1000, UTC).replace(tzinfo=None).isoformat()
    )  # no zone: UTC
    args = ["--to-datetime", when, "--topic", f"{topic}:0"]
    dry = await invoke(replay_command, args, env(bootstrap_servers, group))
    assert dry.exit_code == 0, dry.output
    assert table_rows(dry.output) == {(topic, 0): (30, 13)}
    done = await invoke(replay_command, [*args, "--execute"], env(bootstrap_servers, group))
    assert done.exit_code == 0, done.output
    assert table_rows(done.output) == {(topic, 0): (30, 13)}
    assert await committed(bootstrap_servers, group, [(topic, 0)]) == {(topic, 0): 13}

    # p1's newest record is older than that time: refused, nothing written, never offset 0
    refused = await invoke(
        replay_command, ["--to-datetime", when, "--topic", topic, "--execute"], env(bootstrap_servers, group)
    )
    assert refused.exit_code == 1
    assert f"no offset for the time asked in {topic}:1" in refused.output
    assert await committed(bootstrap_servers, group, [(topic, 0), (topic, 1)]) == {
        (topic, 0): 13,
        (topic, 1): None,
    }


async def test_by_duration(bootstrap_servers: str, timed_topic: tuple[str, int]) -> None:
    topic, _ = timed_topic
    group = fresh("test-replay-group")
    await commit(bootstrap_servers, group, {(topic, 0): 30, (topic, 1): 10})
    # the records are an hour old: two hours back reaches all of them, ten minutes none
    ok = await invoke(replay_command, ["--by-duration", "PT2H", "--execute"], env(bootstrap_servers, group))
    assert ok.exit_code == 0, ok.output
    assert table_rows(ok.output) == {(topic, 0): (30, 0), (topic, 1): (10, 0)}
    none = await invoke(replay_command, ["--by-duration", "PT10M"], env(bootstrap_servers, group))
    assert none.exit_code == 1 and "no offset for the time asked" in none.output


async def test_future_datetime_refused(bootstrap_servers: str, timed_topic: tuple[str, int]) -> None:
    topic, _ = timed_topic
    group = fresh("test-replay-group")
    await commit(bootstrap_servers, group, {(topic, 0): 7})
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    result = await invoke(
        replay_command, ["--to-datetime", future, "--execute"], env(bootstrap_servers, group)
    )
    assert result.exit_code == 1
    assert "is in the future" in result.output
    assert await committed(bootstrap_servers, group, [(topic, 0)]) == {(topic, 0): 7}


async def test_live_member_refused(bootstrap_servers: str, timed_topic: tuple[str, int]) -> None:
    topic, _ = timed_topic
    group = fresh("test-replay-group")
    member = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=group,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        auto_offset_reset="earliest",
    )
    await member.start()
    try:
        for _ in range(50):
            if member.assignment():
                break
            await member.getmany(timeout_ms=200)
        await member.commit()
        before = await committed(bootstrap_servers, group, [(topic, 0), (topic, 1)])
        for extra in ([], ["--execute"]):
            result = await invoke(
                replay_command, ["--to-earliest", "--topic", topic, *extra], env(bootstrap_servers, group)
            )
            assert result.exit_code == 1
            assert "has live members" in result.output
        assert await committed(bootstrap_servers, group, [(topic, 0), (topic, 1)]) == before
    finally:
        await member.stop()
