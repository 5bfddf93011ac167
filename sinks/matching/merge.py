"""The hand-off from an accepted review to the identity merge (issue 19, built elsewhere).

:func:`request_merge` is the one call ``oddsflow matches accept`` makes. Until the identity
merge exists it only records the decision: the review row becomes ``accepted`` (with
``decided_at``), which is the queue the merge reads — it attaches ``bookmaker`` /
``bookmaker_event_id`` to the event ``candidate_key`` and then sets the row to ``merged``.
Replace the body, not the signature, when the merge lands.
"""

from __future__ import annotations

from typing import Any


async def request_merge(conn: Any, review_id: int) -> bool:
    """Mark review ``review_id`` accepted for the identity merge; False if it was not pending."""
    done = await conn.fetchval(
        "UPDATE match_reviews SET status = 'accepted', decided_at = now()"
        " WHERE id = $1 AND status = 'pending' RETURNING id",
        review_id,
    )
    return done is not None
