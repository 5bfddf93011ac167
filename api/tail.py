"""The shared tail: one Kafka consumer on ``odds.snapshots.v1`` feeding every subscriber.

Lifecycle: :meth:`Tail.start` assigns every partition of the topic (no consumer group:
nothing is committed, the API never moves anyone's offsets), starts at the log end, and
runs :meth:`Tail._run` in a task until :meth:`Tail.stop`. Records are *released* into the
:class:`~api.ring.Ring` in partition order — at once, or with ``api.after_sink`` only once
the sink's stored next offset (``sink_offsets`` of ``sink.group_id``) has passed them, so a
change streamed is a change the read endpoints already show. Until released a record waits
in ``pending``; past ``api.ring_size`` pending records the tail pauses fetching (a stalled
sink never grows the API's memory). Each release decodes the record once (a record the
contract rejects is skipped: the sink dead-letters it), resolves the event's canonical id
(cached) and renders the SSE data once for all subscribers, then wakes them.

The tail also drives the best-prices cache (:mod:`api.best_cache`, ``best_cache`` when set):
each released batch invalidates the events it names. :attr:`Tail.in_sync` turns true once
the sink has stored every record before the tail's start position (before that a commit
could change Postgres without a release), :attr:`Tail.fetched_at` is the end of the last
fetch round; :meth:`Tail.cache_live` combines them.

Decision (docs/api.md): a shared tail with a bounded ring, plus a short-lived seeking
reader per resuming subscriber only for positions older than the ring (``api.stream``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.best_cache import TAIL_SILENT_S, BestCache
from api.ring import Change, Ring
from streams.contracts.snapshot import SnapshotV1, decode_snapshot
from streams.errors import DataError
from streams.kafka.workarounds.metadata import topic_partitions
from streams.settings import Settings

log = logging.getLogger(__name__)

RESOLVE = """
SELECT 'sr:' || e.sportradar_id AS key, e.id FROM events e
 WHERE e.sportradar_id = ANY(CAST(:srs AS bigint[]))
UNION ALL
SELECT b.key || ':' || eb.bookmaker_event_id, eb.event_id
  FROM event_bookmakers eb JOIN bookmakers b ON b.id = eb.bookmaker_id
  JOIN unnest(CAST(:books AS text[]), CAST(:own AS text[])) AS u(book, own)
    ON u.book = b.key AND u.own = eb.bookmaker_event_id
