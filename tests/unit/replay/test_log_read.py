"""LogOffsets.read against a scripted consumer: the no-progress timeout counts the broker's
silence only, never the time the caller spends on the records it was handed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import TopicPartition

from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP, ReplayError
from streams.settings import load_settings

TOPIC = "odds.snapshots.v1.reprocess"


@dataclass
class Record:
    offset: int


class ScriptedConsumer:
    """Hands out ``batches`` one per ``getmany``, then nothing; the position follows them."""

    def __init__(self, batches: list[list[int]], end: int) -> None:
        self.batches = list(batches)
        self.end = end
        self.pos = 0

    def assign(self, tps: list[TopicPartition]) -> None:
        self.tps = tps

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.pos = offset

    def pause(self, tp: TopicPartition) -> None:
        pass

    async def getmany(self, *tps: TopicPartition, timeout_ms: int) -> dict[TopicPartition, list[Record]]:
        if not self.batches:
            await asyncio.sleep(timeout_ms / 1000)
            return {}
        offsets = self.batches.pop(0)
        self.pos = offsets[-1] + 1
        return {tps[0]: [Record(o) for o in offsets]}

    async def position(self, tp: TopicPartition) -> int:
        return self.pos


def reader(consumer: Any, timeout_s: float) -> LogOffsets:
    logs = LogOffsets(load_settings().kafka, timeout_s=timeout_s)
    logs._consumer = consumer
    return logs


async def test_a_slow_caller_does_not_time_the_read_out() -> None:
    logs = reader(ScriptedConsumer([[0, 1], [2, 3]], end=4), timeout_s=0.3)
    seen = []
    async for record in logs.read({TP(TOPIC, 0): (0, 4)}):
        seen.append(record.offset)
        await asyncio.sleep(0.25)  # the caller's work on each record: longer than the timeout per batch
    assert seen == [0, 1, 2, 3]


async def test_a_silent_broker_before_the_end_times_out() -> None:
    logs = reader(ScriptedConsumer([[0, 1]], end=4), timeout_s=0.5)
    seen = []
    with pytest.raises(ReplayError, match=f"reading {TOPIC}:0: no records"):
        async for record in logs.read({TP(TOPIC, 0): (0, 4)}):
            seen.append(record.offset)
    assert seen == [0, 1]
