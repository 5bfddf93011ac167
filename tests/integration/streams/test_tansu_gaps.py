"""Each broker gap oddsflow designs around, shown on Apache Kafka and on tansu.

A test per gap runs on both engines: on Kafka the standard answer is the right one (so the
code trusts it with ``ODDS_KAFKA__ENGINE=kafka``), on tansu it is not, and
:mod:`streams.kafka.workarounds.tansu_gaps` (``ODDS_KAFKA__ENGINE=tansu``) gets the right one. The fetch
settings are shown the same way: what ``fetch_max_wait_ms`` and ``fetch_partition_bytes``
do on each engine, and that ``max_poll_records`` is the bound on both.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.kafka.workarounds import tansu_gaps
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP
from streams.settings import KafkaSettings
from tests.integration.replay.conftest import create_topic, fresh, now_ms, produce_timed

pytestmark = pytest.mark.integration

ENGINES = ["kafka", "tansu"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(engine, bootstrap address)``: the session's Apache Kafka, or the session's tansu."""
    name = str(request.param)
    fixture = "bootstrap_servers" if name == "kafka" else "tansu_servers"
    return name, str(request.getfixturevalue(fixture))


@pytest.fixture
async def consumer(engine: tuple[str, str]) -> AsyncIterator[AIOKafkaConsumer]:
    c = AIOKafkaConsumer(bootstrap_servers=engine[1], enable_auto_commit=False, fetch_max_wait_ms=50)
    await c.start()
    try:
        yield c
    finally:
        await c.stop()


async def timed_topic(bootstrap: str, records: int) -> tuple[TopicPartition, int]:
    """One partition, ``records`` records 1 s apart (an hour ago) in batches of 5."""
    topic = fresh("test.gaps")
    await create_topic(bootstrap, topic, 1)
    base = now_ms() - 3_600_000
    await produce_timed(bootstrap, topic, 0, [base + i * 1000 for i in range(records)])
    return TopicPartition(topic, 0), base


async def test_list_offsets_latest_after_multi_record_batches(
    engine: tuple[str, str], consumer: AIOKafkaConsumer
) -> None:
    """ListOffsets(latest) is the log end on Kafka; on tansu the last batch's base offset + 1.
    The fetch high watermark (:func:`streams.kafka.workarounds.tansu_gaps.fetch_highwaters`) is
    exact on both."""
    name, bootstrap = engine
    tp, _ = await timed_topic(bootstrap, 15)
    ends = await consumer.end_offsets([tp])
    assert ends[tp] == (15 if name == "kafka" else 11)
    assert await tansu_gaps.fetch_highwaters(KafkaSettings(bootstrap_servers=bootstrap), [tp]) == {tp: 15}


async def test_offsets_for_times(engine: tuple[str, str], consumer: AIOKafkaConsumer) -> None:
    """``offsets_for_times`` is exact on Kafka (the first record at or after T; none after the
    last record); tansu answers offset 0 for both."""
    name, bootstrap = engine
    tp, base = await timed_topic(bootstrap, 15)
    inside = (await consumer.offsets_for_times({tp: base + 7_500}))[tp]
    after_last = (await consumer.offsets_for_times({tp: base + 60_000}))[tp]
    if name == "kafka":
        assert inside is not None and (inside.offset, inside.timestamp) == (8, base + 8_000)
        assert after_last is None
    else:
        assert inside is not None and inside.offset == 0
        assert after_last is not None and after_last.offset == 0


@pytest.mark.parametrize("switch", ["kafka", "tansu"])
async def test_log_offsets_on_tansu_are_right_only_with_the_switch(tansu_servers: str, switch: str) -> None:
    """:class:`LogOffsets` on tansu: with ``engine=kafka`` (the standard calls trusted) the log
    end and the offset for a time are wrong; with ``engine=tansu`` they are Kafka's answers
    (tests/integration/replay/test_group_replay.py asks the same of Kafka)."""
    tp, base = await timed_topic(tansu_servers, 30)
    p = TP(tp.topic, 0)
    async with LogOffsets(KafkaSettings(bootstrap_servers=tansu_servers, engine=switch)) as log:  # type: ignore[arg-type]
        _, latest = await log.bounds([p])
        located = await log.offset_for_time(p, base + 12_500, 0, 30)
        future = await log.offset_for_time(p, base + 60_000, 0, 30)
    if switch == "kafka":
        assert latest == {p: 26}
        assert located is not None and located.offset == 0
        assert future is not None and future.offset == 0
    else:
        assert latest == {p: 30}
        assert located is not None and (located.offset, located.timestamp_ms, located.method) == (
            13,
            base + 13_000,
            "search",
        )
        assert future is None


