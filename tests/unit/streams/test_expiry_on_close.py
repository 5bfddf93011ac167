"""Expiry.publish: a close drops the event's memory-only state through ``on_close``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from streams.contracts.lifecycle import EventLifecycleV1
from streams.stages.match import lifecycle as lc
from streams.stages.match.expiry import Expiry

AT = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


class Sender:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, gate: str, out: Any, done: Any) -> None:
        self.sent.append(out)


def test_a_close_calls_on_close_with_the_event_key_a_reopen_does_not() -> None:
    forgotten: list[str] = []
    sender = Sender()
    policy = lc.LifecyclePolicy(idle=timedelta(hours=6), grace=timedelta(hours=1))
    expiry = Expiry(
        {}, {}, sender, topic="odds.snapshots.v1", partitions=6, policy=policy,  # type: ignore[arg-type]
        on_close=forgotten.append,
    )  # fmt: skip
    closed = EventLifecycleV1(7, {"sportybet": "sr:match:7"}, "closed", AT, "ended")
    asyncio.run(expiry.publish(closed))
    asyncio.run(expiry.publish(EventLifecycleV1(7, {"sportybet": "sr:match:7"}, "reopened", AT, "capture")))
    assert forgotten == ["sr:7"] and len(sender.sent) == 2
