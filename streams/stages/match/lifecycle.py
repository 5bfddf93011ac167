"""Event lifecycle in the match stage: open, close, reopen, late (pure functions over the tables).

Time is **stream time**: per canonical partition, the latest ``captured_at`` seen on it
(kept in ``event_registry`` under :func:`stream_time_key`, so a restarted worker decides
as the dead one would have). Wall-clock time is never read. Rules (docs/lifecycle.md):

* an event **closes** when a bookmaker reports it over (``status`` ``ended``, ``settled``,
  ``removed``: the capture is published, its entry marked ``closing``, and the close is
  carried out when the next record of the partition is processed, once that snapshot is
  acknowledged), or when stream time reaches its *deadline*: ``max(kickoff, last capture)
  + idle`` (reason ``idle``);
* closing writes a closed marker in ``event_registry`` (with each bookmaker's last raw
  source and capture time), deletes the event's ``last_prices`` entries (tombstones in the
  compacted changelog) and returns an :class:`~streams.contracts.lifecycle.EventLifecycleV1`
  ``closed`` record for the snapshots topic;
* a capture of a closed event (:func:`admit`): a redelivery of one seen before the close,
  or one that again says the event is over, is skipped (``AFTER_CLOSE``); otherwise it
  **reopens** the event while stream time is before ``closed at + grace`` (a keyframe
  follows: the board is gone), and is **late** after it (dead-lettered with its bytes);
* a capture of an unknown event whose own time is ``idle + grace`` or more behind stream
  time is late too: had the event been open then, it would have closed and passed its
  grace by now (this is what makes dropping the marker safe);
* the marker is deleted at ``closed at + grace + idle`` of stream time;
* an *alias marker* (``merged_into`` set, :mod:`streams.stages.match.merge`) sends every
  capture of its key to the surviving event (``REROUTE``), whatever the time.

:class:`DueIndex` is the worker's in-memory index of when each event of a partition is
next due (deadline, pending close, marker purge), rebuilt from the tables after every
rebalance (:func:`scan`).
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from streams.contracts.canonical import CLOSING_STATUSES
from streams.contracts.capture import CanonicalCaptureV1
from streams.contracts.lifecycle import EventLifecycleV1
from streams.contracts.merge import EventMergeV1, merge_of
from streams.stages.match.board import decode_board
from streams.stages.match.registry import Closed, RegistryEntry, decode_entry, encode_entry

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
#: ``event_registry`` keys that are not events start with this
STREAM_TIME_PREFIX = "~stream-time|"
#: the ``Closed.reason`` of an alias marker written where no event existed (nothing merged)
ALIAS_ONLY = "alias"


@dataclass(frozen=True, slots=True)
class LifecyclePolicy:
    idle: timedelta
    grace: timedelta


class Admission(enum.Enum):
    OPEN = "open"
    REOPEN = "reopen"
    LATE = "late"
    AFTER_CLOSE = "after_close"
    REROUTE = "reroute"


def stream_time_key(partition: int) -> str:
    return f"{STREAM_TIME_PREFIX}{partition}"


def is_event_key(key: str) -> bool:
    return not key.startswith(STREAM_TIME_PREFIX)


def read_stream_time(registry: MutableMapping[str, bytes], partition: int) -> datetime | None:
    raw = registry.get(stream_time_key(partition))
    return None if raw is None else _EPOCH + int(raw) * _US


def advance_stream_time(registry: MutableMapping[str, bytes], partition: int, at: datetime) -> datetime:
    """Stream time of ``partition`` after a capture at ``at`` (written only when it moves)."""
    current = read_stream_time(registry, partition)
    if current is not None and at <= current:
        return current
    registry[stream_time_key(partition)] = str((at - _EPOCH) // _US).encode()
    return at


def admit(
    entry: RegistryEntry | None, capture: CanonicalCaptureV1, stream_time: datetime, policy: LifecyclePolicy
) -> Admission:
    """What to do with ``capture`` given its event's entry (rules in the module docstring)."""
    at = capture.event.captured_at
    if entry is None:
        return Admission.LATE if at + policy.idle + policy.grace <= stream_time else Admission.OPEN
    if entry.merged_into is not None:
        return Admission.REROUTE
    closed = entry.closed
    if closed is None:
        return Admission.OPEN
    seen = closed.seen.get(capture.event.bookmaker)
    if seen is not None:
        source, seen_at = seen
        src = capture.source
        if (src.topic, src.partition) == (source.topic, source.partition) and src.offset <= source.offset:
            return Admission.AFTER_CLOSE
        if at <= seen_at:
            return Admission.AFTER_CLOSE
    if capture.event.status in CLOSING_STATUSES:
        return Admission.AFTER_CLOSE
    if stream_time < closed.at + policy.grace:
        return Admission.REOPEN
    return Admission.LATE


