"""Where each partition assigned to a sink member stands; Postgres decides, the consumer follows.

``sink_offsets`` holds the offsets the sink trusts (:mod:`sinks.write.offsets`). For one member:

* on assignment (:class:`Rebalance` → :meth:`Positions.assigned`) a partition is paused and
  *pending* until :meth:`Positions.seek_pending` has read its stored offset and the consumer
  has sought there (the beginning when nothing is stored); it is resumed then, unless all
  partitions are held (:meth:`Positions.hold`: paused while Postgres or the broker is
  unreachable). A failed read is retried a second later;
* ``stored[p]`` is the next offset stored in Postgres as far as the member knows (read at
  assignment, or written with its last batch; ``None``: nothing stored): the writer's fence
  checks it. ``position[p]`` is the next offset to accept from the fetch: a record below it
  is skipped and never written again;
* on revocation, or when the fence says another writer moved the offsets
  (:meth:`Positions.moved`), a partition is forgotten — and positioned again while it is
  still assigned;
* :class:`KafkaCommits` mirrors committed offsets to Kafka in the background, only so that
  lag tools see progress; the sink never reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from sinks.write.errors import classify
from streams.observe.monitor import LagRow

log = logging.getLogger(__name__)

Consumer = Any  # aiokafka.AIOKafkaConsumer (subscribed to the positions' topic)


class OffsetReader(Protocol):
    """What :meth:`Positions.seek_pending` needs of a writer (the snapshot and signals sinks')."""

    async def stored_offsets(self, partitions: Sequence[int]) -> dict[int, int]: ...

    async def reset(self) -> None: ...


class Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Hands the partition numbers of a rebalance to the member."""

    def __init__(
        self, assigned: Callable[[set[int]], None], revoked: Callable[[set[int]], Awaitable[None]]
    ) -> None:
        self.assigned, self.revoked = assigned, revoked

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.revoked({tp.partition for tp in revoked})

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.assigned({tp.partition for tp in assigned})


class Positions:
    """The assigned partitions of one member and where each stands (see module docstring)."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.stored: dict[int, int | None] = {}  # assigned and positioned partitions
        self.position: dict[int, int] = {}  # next offset to accept per partition
        self.pending: set[int] = set()  # assigned, waiting for their seek
        self.retry_at = 0.0  # when to retry seeks after a failed attempt
        self.held = False  # all partitions paused (Postgres or broker unreachable)

    def forget(self, partitions: Iterable[int]) -> None:
        for p in partitions:
            self.position.pop(p, None)
            self.stored.pop(p, None)

    def assigned(self, consumer: Consumer, partitions: set[int]) -> None:
        """New partitions stay paused until :meth:`seek_pending` has positioned them."""
        self.forget(partitions)
        self.pending |= partitions
        consumer.pause(*[TopicPartition(self.topic, p) for p in partitions])
        self.retry_at = 0.0

    def hold(self, consumer: Consumer, hold: bool) -> None:
        """Pause every assigned partition (or resume those that are positioned)."""
        if hold == self.held:
            return
        self.held = hold
        assigned = consumer.assignment()
        if hold:
            consumer.pause(*assigned)
        else:
            consumer.resume(*[tp for tp in assigned if tp.partition not in self.pending])

    def revoked(self, partitions: set[int]) -> None:
        self.forget(partitions)
        self.pending -= partitions

    def moved(self, consumer: Consumer, stored: dict[int, int | None]) -> None:
        """Partitions whose stored offsets another writer moved: read them again from there."""
        assigned = {tp.partition for tp in consumer.assignment()}
        mine = {p for p in stored if p in assigned}
        self.forget(stored)
        if mine:
            self.assigned(consumer, mine)

    async def seek_pending(self, consumer: Consumer, writer: OffsetReader) -> None:
        """Seek pending partitions to their stored offsets and resume them (unless held).

        Does nothing before :attr:`retry_at`. A transient failure to read the offsets drops
        the writer's connection and retries a second later; other failures propagate.
        """
        if not self.pending or time.monotonic() < self.retry_at:
            return
        parts = sorted(self.pending)
        try:
            stored = await writer.stored_offsets(parts)
        except Exception as exc:
            if classify(exc) != "transient":
                raise
            log.warning("cannot read stored offsets (%r); retrying", exc)
            await writer.reset()
            self.retry_at = time.monotonic() + 1.0
            return
        assigned = consumer.assignment()
        ready = []
        for p in parts:
            tp = TopicPartition(self.topic, p)
            if tp not in assigned:
                continue
            if p in stored:
                consumer.seek(tp, stored[p])
            else:
                await consumer.seek_to_beginning(tp)
            self.stored[p] = stored.get(p)
            self.position[p] = stored.get(p, 0)
            ready.append(tp)
        self.pending.difference_update(parts)
        log.info("positioned %s at stored offsets %s", self.topic, {p: stored.get(p) for p in parts})
        if not self.held:
            consumer.resume(*ready)

    def lag_rows(self, consumer: Consumer) -> list[LagRow]:
        """(topic, partition, high watermark, stored next offset) per positioned partition."""
        rows: list[LagRow] = []
        for tp in consumer.assignment():
            if tp.partition in self.pending or tp.partition not in self.stored:
                continue
            rows.append((tp.topic, tp.partition, consumer.highwater(tp), self.stored[tp.partition]))
        return rows


class KafkaCommits:
    """Commits to Kafka in the background (only lag tools read these; Postgres holds the
    truth): the next batch is not kept waiting for the broker's answer. Failures are ignored;
    a partition no longer assigned is not committed."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self._uncommitted: dict[int, int] = {}  # Kafka commits still to send
        self._committing: asyncio.Task[None] | None = None

    def commit(self, consumer: Consumer, offsets: dict[int, int]) -> None:
        self._uncommitted.update(offsets)
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit_pending(consumer))

    async def _commit_pending(self, consumer: Consumer) -> None:
        while self._uncommitted:
            offsets, self._uncommitted = self._uncommitted, {}
            assigned = consumer.assignment()
            tps = {TopicPartition(self.topic, p): o for p, o in offsets.items()}
            tps = {tp: o for tp, o in tps.items() if tp in assigned}
            if not tps:
                continue
            try:
                await asyncio.wait_for(consumer.commit(tps), 5)
            except (KafkaError, TimeoutError) as exc:
                log.debug("kafka commit failed (ignored): %r", exc)

    async def wait(self, timeout_s: float) -> None:
        """At shutdown: give the commits in flight ``timeout_s`` to finish (errors ignored)."""
        if self._committing is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._committing, timeout_s)
