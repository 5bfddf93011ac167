"""Lifecycle records → ``events.closed_at`` (one statement per record, in offset order).

``closed`` sets ``closed_at`` to the record's stream time, ``reopened`` clears it. An
event is found by its Sportradar id, or for a bookmaker-only event by its bookmaker's own
id in ``event_bookmakers``. Applying a record twice (the match stage publishes a close
again after a restart, docs/lifecycle.md) leaves the same value; a record for an event the
sink never stored changes nothing. Runs inside the batch's transaction (:mod:`sinks.write.writer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sinks.write.records import Lifecycle
from streams.contracts.lifecycle import EventLifecycleV1

_UPDATE = """
UPDATE events SET closed_at = $1
 WHERE id IN (SELECT id FROM events WHERE $2::bigint IS NOT NULL AND sportradar_id = $2
              UNION ALL
              SELECT eb.event_id FROM event_bookmakers eb JOIN bookmakers b ON b.id = eb.bookmaker_id
               WHERE $2::bigint IS NULL AND b.key = $3 AND eb.bookmaker_event_id = $4)
"""


async def apply(conn: Any, records: Sequence[Lifecycle]) -> int:
    """Apply ``records`` in offset order per partition; returns the events updated."""
    updated = 0
    for item in sorted(records, key=lambda x: (x.record.partition, x.record.offset)):
        ev = item.event
        if not isinstance(ev, EventLifecycleV1):
            continue  # a merge record: sinks.write.merges
        bookmaker, event_id = min(ev.bookmakers.items()) if ev.bookmakers else ("", "")
        closed_at = ev.at if ev.state == "closed" else None
        status = await conn.execute(_UPDATE, closed_at, ev.sportradar_id, bookmaker, event_id)
        updated += int(status.split()[-1])
    return updated
