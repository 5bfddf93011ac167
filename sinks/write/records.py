"""Records → captures → row tuples: what the sink decodes once and COPYs (pure, no I/O).

* :class:`Record` is a consumed Kafka record as the sink keeps it (original bytes and
  headers, for the DLQ); :func:`decode` turns it into a :class:`Capture` (the snapshot,
  decoded once with :func:`streams.contracts.snapshot.decode_snapshot`, and its lines'
  outcomes encoded once by :func:`encode_lines`) or, if it cannot be decoded, a
  :class:`Dead` with a :class:`DataError` of stage ``sink`` (:data:`STAGE`).
* a lifecycle record of the same topic (:mod:`streams.contracts.lifecycle`) becomes a
  :class:`Lifecycle`, applied to ``events.closed_at`` by :mod:`sinks.write.lifecycle`; so
  does a merge record (:mod:`streams.contracts.merge`), applied by :mod:`sinks.write.merges`,
  and a match review (:mod:`streams.contracts.review`), filed by :mod:`sinks.matching.reviews`;
* :func:`outside_window` makes a capture dead (``bad_timestamp``) when its UTC day has no
  place in the partition window.
* :func:`snapshot_row` / :func:`history_rows` are the COPY tuples of ``snapshots`` and
  ``odds_history`` (column order :data:`SNAPSHOT_COLUMNS` / :data:`HISTORY_COLUMNS`);
  outcomes are JSON text (prices as JSON numbers = float8), ``None`` for a removed line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import orjson

from sinks.partitions.window import Window, utc_day
from streams.contracts.lifecycle import EventLifecycleV1, decode_snapshots_record
from streams.contracts.merge import EventMergeV1
from streams.contracts.review import MatchReviewV1
from streams.contracts.snapshot import SnapshotV1
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
    "mapped_lines",
)
HISTORY_COLUMNS = ("event_id", "bookmaker_id", "captured_at", "market_id", "line", "outcomes")

LineKey = tuple[int, str]  # (market_id, line)
#: one line of a capture as written: (market_id, line, outcomes JSON or None = removed)
EncodedLine = tuple[int, str, str | None]
SnapshotRow = tuple[int, int, datetime, bool, bool, int, int, int, str, int, int, int, int | None]
HistoryRow = tuple[int, int, datetime, int, str, str | None]


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


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """A decoded lifecycle record (an event closed, reopened, merged or up for review) and its record."""

    record: Record
    event: EventLifecycleV1 | EventMergeV1 | MatchReviewV1


def sink_error(exc: DataError) -> DataError:
    """Re-stage a data error raised by a helper (e.g. the decoder) as a ``sink`` error."""
    return exc if exc.stage == STAGE else DataError(STAGE, exc.kind, f"[{exc.stage}] {exc.message}")


def decode(record: Record) -> Capture | Dead | Lifecycle:
    """Decode one record; a bad one becomes :class:`Dead` (kinds from the decoder)."""
    if record.value is None:
        return Dead(record, DataError(STAGE, "tombstone", "snapshot record without a value"))
    try:
        decoded = decode_snapshots_record(record.value)
    except DataError as exc:
        return Dead(record, sink_error(exc))
    if isinstance(decoded, (EventLifecycleV1, EventMergeV1, MatchReviewV1)):
        return Lifecycle(record, decoded)
    return Capture(record, decoded, encode_lines(decoded))


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
        s.mapped_lines,
    )


def history_rows(c: Capture, event_id: int, bookmaker_id: int) -> list[HistoryRow]:
    """``odds_history`` tuples: changed lines with outcomes, removed lines with NULL."""
    at = c.snap.captured_at
    return [(event_id, bookmaker_id, at, mid, line, outs) for mid, line, outs in c.lines]
