"""A fixed-size ring of released changes, addressed by sequence number.

The shared tail appends; every subscriber reads by its own sequence cursor, so a subscriber
costs one integer, not a queue. ``floor`` is, per partition, the lowest offset the ring can
still serve: the tail's start offset, raised past every entry the ring overwrites. A reader
whose cursor fell below ``first_seq`` lost entries and must be disconnected.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Change:
    """One released snapshot record: where it was, what a filter needs, the SSE data bytes."""

    seq: int
    partition: int
    offset: int
    key: str
    sport: str
    bookmaker: str
    event_id: int | None
    data: bytes


class Ring:
    def __init__(self, size: int, floor: dict[int, int]) -> None:
        self.size = size
        self._slots: list[Change | None] = [None] * size
        self.next_seq = 0
        self.floor = dict(floor)

    @property
    def first_seq(self) -> int:
        """Lowest sequence number still held."""
        return max(0, self.next_seq - self.size)

    def append(self, partition: int, offset: int, key: str, sport: str, bookmaker: str,
               event_id: int | None, data: bytes) -> Change:  # fmt: skip
        change = Change(self.next_seq, partition, offset, key, sport, bookmaker, event_id, data)
        slot = self.next_seq % self.size
        old = self._slots[slot]
        if old is not None:
            self.floor[old.partition] = max(self.floor.get(old.partition, 0), old.offset + 1)
        self._slots[slot] = change
        self.next_seq += 1
        return change

    def read(self, seq: int, limit: int) -> list[Change]:
        """Entries from ``seq`` on (at most ``limit``); ``seq`` must be ≥ :attr:`first_seq`."""
        if seq < self.first_seq:
            raise IndexError(f"sequence {seq} was overwritten (ring starts at {self.first_seq})")
        end = min(self.next_seq, seq + limit)
        out = []
        for s in range(seq, end):
            change = self._slots[s % self.size]
            assert change is not None
            out.append(change)
        return out
