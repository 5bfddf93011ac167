"""Review and merge records → ``match_reviews`` rows, in the sink's batch transaction.

Called by :class:`sinks.write.writer.BatchWriter` after the batch's merges were applied
(:mod:`sinks.write.merges`) and before its offsets are stored, in offset order per partition:

* a :class:`~streams.contracts.review.MatchReviewV1` inserts one ``pending`` row;
  ``ON CONFLICT (bookmaker, bookmaker_event_id, candidate_key) DO NOTHING`` makes the
  same review filed twice (a redelivery, a restarted worker) one row, and leaves a row a
  person decided as it is: a **rejected pair is never proposed again**;
* a :class:`~streams.contracts.merge.EventMergeV1` settles the pair it merged: a
  ``pending`` or ``accepted`` row of (bookmaker, bookmaker event id, into key) becomes
  ``merged`` (an accept carried out, or the bookmaker later sent the Sportradar id).

Returns the rows inserted or changed. Nothing here merges: only a merge record does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sinks.write.records import Lifecycle
from streams.contracts.merge import EventMergeV1
from streams.contracts.review import MatchReviewV1

_INSERT = """
INSERT INTO match_reviews (bookmaker, bookmaker_event_id, sport, home, away, kickoff,
       candidate_key, candidate_sportradar_id, candidate_home, candidate_away, candidate_kickoff,
       score, home_score, away_score, runner_up, swapped, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
ON CONFLICT (bookmaker, bookmaker_event_id, candidate_key) DO NOTHING
"""
_SETTLE = """
UPDATE match_reviews SET status = 'merged', decided_at = coalesce(decided_at, now())
 WHERE bookmaker = $1 AND bookmaker_event_id = $2 AND candidate_key = $3
   AND status IN ('pending', 'accepted')
"""


def review_args(r: MatchReviewV1) -> tuple[Any, ...]:
    """The insert's parameters of one review record."""
    return (
        r.bookmaker,
        r.bookmaker_event_id,
        r.sport,
        r.home,
        r.away,
        r.kickoff,
        r.candidate_key,
        r.candidate_sportradar_id,
        r.candidate_home,
        r.candidate_away,
        r.candidate_kickoff,
        r.score,
        r.home_score,
        r.away_score,
        r.runner_up,
        r.swapped,
    )


async def apply(conn: Any, records: Sequence[Lifecycle]) -> int:
    """File the reviews and settle the merged pairs among ``records`` (see module docstring)."""
    changed = 0
    for item in sorted(records, key=lambda x: (x.record.partition, x.record.offset)):
        ev = item.event
        if isinstance(ev, MatchReviewV1):
            status = await conn.execute(_INSERT, *review_args(ev))
        elif isinstance(ev, EventMergeV1):
            status = await conn.execute(_SETTLE, ev.bookmaker, ev.bookmaker_event_id, ev.into_key)
        else:
            continue
        changed += int(status.split()[-1])
    return changed
