"""What Postgres must hold, rebuilt independently from the raw topics.

Every raw record is read back from the broker and run through the pure functions only —
:func:`streams.contracts.raw.decode_raw`, the envelope/topic bookmaker check and
:func:`streams.adapters.normalize` — never through a worker, a table or the sink. Captures
are grouped into boards (canonical event key × bookmaker) and the match stage's
documented drop rule is applied in raw-partition order (every capture of one board comes
from one raw partition, keyed by the bookmaker's event id): a capture whose
``captured_at`` is not after the last accepted one of its board is *stale* and dropped
(rule 4 of :mod:`streams.stages.match.board`; rules 2-3 only concern redeliveries of one record,
which a read of the log does not contain). A capture without changes is not dropped: it
still gets its snapshot header.

A board is ``{(market_id, line): {outcome_id: price or None}}``: an inactive outcome keeps
its id with ``None`` (JSON ``null`` in Postgres), as the snapshot contract publishes it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

from streams import adapters
from streams.contracts.canonical import MarketLine
from streams.contracts.raw import decode_raw
from streams.contracts.snapshot import Source, event_key
from streams.errors import DataError
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP
from streams.settings import KafkaSettings, Settings

Outcomes = dict[str, float | None]
Board = dict[tuple[int, str], Outcomes]
BoardKey = tuple[str, str]  # (canonical event key, bookmaker)


def priced(line: MarketLine) -> Outcomes:
    """One line's outcomes as stored: the price, or ``None`` for an inactive outcome."""
    return {o.outcome_id: (o.price if o.active else None) for o in line.outcomes}


@dataclass(frozen=True, slots=True)
class RawCapture:
    """One valid raw capture and the board its payload quotes."""

    source: Source
    bookmaker: str
    bookmaker_event_id: str
    sportradar_id: int | None
    captured_at: datetime
    board: Board


@dataclass(slots=True)
class Reconstruction:
    """Raw records read back, sorted into accepted, stale and invalid."""

    records: int = 0
    invalid: list[Source] = field(default_factory=list)
    stale: list[RawCapture] = field(default_factory=list)
    boards: dict[BoardKey, list[RawCapture]] = field(default_factory=lambda: defaultdict(list))

    @property
    def accepted(self) -> int:
        return sum(len(caps) for caps in self.boards.values())


def parse(source: Source, bookmaker: str, value: bytes | None, max_bytes: int) -> RawCapture:
    """One raw record → :class:`RawCapture`; raises :class:`DataError` for a record the
    normalize stage dead-letters (undecodable, foreign bookmaker, refused by the adapter)."""
    raw = decode_raw(value, max_bytes)
    if raw.bookmaker != bookmaker:
        raise DataError("decode", "bookmaker_mismatch", f"{raw.bookmaker} on {source.topic}")
    event = adapters.normalize(bookmaker, raw.payload, raw.captured_at)
    board = {(ln.market_id, ln.line): priced(ln) for ln in event.lines}
    return RawCapture(
        source, bookmaker, event.bookmaker_event_id, event.sportradar_id, event.captured_at, board
    )


def accept(rec: Reconstruction, records: list[tuple[Source, str, bytes | None]], max_bytes: int) -> None:
    """Apply decode, normalize and the stale rule to ``records`` (any order; sorted here)."""
    for source, bookmaker, value in sorted(records, key=lambda r: (r[0].topic, r[0].partition, r[0].offset)):
        rec.records += 1
        try:
            cap = parse(source, bookmaker, value, max_bytes)
        except DataError:
            rec.invalid.append(source)
            continue
        board = rec.boards[event_key(cap.sportradar_id, bookmaker, cap.bookmaker_event_id), bookmaker]
        if board and cap.captured_at <= board[-1].captured_at:
            rec.stale.append(cap)
        else:
            board.append(cap)


@contextlib.asynccontextmanager
async def log_offsets(kafka: KafkaSettings, timeout_s: float = 60) -> AsyncIterator[LogOffsets]:
    """:class:`LogOffsets` whose close may not hang the test: on tansu, stopping a consumer
    right after ``assign([])`` (which ``bounds()`` and ``read()`` end with) can wait forever
    for a fetch that never comes back; the close gets 10 s."""
    log = LogOffsets(kafka, timeout_s=timeout_s)
    await log.__aenter__()
    try:
        yield log
    finally:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(log.__aexit__(None, None, None), 10)


async def read_raw(settings: Settings, partitions: int) -> list[tuple[Source, str, bytes | None]]:
    """Every record of the three raw topics, from the log start to the high watermark."""
    topics = {settings.topics.raw(b): b for b in adapters.BOOKMAKERS}
    tps = [TP(t, p) for t in topics for p in range(partitions)]
    out: list[tuple[Source, str, bytes | None]] = []
    async with log_offsets(settings.kafka) as log:
        earliest, latest = await log.bounds(tps)
        async for msg in log.read({tp: (earliest[tp], latest[tp]) for tp in tps}):
            out.append((Source(msg.topic, msg.partition, msg.offset), topics[msg.topic], msg.value))
    return out


async def reconstruct(settings: Settings, partitions: int) -> Reconstruction:
    """The expected content of Postgres, from the raw topics alone (see module docstring)."""
    rec = Reconstruction()
    accept(rec, await read_raw(settings, partitions), settings.kafka.max_message_bytes)
    for key, caps in rec.boards.items():
        ids = {c.bookmaker_event_id for c in caps}
        assert len(ids) == 1, f"board {key} has several bookmaker event ids {ids}: regroup by them"
    return rec