def kickoff(entry: RegistryEntry) -> datetime:
    """The latest kickoff any bookmaker lists (a postponed match stays open longer)."""
    return max(ls.kickoff for ls in entry.listings.values())


def deadline(entry: RegistryEntry, last_capture: datetime, policy: LifecyclePolicy) -> datetime:
    """Stream time at which the event closes as ``idle`` unless another capture arrives."""
    return max(kickoff(entry), last_capture) + policy.idle


def purge_at(closed: Closed, policy: LifecyclePolicy) -> datetime:
    return closed.at + policy.grace + policy.idle


def record_of(entry: RegistryEntry, state: str, at: datetime, reason: str) -> EventLifecycleV1:
    books = {b: ls.bookmaker_event_id for b, ls in entry.listings.items()}
    return EventLifecycleV1(entry.sportradar_id, books, state, at, reason)  # type: ignore[arg-type]


def close(
    key: str,
    entry: RegistryEntry,
    boards: MutableMapping[str, bytes],
    registry: MutableMapping[str, bytes],
    at: datetime,
    reason: str,
) -> EventLifecycleV1:
    """Write the closed marker, delete the event's boards; the ``closed`` record to publish.

    The marker is written before the boards are deleted: a worker that dies in between
    leaves a marker and boards, and the close runs again (see docs/lifecycle.md).
    """
    seen = {}
    for bookmaker in entry.listings:
        state = decode_board(boards.get(f"{key}|{bookmaker}"))
        if state is not None:
            seen[bookmaker] = (state.source, state.captured_at)
    if entry.closed is not None:  # closing again after a crash: keep what the first close saw
        seen = {**entry.closed.seen, **seen}
    marker = RegistryEntry(entry.sportradar_id, entry.listings, None, Closed(at, reason, seen))
    registry[key] = encode_entry(marker)
    _drop_boards(key, entry, boards)
    return record_of(entry, "closed", at, reason)


def _drop_boards(key: str, entry: RegistryEntry, boards: MutableMapping[str, bytes]) -> None:
    for bookmaker in entry.listings:
        bkey = f"{key}|{bookmaker}"
        if bkey in boards:
            del boards[bkey]


def reopen(
    key: str, entry: RegistryEntry, registry: MutableMapping[str, bytes], at: datetime
) -> EventLifecycleV1:
    """Turn the closed marker back into an open entry; the ``reopened`` record to publish."""
    registry[key] = encode_entry(RegistryEntry(entry.sportradar_id, entry.listings))
    return record_of(entry, "reopened", at, "capture")


def mark_closing(key: str, registry: MutableMapping[str, bytes], reason: str) -> None:
    """Record a close decided by a capture's status, carried out at the next sweep."""
    entry = decode_entry(registry.get(key))
    if entry is not None and entry.closing != reason:
        registry[key] = encode_entry(RegistryEntry(entry.sportradar_id, entry.listings, reason, entry.closed))


