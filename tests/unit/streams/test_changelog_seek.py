"""Changelog seeks faust's recovery asks for (streams.kafka.transport), without a broker."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import TopicPartition
from faust.transport.drivers import aiokafka as driver

from streams.kafka.ordering import SeekLedger
from streams.kafka.transport import _ConsumerThread

STANDBY, ACTIVE, BELOW = (TopicPartition("app-table-changelog", p) for p in range(3))


async def test_offsets_faust_cannot_seek_read_from_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """``None``: a standby partition added by a rebalance while an earlier recovery ran (it
    crashed a worker in the crash campaign on Kafka); -2: faust's offset arithmetic."""
    sought: dict[Any, int] = {}

    async def faust_seek_wait(self: Any, consumer: Any, partitions: dict[Any, int]) -> None:
        for offset in partitions.values():
            if not isinstance(offset, int) or offset < 0:  # what aiokafka's seek() refuses
                raise ValueError("Offset must be a positive integer")
        sought.update(partitions)

    monkeypatch.setattr(driver.AIOKafkaConsumerThread, "_seek_wait", faust_seek_wait)
    thread: Any = object.__new__(_ConsumerThread)
    thread.ledger = SeekLedger()
    await thread._seek_wait(object(), {STANDBY: None, ACTIVE: 7, BELOW: -2})
    assert sought == {STANDBY: 0, ACTIVE: 7, BELOW: 0}
    assert thread.ledger.next_offset(STANDBY) == 0
