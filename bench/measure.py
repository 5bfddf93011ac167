"""What the end-to-end benches measure with: the feed, paced publishing, commit times, CPU.

Shared by :mod:`bench.e2e` and :mod:`bench.storage`. Times are wall-clock (``time.time()``)
on this machine; a capture's freshness is *row committed* − *sent*:

* *sent*: recorded by :func:`publish_paced` just before the raw record goes to the producer,
  keyed by the (topic, partition, offset) of its delivery report;
* *row committed*: :class:`CommitWatch` polls the sink group's ``sink_offsets`` rows; when
  ``next_offset`` of a snapshots partition advances, every snapshot below it was committed
  (the sink writes offsets in the rows' transaction) at or before that instant;
* :func:`read_sources` joins the two: each snapshot names its ``source`` raw record.
"""

from __future__ import annotations

import asyncio
import bisect
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.stack import Stack, cpu_s, scrape
from streams.contracts.lifecycle import decode_snapshots_record
from streams.contracts.snapshot import SnapshotV1
from streams.kafka.producer import OddsProducer
from streams.simulator import World, WorldConfig, iter_captures

Key = tuple[str, int, int]  # (topic, partition, offset)


@dataclass(frozen=True, slots=True)
class Item:
    bookmaker: str
    event_id: str
    sportradar_id: int | None
    payload: bytes


def feed(events: int, size: str, cadence_s: float, seed: int = 7) -> Iterator[Item]:
    """The simulated feed, endless; one world, so boards continue from phase to phase."""
    world = World(events, seed=seed, start=datetime.now(UTC), config=WorldConfig(size=size))  # type: ignore[arg-type]
    for cap in iter_captures(world, rate_per_s=events * 3 / cadence_s):
        yield Item(cap.bookmaker, cap.bookmaker_event_id, cap.sportradar_id, orjson.dumps(cap.payload))


@dataclass
class Published:
    count: int = 0
    bytes: int = 0
    sent_at: dict[Key, float] = field(default_factory=dict)  # raw record → time.time() before send
    span_s: float = 0.0


async def publish_paced(
    producer: OddsProducer, items: Iterable[Item], rate: float, out: Published, track: bool = True
) -> Published:
    """Send ``items`` at ``rate``/s on an absolute schedule; ``captured_at`` = now at send time."""
    pending: set[asyncio.Future[None]] = set()

    async def send(topic: str, key: bytes, value: bytes, sent: float) -> None:
        d = await producer.send_raw(topic, key, value)
        if track:
            out.sent_at[(d.topic, d.partition, d.offset)] = sent
        out.count += 1
        out.bytes += len(value)

    t0 = time.monotonic()
    for k, it in enumerate(items):
        delay = t0 + k / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        topic, key, value = producer.envelope(
            it.bookmaker,
            it.payload,
            captured_at=datetime.now(UTC),
            bookmaker_event_id=it.event_id,
            sportradar_id=it.sportradar_id,
        )
        pending.add(asyncio.ensure_future(send(topic, key, value, time.time())))
        if len(pending) > 2000:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for f in done:
                f.result()
    await asyncio.gather(*pending)
    out.span_s = time.monotonic() - t0
    return out


class CommitWatch:
    """Polls the sink group's ``sink_offsets``; keeps when each snapshots offset became committed."""

    def __init__(self, stack: Stack, conn: Any, poll_s: float) -> None:
        self.stack, self.conn, self.poll_s = stack, conn, poll_s
        self.next: dict[int, list[int]] = {}  # partition → next offsets seen, increasing
        self.at: dict[int, list[float]] = {}  # partition → time each was first seen
        self.samples: list[tuple[float, int]] = []  # (time, total committed) on every change
        self.total = 0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> CommitWatch:
        await self.poll()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._stopping = True
        await self._task  # not cancelled mid-query: the connection stays usable

    async def poll(self) -> None:
        offsets = await self.stack.committed(self.conn)
        now = time.time()
        for p, nxt in offsets.items():
            seen = self.next.setdefault(p, [])
            if not seen or nxt > seen[-1]:
                seen.append(nxt)
                self.at.setdefault(p, []).append(now)
        total = sum(offsets.values())
        if total != self.total:
            self.total = total
            self.samples.append((now, total))

    async def _run(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.poll_s)
            await self.poll()

    def committed_at(self, partition: int, offset: int) -> float | None:
        seen = self.next.get(partition, [])
        i = bisect.bisect_right(seen, offset)
        return self.at[partition][i] if i < len(seen) else None

    async def settle(self, total: int, stall_s: float = 60.0) -> int:
        """Until ``total`` is committed or nothing moved for ``stall_s``; returns what is missing."""
        last, moved = self.total, time.monotonic()
        while self.total < total and time.monotonic() - moved < stall_s:
            self.stack.check_alive()
            await asyncio.sleep(0.2)
            if self.total != last:
                last, moved = self.total, time.monotonic()
        return total - self.total

    async def until(self, total: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.total < total:
            self.stack.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.total} of {total} snapshots committed after {timeout_s:.0f}s")
            await asyncio.sleep(0.1)


