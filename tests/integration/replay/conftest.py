"""Helpers for replay and DLQ integration tests: fresh names, timed records, CLI runs, tables."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from click.testing import CliRunner, Result


def fresh(name: str) -> str:
    return f"{name}.{secrets.token_hex(4)}"


async def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, 1)])
    finally:
        await admin.close()


async def produce_timed(
    bootstrap: str, topic: str, partition: int, timestamps_ms: Sequence[int], batch: int = 5
) -> None:
    """Records ``v<i>`` with the given timestamps, sent in multi-record batches of ``batch``."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=100)
    await producer.start()
    try:
        for start in range(0, len(timestamps_ms), batch):
            futures = [
                await producer.send(topic, b"v%d" % i, key=b"k", partition=partition, timestamp_ms=ts)
                for i, ts in enumerate(timestamps_ms[start : start + batch], start)
            ]
            await producer.flush()
            for f in futures:
                await f
    finally:
        await producer.stop()


async def commit(bootstrap: str, group: str, offsets: dict[tuple[str, int], int]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = {TopicPartition(*tp): o for tp, o in offsets.items()}
        consumer.assign(list(tps))
        await consumer.commit(tps)
    finally:
        await consumer.stop()


async def committed(
    bootstrap: str, group: str, tps: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {tp: await consumer.committed(TopicPartition(*tp)) for tp in tps}
    finally:
        await consumer.stop()


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def run_cli(command: Any, args: list[str], env: dict[str, str]) -> Result:
    """Invoke a click command in-process with ``env`` as its environment twins."""
    return CliRunner().invoke(command, args, env=env, catch_exceptions=False)


async def invoke(command: Any, args: list[str], env: dict[str, str]) -> Result:
    """:func:`run_cli` from async tests (the command runs its own event loop, in a thread)."""
    return await asyncio.to_thread(run_cli, command, args, env)


def table_rows(output: str) -> dict[tuple[str, int], tuple[int | None, int]]:
    """``{(topic, partition): (before, after)}`` read back from the printed replay table."""
    rows: dict[tuple[str, int], tuple[int | None, int]] = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) < 8 or not cells[2].isdigit():
            continue
        topic, partition, before, after = cells[1], int(cells[2]), cells[5], int(cells[6])
        rows[(topic, partition)] = (None if before == "-" else int(before), after)
    return rows
