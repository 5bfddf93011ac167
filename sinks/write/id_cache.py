"""The layered id cache of :mod:`sinks.write.dimensions`: one :class:`Maps` per transaction or savepoint.

A lookup walks from the newest layer to the oldest (the process-wide cache). A layer's ids
reach its parent only through :meth:`Maps.merge_into_parent`, which the writer calls after
the layer's savepoint was released or its transaction committed; a rolled-back layer is
dropped, so the cache never holds an id Postgres does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.contracts.snapshot import EventInfo

#: (sport_id, tournament_id, home, away, kickoff)
Meta = tuple[int, int | None, str, str, datetime]


@dataclass(slots=True)
class Maps:
    """One layer of ids. Missing keys fall through to ``parent``."""

    parent: Maps | None = None
    sports: dict[str, int] = field(default_factory=dict)
    bookmakers: dict[str, int] = field(default_factory=dict)
    tournaments: dict[tuple[int, str, str], int] = field(default_factory=dict)
    by_sportradar: dict[int, tuple[int, Meta]] = field(default_factory=dict)
    by_bookmaker_event: dict[tuple[int, str], int] = field(default_factory=dict)
    meta: dict[int, Meta] = field(default_factory=dict)  # event id -> last written metadata
    # the fast path: (sportradar id, bookmaker, bookmaker event id) -> (event as written, ids)
    resolved: dict[tuple[int | None, str, str], tuple[EventInfo, int, int]] = field(default_factory=dict)

    _NAMES = (
        "sports",
        "bookmakers",
        "tournaments",
        "by_sportradar",
        "by_bookmaker_event",
        "meta",
        "resolved",
    )

    def get(self, name: str, key: Any) -> Any:
        layer: Maps | None = self
        while layer is not None:
            found = getattr(layer, name).get(key)
            if found is not None:
                return found
            layer = layer.parent
        return None

    def child(self) -> Maps:
        return Maps(parent=self)

    def sizes(self) -> dict[str, int]:
        """Entries per map of this layer alone (the ``oddsflow_sink_id_cache_entries`` gauge)."""
        return {name: len(getattr(self, name)) for name in self._NAMES}

    def forget(self, sportradar_id: int | None, bookmakers: dict[str, str]) -> int:
        """Drop a closed event's ids from this layer; returns the entries dropped.

        Only the per-event maps are touched (sports, tournaments, bookmakers stay). A later
        capture of the event (reopened, or a replay) misses the cache and resolves through
        Postgres again, so forgetting is always safe; it keeps the cache bounded by the
        events open at once instead of every event ever seen.
        """
        dropped = 0
        events: set[int] = set()
        if sportradar_id is not None:
            hit = self.by_sportradar.pop(sportradar_id, None)
            if hit is not None:
                events.add(hit[0])
                dropped += 1
        for bookmaker, event_id in bookmakers.items():
            resolved = self.resolved.pop((sportradar_id, bookmaker, event_id), None)
            if resolved is not None:
                events.add(resolved[1])
                dropped += 1
            bm = self.bookmakers.get(bookmaker)
            own = self.by_bookmaker_event.pop((bm, event_id), None) if bm is not None else None
            if own is not None:
                events.add(own)
                dropped += 1
        for event in events:
            dropped += self.meta.pop(event, None) is not None
        return dropped

    def merge_into_parent(self) -> None:
        """Keep this layer's ids (its savepoint was released / transaction committed)."""
        assert self.parent is not None
        for name in self._NAMES:
            getattr(self.parent, name).update(getattr(self, name))
