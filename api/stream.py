"""One subscriber of ``GET /stream``: catch up if needed, then follow the shared tail.

Lifecycle of :meth:`Subscription.frames` (SSE frames as bytes):

1. ``ready`` with the start position as id (a client that disconnects before any change
   still resumes from there);
2. when the position is older than the ring (``position[p] < ring.floor[p]``), a seeking
   reader (:class:`streams.replay.log_offsets.LogOffsets`) replays ``[position, floor)`` of
   those partitions from Kafka, repeated until the ring covers the position — the only
   per-subscriber consumer, and only for that span;
3. the ring from its first entry, skipping what the position already covers; each
   ``change`` carries the position after it; ``heartbeat`` (with the current position)
   after ``api.heartbeat_s`` without one.

A reader whose cursor the ring has overwritten gets ``event: error`` (``too_slow``) and is
closed; so does one whose catch-up hit retention (``position_not_retained``). Retention is
checked before the response starts too (``GET /stream`` answers 410 then).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import orjson

from api.positions import Position, encode
from api.ring import Change
from api.tail import Tail, change_data
from streams.contracts.snapshot import decode_snapshot
from streams.errors import DataError
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP


@dataclass(frozen=True, slots=True)
class Filter:
    """Changes a subscriber wants: any of ``keys`` (an event's snapshot keys), a sport, a bookmaker."""

    keys: frozenset[str] | None = None
    sport: str | None = None
    bookmaker: str | None = None

    def wants(self, key: str, sport: str, bookmaker: str) -> bool:
        return (
            (self.keys is None or key in self.keys)
            and (self.sport is None or sport == self.sport)
            and (self.bookmaker is None or bookmaker == self.bookmaker)
        )


def frame(event: str, data: bytes, position: Position | None = None) -> bytes:
    head = f"id: {encode(position)}\n" if position is not None else ""
    return f"{head}event: {event}\n".encode() + b"data: " + data + b"\n\n"


def error_frame(code: str, detail: str) -> bytes:
    return frame("error", orjson.dumps({"error": code, "detail": detail}))


class Subscription:
    def __init__(self, tail: Tail, position: Position, wanted: Filter, resumed: bool) -> None:
        self.tail = tail
        self.position = dict(position)
        self.wanted = wanted
        self.resumed = resumed
        # a fresh subscriber starts at the head: the next entry the ring will hold
        self.seq: int | None = None if resumed else tail.ring.next_seq if tail.ring else 0

    async def frames(self) -> AsyncIterator[bytes]:
        retry = f"retry: {2000}\n".encode()
        ready = orjson.dumps({"position": encode(self.position), "resumed": self.resumed})
        yield retry + frame("ready", ready, self.position)
        if self.seq is None:
            async for chunk in self._catch_up():
                yield chunk
            if self.seq is None:  # retention hit during the catch-up
                return
        heartbeat_s = self.tail.settings.api.heartbeat_s
        while True:
            try:
                changes = self.tail.read(self.seq)
            except IndexError:
                yield error_frame("too_slow", "fell more than api.ring_size changes behind; reconnect")
                return
            if not changes:
                if not await self.tail.wait(heartbeat_s):
                    yield frame("heartbeat", b"{}", self.position)
                continue
            for change in changes:
                self.seq = change.seq + 1
                out = self._deliver(change)
                if out is not None:
                    yield out

    def _deliver(self, change: Change) -> bytes | None:
        if change.offset < self.position.get(change.partition, 0):
            return None  # already seen before the resume
        self.position[change.partition] = change.offset + 1
        if not self.wanted.wants(change.key, change.sport, change.bookmaker):
            return None
        return frame("change", change.data, self.position)

    def _behind(self) -> dict[int, tuple[int, int]]:
        """Partitions whose position is below the ring's floor: ``{p: (position, floor)}``."""
        ring = self.tail.ring
        assert ring is not None
        return {p: (o, ring.floor[p]) for p, o in self.position.items() if o < ring.floor.get(p, 0)}

    async def _catch_up(self) -> AsyncIterator[bytes]:
        tail = self.tail
        assert tail.ring is not None
        topic = tail.topic
        if not self._behind():
            self.seq = tail.ring.first_seq  # no await since the check: the ring covers us
            return
        async with LogOffsets(tail.settings.kafka) as log:
            while behind := self._behind():
                earliest, _ = await log.bounds([TP(topic, p) for p in behind])
                lost = [p for p, (start, _) in behind.items() if earliest[TP(topic, p)] > start]
                if lost:
                    yield error_frame(
                        "position_not_retained", f"partitions {lost} no longer hold that position"
                    )
                    return
                async for message in log.read({TP(topic, p): span for p, span in behind.items()}):
                    out = await self._replayed(message)
                    if out is not None:
                        yield out
                for p, (_, end) in behind.items():
                    self.position[p] = max(self.position[p], end)
            self.seq = tail.ring.first_seq  # the loop's last check had no await after it

    async def _replayed(self, message: object) -> bytes | None:
        partition, offset, value = message.partition, message.offset, message.value  # type: ignore[attr-defined]
        if offset < self.position[partition]:
            return None
        self.position[partition] = offset + 1
        try:
            snap = decode_snapshot(value)
        except DataError:
            return None
        if not self.wanted.wants(snap.key, snap.event.sport, snap.bookmaker):
            return None
        eid = (await self.tail.resolve({snap.key})).get(snap.key)
        return frame("change", change_data(snap, eid, partition, offset), self.position)
