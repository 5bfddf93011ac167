"""Records reach faust in offset order, without skipping, from where faust last sought.

faust's consumer thread fetches; the worker's loop reads each batch later. Around a
rebalance faust seeks every partition to its committed offset, and in between it drops
the records of partitions it is still recovering while aiokafka's position moves on. The
crash campaign saw both go wrong: a record fetched before a seek, read after it, made
faust commit over the records in between (faust-streaming #221/#606); and a record read
before the post-rebalance seek, followed by the records before it, reached the match
stage out of order, which then dropped the older captures as stale. Either way raw
captures were lost.

:class:`SeekLedger` keeps, per partition, how often it was sought and the offset faust
must see next. :meth:`SeekLedger.admit` decides for each record the worker's loop is
about to read:

* ``DROP`` — fetched before the partition's latest seek (stale), below the next offset
  (already read), or the partition was not sought since it was assigned (faust seeks every
  partition when a rebalance's recovery completes): the seek brings these records again;
* ``RESEEK`` — beyond the next offset: the caller seeks the partition back to
  :meth:`SeekLedger.next_offset` and drops the record; if the same jump comes back from
  there, the log has no records in between (compaction, transaction markers, retention),
  and the record is admitted. On a compacted topic (faust's table changelogs, see
  :func:`compacted`) a jump is admitted at once: compaction leaves gaps everywhere, and a
  recovering worker sought back and fetched again at every one of them (thousands per
  restart after a simulated week); a batch fetched before a seek is still dropped by its
  stamp, which is the loss the crash campaign saw;
* ``READ`` — the next record: the next offset moves past it.

Contract: :meth:`SeekLedger.sought` runs in the same synchronous step as the seek and
:meth:`SeekLedger.stamp` in the same step as the fetch returns (both on faust's consumer
thread, or under the GIL for faust's plain seek), so no fetch falls between a seek and
its record here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any

log = logging.getLogger(__name__)
Key = tuple[str, int]  # (topic, partition)
ANY = -1  # sought to the log start or end: the first record fetched is the next one


class Verdict(Enum):
    READ = "read"
    DROP = "drop"
    RESEEK = "reseek"


def key(tp: Any) -> Key:
    return (tp.topic, tp.partition)


def compacted(topic: str) -> bool:
    """faust names a table's changelog ``<app id>-<table>-changelog`` and creates it compacted."""
    return topic.endswith("-changelog")


class SeekLedger:
    """Seek counts and next offsets per partition (see module docstring)."""

    def __init__(self, gaps_expected: Callable[[str], bool] = compacted) -> None:
        self.gaps_expected = gaps_expected  # topics whose offset gaps are read without a reseek
        self.seeks: dict[Key, int] = {}
        self.next: dict[Key, int] = {}  # absent: not sought since assigned
        self.jumps: dict[Key, tuple[int, int]] = {}  # last jump sought back from: (next, offset)

    def sought(self, targets: Mapping[Any, int | None]) -> None:
        """Partitions were sought to these offsets (None: to the log start or end)."""
        for tp, offset in targets.items():
            k = key(tp)
            self.seeks[k] = self.seeks.get(k, 0) + 1
            self.next[k] = ANY if offset is None else offset

    def forget(self, tps: Iterable[Any]) -> None:
        """Partitions revoked: their records wait for the next seek after a new assignment."""
        for tp in tps:
            self.next.pop(key(tp), None)
            self.jumps.pop(key(tp), None)

    def stamp(self, tps: Iterable[Any]) -> dict[Key, int]:
        """The seek counts a fetched batch of these partitions was fetched under."""
        return {key(tp): self.seeks.get(key(tp), 0) for tp in tps}

    def stale(self, stamp: Mapping[Key, int], tp: Any) -> bool:
        k = key(tp)
        return k in stamp and self.seeks.get(k, 0) != stamp[k]

    def next_offset(self, tp: Any) -> int | None:
        return self.next.get(key(tp))

    def admit(self, stamp: Mapping[Key, int], tp: Any, offset: int) -> Verdict:
        """What to do with the record at ``offset`` of ``tp`` from a batch stamped ``stamp``."""
        k = key(tp)
        expected = self.next.get(k)
        if expected is None or self.stale(stamp, tp) or (expected != ANY and offset < expected):
            return Verdict.DROP
        if expected != ANY and offset > expected and not self.gaps_expected(k[0]):
            if self.jumps.get(k) != (expected, offset):
                self.jumps[k] = (expected, offset)
                return Verdict.RESEEK
            log.warning("%s:%d has no records %d..%d (compacted or not data)", *k, expected, offset - 1)
        self.jumps.pop(k, None)
        self.next[k] = offset + 1
        return Verdict.READ
