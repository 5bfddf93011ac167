"""Two worker processes, one SIGKILLed mid-stream; and a bug that must stop a worker loudly."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.partitioner import DefaultPartitioner

from streams import adapters
from streams.contracts.snapshot import SnapshotV1, Source, encode_snapshot
from streams.deadletters.contract import dlq_headers
from streams.simulator import SimulatedCapture, World, WorldConfig, iter_captures
from streams.stages.match.board import outcomes_of
from tests.integration.streams.harness import Harness, assigned_partitions, fixture_bytes

pytestmark = pytest.mark.integration

Board = dict[tuple[int, str], dict[str, float | None]]


async def test_sigkilled_worker_is_replaced_and_nothing_is_lost(harness: Harness) -> None:
    harness.partitions = 4
    # no scheduled keyframes: a keyframe after the kill could only mean lost state
    harness.extra_env["ODDS_STREAMS__KEYFRAME_EVERY"] = "100000"
    harness.extra_env["ODDS_STREAMS__KEYFRAME_MINUTES"] = "100000"
    # commits are rare: the killed worker dies with uncommitted work, which must be redone
    harness.extra_env["ODDS_STREAMS__COMMIT_INTERVAL_S"] = "30"
    await harness.create_topics()
    t = harness.settings.topics

    world = World(
        8, seed=11, start=datetime.now(UTC) - timedelta(minutes=30), config=WorldConfig(size="normal")
    )
    captures = list(iter_captures(world, rate_per_s=20, count=8 * 3 * 5))  # 5 rounds of 24
    expected: dict[tuple[str, int, int], Board] = {}
    published: list[tuple[str, int, int]] = []

    harness.start_worker()
    harness.start_worker()
    async with harness.producer() as producer:

        async def publish(batch: list[SimulatedCapture]) -> None:
            for cap in batch:
                payload = orjson.dumps(cap.payload)
                where = await harness.publish(producer, cap.bookmaker, payload, cap.captured_at)
                event = adapters.normalize(cap.bookmaker, cap.payload, cap.captured_at)
                expected[where] = {(ln.market_id, ln.line): outcomes_of(ln) for ln in event.lines}
                published.append(where)

        await publish(captures[:24])
        await harness.wait_ready(0)
        await harness.wait_ready(1)
        # both workers own partitions once the first round went through
        await harness.snapshots(lambda s: {x.source for x in s} >= {_src(w) for w in published}, 90)
        owned_by_killed = assigned_partitions(harness.log_text(0), t.canonical)
        assert owned_by_killed and assigned_partitions(harness.log_text(1), t.canonical)
        before_kill = len(published)

        rest = asyncio.ensure_future(_paced(publish, captures[24:], pause_s=0.02))
        for _ in range(3000):  # until 30 more captures are out (or the pacing task ended)
            if len(published) >= before_kill + 30 or rest.done():
                break
            await asyncio.sleep(0.01)
        harness.kill(0)  # mid-stream
        killed_at = len(published)
        await rest

    snaps = await harness.snapshots(lambda s: {x.source for x in s} >= {_src(w) for w in published}, 120)

    # every capture produced its snapshot; redelivered ones were published identically
    by_capture: dict[tuple[str, str, datetime], list[SnapshotV1]] = defaultdict(list)
    for s in snaps:
        by_capture[s.key, s.bookmaker, s.captured_at].append(s)
    for copies in by_capture.values():
        assert len({encode_snapshot(c) for c in copies}) == 1
    assert any(len(copies) > 1 for copies in by_capture.values()), "nothing was redelivered"

    # replaying the snapshots per event x bookmaker rebuilds each capture's exact board
    boards: dict[tuple[str, str], Board] = defaultdict(dict)
    for (key, bookmaker, _), copies in sorted(by_capture.items(), key=lambda kv: kv[0][2]):
        snap = copies[0]
        board = boards[key, bookmaker]
        if snap.keyframe:
            board.clear()
        board.update(snap.changed)
        for line in snap.removed:
            board.pop(line, None)
        assert board == expected[snap.source.topic, snap.source.partition, snap.source.offset], snap.source

    # tables were recovered: captures after the kill on the killed worker's partitions are deltas
    after = {_src(w) for w in published[killed_at:]}
    moved = [
        s for s in snaps if s.source in after and _partition(s.key, harness.partitions) in owned_by_killed
    ]
    assert moved, "no capture of the killed worker's partitions after the kill"
    assert not any(s.keyframe for s in moved)
    assert any(s.lines_total > len(s.changed) for s in moved)


async def test_a_bug_dead_letters_the_record_and_stops_the_worker(harness: Harness) -> None:
    await harness.create_topics()
    settings = harness.settings
    # corrupt state for the board this capture will hit: reading it is a bug in this code's eyes
    key = "sr:68995116"
    changelog = f"{settings.streams.app_id}-last_prices-changelog"
    admin = AIOKafkaAdminClient(bootstrap_servers=harness.bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(changelog, harness.partitions, 1)])
    finally:
        await admin.close()
    # (the only worker recovers every changelog partition, so any partition will do)
    await harness.publish_raw([(changelog, orjson.dumps(f"{key}|sportybet"), orjson.dumps({"v": 99}))])
    harness.start_worker()
    async with harness.producer() as producer:
        await harness.publish(producer, "sportybet", fixture_bytes("sportybet", "soccer_prematch"))
    records = await harness.collect(settings.topics.dlq, lambda rs: len(rs) >= 1, 60, check_workers=False)
    h = dlq_headers(records[0].headers)
    assert (h["stage"], h["error.kind"], h["error.class"]) == ("match", "bug", "ValueError")
    assert h["source.topic"] == settings.topics.canonical and records[0].key == key.encode()
    assert harness.procs[0].wait(60) == 1  # crashed loudly
    assert "state version" in harness.log_text(0)


def _src(where: tuple[str, int, int]) -> Source:
    return Source(*where)


def _partition(key: str, partitions: int) -> int:
    return int(DefaultPartitioner()(key.encode(), list(range(partitions)), list(range(partitions))))


async def _paced(
    publish: Callable[[list[SimulatedCapture]], Awaitable[None]],
    batch: list[SimulatedCapture],
    pause_s: float,
) -> None:
    for cap in batch:
        await publish([cap])
        await asyncio.sleep(pause_s)