@pytest.mark.parametrize("wait_ms", [3000, 100])
async def test_a_waiting_fetch_sees_a_new_record_late_only_on_tansu(
    engine: tuple[str, str], wait_ms: int
) -> None:
    """A record produced while a fetch waits at the broker: Kafka answers at once whatever
    the wait; tansu notices it only at intervals that grow with ``fetch_max_wait_ms``
    (0.3-0.9 s at 3 s). So on tansu ``kafka.fetch_max_wait_ms`` (100 ms) bounds each consumer
    hop's latency, and faust's own 1500 ms is replaced (streams/kafka/transport.py)."""
    name, bootstrap = engine
    topic = fresh("test.gaps.wait")
    await create_topic(bootstrap, topic, 1)
    tp = TopicPartition(topic, 0)
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=wait_ms)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await asyncio.gather(c.start(), producer.start())
    latencies = []
    try:
        c.assign([tp])
        await c.seek_to_end(tp)
        await c.getmany(tp, timeout_ms=300)
        for idle_s in (0.6, 0.9, 1.2, 0.6, 0.9):
            await asyncio.sleep(idle_s)  # a fetch is waiting at the broker
            sent = time.monotonic()
            await producer.send_and_wait(topic, b"x", partition=0)
            got = await c.getmany(tp, timeout_ms=10_000)
            latencies.append(time.monotonic() - sent)
            assert len(got.get(tp, [])) == 1
    finally:
        await asyncio.gather(c.stop(), producer.stop())
    late = statistics.median(latencies) > 0.25
    assert late == (name == "tansu" and wait_ms == 3000), latencies


async def test_fetch_partition_bytes_bounds_a_fetch_only_on_kafka(engine: tuple[str, str]) -> None:
    """30 records of 10 KB per partition, one per batch, a 64 KiB per-partition limit: Kafka
    returns about 6 records of a partition per fetch; tansu ignores the limit and can hand
    over a partition's whole backlog at once."""
    name, bootstrap = engine
    topic = fresh("test.gaps.bytes")
    await create_topic(bootstrap, topic, 2)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    try:
        for partition in (0, 1):
            for _ in range(30):
                await producer.send_and_wait(topic, os.urandom(10_000), partition=partition)
    finally:
        await producer.stop()
    tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
    c = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=64 * 1024,
        fetch_max_wait_ms=100,
    )
    await c.start()
    try:
        c.assign(tps)
        for tp in tps:
            c.seek(tp, 0)
        largest, total, deadline = 0, 0, time.monotonic() + 30
        while total < 60 and time.monotonic() < deadline:
            got = await c.getmany(timeout_ms=500)
            largest = max([largest, *(len(records) for records in got.values())])
            total += sum(len(records) for records in got.values())
    finally:
        await c.stop()
    assert total == 60
    if name == "kafka":
        assert largest <= 7, largest
    else:
        assert largest > 7, largest


async def test_max_poll_records_is_the_bound_of_one_poll(bootstrap_servers: str) -> None:
    """aiokafka hands over everything it prefetched in one poll unless ``max_records`` is set
    (faust passes ``streams.max_poll_records``): a client matter, so the same on both
    engines; on tansu it is the only bound (see the test above)."""
    topic = fresh("test.gaps.poll")
    await create_topic(bootstrap_servers, topic, 3)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, linger_ms=20)
    await producer.start()
    try:
        for partition in range(3):
            await asyncio.gather(
                *[await producer.send(topic, b"v" * 100, partition=partition) for _ in range(400)]
            )
    finally:
        await producer.stop()
    tps = [TopicPartition(topic, p) for p in range(3)]
    polls: dict[int | None, int] = {}
    for limit in (None, 200):
        c = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers, enable_auto_commit=False, fetch_max_wait_ms=100
        )
        await c.start()
        try:
            c.assign(tps)
            for tp in tps:
                c.seek(tp, 0)
            await asyncio.sleep(1.0)  # let the fetcher buffer every partition
            got = await c.getmany(timeout_ms=1000, max_records=limit)
            polls[limit] = sum(len(records) for records in got.values())
        finally:
            await c.stop()
    assert polls[None] > 1000 and polls[200] == 200, polls
