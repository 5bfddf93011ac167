"""Records fetched before a seek never reach the worker (streams.kafka.transport, faust #221/#606).

faust's consumer thread fetches, and the worker's loop reads the batch later. A batch that
was fetched before a seek of its partition (every rebalance seeks to the committed offsets)
holds records from the old position: faust would process one beyond the new read offset,
count the offsets between as a processed "gap", commit them and drop their refetched
records. These tests drive faust's real consumer thread against the real broker (Apache
Kafka: both client bugs below are reproduced there, with faust's and aiokafka's own code).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import faust
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from faust.types import TP

from streams.app import create_app
from streams.kafka.ordering import SeekLedger
from streams.kafka.transport import _Consumer, _ConsumerThread
from streams.settings import load_settings

pytestmark = pytest.mark.asyncio


async def _consumer_thread(bootstrap_servers: str, transport: str) -> tuple[Any, TopicPartition]:
    """faust's consumer thread of an app with ``transport`` ("oddsflow": the worker app, or
    faust's own aiokafka transport), its aiokafka consumer started and assigned to a topic
    holding offsets 0..19 (called on this loop: no thread is started)."""
    topic = f"stale-{secrets.token_hex(4)}"
    settings = load_settings(kafka={"bootstrap_servers": bootstrap_servers}, streams={"app_id": topic})
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers)
    await producer.start()
    try:
        for i in range(20):
            await producer.send_and_wait(topic, str(i).encode(), partition=0)
    finally:
        await producer.stop()
    app: Any = (
        create_app(settings)
        if transport == "oddsflow"
        else faust.App(topic, broker=f"kafka://{bootstrap_servers}")
    )
    consumer: Any = app.consumer
    assert isinstance(consumer, _Consumer) == (transport == "oddsflow")
    thread: Any = consumer._new_consumer_thread()
    consumer._thread = thread
    aiokafka_consumer = thread._create_worker_consumer(app.transport)
    await aiokafka_consumer.start()
    thread._consumer = aiokafka_consumer
    tp = TopicPartition(topic, 0)
    aiokafka_consumer.assign([tp])
    thread.seek(tp, 0)
    return thread, tp


@pytest.fixture
async def thread(bootstrap_servers: str) -> AsyncIterator[tuple[_ConsumerThread, TopicPartition]]:
    """The worker app's consumer thread (see :func:`_consumer_thread`)."""
    t, tp = await _consumer_thread(bootstrap_servers, "oddsflow")
    try:
        yield t, tp
    finally:
        await t._consumer.stop()


async def fetch(thread: Any, tp: TopicPartition) -> Any:
    for _ in range(50):
        records = await thread._fetch_records(thread._consumer, {tp}, timeout=0.2, max_records=5)
        if records:
            return records
    raise AssertionError("nothing fetched")


@pytest.mark.parametrize("transport", ["faust", "oddsflow"])
async def test_a_batch_fetched_before_a_seek_reaches_the_worker_loop_only_with_fausts_transport(
    bootstrap_servers: str, transport: str
) -> None:
    """The faust bug itself (faust-streaming #221/#606), on Apache Kafka: with faust's own
    transport a batch fetched before a seek back to offset 2 is handed to the worker's loop
    after the seek, which processes offset 5 next and counts 3..4 as a processed gap. The
    worker's transport (:mod:`streams.kafka.ordering`) drops that batch."""
    t, tp = await _consumer_thread(bootstrap_servers, transport)
    try:
        consumer = t.consumer
        await fetch(t, tp)  # 0..4, read by the worker's loop
        ahead = await fetch(t, tp)  # 5..9: fetched, not yet read
        await consumer.seek(tp, 2)  # e.g. back to the committed offset after a rebalance

        async def fetched(active_partitions: Any, timeout: float) -> Any:  # noqa: ASYNC109
            return ahead  # the thread hands over what it fetched before the seek

        t.getmany = fetched
        consumer._active_partitions = {TP(tp.topic, tp.partition)}  # assigned and resumed
        handed = [message.offset async for _, message in consumer.getmany(1.0)]
        assert handed == ([] if transport == "oddsflow" else [5, 6, 7, 8, 9])
    finally:
        await t._consumer.stop()


@pytest.mark.parametrize("commit", [None, 0])
async def test_aiokafka_seek_to_committed_skips_a_partition_committed_at_0_or_never(
    thread: tuple[Any, TopicPartition], commit: int | None
) -> None:
    """The aiokafka 0.14 bug ``_seek_to_committed`` works around (``seek_to_committed`` seeks
    only ``if offset and offset > 0``), on Apache Kafka: the partition stays where it was
    fetched to, so records fetched from there and dropped are never read again."""
    t, tp = thread
    if commit is not None:
        await t._consumer.commit({tp: commit})
    await fetch(t, tp)
    await fetch(t, tp)
    assert await t._consumer.seek_to_committed(tp) == {tp: commit}
    assert await t._consumer.position(tp) == 10  # not 0


