"""A batch of consumed records, and halving a batch down to the records a write rejects (pure).

* :class:`Batch` collects consumed records (``add`` per message, decoding each once with
  :func:`sinks.write.records.decode`) until :meth:`Batch.full` or the linger time says it should
  be flushed. Records that cannot be decoded are kept as *dead* (they go to the DLQ with the
  batch, before its offsets move). Records of revoked or fenced partitions, and records
  below the offsets already stored, are dropped before the batch is written.
* :func:`isolate` finds the records a write rejects by splitting the items in halves; the
  writer (:mod:`sinks.write.writer`) runs it over savepoints.

Nothing here does I/O.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from sinks.write.records import Capture, Dead, Lifecycle, Record, decode


class Batch:
    """Records consumed since the last flush, decoded as they arrive.

    Lifecycle: ``add`` per record; the sink flushes when :meth:`full` or
    :meth:`lingered`; a flushed batch is never reused. ``next_offsets`` are the offsets
    to store (and commit) per partition once every record of the batch is stored or
    dead-lettered.
    """

    def __init__(self, max_rows: int, max_bytes: int, linger_s: float) -> None:
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.linger_s = linger_s
        self.captures: list[Capture] = []
        self.dead: list[Dead] = []
        self.lifecycle: list[Lifecycle] = []  # applied after the captures, in offset order
        self.rows = 0
        self.bytes = 0
        self.messages = 0
        self.next_offsets: dict[int, int] = {}
        self.first_offsets: dict[int, int] = {}
        self.days: set[date] = set()  # UTC days of the captures (a superset after drops)
        self.opened_at: float | None = None
        #: ``(event_id, bookmaker_id)`` per capture found in the dimension cache when the batch
        #: closed (``None``: resolve when writing); set by the sink, read by the writer
        self.ids: list[tuple[int, int] | None] | None = None
        self.ids_generation = 0  # the dimension cache's generation ``ids`` came from

    def add(self, record: Record) -> None:
        if self.opened_at is None:
            self.opened_at = time.monotonic()
        decoded = decode(record)
        if isinstance(decoded, Capture):
            self.captures.append(decoded)
            self.rows += decoded.rows
            self.days.add(decoded.day)
        elif isinstance(decoded, Lifecycle):
            self.lifecycle.append(decoded)
            self.rows += 1
        else:
            self.dead.append(decoded)
            self.rows += 1
        self.bytes += record.size
        self.messages += 1
        self.next_offsets[record.partition] = record.offset + 1
        self.first_offsets.setdefault(record.partition, record.offset)

    def __len__(self) -> int:
        return self.messages

    def full(self) -> bool:
        return self.rows >= self.max_rows or self.bytes >= self.max_bytes

    def lingered(self, now: float | None = None) -> bool:
        if self.opened_at is None:
            return False
        return (now if now is not None else time.monotonic()) - self.opened_at >= self.linger_s

    def linger_left(self, now: float | None = None) -> float:
        """Seconds until :meth:`lingered` (the full linger time while empty)."""
        if self.opened_at is None:
            return self.linger_s
        return max(0.0, self.opened_at + self.linger_s - (now if now is not None else time.monotonic()))

    def drop_partitions(self, partitions: Iterable[int]) -> None:
        """Forget every record of ``partitions`` (revoked, or fenced by another writer)."""
        gone = set(partitions)
        if not gone & set(self.next_offsets):
            return
        self.captures = [c for c in self.captures if c.record.partition not in gone]
        self.dead = [d for d in self.dead if d.record.partition not in gone]
        self.lifecycle = [x for x in self.lifecycle if x.record.partition not in gone]
        for p in gone:
            self.next_offsets.pop(p, None)
        self._recount()

    def drop_below(self, stored: dict[int, int]) -> None:
        """Forget records below the offsets already stored in Postgres (re-delivered)."""
        if all(first >= stored.get(p, -1) for p, first in self.first_offsets.items()):
            return
        self.captures = [c for c in self.captures if c.record.offset >= stored.get(c.record.partition, -1)]
        self.dead = [d for d in self.dead if d.record.offset >= stored.get(d.record.partition, -1)]
        self.lifecycle = [x for x in self.lifecycle if x.record.offset >= stored.get(x.record.partition, -1)]
        for p, nxt in list(self.next_offsets.items()):
            if nxt <= stored.get(p, -1):
                del self.next_offsets[p]
        self._recount()

    def _recount(self) -> None:
        self.ids = None
        others = [d.record for d in self.dead] + [x.record for x in self.lifecycle]
        self.rows = sum(c.rows for c in self.captures) + len(others)
        self.messages = len(self.captures) + len(others)
        self.bytes = sum(c.record.size for c in self.captures) + sum(r.size for r in others)
        firsts: dict[int, int] = {}
        for r in [c.record for c in self.captures] + others:
            firsts[r.partition] = min(r.offset, firsts.get(r.partition, r.offset))
        self.first_offsets = firsts
        if not self.messages:
            # emptied by a drop: it lingers again from its next record. Left set, an empty
            # batch past its linger time gave the member loop getmany(timeout_ms=0), which
            # returns without yielding: the loop spun and starved the event loop (crash
            # campaign on Kafka: both writers' Postgres replies and Kafka fetches unread)
            self.opened_at = None


T = TypeVar("T")


def halves(items: Sequence[T]) -> tuple[Sequence[T], Sequence[T]]:
    """Split in two halves (the first gets the smaller half of an odd length)."""
    mid = len(items) // 2
    return items[:mid], items[mid:]


async def isolate(
    items: Sequence[T],
    attempt: Callable[[Sequence[T]], Awaitable[None]],
    is_data_error: Callable[[BaseException], bool],
) -> list[tuple[T, BaseException]]:
    """Write ``items`` with ``attempt``; on a data error split in halves and recurse.

    ``attempt`` must be atomic (a savepoint): when it raises, nothing of that call stays.
    Returns the single items whose own attempt raised a data error (the poison), in input
    order; everything else has been written. Any other exception propagates at once.
    For ``k`` poison records among ``n`` this makes at most about ``2·k·log2(n)`` attempts.
    """
    if not items:
        return []
    try:
        await attempt(items)
        return []
    except Exception as exc:
        if not is_data_error(exc):
            raise
        if len(items) == 1:
            return [(items[0], exc)]
    left, right = halves(items)
    return await isolate(left, attempt, is_data_error) + await isolate(right, attempt, is_data_error)