"""
CACHE_MAX = 200_000


def _dt(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def change_data(snap: SnapshotV1, event_id: int | None, partition: int, offset: int) -> bytes:
    """The ``data`` of one SSE ``change`` event (JSON)."""
    ev = snap.event
    return orjson.dumps(
        {
            "event_id": event_id,
            "event_key": snap.key,
            "sportradar_id": ev.sportradar_id,
            "sport": ev.sport,
            "home": ev.home,
            "away": ev.away,
            "kickoff": _dt(ev.kickoff),
            "tournament": ev.tournament,
            "bookmaker": snap.bookmaker,
            "bookmaker_event_id": snap.bookmaker_event_id,
            "captured_at": _dt(snap.captured_at),
            "live": snap.live,
            "keyframe": snap.keyframe,
            "changed": [{"market_id": m, "line": ln, "outcomes": o} for (m, ln), o in snap.changed.items()],
            "removed": [{"market_id": m, "line": ln} for m, ln in snap.removed],
            "partition": partition,
            "offset": offset,
        }
    )


class Tail:
    """One consumer, one ring, many subscribers (see the module docstring)."""

    def __init__(self, settings: Settings, engine: AsyncEngine | None) -> None:
        self.settings = settings
        self.topic = settings.topics.snapshots
        self.engine = engine
        self.ring: Ring | None = None
        self.head: dict[int, int] = {}  # next offset not yet released, per partition
        self._consumer: Any = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._pending: dict[int, deque[Any]] = {}
        self._paused = False
        self._ids: dict[str, int] = {}
        self._sink_checked = 0.0
        self._watermark: dict[int, int] = {}
        self.error: str | None = None
        self.released = 0
        self.best_cache: BestCache | None = None
        self.in_sync = False
        self.fetched_at = 0.0
        self._start: dict[int, int] = {}

    @property
    def ready(self) -> bool:
        return self.ring is not None

    @property
    def partitions(self) -> list[int]:
        return sorted(self.head)

    def cache_live(self) -> bool:
        """Whether a cache fed by this tail may serve (in sync, fetched within TAIL_SILENT_S)."""
        return self.in_sync and self.ring is not None and time.monotonic() - self.fetched_at < TAIL_SILENT_S

    def position(self) -> dict[int, int]:
        return dict(self.head)

    async def wait(self, timeout_s: float) -> bool:
        """Wait for the next release (True) or ``timeout_s`` (False)."""
        wake = self._wake
        try:
            await asyncio.wait_for(wake.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def start(self) -> None:
        """Create the consumer and the background task (the topic may appear later)."""
        kafka = self.settings.kafka
        self._consumer = AIOKafkaConsumer(
            **kafka.client_kwargs(),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=kafka.fetch_max_wait_ms,
            max_partition_fetch_bytes=max(kafka.fetch_partition_bytes, kafka.max_message_bytes + 1024),
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name="api-tail")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def _assign(self) -> None:
        while True:
            parts = (await topic_partitions(self._consumer)).get(self.topic)
            if parts:
                break
            self.error = f"topic {self.topic} not found"
            await asyncio.sleep(1.0)
        tps = [TopicPartition(self.topic, p) for p in parts]
        self._consumer.assign(tps)
        await self._consumer.seek_to_end(*tps)
        self.head = {tp.partition: int(await self._consumer.position(tp)) for tp in tps}
        self._start = dict(self.head)
        self._pending = {p: deque() for p in parts}
        self.ring = Ring(self.settings.api.ring_size, self.head)
        self.error = None
        log.info("api tail on %s from %s", self.topic, self.head)

    async def _run(self) -> None:
        await self._assign()
        poll_s = self.settings.api.sink_poll_ms / 1000
        while True:
            try:
                got = await self._consumer.getmany(timeout_ms=int(poll_s * 1000), max_records=2000)
            except Exception as exc:  # transient broker errors: the consumer reconnects itself
                self.error = f"fetch failed: {exc!r}"
                log.warning("api tail: %s", self.error)
                await asyncio.sleep(1.0)
                continue
            for tp, messages in got.items():
                self._pending[tp.partition].extend(messages)
            if any(self._pending.values()):
                await self._release()
            if not self.in_sync and self.settings.api.after_sink:
                mark = await self._sink_watermark()
                self.in_sync = all(mark.get(p, 0) >= o for p, o in self._start.items())
            self.fetched_at = time.monotonic()
            self._pace()

    def _pace(self) -> None:
        """Pause fetching while a ring's worth of records waits for the sink."""
        waiting = sum(len(q) for q in self._pending.values())
        tps = [TopicPartition(self.topic, p) for p in self._pending]
        if not self._paused and waiting >= self.settings.api.ring_size:
            self._consumer.pause(*tps)
            self._paused = True
        elif self._paused and waiting < self.settings.api.ring_size // 2:
            self._consumer.resume(*tps)
            self._paused = False

    async def _sink_watermark(self) -> dict[int, int]:
        """Next offsets the sink has stored per partition (re-read at most every sink_poll_ms)."""
        now = time.monotonic()
        if self.engine is None or now - self._sink_checked < self.settings.api.sink_poll_ms / 1000:
            return self._watermark
        self._sink_checked = now
        try:
            async with self.engine.connect() as conn:
                rows = await conn.execute(
                    text(
                        "SELECT partition, next_offset FROM sink_offsets "
                        "WHERE consumer_group = :g AND topic = :t AND next_offset >= 0"
                    ),
                    {"g": self.settings.sink.group_id, "t": self.topic},
                )
                self._watermark = {int(p): int(o) for p, o in rows}
        except Exception as exc:  # Postgres away: keep what we had, try again next poll
            self.error = f"sink offsets unreadable: {exc!r}"
            log.warning("api tail: %s", self.error)
        return self._watermark

    async def _release(self) -> None:
        gate = self.settings.api.after_sink
        watermark = await self._sink_watermark() if gate else {}
        batch: list[tuple[Any, SnapshotV1 | None]] = []
        for p, queue in self._pending.items():
            limit = watermark.get(p, 0) if gate else None
            while queue and (limit is None or queue[0].offset < limit):
                message = queue.popleft()
                try:
                    snap: SnapshotV1 | None = decode_snapshot(message.value)
                except DataError:
                    snap = None
                batch.append((message, snap))
        if not batch:
            return
        ids = await self.resolve({s.key for _, s in batch if s is not None})
        assert self.ring is not None
        for message, snap in batch:
            self.head[message.partition] = message.offset + 1
            if snap is None:
                continue
            eid = ids.get(snap.key)
            self.ring.append(
                message.partition,
                message.offset,
                snap.key,
                snap.event.sport,
                snap.bookmaker,
                eid,
                change_data(snap, eid, message.partition, message.offset),
            )
            self.released += 1
        if self.best_cache is not None:
            self.best_cache.released(
                {ids[s.key] for _, s in batch if s is not None and s.key in ids},
                unattributed=any(s is None or s.key not in ids for _, s in batch),
            )
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    async def resolve(self, keys: set[str]) -> dict[str, int]:
        """Canonical event ids of snapshot keys (cached; unknown keys are left out)."""
        missing = [k for k in keys if k not in self._ids]
        if missing and self.engine is not None:
            srs = [int(k[3:]) for k in missing if k.startswith("sr:") and k[3:].isdigit()]
            own = [k.partition(":") for k in missing if not k.startswith("sr:")]
            try:
                async with self.engine.connect() as conn:
                    rows = await conn.execute(
                        text(RESOLVE),
                        {"srs": srs, "books": [b for b, _, _ in own], "own": [o for _, _, o in own]},
                    )
                    if len(self._ids) > CACHE_MAX:
                        self._ids.clear()
                    self._ids.update({str(k): int(i) for k, i in rows})
            except Exception as exc:
                log.warning("api tail: event ids not resolved: %r", exc)
        return {k: self._ids[k] for k in keys if k in self._ids}

    def read(self, seq: int, limit: int = 256) -> list[Change]:
        assert self.ring is not None
        return self.ring.read(seq, limit)
