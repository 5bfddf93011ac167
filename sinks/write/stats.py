"""What the sink counts and measures: counters per member, metrics per committed batch.

* :class:`SinkStats` — counters since start of one member (:meth:`SinkStats.count` adds a
  committed batch); :func:`total` sums the members of a process. Read by tests, the
  benchmark and the log lines below.
* :func:`observe` — the Prometheus side of a committed batch: rows per table, dead letters
  by stage/error/kind, and freshness per bookmaker (age of each stored capture, and the
  newest ``captured_at`` this process committed).
* :func:`log_progress` / :func:`log_stopped` — the periodic and the final log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sinks.write.batch import Batch
from sinks.write.writer import WriteResult
from streams.observe import metrics

log = logging.getLogger(__name__)

_NEWEST_CAPTURE: dict[str, float] = {}  # bookmaker → newest captured_at committed (this process)


@dataclass(slots=True)
class SinkStats:
    """Counters since start (read by tests, the benchmark and the progress log)."""

    messages: int = 0
    skipped: int = 0  # below the stored offset: already in Postgres
    batches: int = 0
    captures: int = 0
    history_rows: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    attempts: int = 0
    retries: int = 0
    fenced: int = 0
    consumer_restarts: int = 0  # stuck in a rebalance (see sinks.write.member, "Stuck consumer")
    partitions_created: int = 0
    first_message_at: float | None = None  # time.monotonic()
    last_commit_at: float | None = None

    @property
    def rows(self) -> int:
        return self.captures + self.history_rows

    def count(self, result: WriteResult) -> None:
        """Add one committed batch (``last_commit_at`` is now)."""
        self.batches += 1
        self.captures += result.captures
        self.history_rows += result.history_rows
        self.duplicates += result.duplicates
        self.dead_letters += len(result.dead)
        self.attempts += result.attempts
        self.partitions_created += len(result.partitions_created)
        self.last_commit_at = time.monotonic()


def total(members: Sequence[SinkStats]) -> SinkStats:
    """Counters of several members: sums, the earliest first message, the latest commit."""
    out = SinkStats()
    for name in SinkStats.__dataclass_fields__:
        values = [getattr(m, name) for m in members]
        if name == "first_message_at":
            setattr(out, name, min((v for v in values if v is not None), default=None))
        elif name == "last_commit_at":
            setattr(out, name, max((v for v in values if v is not None), default=None))
        else:
            setattr(out, name, sum(values))
    return out


def observe(batch: Batch, result: WriteResult) -> None:
    """Metrics of one committed batch: rows, dead letters, freshness per bookmaker."""
    metrics.SINK_BATCH_ROWS.observe(result.rows)
    metrics.SINK_ROWS.labels("snapshots").inc(result.captures)
    metrics.SINK_ROWS.labels("odds_history").inc(result.history_rows)
    metrics.SINK_ROWS.labels("current_odds").inc(result.current_rows)
    for d in result.dead:
        metrics.DLQ_RECORDS.labels(d.error.stage, type(d.error).__name__, d.error.kind).inc()
    dead = {(d.record.partition, d.record.offset) for d in result.dead}
    now = time.time()
    by_bookmaker: dict[str, Any] = {}
    for c in batch.captures:
        if (c.record.partition, c.record.offset) in dead:
            continue
        bookmaker = c.snap.bookmaker
        at = c.snap.captured_at.timestamp()
        child = by_bookmaker.get(bookmaker)
        if child is None:
            child = by_bookmaker[bookmaker] = metrics.FRESHNESS.labels(bookmaker)
        child.observe(max(now - at, 0.0))
        if at > _NEWEST_CAPTURE.get(bookmaker, 0.0):
            _NEWEST_CAPTURE[bookmaker] = at
    for bookmaker in by_bookmaker:
        metrics.LAST_CAPTURE.labels(bookmaker).set(_NEWEST_CAPTURE[bookmaker])


def log_progress(s: SinkStats) -> None:
    log.info(
        "sink: %d messages, %d batches, %d rows, %d dead letters",
        s.messages,
        s.batches,
        s.rows,
        s.dead_letters,
    )


def log_stopped(s: SinkStats, label: str) -> None:
    log.info(
        "%s stopped: %d messages, %d batches, %d rows, %d duplicates, %d dead letters, %d retries",
        label,
        s.messages,
        s.batches,
        s.rows,
        s.duplicates,
        s.dead_letters,
        s.retries,
    )
