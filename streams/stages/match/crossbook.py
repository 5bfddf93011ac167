"""The cross-book agreement check in the match stage (the rule and state: :mod:`streams.agreement`).

Why here: the canonical topic is keyed by event, so every bookmaker's captures of one event
reach the same worker, and the match stage already has each capture's diff
(``SnapshotV1.changed``/``removed``). After a snapshot is published, :meth:`CrossBook.seen`
feeds that diff (the whole capture for a board it does not hold yet, and at keyframes) and
compares only the lines that changed; see :mod:`streams.agreement` for when a full pass
runs.

Lifecycle: the state lives in the worker's memory, not in a faust table. It is advisory and
covers one ``window`` (60 s by default), so after a restart or a rebalance it is complete
again one window later; a disagreement that persists across a restart is counted again.
Each disagreement found increments ``oddsflow_crossbook_disagreements_total`` for both
bookmakers, and the first one per (bookmaker pair, sport, market) is logged as a warning
with the event, line, outcome and probabilities; the rest only count. Bounded by
``ODDS_AGREEMENT__MAX_EVENTS`` events; ``ODDS_AGREEMENT__ENABLED=false`` turns it off.
"""

from __future__ import annotations

import logging

from streams.agreement import AgreementState, Disagreement, observe_snapshot
from streams.contracts.capture import CanonicalCaptureV1
from streams.contracts.snapshot import SnapshotV1
from streams.observe import metrics
from streams.settings import AgreementSettings

log = logging.getLogger(__name__)

_MAX_LOGGED = 10_000  # distinct (pair, sport, market) warnings remembered


class CrossBook:
    """Feeds accepted captures to an :class:`AgreementState`; counts and logs what it finds."""

    def __init__(self, settings: AgreementSettings) -> None:
        self.state = AgreementState.from_settings(settings)
        self._logged: set[tuple[str, str, str, int]] = set()

    def seen(self, capture: CanonicalCaptureV1, snapshot: SnapshotV1) -> list[Disagreement]:
        """Check the capture whose ``snapshot`` was just published; returns what it started."""
        found = observe_snapshot(self.state, capture.key, snapshot, capture.event)
        for d in found:
            for bookmaker in d.bookmakers:
                metrics.CROSSBOOK_DISAGREEMENTS.labels(bookmaker, d.sport, str(d.market_id)).inc()
            first, second = sorted(d.bookmakers)
            kind = (first, second, d.sport, d.market_id)
            if kind in self._logged or len(self._logged) >= _MAX_LOGGED:
                continue
            self._logged.add(kind)
            log.warning(
                "%s and %s disagree on %s market %d line %r of %s: outcome %s no-vig %.3f vs %.3f "
                "(a wrong mapping?); further disagreements of this pair and market are only counted",
                *d.bookmakers, d.sport, d.market_id, d.line, d.event, d.outcome_id, *d.probabilities,
            )  # fmt: skip
        return found