async def read_sources(
    stack: Stack, start: dict[int, int], n: int, out: dict[tuple[int, int], tuple[Key, float]]
) -> None:
    """Snapshots topic from ``start`` until ``n`` records: (partition, offset) → (source raw record,
    the snapshot's producer timestamp in s)."""
    topic = stack.settings.topics.snapshots
    consumer = AIOKafkaConsumer(
        bootstrap_servers=stack.bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=16 << 20
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(stack.partitions)]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, start.get(tp.partition, 0))
        while len(out) < n:
            for recs in (await consumer.getmany(timeout_ms=200)).values():
                for r in recs:
                    record = decode_snapshots_record(r.value)
                    if not isinstance(record, SnapshotV1):  # a close/reopen/merge, not a capture
                        continue
                    s = record.source
                    out[(r.partition, r.offset)] = ((s.topic, s.partition, s.offset), r.timestamp / 1000)
    finally:
        await consumer.stop()


class CpuMeter:
    """CPU used by each part of the stack over a phase, in % of one core."""

    def __init__(self, stack: Stack) -> None:
        self.pids = {
            "workers": [p.popen.pid for p in stack.of("worker")],
            "sinks": [p.popen.pid for p in stack.of("sink")],
            "broker": [stack.broker_pid] if stack.broker_pid else [],
            "bench": [os.getpid()],
        }
        self.t0, self.start = time.monotonic(), self._now()

    def _now(self) -> dict[str, float]:
        return {k: sum(cpu_s(pid) for pid in pids) for k, pids in self.pids.items()}

    def percent(self) -> dict[str, float]:
        wall, now = time.monotonic() - self.t0, self._now()
        return {k: 100 * (now[k] - self.start[k]) / wall for k in now if self.pids[k]}

    def seconds(self) -> dict[str, float]:
        """CPU seconds each part used since the meter was made."""
        now = self._now()
        return {k: now[k] - self.start[k] for k in now if self.pids[k]}


def show_cpu(cpu: dict[str, float]) -> str:
    return "CPU % of one core: " + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def drops(stack: Stack) -> dict[str, float]:
    """What the processes dropped or dead-lettered (their ``/metrics``), to explain missing rows."""
    workers = [scrape(p) for p in stack.of("worker")]
    sinks = [scrape(p) for p in stack.of("sink")]
    return {
        "stale": sum(m.get("oddsflow_stale_captures_total", 0) for m in workers),
        "worker_dlq": sum(m.get("oddsflow_dlq_records_total", 0) for m in workers),
        "sink_dlq": sum(m.get("oddsflow_dlq_records_total", 0) for m in sinks),
    }


async def storage(conn: Any) -> dict[str, Any]:
    """(c): rows stored against a full snapshot of every capture, and where the rows come from."""
    r = await conn.fetchrow(
        """SELECT count(*) AS snapshots, coalesce(sum(lines_total), 0) AS full_snapshot_rows,
                  coalesce(sum(lines_changed + lines_removed) FILTER (WHERE keyframe), 0) AS keyframe_rows,
                  coalesce(sum(lines_changed + lines_removed) FILTER (WHERE NOT keyframe), 0) AS change_rows,
                  count(*) FILTER (WHERE keyframe) AS keyframes
             FROM snapshots"""
    )
    out = dict(r) | {"odds_history": await conn.fetchval("SELECT count(*) FROM odds_history")}
    out["ratio"] = (out["snapshots"] + out["odds_history"]) / max(1, out["full_snapshot_rows"])
    return out


def add_up(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures of several stacks (each its own database) as one: counts summed, ratio recomputed."""
    total: dict[str, Any] = {}
    for part in parts:
        for k, v in part.items():
            if k != "ratio":
                total[k] = total.get(k, 0) + v
    if "full_snapshot_rows" in total:
        total["ratio"] = (total["snapshots"] + total["odds_history"]) / max(1, total["full_snapshot_rows"])
    return total
