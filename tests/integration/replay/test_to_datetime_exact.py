"""``oddsflow replay --to-datetime T`` on Apache Kafka lands on the exact first record at or after T.

The topic is dense on purpose: records 1 ms apart (the broker's timestamp resolution),
batches that do not align with the times asked, a run of records sharing one timestamp and
a gap. Every time asked is checked twice: against the offset written here by hand, and
against an oracle that reads every record back with the timestamp the broker stored (the
first offset whose timestamp, in ms, is not before T; T may carry microseconds, so a record
in the millisecond before T is *before* it). The answer comes from Kafka's own
``offsets_for_times`` (``Located.method == "broker"``), not a client-side search.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest

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

DENSE = 20  # offsets 0..19: 1 ms apart
SAME = 5  # offsets 20..24: one timestamp, DENSE + 80 ms after the first (a gap before it)
TAIL = 15  # offsets 25..39: 1 ms apart, from 200 ms


def stamps(base: int) -> list[int]:
    return [base + i for i in range(DENSE)] + [base + 100] * SAME + [base + 200 + i for i in range(TAIL)]


@pytest.fixture
async def dense_topic(bootstrap_servers: str) -> tuple[str, int, list[int]]:
    topic = fresh("test.replay.exact")
    await create_topic(bootstrap_servers, topic, 1)
    base = now_ms() - 3_600_000
    times = stamps(base)
    await produce_timed(bootstrap_servers, topic, 0, times, batch=7)  # batches 0-6, 7-13, ...
    return topic, base, times


def at(ms: int, micros: int = 0) -> datetime:
    """The UTC instant ``ms`` (epoch milliseconds) plus ``micros`` microseconds, built exactly."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms, microseconds=micros)


def oracle(stored: list[int], when: datetime) -> int | None:
    """First offset whose stored timestamp (ms) is at or after ``when`` (microsecond precision)."""
    for offset, ms in enumerate(stored):
        if at(ms) >= when:
            return offset
    return None


async def stored_timestamps(bootstrap: str, topic: str, count: int) -> list[int]:
    async with LogOffsets(KafkaSettings(bootstrap_servers=bootstrap)) as log:
        records = [r async for r in log.read({TP(topic, 0): (0, count)})]
    assert [r.offset for r in records] == list(range(count))
    return [int(r.timestamp) for r in records]


def env(bootstrap: str, group: str) -> dict[str, str]:
    return {"ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap, "ODDS_STREAMS__APP_ID": group}


async def test_to_datetime_lands_on_the_first_record_at_or_after_the_time(
    bootstrap_servers: str, dense_topic: tuple[str, int, list[int]]
) -> None:
    topic, base, times = dense_topic
    stored = await stored_timestamps(bootstrap_servers, topic, len(times))
    assert stored == times  # CreateTime kept as sent
    plus_one = timezone(timedelta(hours=1))
    cases = [  # (the time asked, the offset it must land on)
        (at(base), 0),  # the first record exactly
        (at(base + 7), 7),  # exactly a record that starts a batch
        (at(base + 12), 12),  # exactly a record inside a batch
        (at(base + 12, 500), 13),  # half a millisecond after record 12: record 13
        (at(base + 12, 1), 13),  # one microsecond after: still record 13
        (at(base + 12, -1), 12),  # one microsecond before record 12: record 12
        (at(base + 13, 999), 14),
        (at(base + 19, 1), 20),  # into the gap: the first of the records sharing a time
        (at(base + 60), 20),
        (at(base + 100), 20),  # exactly that shared time: its first record, not its last
        (at(base + 100, 1), 25),  # just past it: the record after the run
        (at(base + 214), 39),  # the last record exactly
        (at(base + 205).astimezone(plus_one), 30),  # a zone other than UTC
    ]
    group = fresh("test-replay-exact")
    await commit(bootstrap_servers, group, {(topic, 0): len(times)})
    async with LogOffsets(KafkaSettings(bootstrap_servers=bootstrap_servers)) as log:
        located = await log.offset_for_time(TP(topic, 0), base + 100, 0, len(times))
    assert located is not None and (located.offset, located.method) == (20, "broker")  # Kafka answered

    for when, expected in cases:
        assert oracle(stored, when) == expected, when  # the table above agrees with the log
        result = await invoke(
            replay_command,
            ["--to-datetime", when.isoformat(), "--topic", f"{topic}:0"],
            env(bootstrap_servers, group),
        )
        assert result.exit_code == 0, result.output
        assert table_rows(result.output) == {(topic, 0): (len(times), expected)}, (when, result.output)
        assert f"record {expected} at" in result.output

    # --execute stores exactly that offset (T between two records, with microseconds)
    when = at(base + 16, 250)
    done = await invoke(
        replay_command,
        ["--to-datetime", when.isoformat(), "--topic", topic, "--execute"],
        env(bootstrap_servers, group),
    )
    assert done.exit_code == 0, done.output
    assert await committed(bootstrap_servers, group, [(topic, 0)]) == {(topic, 0): 17}

    # past the last record: refused, the committed offset stays
    late = await invoke(
        replay_command,
        ["--to-datetime", at(base + 214, 1).isoformat(), "--topic", topic, "--execute"],
        env(bootstrap_servers, group),
    )
    assert late.exit_code == 1 and "no offset for the time asked" in late.output
    assert await committed(bootstrap_servers, group, [(topic, 0)]) == {(topic, 0): 17}


async def test_sink_target_to_datetime_stores_the_exact_offset(
    bootstrap_servers: str,
    dense_topic: tuple[str, int, list[int]],
    migrated_db: str,
    pg: asyncpg.Connection,
) -> None:
    """The same times with ``--target sink``: ``sink_offsets.next_offset`` is the exact record."""
    topic, base, times = dense_topic
    group = fresh("test-sink-exact")
    await pg.execute(
        "INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, 0, $3)",
        group,
        topic,
        len(times),
    )
    sink_env = {
        "ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap_servers,
        "ODDS_POSTGRES__URL": migrated_db,
        "ODDS_TOPICS__SNAPSHOTS": topic,
        "ODDS_SINK__GROUP_ID": group,
    }
    for when, expected in ((at(base + 3, 1), 4), (at(base + 100), 20)):
        done = await invoke(
            replay_command, ["--target", "sink", "--to-datetime", when.isoformat(), "--execute"], sink_env
        )
        assert done.exit_code == 0, done.output
        next_offset = await pg.fetchval(
            "SELECT next_offset FROM sink_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = 0",
            group,
            topic,
        )
        assert next_offset == expected, done.output
