"""An accepted review → the identity merge of the match stage (``odds.event_merge.v1``).

:func:`request_merge` is the one call ``oddsflow matches accept`` makes:

1. the review row must be ``pending``, its candidate a Sportradar event (``sr:<n>``: the
   stream merges only into those) and its teams in the candidate's order (a ``swapped``
   pair would put prices of one side under the other: refused, the capture stays its own
   event); otherwise :class:`ReviewRefusedError` and nothing is sent;
2. the merge request — the same record the match stage sends itself,
   :func:`streams.stages.match.merge.merge_request`, reason ``matched`` — is published on
   the canonical topic under the bookmaker-only key and acknowledged by the broker. The
   match stage's partition owning that key absorbs it: it publishes the merge record on
   the snapshots topic and reroutes the bookmaker's later captures to the candidate;
3. the row becomes ``accepted``. The sink, storing the merge record, moves the
   bookmaker-only event's rows into the candidate, writes ``event_merges`` and sets the
   row ``merged`` (:mod:`sinks.matching.reviews`), in the transaction of its offsets.

A crash between 2 and 3 leaves the row ``pending``; accepting it again sends the request
again, which the stage and the sink apply once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from streams.contracts.merge import into_sportradar
from streams.contracts.snapshot import event_key
from streams.kafka.delivery import SendFn
from streams.stages.match import merge


class ReviewRefusedError(ValueError):
    """The review cannot be accepted (not pending, unknown, swapped or not a Sportradar candidate)."""


async def request_merge(
    conn: Any, send: SendFn, topic: str, review_id: int, *, at: datetime | None = None
) -> tuple[str, str]:
    """Steps 1–3 of the module docstring; returns ``(from_key, into_key)`` of the request sent."""
    row = await conn.fetchrow(
        "SELECT bookmaker, bookmaker_event_id, candidate_key, swapped, status"
        " FROM match_reviews WHERE id = $1",
        review_id,
    )
    if row is None:
        raise ReviewRefusedError(f"review {review_id} does not exist")
    if row["status"] != "pending":
        raise ReviewRefusedError(f"review {review_id} is not pending ({row['status']})")
    if row["swapped"]:
        raise ReviewRefusedError(
            f"review {review_id} lists home and away the other way round: prices would be flipped"
        )
    into_key = row["candidate_key"]
    if into_sportradar(into_key) is None:
        raise ReviewRefusedError(f"review {review_id}: {into_key} is not a Sportradar event")
    from_key = event_key(None, row["bookmaker"], row["bookmaker_event_id"])
    await merge.request_merge(send, topic, from_key, into_key, reason="matched", at=at)
    await conn.execute(
        "UPDATE match_reviews SET status = 'accepted', decided_at = now()"
        " WHERE id = $1 AND status = 'pending'",
        review_id,
    )
    return from_key, into_key
