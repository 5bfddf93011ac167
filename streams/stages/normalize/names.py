"""Captures without a Sportradar id matched by teams and kickoff before they are keyed (pure).

:class:`NameResolver` sits between the adapter and the canonical topic, so a capture matched
by name is keyed ``sr:<n>`` and joins its event on the match stage's partition like any
other capture of it. Outcomes (:data:`OUTCOMES`), one per capture:

* ``id`` — the capture carries a Sportradar id; its listing (bookmaker, teams, kickoff)
  joins the resolver's :class:`~streams.matching.NameIndex`;
* ``name`` — no id, matched above the high threshold, same orientation: the capture gets
  the candidate's Sportradar id;
* ``review`` — between the thresholds, ambiguous, or matched with home and away swapped
  (prices are never flipped automatically): the capture stays a bookmaker-only event;
* ``unmatched`` — no candidate good enough: a bookmaker-only event.

Scope: the index holds what this process has seen, so it is complete only when one
normalize worker reads every raw partition; several workers need a shared directory of
known events (not built yet, see docs/matching.md). Review decisions are not yet written
to ``match_reviews``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from streams.contracts.canonical import CanonicalEventOddsV1
from streams.matching import Decision, Known, NameIndex, Thresholds

OUTCOMES = ("id", "name", "review", "unmatched")


class NameResolver:
    """One per normalize worker; :meth:`resolve` is called once per capture, in order."""

    def __init__(
        self, thresholds: Thresholds | None = None, aliases: Mapping[str, str] | None = None
    ) -> None:
        self.index = NameIndex(thresholds or Thresholds(), aliases)
        self.last: Decision | None = None  # the decision of the last capture without id

    def resolve(self, event: CanonicalEventOddsV1) -> tuple[CanonicalEventOddsV1, str]:
        """``(event, outcome)``; the event gains a Sportradar id only for outcome ``name``."""
        sr = event.sportradar_id
        if sr is not None:
            known = Known(f"sr:{sr}", event.sport, event.home, event.away, event.kickoff, sr)
            self.index.add(known, listing=event.bookmaker)
            return event, "id"
        decision = self.index.decide(
            (event.bookmaker, event.bookmaker_event_id), event.sport, event.home, event.away, event.kickoff
        )
        self.last = decision
        if decision.status == "matched" and not decision.swapped and decision.candidate is not None:
            matched = decision.candidate.sportradar_id
            if matched is not None:
                return replace(event, sportradar_id=matched), "name"
        if decision.status == "unmatched":
            return event, "unmatched"
        return event, "review"
