"""Replay and requeue with the real processes: ``oddsflow worker`` and ``oddsflow sink`` subprocesses."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.cli.dlq import dlq
from streams.cli.replay import replay_command
from streams.replay.plan import TP
from streams.simulator import World, WorldConfig, iter_captures
from tests.integration.replay.conftest import invoke, table_rows
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import Harness, fixture_bytes

pytestmark = pytest.mark.integration


@pytest.fixture
def pipeline(bootstrap_servers: str, migrated_db: str, tmp_path: Path) -> Iterator[Pipeline]:
    p = Pipeline(Harness(bootstrap_servers, tmp_path, partitions=2), migrated_db)
    try:
        yield p
    finally:
        p.stop_all()


def sink_messages(log: str) -> int:
    """Messages the sink consumed, from its shutdown line."""
    found = re.findall(r"sink stopped: (\d+) messages", log)
    assert found, log[-2000:]
    return int(found[-1])


async def publish_simulated(pipeline: Pipeline, captures: list) -> None:  # type: ignore[type-arg]
    async with pipeline.harness.producer() as producer:
        for cap in captures:
            await pipeline.harness.publish(
                producer, cap.bookmaker, orjson.dumps(cap.payload), cap.captured_at
            )


async def test_sink_replay_to_earliest_and_to_datetime_give_identical_rows(pipeline: Pipeline) -> None:
    h = pipeline.harness
    await h.create_topics()
    world = World(
        4, seed=5, start=datetime.now(UTC) - timedelta(minutes=30), config=WorldConfig(size="normal")
    )
    captures = list(iter_captures(world, rate_per_s=10, count=4 * 3 * 4))
    h.start_worker()
    pipeline.start_sink()
    await publish_simulated(pipeline, captures[:24])
    await h.wait_ready(0)
    await h.snapshots(lambda s: len(s) >= 24)
    first_end = await pipeline.wait_sink_caught_up()
    await asyncio.sleep(1.2)  # the second half's snapshot records get later broker timestamps
    middle = datetime.now(UTC)
    await publish_simulated(pipeline, captures[24:])
    await h.snapshots(lambda s: len(s) >= len(captures))
    end = await pipeline.wait_sink_caught_up()
    rows = await pipeline.rows()
    assert len(rows["snapshots"]) == len(captures)
    pipeline.stop_sink()

    # to a datetime: only the second half is read again
    stamp = middle.replace(tzinfo=None).isoformat()
    replayed = await invoke(
        replay_command, ["--target", "sink", "--to-datetime", stamp, "--execute"], pipeline.env
    )
    assert replayed.exit_code == 0, replayed.output
    moved = {TP(*tp): after for tp, (_, after) in table_rows(replayed.output).items()}
    assert moved == {tp: first_end.get(tp, 0) for tp in end}
    assert await pipeline.stored() == moved
    pipeline.start_sink()
    await pipeline.wait_sink_caught_up()
    assert sink_messages(pipeline.stop_sink()) == len(captures) - 24
    assert await pipeline.rows() == rows

    # to earliest: everything is read again, nothing changes
    replayed = await invoke(replay_command, ["--target", "sink", "--to-earliest", "--execute"], pipeline.env)
    assert replayed.exit_code == 0, replayed.output
    assert set(table_rows(replayed.output).values()) <= {(end[tp], 0) for tp in end}
    pipeline.start_sink()
    await pipeline.wait_sink_caught_up()
    assert sink_messages(pipeline.stop_sink()) == len(captures)
    assert await pipeline.rows() == rows


async def test_sink_replay_refused_while_a_sink_runs(pipeline: Pipeline) -> None:
    await pipeline.harness.create_topics()
    pipeline.start_sink()
    log = pipeline.harness.workdir / "sink-0.log"
    for _ in range(100):
        if "positioned" in log.read_text(errors="replace"):
            break
        await asyncio.sleep(0.1)
    refused = await invoke(replay_command, ["--target", "sink", "--to-earliest", "--execute"], pipeline.env)
    assert refused.exit_code == 1 and "a sink of this group is running" in refused.output


async def committed(pipeline: Pipeline, tp: TopicPartition) -> int | None:
    h = pipeline.harness
    consumer = AIOKafkaConsumer(bootstrap_servers=h.bootstrap_servers, group_id=h.settings.streams.app_id)
    await consumer.start()
    try:
        return await consumer.committed(tp)  # type: ignore[no-any-return]
    finally:
        await consumer.stop()


async def test_dlq_requeue_after_a_fix_lands_exactly_once(pipeline: Pipeline) -> None:
    h = pipeline.harness
    await h.create_topics()
    h.start_worker()
    pipeline.start_sink()
    good_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    early_at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)  # beyond max_skew_s (300 s)
    async with h.producer() as producer:
        await h.publish(producer, "betpawa", fixture_bytes("betpawa", "soccer_prematch"), good_at)
        await h.publish(producer, "sportybet", fixture_bytes("sportybet", "soccer_prematch"), early_at)
    await h.wait_ready(0)
    await h.collect(h.settings.topics.dlq, lambda rs: len(rs) >= 1)
    await h.snapshots(lambda s: len(s) >= 1)
    await pipeline.wait_sink_caught_up()
    listed = await invoke(dlq, ["list", "--kind", "bad_timestamp"], pipeline.env)
    assert listed.exit_code == 0 and "1 record(s) match" in listed.output, listed.output

    # the fix: a worker that accepts captures up to two hours ahead
    h.stop_all()
    h.procs.clear()  # the harness checks every worker it started: forget the stopped one
    h.logs.clear()
    h.extra_env["ODDS_STREAMS__MAX_SKEW_S"] = "7200"
    h.start_worker()
    done = await invoke(dlq, ["requeue", "--kind", "bad_timestamp", "--execute"], pipeline.env)
    assert done.exit_code == 0, done.output
    await h.wait_ready(0, timeout_s=90)
    await h.snapshots(lambda s: len(s) >= 2, timeout_s=90)
    await pipeline.wait_sink_caught_up()
    query = (
        "SELECT count(*) AS n FROM snapshots s JOIN bookmakers b ON b.id = s.bookmaker_id "
        "WHERE b.key = 'sportybet' AND s.captured_at = $1"
    )
    assert (await pipeline.fetch(query, early_at))[0]["n"] == 1

    # requeued again by mistake: the stream stage and the sink keep it at one row
    again = await invoke(dlq, ["requeue", "--kind", "bad_timestamp", "--execute"], pipeline.env)
    assert again.exit_code == 0, again.output
    where = re.search(r"│ (\S+odds\.raw\.sportybet)\s+│\s+(\d+)\s+│\s+(\d+)", again.output)
    assert where is not None, again.output
    tp, offset = TopicPartition(where[1], int(where[2])), int(where[3])
    for _ in range(150):
        if (await committed(pipeline, tp) or 0) > offset:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("the worker did not get past the second requeued record")
    await asyncio.sleep(1.0)
    await pipeline.wait_sink_caught_up()
    assert (await pipeline.fetch(query, early_at))[0]["n"] == 1
