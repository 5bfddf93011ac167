"""Merge records → one event in Postgres (one merge per record, in offset order, in the batch's transaction).

A merge record (:mod:`streams.contracts.merge`) says: bookmaker ``B``'s event ``X``, stored so
far as a bookmaker-only event, is the event ``into_key``. :func:`apply` carries it out:

1. the merged-away event is the event of ``event_bookmakers (B, X)`` if it is still
   bookmaker-only (``sportradar_id`` NULL). None: nothing to do — the record was applied
   before (applying twice is harmless), or nothing was stored under the old key;
2. the surviving event: ``events.sportradar_id = n`` for ``sr:<n>`` (else the event of the
   into key's ``event_bookmakers`` row). Not stored yet: the old event *becomes* it
   (``sportradar_id`` set), no row moves;
3. otherwise the old event's rows move to the surviving one: ``snapshots`` and
   ``odds_history`` (a capture stored under both — same bookmaker and ``captured_at``,
   published under both keys around the merge — keeps the surviving event's copy);
   ``current_odds``: per bookmaker, the board of the event with that bookmaker's later
   capture wins (a board is a chain of keyframe + deltas: the two are never mixed);
   ``event_bookmakers``; the old event row is deleted (the survivor keeps its ``closed_at``);
4. a row in ``event_merges`` records the ids, keys, reason and the stream time.

After a batch that merged, the writer clears its dimension id cache (ids of the deleted
event must not be used again). The dimension rules keep ``event_bookmakers (B, X)`` on the
bookmaker-only event until its merge record arrives (:mod:`sinks.write.dimensions`), so
step 1 finds it in whichever order the sink reads the two keys' partitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sinks.write.records import Lifecycle
from streams.contracts.merge import EventMergeV1, split_key

Connection = Any  # asyncpg.Connection (no type stubs)

_BOOKMAKER_EVENT = """
SELECT eb.event_id, e.sportradar_id FROM event_bookmakers eb
  JOIN bookmakers b ON b.id = eb.bookmaker_id JOIN events e ON e.id = eb.event_id
 WHERE b.key = $1 AND eb.bookmaker_event_id = $2
"""
_LATEST = (
    "SELECT bookmaker_id, max(captured_at) AS at FROM snapshots WHERE event_id = $1 GROUP BY bookmaker_id"
)
_SAME_CAPTURE = """EXISTS (SELECT 1 FROM snapshots n WHERE n.event_id = $2 AND n.bookmaker_id = t.bookmaker_id
                          AND n.captured_at = t.captured_at)"""


async def apply(conn: Connection, records: Sequence[Lifecycle]) -> int:
    """Apply the merge records among ``records`` in offset order per partition; returns merges done."""
    merged = 0
    for item in sorted(records, key=lambda x: (x.record.partition, x.record.offset)):
        if isinstance(item.event, EventMergeV1):
            merged += await merge_one(conn, item.event)
    return merged


async def merge_one(conn: Connection, m: EventMergeV1) -> int:
    """Steps 1–4 of the module docstring for one record; 1 if events were merged, else 0."""
    row = await conn.fetchrow(_BOOKMAKER_EVENT, m.bookmaker, m.bookmaker_event_id)
    if row is None or row["sportradar_id"] is not None:
        return 0
    old = row["event_id"]
    if m.into_sportradar_id is not None:
        new = await conn.fetchval("SELECT id FROM events WHERE sportradar_id = $1", m.into_sportradar_id)
    else:
        into = await conn.fetchrow(_BOOKMAKER_EVENT, *split_key(m.into_key))
        new = None if into is None else into["event_id"]
    if new == old:
        return 0
    if new is None:
        if m.into_sportradar_id is None:
            return 0  # the surviving bookmaker-only event is not stored yet: nothing to merge into
        await conn.execute(
            "UPDATE events SET sportradar_id = $2, updated_at = now() WHERE id = $1",
            old,
            m.into_sportradar_id,
        )
        new = old
    else:
        await _move(conn, old, new)
    await conn.execute(
        """INSERT INTO event_merges (from_event_id, into_event_id, bookmaker, bookmaker_event_id,
                                     from_key, into_key, reason, merged_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        old,
        new,
        m.bookmaker,
        m.bookmaker_event_id,
        m.key,
        m.into_key,
        m.reason,
        m.at,
    )
    return 1


async def _move(conn: Connection, old: int, new: int) -> None:
    latest_old = {r["bookmaker_id"]: r["at"] for r in await conn.fetch(_LATEST, old)}
    latest_new = {r["bookmaker_id"]: r["at"] for r in await conn.fetch(_LATEST, new)}
    old_wins = [b for b, at in latest_old.items() if b in latest_new and at > latest_new[b]]
    new_wins = [b for b, at in latest_old.items() if b in latest_new and at <= latest_new[b]]
    delete_current = "DELETE FROM current_odds WHERE event_id = $1 AND bookmaker_id = ANY($2::smallint[])"
    if new_wins:
        await conn.execute(delete_current, old, new_wins)
    if old_wins:
        await conn.execute(delete_current, new, old_wins)
    await conn.execute("UPDATE current_odds SET event_id = $2 WHERE event_id = $1", old, new)
    await conn.execute(f"DELETE FROM odds_history t WHERE t.event_id = $1 AND {_SAME_CAPTURE}", old, new)
    await conn.execute(f"DELETE FROM snapshots t WHERE t.event_id = $1 AND {_SAME_CAPTURE}", old, new)
    await conn.execute("UPDATE snapshots SET event_id = $2 WHERE event_id = $1", old, new)
    await conn.execute("UPDATE odds_history SET event_id = $2 WHERE event_id = $1", old, new)
    await conn.execute("UPDATE event_bookmakers SET event_id = $2 WHERE event_id = $1", old, new)
    await conn.execute("DELETE FROM events WHERE id = $1", old)
