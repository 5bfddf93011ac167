"""What ``oddsflow coverage`` computes: mapping coverage and cross-book agreement of captures.

No I/O of its own: :func:`analyse` normalizes each raw capture with its bookmaker's adapter,
hands the results to a coverage function, replays the canonical captures through the
cross-book agreement check (:mod:`streams.agreement`) in capture-time order and returns
a :class:`Analysis`; :meth:`Analysis.as_dict` is the ``--json`` document.

The coverage function is the interface :data:`Measure`: captures in → :class:`CoverageReport`
out; :func:`measure_captures` is :func:`streams.coverage.measure` (lines summed over every
capture, the bookmakers' own market names for the unmapped types).

Captures are normalized for analysis, not for freshness: a capture of any age is accepted
(the adapters' age window is measured from the capture's own time). The canonical
captures of matched events (not the payloads) are held until the end, to be replayed in
capture-time order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from streams import adapters
from streams.agreement import AgreementState, Disagreement, observe_event
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.coverage import measure as coverage
from streams.coverage.measure import CoverageReport
from streams.errors import DataError
from streams.kafka.captures import RawCapture, Read, Refused


@dataclass(frozen=True, slots=True)
class Capture:
    """One raw capture and what its adapter made of it (exactly one of ``event``/``error``)."""

    raw: RawCapture
    event: CanonicalEventOddsV1 | None
    error: DataError | None = None


#: the coverage function: consumes the captures once, in input order
Measure = Callable[[Iterable[Capture]], CoverageReport]


def measure_captures(captures: Iterable[Capture]) -> CoverageReport:
    """:data:`Measure` by :func:`streams.coverage.measure`: lines summed over every capture
    normalized (refused captures are counted by :class:`Analysis`, not here)."""
    return coverage.measure(
        (c.raw.bookmaker, c.raw.payload, c.event) for c in captures if c.event is not None
    )


@dataclass
class Analysis:
    """Everything ``oddsflow coverage`` reports."""

    coverage: CoverageReport
    state: AgreementState
    disagreements: list[Disagreement] = field(default_factory=list)
    market_names: dict[int, str] = field(default_factory=dict)
    refused: list[tuple[str, str, DataError]] = field(default_factory=list)  # origin, bookmaker, error
    captures: int = 0

    def by_market(self) -> list[tuple[str, str, int, int]]:
        """``(bookmaker, sport, market id, disagreements)``; each one counts for both bookmakers."""
        counts: Counter[tuple[str, str, int]] = Counter()
        for d in self.disagreements:
            for bookmaker in d.bookmakers:
                counts[bookmaker, d.sport, d.market_id] += 1
        return [(*key, n) for key, n in sorted(counts.items())]

    def refused_by_kind(self) -> dict[str, int]:
        """``"<bookmaker or ?>/<stage>/<kind>"`` → inputs refused."""
        return dict(sorted(Counter(f"{b or '?'}/{e.stage}/{e.kind}" for _, b, e in self.refused).items()))

    def as_dict(self, top: int | None = None) -> dict[str, Any]:
        """The ``--json`` document (``top``: unmapped market types per row, all when None)."""
        rule = self.state.rule
        return {
            "captures": {"read": self.captures, "refused": self.refused_by_kind()},
            "coverage": [
                {
                    "bookmaker": r.bookmaker, "sport": r.sport, "captures": r.captures, "events": r.events,
                    "lines_mapped": r.lines_mapped, "lines_unmapped": r.lines_unmapped,
                    "canonical_lines": r.canonical_lines,
                    "mapped_share": None if r.mapped_share is None else round(r.mapped_share, 4),
                    "types_mapped": r.types_mapped, "types_unmapped": r.types_unmapped,
                    "top_unmapped": [
                        {"market": m.market, "name": m.name, "lines": m.lines} for m in r.top_unmapped[:top]
                    ],
                }
                for r in self.coverage.rows
            ],
            "agreement": {
                "window_s": self.state.window.total_seconds(),
                "threshold": rule.threshold,
                "min_diff": rule.min_diff,
                "comparisons": self.state.comparisons,
                "by_market": [
                    {"bookmaker": b, "sport": s, "market_id": m, "market": self.market_names.get(m),
                     "disagreements": n}
                    for b, s, m, n in self.by_market()
                ],
                "disagreements": [
                    d.as_dict() | {"market": self.market_names.get(d.market_id)} for d in self.disagreements
                ],
            },
        }  # fmt: skip


def normalized(reads: Iterable[Read], analysis: Analysis) -> Iterator[Capture]:
    """Each read through its adapter; refusals and adapter errors are recorded in ``analysis``."""
    for read in reads:
        analysis.captures += 1
        if isinstance(read, Refused):
            analysis.refused.append((read.origin, "", read.error))
            continue
        try:
            event = adapters.normalize(read.bookmaker, read.payload, read.captured_at, now=read.captured_at)
        except DataError as exc:
            analysis.refused.append((read.origin, read.bookmaker, exc))
            yield Capture(read, None, exc)
            continue
        yield Capture(read, event)


def analyse(reads: Iterable[Read], state: AgreementState, measure: Measure = measure_captures) -> Analysis:
    """Coverage of ``reads`` by ``measure`` and the disagreements ``state`` finds among them."""
    analysis = Analysis(CoverageReport(()), state)
    events: list[CanonicalEventOddsV1] = []

    def kept(captures: Iterable[Capture]) -> Iterator[Capture]:
        for capture in captures:
            ev = capture.event
            if ev is not None:
                analysis.market_names.update((ln.market_id, ln.market) for ln in ev.lines)
                if ev.sportradar_id is not None:  # the only ones another bookmaker can quote
                    events.append(ev)
            yield capture

    captures = kept(normalized(reads, analysis))
    analysis.coverage = measure(captures)
    for _ in captures:  # whatever the measure left unread still counts for the agreement
        pass
    events.sort(key=lambda ev: ev.captured_at)  # stable: input order among equal times
    for ev in events:
        analysis.disagreements += observe_event(state, ev)
    return analysis
