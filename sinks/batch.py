"""Pure pieces of the Postgres sink: records → captures → row tuples, batches, and halving.

Nothing here does I/O; the writer (:mod:`sinks.writer`) feeds these functions ids it
resolved in Postgres and sends their tuples with binary COPY.

* :class:`Batch` collects consumed records (``add`` per message, decoding each once with
  :func:`streams.contracts.snapshot.decode_snapshot` and encoding its lines' outcomes
  once) until :meth:`Batch.full` or the linger time says it should be flushed. Records
  that cannot be decoded are kept as *dead* (they go to the DLQ with the batch, before its
  offsets move).
* :func:`snapshot_row` / :func:`history_rows` are the COPY tuples of ``snapshots`` and
  ``odds_history`` (column order :data:`SNAPSHOT_COLUMNS` / :data:`HISTORY_COLUMNS`);
  outcomes are JSON text (prices as JSON numbers = float8), ``None`` for a removed line.
* :class:`CurrentFold` / :func:`net_current` fold a batch's captures into the net change of
  ``current_odds``: one upsert or delete per line, plus a *reset* per keyframe (the board's
  older lines that the keyframe no longer lists are gone).
* :func:`isolate` finds the records a write rejects by splitting the batch in halves.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

import orjson

from sinks.partitions.window import Window, utc_day
from streams.contracts.snapshot import SnapshotV1, decode_snapshot
from streams.errors import DataError

STAGE = "sink"

SNAPSHOT_COLUMNS = (
    "event_id",
    "bookmaker_id",
    "captured_at",
    "live",
    "keyframe",
    "lines_total",
    "lines_changed",
    "lines_removed",
    "source_topic",
    "source_partition",
    "source_offset",
    "unmapped_lines",
)
HISTORY_COLUMNS = ("event_id", "bookmaker_id", "captured_at", "market_id", "line", "outcomes")
CURRENT_COLUMNS = ("event_id", "bookmaker_id", "market_id", "line", "outcomes", "captured_at")

LineKey = tuple[int, str]  # (market_id, line)
#: one line of a capture as written: (market_id, line, outcomes JSON or None = removed)
EncodedLine = tuple[int, str, str | None]
CurrentKey = tuple[int, int, int, str]  # (event_id, bookmaker_id, market_id, line)
SnapshotRow = tuple[int, int, datetime, bool, bool, int, int, int, str, int, int, int]
HistoryRow = tuple[int, int, datetime, int, str, str | None]
CurrentRow = tuple[int, int, int, str, str | None, datetime]  # CURRENT_COLUMNS order


@dataclass(frozen=True, slots=True)
class Record:
    """One consumed Kafka record, as the sink keeps it (original bytes for the DLQ)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def size(self) -> int:
        return len(self.value or b"") + len(self.key or b"")


@dataclass(frozen=True, slots=True)
class Capture:
    """A decoded record: one snapshot, the record it came from, and its lines encoded once."""

    record: Record
    snap: SnapshotV1
    lines: list[EncodedLine]

    @property
    def day(self) -> date:
        return utc_day(self.snap.captured_at)

    @property
    def rows(self) -> int:
        """Rows it adds to ``snapshots`` + ``odds_history``."""
        return 1 + len(self.lines)


@dataclass(frozen=True, slots=True)
class Dead:
    """A record the sink will not store, and why (a :class:`DataError` of stage ``sink``)."""

    record: Record
    error: DataError
    bookmaker: str | None = None


def sink_error(exc: DataError) -> DataError:
    """Re-stage a data error raised by a helper (e.g. the decoder) as a ``sink`` error."""
    return exc if exc.stage == STAGE else DataError(STAGE, exc.kind, f"[{exc.stage}] {exc.message}")


def decode(record: Record) -> Capture | Dead:
    """Decode one record; a bad one becomes :class:`Dead` (kinds from the decoder)."""
    if record.value is None:
        return Dead(record, DataError(STAGE, "tombstone", "snapshot record without a value"))
    try:
        snap = decode_snapshot(record.value)
    except DataError as exc:
        return Dead(record, sink_error(exc))
    return Capture(record, snap, encode_lines(snap))


def outside_window(capture: Capture, window: Window) -> Dead | None:
    """A capture whose UTC day has no place in the partition window is dead (``bad_timestamp``)."""
    day = capture.day
    if day in window:
        return None
    error = DataError(
        STAGE,
        "bad_timestamp",
        f"captured_at {capture.snap.captured_at.isoformat()} (day {day}) is outside the partition "
        f"window {window.first}..{window.last}",
    )
    return Dead(capture.record, error, capture.snap.bookmaker)


def removed_lines(snap: SnapshotV1) -> tuple[LineKey, ...]:
    """Removed lines that are not also listed as changed (a line can't be both; changed wins)."""
    if not snap.removed:
        return ()
    return tuple(k for k in snap.removed if k not in snap.changed)


def encode_outcomes(outcomes: dict[str, float | None]) -> str:
    """JSONB text of one line's outcomes; prices stay JSON numbers (float8 in Python)."""
    return orjson.dumps(outcomes).decode()


def encode_lines(snap: SnapshotV1) -> list[EncodedLine]:
    """Every line a capture writes, outcomes encoded once (shared by history and current odds)."""
    lines: list[EncodedLine] = [
        (mid, line, encode_outcomes(outs)) for (mid, line), outs in snap.changed.items()
    ]
    lines.extend((mid, line, None) for mid, line in removed_lines(snap))
    return lines