class DueIndex:
    """Per partition: event key → stream time it is next due, with a lazy min-heap.

    Lifecycle: :meth:`forget` all on a rebalance; a partition is :meth:`load`-ed from the
    tables before its first record is processed; :meth:`set` after every change.
    """

    def __init__(self) -> None:
        self._due: dict[int, dict[str, datetime]] = {}
        self._heap: dict[int, list[tuple[datetime, str]]] = {}

    def loaded(self, partition: int) -> bool:
        return partition in self._due

    def load(self, partition: int, items: Iterable[tuple[str, datetime]]) -> None:
        due = dict(items)
        self._due[partition] = due
        heap = [(at, key) for key, at in due.items()]
        heapq.heapify(heap)
        self._heap[partition] = heap

    def forget(self) -> None:
        self._due.clear()
        self._heap.clear()

    def set(self, partition: int, key: str, at: datetime) -> None:
        due, heap = self._due[partition], self._heap[partition]
        if due.get(key) == at:
            return
        due[key] = at
        heapq.heappush(heap, (at, key))
        if len(heap) > 2 * len(due) + 1024:  # drop superseded heap items
            self.load(partition, due.items())

    def remove(self, partition: int, key: str) -> None:
        self._due[partition].pop(key, None)

    def pop_due(self, partition: int, now: datetime) -> list[str]:
        """Keys due at stream time ``now`` (removed from the index: :meth:`set` them again)."""
        due, heap = self._due[partition], self._heap[partition]
        out = []
        while heap and heap[0][0] <= now:
            at, key = heapq.heappop(heap)
            if due.get(key) == at:
                del due[key]
                out.append(key)
        return out

    def size(self, partition: int | None = None) -> int:
        if partition is not None:
            return len(self._due.get(partition, {}))
        return sum(len(d) for d in self._due.values())


def next_due(
    key: str, entry: RegistryEntry, boards: MutableMapping[str, bytes], policy: LifecyclePolicy
) -> datetime:
    """When the event ``key`` is due: at once (pending close), its marker purge, or its deadline."""
    if entry.closed is not None:
        leftover = any(f"{key}|{b}" in boards for b in entry.listings)
        return _EPOCH if leftover else purge_at(entry.closed, policy)
    if entry.closing is not None:
        return _EPOCH
    last = [
        s.captured_at for b in entry.listings if (s := decode_board(boards.get(f"{key}|{b}"))) is not None
    ]
    return deadline(entry, max(last, default=kickoff(entry)), policy)


def settle(
    key: str,
    boards: MutableMapping[str, bytes],
    registry: MutableMapping[str, bytes],
    stream_time: datetime,
    policy: LifecyclePolicy,
) -> tuple[EventLifecycleV1 | None, datetime | None]:
    """Handle an event popped as due: (record to publish or None, when it is next due or None).

    Closes a pending or idle event, deletes a marker whose time is up, or, when a capture
    moved the deadline since, just returns the new one. The caller waits until the event's
    snapshots are acknowledged before calling it (a close deletes the boards).
    """
    entry = decode_entry(registry.get(key))
    if entry is None:
        return None, None
    if entry.closed is not None:
        _drop_boards(key, entry, boards)  # left by a worker that died between marker and tombstones
        if stream_time >= purge_at(entry.closed, policy):
            del registry[key]
            return None, None
        return None, purge_at(entry.closed, policy)
    when = next_due(key, entry, boards, policy)
    if when > stream_time:
        return None, when
    reason = entry.closing or "idle"
    record = close(key, entry, boards, registry, stream_time, reason)
    marker = decode_entry(registry[key])
    assert marker is not None and marker.closed is not None
    return record, purge_at(marker.closed, policy)


def scan(
    partition: int,
    registry_items: Iterable[tuple[str, bytes]],
    boards: MutableMapping[str, bytes],
    policy: LifecyclePolicy,
    partition_of: object,
) -> tuple[list[tuple[str, datetime]], list[EventLifecycleV1 | EventMergeV1], list[str]]:
    """Due times of ``partition``'s events, the records of its markers, the markers' keys.

    ``partition_of(key)`` is the canonical partition of an event key. The markers' records
    (``closed``, or the merge of an alias marker that merged an event) are published again
    after a rebalance: the one published at the close or merge may have been lost with the
    worker (docs/lifecycle.md); applying one twice is harmless.
    """
    assert callable(partition_of)
    due: list[tuple[str, datetime]] = []
    republish: list[EventLifecycleV1 | EventMergeV1] = []
    markers: list[str] = []
    for key, raw in registry_items:
        if not is_event_key(key) or partition_of(key) != partition:
            continue
        entry = decode_entry(raw)
        if entry is None:
            continue
        due.append((key, next_due(key, entry, boards, policy)))
        if entry.closed is None:
            continue
        markers.append(key)
        if entry.merged_into is None:
            republish.append(record_of(entry, "closed", entry.closed.at, entry.closed.reason))
        elif entry.closed.reason != ALIAS_ONLY:
            republish.append(merge_of(key, entry.merged_into, entry.closed.reason, entry.closed.at))
    return due, republish, markers