async def test_a_batch_fetched_before_a_seek_is_stale_and_the_next_starts_at_the_target(
    thread: tuple[Any, TopicPartition],
) -> None:
    t, tp = thread
    first = await fetch(t, tp)
    assert [r.offset for r in first[tp]] == [0, 1, 2, 3, 4]
    assert not t.ledger.stale(first.stamp, tp)
    ahead = await fetch(t, tp)  # 5..9: fetched, not yet read by the worker's loop
    t.seek(tp, 2)  # faust seeks back (e.g. to the committed offset after a rebalance)
    assert t.ledger.stale(ahead.stamp, tp) and t.ledger.stale(first.stamp, tp)
    again = await fetch(t, tp)
    assert next(r.offset for r in again[tp]) == 2
    assert not t.ledger.stale(again.stamp, tp)


async def test_seek_to_committed_and_to_beginning_count_as_seeks(thread: tuple[Any, TopicPartition]) -> None:
    t, tp = thread
    await fetch(t, tp)
    await t._consumer.commit({tp: 3})
    ahead = await fetch(t, tp)
    offsets = await t._seek_to_committed()
    assert offsets[tp] == 3 and t.ledger.stale(ahead.stamp, tp)
    assert next(r.offset for r in (await fetch(t, tp))[tp]) == 3
    ahead = await fetch(t, tp)
    await t._seek_to_beginning(tp)
    assert t.ledger.stale(ahead.stamp, tp)
    assert next(r.offset for r in (await fetch(t, tp))[tp]) == 0


@pytest.mark.parametrize("commit", [None, 0])
async def test_seek_to_committed_rewinds_a_partition_committed_at_0_or_never(
    thread: tuple[Any, TopicPartition], commit: int | None
) -> None:
    """aiokafka's own seek_to_committed leaves such a partition where it was fetched to, so a
    dropped batch from there was never read again."""
    t, tp = thread
    if commit is not None:
        await t._consumer.commit({tp: commit})
    await fetch(t, tp)
    ahead = await fetch(t, tp)
    offsets = await t._seek_to_committed()
    assert offsets[tp] == commit and t.ledger.stale(ahead.stamp, tp)
    assert next(r.offset for r in (await fetch(t, tp))[tp]) == 0


async def test_a_changelog_seek_below_minus_one_reads_from_the_start(
    thread: tuple[Any, TopicPartition],
) -> None:
    """faust's recovery arithmetic can ask for offset -2; aiokafka rejects it (a worker died of
    it in the crash campaign): the partition is read from its start instead, and counted."""
    t, tp = thread
    ahead = await fetch(t, tp)
    await t._seek_wait(t._consumer, {tp: -2})
    assert t.ledger.stale(ahead.stamp, tp)
    assert next(r.offset for r in (await fetch(t, tp))[tp]) == 0


async def test_getmany_reads_in_order_and_seeks_back_over_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's loop sees each partition's records in offset order from the last seek:
    a record fetched before a seek is dropped; one beyond the next offset makes the
    partition seek back there; other partitions' records pass."""
    a, b = TopicPartition("raw", 0), TopicPartition("raw", 1)
    ledger = SeekLedger()
    ledger.sought({a: 10, b: 0})
    stamp = ledger.stamp([a, b])
    sought: list[tuple[Any, int]] = []

    class Thread:
        def seek(self, tp: Any, offset: int) -> None:
            sought.append((tp, offset))
            ledger.sought({tp: offset})

    class Message:
        def __init__(self, offset: int) -> None:
            self.offset = offset

    async def faust_getmany(self: Any, timeout: float) -> AsyncIterator[tuple[Any, Any]]:  # noqa: ASYNC109
        self._stamp = stamp
        yield a, Message(10)
        yield b, Message(0)
        yield a, Message(12)  # 11 skipped: seek back to 11, drop the rest of a's batch
        yield b, Message(1)
        yield a, Message(13)

    monkeypatch.setattr("faust.transport.drivers.aiokafka.Consumer.getmany", faust_getmany)
    consumer: Any = object.__new__(_Consumer)
    thread = Thread()
    thread.ledger = ledger  # type: ignore[attr-defined]
    consumer._thread = thread
    seen = [(tp.partition, m.offset) async for tp, m in consumer.getmany(1.0)]
    assert seen == [(0, 10), (1, 0), (1, 1)] and sought == [(a, 11)]
