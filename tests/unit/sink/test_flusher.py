"""The flusher's outage flag: it must end when there is nothing left to write.

A batch whose partitions are revoked while Postgres is down empties before its next
attempt; the member holds (pauses) every partition while ``outage`` is set, so a flag left
set after that would stop the member for good (found by the crash campaign: a Postgres
restart followed by a rebalance left both writers of a sink paused with records waiting).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sinks.write.batch import Batch
from sinks.write.flusher import Flusher
from sinks.write.positions import Positions
from sinks.write.records import Record
from sinks.write.stats import SinkStats
from streams.contracts.snapshot import EventInfo, SnapshotV1, Source, encode_snapshot
from streams.settings import Settings

T0 = datetime(2026, 11, 20, 12, tzinfo=UTC)
TOPIC = "odds.snapshots.v1"


class DownWriter:
    """A writer whose Postgres refuses connections; it counts the attempts."""

    def __init__(self) -> None:
        self.attempts = 0

    async def write(self, *args: Any) -> Any:
        self.attempts += 1
        raise ConnectionRefusedError(111, "Connect call failed")

    async def reset(self) -> None:
        return None


def _batch(partition: int, offsets: range) -> Batch:
    batch = Batch(1000, 10_000_000, 1.0)
    for i, offset in enumerate(offsets):
        snap = SnapshotV1(
            event=EventInfo(1, "soccer", "A", "B", T0),
            bookmaker="betpawa",
            bookmaker_event_id="e1",
            captured_at=T0.replace(minute=i),
            live=False,
            keyframe=i == 0,
            lines_total=1,
            source=Source("odds.raw.betpawa.v1", 0, offset),
            changed={(1, ""): {"1": 2.0, "2": 3.0, "3": 4.0}},
        )
        batch.add(Record(TOPIC, partition, offset, b"sr:1", encode_snapshot(snap), ()))
    return batch


class NoDeadLetters:
    async def send(self, *args: Any) -> None:
        raise AssertionError("nothing is dead-lettered here")


async def _attempts(writer: DownWriter, task: asyncio.Task[None], n: int) -> None:
    """Until ``writer`` was tried ``n`` times (the flush failing otherwise is raised)."""
    async with asyncio.timeout(5):
        while writer.attempts < n:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)


def _flusher(writer: DownWriter, positions: Positions) -> Flusher:
    return Flusher(
        Settings(),
        writer,  # type: ignore[arg-type]
        positions,
        SinkStats(),
        None,  # type: ignore[arg-type]
        NoDeadLetters(),  # type: ignore[arg-type]
        stop_grace_s=5.0,
        stopping=lambda: None,
        fenced=lambda stored: None,
    )


async def test_an_outage_ends_when_the_batch_empties_by_revocation() -> None:
    positions = Positions(TOPIC)
    positions.stored = {0: 10, 1: 20}
    writer = DownWriter()
    flusher = _flusher(writer, positions)
    batch = _batch(0, range(10, 13))
    task = asyncio.create_task(flusher.flush(batch))
    await _attempts(writer, task, 1)
    assert flusher.outage  # Postgres down: the member holds its partitions
    positions.revoked({0})  # a rebalance takes partition 0 during the back-off
    await asyncio.wait_for(task, 5)
    assert len(batch) == 0
    assert not flusher.outage  # nothing left to write: the member fetches again


async def test_an_outage_lasts_while_the_batch_still_has_records() -> None:
    positions = Positions(TOPIC)
    positions.stored = {0: 10}
    writer = DownWriter()
    flusher = _flusher(writer, positions)
    task = asyncio.create_task(flusher.flush(_batch(0, range(10, 13))))
    await _attempts(writer, task, 3)
    assert flusher.outage and not task.done()
    task.cancel()
