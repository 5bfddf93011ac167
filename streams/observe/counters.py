"""Counters kept by the stream processors of one worker process.

Plain integers, incremented by the agents; a later exporter (Prometheus) reads
:meth:`StreamCounters.as_dict`. They count what this process did since it started:
after a rebalance or a restart the numbers of several processes add up to the total.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class StreamCounters:
    """What the normalize and match agents saw (see the module docstring)."""

    raw_records: int = 0
    canonical_forwarded: int = 0
    #: bookmaker lines with no canonical home (sum of the canonical events' ``unmapped``)
    unmapped_lines: int = 0
    #: registry entries created for events without a Sportradar id
    unmatched_events: int = 0
    #: captures of events without a Sportradar id
    unmatched_captures: int = 0
    snapshots: int = 0
    keyframes: int = 0
    #: redelivered copies of the last capture recorded for an event × bookmaker (re-emitted)
    replayed_captures: int = 0
    #: redelivered captures older than the last one recorded (their snapshot was already sent)
    duplicate_captures: int = 0
    #: captures not newer than the last one seen for the event × bookmaker (dropped)
    stale_captures: int = 0
    #: raw topics matching the raw pattern that this worker is not subscribed to
    unsubscribed_raw_topics: int = 0
    #: captures by how the normalize stage found their event (streams/stages/normalize/names.py)
    matched_by_id: int = 0
    matched_by_name: int = 0
    name_review: int = 0
    name_unmatched: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        """Flat name → value mapping (dead letters as ``dead_letters.<kind>``)."""
        out = {k: v for k, v in vars(self).items() if isinstance(v, int)}
        out |= {f"dead_letters.{kind}": n for kind, n in sorted(self.dead_letters.items())}
        return out
