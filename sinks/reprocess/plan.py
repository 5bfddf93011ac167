"""What a reprocess covers: the raw range and the names of its fresh stream state.

A reprocess run ``R`` re-reads raw records ``[start, end)`` of each raw partition in scope,
where ``start`` is the first record at or after the asked time (or the log start) and
``end`` is the high watermark when the run began (records arriving later are the live
pipeline's business). It runs the stream stage with state of its own, so nothing it does
touches the live app's consumer group, tables or topics:

* app id ``<app_id>-reprocess-<R>`` (consumer group, changelog topics);
* canonical topic ``<canonical>.reprocess-<R>`` and snapshots topic ``<snapshots>.reprocess-<R>``;
* dead letters go to the usual DLQ with ``dlq.app`` = the reprocess app id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP, ReplayError, iso
from streams.settings import Settings

RawRange = dict[TP, tuple[int, int]]  # raw partition -> [start, end)


@dataclass(frozen=True, slots=True)
class Names:
    """Where run ``run_id``'s stream state lives."""

    run_id: str
    app_id: str
    canonical: str
    snapshots: str

    @property
    def load_group(self) -> str:
        """The ``sink_offsets`` group used while loading (rows removed when the load commits)."""
        return f"{self.app_id}-load"


def run_names(settings: Settings, run_id: str) -> Names:
    t = settings.topics
    return Names(
        run_id,
        f"{settings.streams.app_id}-reprocess-{run_id}",
        f"{t.canonical}.reprocess-{run_id}",
        f"{t.snapshots}.reprocess-{run_id}",
    )


def new_run_id(now: datetime | None = None) -> str:
    """``20261121t180000`` (UTC): sortable, valid in topic names and app ids."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dt%H%M%S")


def raw_topics_in_scope(
    available: Mapping[str, list[int]], settings: Settings, bookmakers: tuple[str, ...]
) -> list[str]:
    """Raw topics on the broker, all or those of ``bookmakers`` (each must exist)."""
    prefix = settings.topics.raw_prefix
    raw = sorted(t for t in available if t.startswith(prefix))
    if not bookmakers:
        if not raw:
            raise ReplayError(f"no raw topics ({prefix}*) on the broker")
        return raw
    missing = [b for b in bookmakers if settings.topics.raw(b) not in available]
    if missing:
        raise ReplayError(f"no raw topic for bookmaker(s) {', '.join(missing)}")
    return sorted(settings.topics.raw(b) for b in bookmakers)


async def raw_range(log: LogOffsets, tps: list[TP], since: datetime | None) -> RawRange:
    """``[start, end)`` per partition: from the first record at/after ``since`` (or the log start)."""
    earliest, latest = await log.bounds(tps)
    out: RawRange = {}
    for tp in tps:
        start = earliest[tp]
        if since is not None:
            located = await log.offset_for_time(tp, int(since.timestamp() * 1000), earliest[tp], latest[tp])
            start = latest[tp] if located is None else located.offset
        out[tp] = (start, latest[tp])
    return out


def describe(since: datetime | None) -> str:
    return "from the oldest retained raw record" if since is None else f"from {iso(since)}"
