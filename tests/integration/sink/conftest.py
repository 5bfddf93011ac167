"""Helpers for the sink's integration tests: fresh topics and groups, publishing, waiting.

Every test uses fresh topic names and a fresh consumer group (tansu keeps a group's dead
members until their session expires) and a low session timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from sinks.sink import PostgresSink
from streams.contracts.snapshot import SnapshotV1, encode_snapshot
from streams.settings import Settings, load_settings

SESSION_TIMEOUT_MS = 1500


def fresh(name: str) -> str:
    return f"{name}.{secrets.token_hex(4)}"


@pytest.fixture
def names() -> dict[str, str]:
    """Fresh snapshot topic, DLQ topic and consumer group names for one test."""
    return {"topic": fresh("test.snapshots.v1"), "dlq": fresh("test.dlq.v1"), "group": fresh("test-sink")}


async def create_topics(bootstrap: str, *topics: tuple[str, int]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, n, 1) for name, n in topics])
    finally:
        await admin.close()


async def publish(
    bootstrap: str, topic: str, items: Sequence[SnapshotV1 | tuple[bytes, bytes]], partitions: int
) -> dict[int, int]:
    """Publish captures (keyed by event) or raw (key, value) pairs; returns next offset per partition.

    Partitions are chosen here (stable hash of the key), so the expected offsets are known.
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=256 * 1024)
    await producer.start()
    try:
        futures = []
        for item in items:
            key, value = (item.key.encode(), encode_snapshot(item)) if isinstance(item, SnapshotV1) else item
            part = sum(key) % partitions
            futures.append(await producer.send(topic, value, key=key, partition=part))
        metas = await asyncio.gather(*futures)
    finally:
        await producer.stop()
    nxt: dict[int, int] = {}
    for m in metas:
        nxt[m.partition] = max(nxt.get(m.partition, 0), m.offset + 1)
    return nxt


def sink_settings(bootstrap: str, db_url: str, names: dict[str, str], **sink: Any) -> Settings:
    return load_settings(
        kafka={"bootstrap_servers": bootstrap},
        postgres={"url": db_url},
        topics={"snapshots": names["topic"], "dlq": names["dlq"]},
        sink={"group_id": names["group"], **sink},
        monitor={"sink_port": 0},
    )


def sink_env(bootstrap: str, db_url: str, names: dict[str, str], **sink: Any) -> dict[str, str]:
    """Environment for ``python -m streams sink`` in a subprocess."""
    env = {
        "ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap,
        "ODDS_POSTGRES__URL": db_url,
        "ODDS_TOPICS__SNAPSHOTS": names["topic"],
        "ODDS_TOPICS__DLQ": names["dlq"],
        "ODDS_SINK__GROUP_ID": names["group"],
        "ODDS_MONITOR__SINK_PORT": "0",
    }
    env.update({f"ODDS_SINK__{k.upper()}": str(v) for k, v in sink.items()})
    return env


@contextlib.asynccontextmanager
async def running(sink: PostgresSink) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``sink`` in a task; stop it (and re-raise its failure) on exit."""
    task = asyncio.create_task(sink.run())
    try:
        yield task
    finally:
        sink.stop()
        await asyncio.wait_for(task, 60)


def new_sink(settings: Settings, **kwargs: Any) -> PostgresSink:
    return PostgresSink(settings, session_timeout_ms=SESSION_TIMEOUT_MS, **kwargs)


async def wait_until(
    check: Callable[[], Awaitable[bool]], timeout_s: float, what: str, task: asyncio.Task[None] | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if task is not None and task.done():
            task.result()
            raise AssertionError(f"sink stopped before: {what}")
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s}s waiting for: {what}")


async def stored_offsets(db_url: str, group: str, topic: str) -> dict[int, int]:
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch(
            "SELECT partition, next_offset FROM sink_offsets WHERE consumer_group = $1 AND topic = $2",
            group,
            topic,
        )
        return {r["partition"]: r["next_offset"] for r in rows}
    finally:
        await conn.close()


def offsets_reach(
    db_url: str, names: dict[str, str], expected: dict[int, int]
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await stored_offsets(db_url, names["group"], names["topic"]) == expected

    return check


async def count(db_url: str, sql: str) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def read_topic(bootstrap: str, topic: str, n: int, timeout_s: float = 10) -> list[Any]:
    """The first ``n`` records of ``topic`` (all partitions), or fail after ``timeout_s``."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    out: list[Any] = []
    try:
        deadline = time.monotonic() + timeout_s
        while len(out) < n and time.monotonic() < deadline:
            for msgs in (await consumer.getmany(timeout_ms=200)).values():
                out.extend(msgs)
        # anything beyond n would be a duplicate dead letter
        for msgs in (await consumer.getmany(timeout_ms=500)).values():
            out.extend(msgs)
    finally:
        await consumer.stop()
    return out


async def kafka_committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in range(partitions)}
    finally:
        await consumer.stop()
