"""OddsProducer keeps one board's captures in call order across re-sends (streams.kafka.producer).

The broker is replaced by a stand-in that records what it stored and fails chosen sends
with a transient timeout: the rule under test is the client's own ordering, not Kafka's.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from aiokafka.errors import KafkaTimeoutError

from streams.kafka.producer import OddsProducer
from streams.settings import load_settings


class FlakyBroker:
    """``send_and_wait`` stand-in: stores values in arrival order; values in ``fail_once``
    time out on their first attempt after ``delay_s``, as an expired batch does."""

    def __init__(self, fail_once: set[bytes], delay_s: float = 0.05) -> None:
        self.fail_once, self.delay_s = set(fail_once), delay_s
        self.stored: list[bytes] = []

    async def send_and_wait(self, topic: str, value: bytes, *, key: bytes, headers: Any) -> Any:
        if value in self.fail_once:
            self.fail_once.discard(value)
            await asyncio.sleep(self.delay_s)
            raise KafkaTimeoutError()
        await asyncio.sleep(0.001)
        self.stored.append(value)
        return SimpleNamespace(topic=topic, partition=0, offset=len(self.stored) - 1)


def producer_on(broker: FlakyBroker) -> OddsProducer:
    producer = OddsProducer.from_settings(load_settings(), source="test", backoff_s=0.01)
    producer._producer = broker  # type: ignore[assignment]
    return producer


async def test_a_resent_capture_stays_before_the_later_captures_of_its_board() -> None:
    broker = FlakyBroker(fail_once={b"a1"})
    producer = producer_on(broker)
    sends = [producer.send_raw("raw", b"A", v) for v in (b"a1", b"a2", b"a3")]
    await asyncio.gather(*sends)
    assert broker.stored == [b"a1", b"a2", b"a3"]
    assert producer._key_locks == {}  # nothing left behind per key


async def test_other_boards_do_not_wait_for_a_board_being_retried() -> None:
    broker = FlakyBroker(fail_once={b"a1"}, delay_s=0.2)
    producer = producer_on(broker)
    await asyncio.gather(
        producer.send_raw("raw", b"A", b"a1"),
        producer.send_raw("raw", b"A", b"a2"),
        producer.send_raw("raw", b"B", b"b1"),
        producer.send_raw("raw", b"B", b"b2"),
    )
    assert broker.stored == [b"b1", b"b2", b"a1", b"a2"]


async def test_publish_many_keeps_each_key_in_order_under_retries() -> None:
    items = [("raw", k, k + str(i).encode()) for i in range(20) for k in (b"A", b"B", b"C")]
    broker = FlakyBroker(fail_once={b"A3", b"B0", b"C19", b"A4"})
    producer = producer_on(broker)
    delivered = await producer.publish_many(items, concurrency=8)
    assert len(delivered) == 60
    for k in (b"A", b"B", b"C"):
        assert [v for v in broker.stored if v.startswith(k)] == [k + str(i).encode() for i in range(20)]


async def test_a_send_that_fails_for_good_lets_the_next_one_go() -> None:
    class Broken(FlakyBroker):
        async def send_and_wait(self, topic: str, value: bytes, *, key: bytes, headers: Any) -> Any:
            if value == b"a1":
                raise ValueError("not transient")
            return await super().send_and_wait(topic, value, key=key, headers=headers)

    broker = Broken(fail_once=set())
    producer = producer_on(broker)
    results = await asyncio.gather(
        producer.send_raw("raw", b"A", b"a1"), producer.send_raw("raw", b"A", b"a2"), return_exceptions=True
    )
    assert isinstance(results[0], ValueError)
    assert broker.stored == [b"a2"]