def snapshot_row(c: Capture, event_id: int, bookmaker_id: int) -> SnapshotRow:
    """``snapshots`` tuple of a capture."""
    s = c.snap
    removed = sum(1 for line in c.lines if line[2] is None)
    src = s.source
    return (
        event_id,
        bookmaker_id,
        s.captured_at,
        s.live,
        s.keyframe,
        s.lines_total,
        len(c.lines) - removed,
        removed,
        src.topic,
        src.partition,
        src.offset,
        s.unmapped_lines,
    )


def history_rows(c: Capture, event_id: int, bookmaker_id: int) -> list[HistoryRow]:
    """``odds_history`` tuples: changed lines with outcomes, removed lines with NULL."""
    at = c.snap.captured_at
    return [(event_id, bookmaker_id, at, mid, line, outs) for mid, line, outs in c.lines]


@dataclass(slots=True)
class CurrentChanges:
    """Net effect of a batch on ``current_odds`` (applied: upserts, then resets, then deletes).

    * ``upserts[key] = (outcomes_json, captured_at)`` — written unless the stored row is newer
      or holds the same outcomes (``captured_at`` of a row = when its outcomes last changed);
    * ``resets[(event, bookmaker)] = keyframe captured_at`` — the board's rows older than the
      keyframe whose line is not in ``keep[(event, bookmaker)]`` (the lines the keyframe and
      later captures of the batch list) are deleted;
    * ``deletes[key] = captured_at`` of the removal — deleted unless the stored row is newer.
    """

    upserts: dict[CurrentKey, tuple[str, datetime]] = field(default_factory=dict)
    resets: dict[tuple[int, int], datetime] = field(default_factory=dict)
    deletes: dict[CurrentKey, datetime] = field(default_factory=dict)
    keep: dict[tuple[int, int], set[LineKey]] = field(default_factory=dict)


class CurrentFold:
    """Folds captures, in the order given, into the net change of ``current_odds``.

    ``add`` per capture (cheap: the writer calls it while it streams the history COPY);
    ``ordered`` turns false if a board's capture is older than one already folded, and the
    caller then folds again in ``captured_at`` order (:func:`net_current`).
    """

    def __init__(self) -> None:
        # per board: (market_id, line) -> the ``current_odds`` row as staged (CURRENT_COLUMNS
        # order; outcomes None = removal), built here so that staging it later costs nothing
        self.boards: dict[tuple[int, int], dict[LineKey, CurrentRow]] = {}
        self.resets: dict[tuple[int, int], datetime] = {}
        self.latest: dict[tuple[int, int], datetime] = {}
        self.ordered = True

    def add(self, event_id: int, bookmaker_id: int, c: Capture) -> None:
        at = c.snap.captured_at
        board_key = (event_id, bookmaker_id)
        last = self.latest.get(board_key)
        if last is not None and at < last:
            self.ordered = False
        self.latest[board_key] = at
        if c.snap.keyframe:
            self.resets[board_key] = at
            board = self.boards[board_key] = {}
        else:
            board = self.boards.setdefault(board_key, {})
        for mid, line, outs in c.lines:
            board[(mid, line)] = (event_id, bookmaker_id, mid, line, outs, at)

    def keep(self) -> dict[tuple[int, int], set[LineKey]]:
        """Lines each reset board still lists (see :class:`CurrentChanges`)."""
        return {board: set(self.boards[board]) for board in self.resets}

    def changes(self) -> CurrentChanges:
        net = CurrentChanges(resets=self.resets, keep=self.keep())
        for board in self.boards.values():
            for e, b, m, ln, outs, at in board.values():
                if outs is None:
                    net.deletes[(e, b, m, ln)] = at
                else:
                    net.upserts[(e, b, m, ln)] = (outs, at)
        return net


def fold_in_time_order(items: Iterable[tuple[int, int, Capture]]) -> CurrentFold:
    """A :class:`CurrentFold` of ``(event_id, bookmaker_id, capture)`` items in ``captured_at``
    order (stable): the board after the newest capture, whatever order the batch held."""
    fold = CurrentFold()
    for event_id, bookmaker_id, c in sorted(items, key=lambda item: item[2].snap.captured_at):
        fold.add(event_id, bookmaker_id, c)
    return fold


def net_current(items: Iterable[tuple[int, int, Capture]]) -> CurrentChanges:
    """The net :class:`CurrentChanges` of ``(event_id, bookmaker_id, capture)`` items."""
    return fold_in_time_order(items).changes()


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

    def add(self, record: Record) -> None:
        if self.opened_at is None:
            self.opened_at = time.monotonic()
        decoded = decode(record)
        if isinstance(decoded, Capture):
            self.captures.append(decoded)
            self.rows += decoded.rows
            self.days.add(decoded.day)
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
        for p in gone:
            self.next_offsets.pop(p, None)
        self._recount()

    def drop_below(self, stored: dict[int, int]) -> None:
        """Forget records below the offsets already stored in Postgres (re-delivered)."""
        if all(first >= stored.get(p, -1) for p, first in self.first_offsets.items()):
            return
        self.captures = [c for c in self.captures if c.record.offset >= stored.get(c.record.partition, -1)]
        self.dead = [d for d in self.dead if d.record.offset >= stored.get(d.record.partition, -1)]
        for p, nxt in list(self.next_offsets.items()):
            if nxt <= stored.get(p, -1):
                del self.next_offsets[p]
        self._recount()

    def _recount(self) -> None:
        self.ids = None
        self.rows = sum(c.rows for c in self.captures) + len(self.dead)
        self.messages = len(self.captures) + len(self.dead)
        self.bytes = sum(c.record.size for c in self.captures) + sum(d.record.size for d in self.dead)
        firsts: dict[int, int] = {}
        for r in [c.record for c in self.captures] + [d.record for d in self.dead]:
            firsts[r.partition] = min(r.offset, firsts.get(r.partition, r.offset))
        self.first_offsets = firsts


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
