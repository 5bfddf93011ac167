"""What the campaign's Kafka cluster says about its partitions: leaders, replicas, ISRs.

Read with the admin client's Metadata request (``describe_topics``), which any live node
answers from its metadata cache. Every read retries on a fresh client until its deadline:
right after a node is killed or stopped, a request may go to that node (the client picks
one at random) or to a node whose cache is a moment old.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams.replay.plan import TP
from streams.settings import KafkaSettings

READ_TIMEOUT_S = 10.0
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PartitionState:
    leader: int  # -1: none
    replicas: tuple[int, ...]
    isr: tuple[int, ...]


async def _with_admin(
    kafka: KafkaSettings, timeout_s: float, call: Callable[[AIOKafkaAdminClient], Awaitable[T]]
) -> T:
    """``await call(admin)`` on a fresh admin client, again on any error until ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(**kafka.client_kwargs(), request_timeout_ms=5000)
        try:
            await asyncio.wait_for(admin.start(), 5)
            return await asyncio.wait_for(call(admin), 5)
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)
        finally:
            with contextlib.suppress(Exception):  # a client of a dead node may not close cleanly
                await asyncio.wait_for(admin.close(), 5)


async def partitions(kafka: KafkaSettings, timeout_s: float = READ_TIMEOUT_S) -> dict[TP, PartitionState]:
    """Every partition of every topic (internal ones included) and its state."""

    async def read(admin: AIOKafkaAdminClient) -> dict[TP, PartitionState]:
        out = {}
        for topic in await admin.describe_topics():
            if topic["error_code"]:
                raise RuntimeError(f"metadata of {topic['topic']}: error {topic['error_code']}")
            for p in topic["partitions"]:
                state = PartitionState(p["leader"], tuple(p["replicas"]), tuple(p["isr"]))
                out[TP(topic["topic"], p["partition"])] = state
        return out

    return await _with_admin(kafka, timeout_s, read)


def leader_counts(states: dict[TP, PartitionState]) -> Counter[int]:
    """Partitions led per node."""
    return Counter(s.leader for s in states.values() if s.leader >= 0)


def out_of_sync(states: dict[TP, PartitionState], size: int) -> list[str]:
    """Partitions without a leader or with fewer than ``size`` replicas in sync."""
    return [
        f"{tp.topic}:{tp.partition} leader {s.leader} isr {list(s.isr)}"
        for tp, s in sorted(states.items())
        if s.leader < 0 or len(s.isr) < size
    ]


async def wait_in_sync(kafka: KafkaSettings, size: int, timeout_s: float) -> float:
    """Until every partition has a leader and ``size`` replicas in sync; the seconds it took."""
    t0 = time.monotonic()
    behind: list[str] = ["(not read yet)"]
    while time.monotonic() - t0 < timeout_s:
        try:
            behind = out_of_sync(await partitions(kafka, 5), size)
        except Exception as exc:
            behind = [f"metadata unreadable: {exc!r}"]
        if not behind:
            return time.monotonic() - t0
        await asyncio.sleep(0.5)
    raise AssertionError(f"partitions not back in sync after {timeout_s:.0f}s: {behind[:20]}")


async def min_insync(kafka: KafkaSettings, topics: list[str]) -> dict[str, str]:
    """``min.insync.replicas`` of each topic as the brokers apply it (override or default)."""

    async def read(admin: AIOKafkaAdminClient) -> dict[str, str]:
        wanted = {"min.insync.replicas": None}
        resources = [ConfigResource(ConfigResourceType.TOPIC, t, dict(wanted)) for t in topics]
        out = {}
        for response in await admin.describe_configs(resources):
            for res in response.to_object()["resources"]:
                for entry in res["config_entries"]:
                    out[res["resource_name"]] = entry["config_value"]
        return out

    return await _with_admin(kafka, READ_TIMEOUT_S, read)


async def coordinator(kafka: KafkaSettings, group: str) -> int:
    """The node coordinating ``group`` (its ``__consumer_offsets`` partition's leader)."""

    async def read(admin: AIOKafkaAdminClient) -> int:
        return await admin.find_coordinator(group)

    return await _with_admin(kafka, READ_TIMEOUT_S, read)


async def replication_report(kafka: KafkaSettings, replicas: int) -> tuple[str, list[str]]:
    """Whether every partition on the cluster (internal topics included) has ``replicas``
    replicas and every other topic ``min.insync.replicas`` 2: a summary line, and what is
    not so."""
    states = await partitions(kafka)
    topics = sorted({tp.topic for tp in states})
    sizes = sorted({(tp.topic, len(s.replicas)) for tp, s in states.items()})
    wrong = [f"{t}: {n} replicas" for t, n in sizes if n != replicas]
    isr = await min_insync(kafka, [t for t in topics if not t.startswith("__")])
    wrong += [f"{t}: min.insync.replicas {v}" for t, v in sorted(isr.items()) if v != "2"]
    line = (
        f"{len(topics)} topics ({len(states)} partitions, changelogs and internal topics included) "
        f"at replication factor {replicas}, min.insync.replicas 2"
    )
    return line, wrong
