"""The match agent's lifecycle step: stream time, due events, admission (async glue, no rules).

The rules are :mod:`streams.stages.match.lifecycle`'s. :class:`Expiry` is called by the agent for
every canonical record, inside faust's processing of that record (so table writes go to
the record's changelog partition, which is also the partition of every key touched):

1. :meth:`Expiry.before` — loads the partition's :class:`~streams.stages.match.lifecycle.DueIndex`
   after a rebalance (publishing its markers' ``closed`` records again), advances stream
   time, settles due events (waiting first until their snapshots were acknowledged) and
   returns the capture's :class:`~streams.stages.match.lifecycle.Admission` (reopening it if so);
2. :meth:`Expiry.after` — after the capture was matched: its new deadline, or a pending
   close when the capture says the event is over.

3. :meth:`Expiry.absorb` — a merge request on the canonical topic (:mod:`streams.stages.match.merge`).

Lifecycle and merge records go out through the agent's :class:`~streams.kafka.delivery.KeyedSender` under
the gate ``"<event key>|~lifecycle"``; every send of the event waits for it first.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from aiokafka.partitioner import murmur2

from streams.contracts.canonical import CLOSING_STATUSES
from streams.contracts.capture import CanonicalCaptureV1
from streams.contracts.lifecycle import EventLifecycleV1, encode_lifecycle
from streams.contracts.merge import EventMergeV1, encode_merge
from streams.kafka.delivery import KeyedSender, OutRecord
from streams.observe import metrics
from streams.stages.match import lifecycle as lc
from streams.stages.match import merge
from streams.stages.match.registry import decode_entry


def key_partition(partitions: int) -> Callable[[str], int]:
    """Canonical partition of an event key (the producers' default partitioner: murmur2)."""

    def partition_of(key: str) -> int:
        return int(murmur2(key.encode()) & 0x7FFFFFFF) % partitions

    return partition_of


def lifecycle_gate(key: str) -> str:
    return f"{key}|~lifecycle"


class Expiry:
    """One per agent; see the module docstring for when each method runs."""

    def __init__(
        self,
        boards: MutableMapping[str, bytes],
        registry: MutableMapping[str, bytes],
        sender: KeyedSender,
        *,
        topic: str,
        partitions: int,
        policy: lc.LifecyclePolicy,
        on_close: Callable[[str], object] | None = None,
    ) -> None:
        self.boards = boards
        self.on_close = on_close  # memory-only state of the event to drop (cross-book agreement)
        self.registry = registry
        self.sender = sender
        self.topic = topic
        self.policy = policy
        self.index = lc.DueIndex()
        self.partition_of = key_partition(partitions)
        self.closed: set[str] = set()  # keys of closed markers in the index

    def forget(self, *_: Any, **__: Any) -> None:
        """On a rebalance: the index is rebuilt per partition from the recovered tables."""
        self.index.forget()
        self.closed.clear()

    def open_events(self) -> int:
        return self.index.size() - len(self.closed)

    async def publish(self, record: EventLifecycleV1) -> None:
        out = OutRecord(self.topic, record.key.encode(), encode_lifecycle(record))
        await self.sender.send(lifecycle_gate(record.key), out, _noop)
        if record.state == "closed":
            metrics.EVENTS_CLOSED.labels(record.reason).inc()
            if self.on_close is not None:
                self.on_close(record.key)

    async def _load(self, partition: int) -> None:
        due, republish, markers = lc.scan(
            partition, self._items(), self.boards, self.policy, self.partition_of
        )
        self.index.load(partition, due)
        self.closed.update(markers)
        for record in republish:
            out = OutRecord(self.topic, record.key.encode(), encode_record(record))
            await self.sender.send(lifecycle_gate(record.key), out, _noop)

    async def absorb(self, partition: int, request: EventMergeV1) -> OutRecord | None:
        """Carry out a merge request on the old key's partition (:func:`streams.stages.match.merge.absorb`).

        Returns the merge record to publish under :func:`lifecycle_gate` of the old key, or None.
        Stream time does not move: the request's time is another partition's.
        """
        if not self.index.loaded(partition):
            await self._load(partition)
        key = request.key
        await self._wait_event(key)
        record, marker = merge.absorb(request, self.boards, self.registry)
        assert marker.closed is not None
        self.closed.add(key)
        self.index.set(partition, key, lc.purge_at(marker.closed, self.policy))
        if record is None:
            return None
        metrics.EVENTS_MERGED.labels(record.reason).inc()
        return OutRecord(self.topic, key.encode(), encode_merge(record))

    def _items(self) -> list[tuple[str, bytes]]:
        return list(self.registry.items())

    async def before(self, partition: int, capture: CanonicalCaptureV1) -> lc.Admission:
        if not self.index.loaded(partition):
            await self._load(partition)
        now = lc.advance_stream_time(self.registry, partition, capture.event.captured_at)
        for key in self.index.pop_due(partition, now):
            await self._wait_event(key)
            record, when = lc.settle(key, self.boards, self.registry, now, self.policy)
            if record is not None:
                self.closed.add(key)
                await self.publish(record)
            if when is not None:
                self.index.set(partition, key, when)
            else:
                self.closed.discard(key)
        key = capture.key
        entry = decode_entry(self.registry.get(key))
        admission = lc.admit(entry, capture, now, self.policy)
        if admission is lc.Admission.REOPEN:
            assert entry is not None
            await self.sender.wait(lifecycle_gate(key))
            await self.publish(lc.reopen(key, entry, self.registry, now))
            self.closed.discard(key)
            metrics.EVENTS_REOPENED.inc()
        elif admission in (lc.Admission.LATE, lc.Admission.AFTER_CLOSE):
            metrics.CAPTURES_AFTER_CLOSE.labels(admission.value).inc()
        if admission in (lc.Admission.OPEN, lc.Admission.REOPEN):
            await self.sender.wait(lifecycle_gate(key))
        return admission

    def after(self, partition: int, capture: CanonicalCaptureV1) -> None:
        key = capture.key
        status = capture.event.status
        if status in CLOSING_STATUSES:
            assert status is not None
            lc.mark_closing(key, self.registry, status)
        entry = decode_entry(self.registry.get(key))
        if entry is not None:
            self.index.set(partition, key, lc.next_due(key, entry, self.boards, self.policy))
        metrics.OPEN_EVENTS.set(self.open_events())
        metrics.TABLE_ENTRIES.labels("event_registry").set(len(self.registry))
        metrics.TABLE_ENTRIES.labels("last_prices").set(len(self.boards))

    async def _wait_event(self, key: str) -> None:
        entry = decode_entry(self.registry.get(key))
        if entry is None:
            return
        for bookmaker in entry.listings:
            await self.sender.wait(f"{key}|{bookmaker}")
        await self.sender.wait(lifecycle_gate(key))


def _noop() -> None:
    return None


def encode_record(record: EventLifecycleV1 | EventMergeV1) -> bytes:
    return encode_merge(record) if isinstance(record, EventMergeV1) else encode_lifecycle(record)
