"""Ordered acks, one record in flight per key, retries of transient errors only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError, RequestTimedOutError

from streams.errors import TransientError
from streams.kafka.delivery import AckQueue, KeyedSender, OutRecord, is_transient, send_acked


class FakeProducer:
    """Enqueues instantly; each record's ack is a future the test resolves (or a scripted error)."""

    def __init__(self, enqueue_errors: list[BaseException] | None = None) -> None:
        self.sent: list[OutRecord] = []
        self.acks: list[asyncio.Future[Any]] = []
        self.enqueue_errors = list(enqueue_errors or [])

    async def __call__(self, record: OutRecord) -> asyncio.Future[Any]:
        if self.enqueue_errors:
            raise self.enqueue_errors.pop(0)
        self.sent.append(record)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.acks.append(fut)
        return fut


async def until(condition: Callable[[], bool], timeout_s: float = 2.0) -> None:
    for _ in range(int(timeout_s / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not met")


def rec(value: str) -> OutRecord:
    return OutRecord("t", b"k", value.encode())


def test_acks_are_in_order_per_partition() -> None:
    acked: list[str] = []
    q = AckQueue()
    a = q.track("p0", lambda: acked.append("a"))
    b = q.track("p0", lambda: acked.append("b"))
    c = q.track("p1", lambda: acked.append("c"))
    b.done()
    assert acked == [] and q.pending() == 3  # b waits for a
    c.done()
    assert acked == ["c"]
    a.done()
    assert acked == ["c", "a", "b"] and q.pending() == 0


def test_transient_classification() -> None:
    assert is_transient(KafkaConnectionError()) and is_transient(RequestTimedOutError())
    assert is_transient(TransientError("x")) and is_transient(TimeoutError())
    wrapped = RuntimeError("wrapper")
    wrapped.__cause__ = KafkaConnectionError()
    assert is_transient(wrapped)
    assert not is_transient(MessageSizeTooLargeError()) and not is_transient(ValueError())


async def test_sender_pipelines_different_keys_and_gates_the_same_key() -> None:
    producer = FakeProducer()
    sender = KeyedSender(producer)
    acked: list[str] = []
    await sender.send("k1", rec("1"), lambda: acked.append("1"))
    await sender.send("k2", rec("2"), lambda: acked.append("2"))
    assert [r.value for r in producer.sent] == [b"1", b"2"]  # not waiting for acks
    third = asyncio.ensure_future(sender.send("k1", rec("3"), lambda: acked.append("3")))
    await asyncio.sleep(0.01)
    assert not third.done() and len(producer.sent) == 2  # k1 still in flight
    producer.acks[0].set_result(None)
    await third
    assert [r.value for r in producer.sent] == [b"1", b"2", b"3"] and acked == ["1"]
    producer.acks[1].set_result(None)
    producer.acks[2].set_result(None)
    await sender.drain()
    assert acked == ["1", "2", "3"] and sender.in_flight() == 0


async def test_transient_ack_failure_is_resent_before_the_key_moves_on() -> None:
    producer = FakeProducer()
    sender = KeyedSender(producer, backoff_max_s=0.01)
    acked: list[str] = []
    await sender.send("k", rec("1"), lambda: acked.append("1"))
    producer.acks[0].set_exception(RequestTimedOutError())
    waiting = asyncio.ensure_future(sender.wait("k"))  # returns only once the retry was acked
    await until(lambda: len(producer.sent) >= 2)
    assert producer.sent[1] == rec("1") and not waiting.done() and acked == []
    producer.acks[1].set_result(None)
    await asyncio.wait_for(waiting, 1)
    assert acked == ["1"]


async def test_transient_enqueue_errors_are_retried() -> None:
    producer = FakeProducer(enqueue_errors=[KafkaConnectionError(), KafkaConnectionError()])
    sender = KeyedSender(producer, backoff_max_s=0.01)
    await sender.send("k", rec("1"), lambda: None)
    assert len(producer.sent) == 1


async def test_fatal_failure_crashes_the_next_call_and_nothing_is_acked() -> None:
    producer = FakeProducer()
    sender = KeyedSender(producer)
    acked: list[str] = []
    await sender.send("k", rec("1"), lambda: acked.append("1"))
    producer.acks[0].set_exception(MessageSizeTooLargeError())
    with pytest.raises(MessageSizeTooLargeError):
        await sender.wait("k")
    with pytest.raises(MessageSizeTooLargeError):
        await sender.send("other", rec("2"), lambda: None)
    assert acked == []


async def test_cancelled_send_is_a_failure_not_a_success() -> None:
    producer = FakeProducer()
    sender = KeyedSender(producer)
    await sender.send("k", rec("1"), lambda: pytest.fail("acked"))
    producer.acks[0].cancel()
    with pytest.raises(TransientError):
        await sender.wait("k")


async def test_send_acked_retries_transient_and_raises_fatal() -> None:
    producer = FakeProducer(enqueue_errors=[KafkaConnectionError()])
    task = asyncio.ensure_future(send_acked(producer, rec("dlq"), backoff_max_s=0.01))
    await until(lambda: bool(producer.acks))
    producer.acks[0].set_exception(RequestTimedOutError())
    await until(lambda: len(producer.acks) >= 2)
    assert not task.done()
    producer.acks[1].set_result(None)
    await task
    fatal = FakeProducer(enqueue_errors=[MessageSizeTooLargeError()])
    with pytest.raises(MessageSizeTooLargeError):
        await send_acked(fatal, rec("dlq"))
