"""Captures without a Sportradar id matched by teams and kickoff before they are keyed (pure).

:class:`NameResolver` sits between the adapter and the canonical topic, so a capture matched
by name is keyed ``sr:<n>`` and joins its event on the match stage's partition like any
other capture of it. Outcomes (:data:`OUTCOMES`), one per capture:

* ``id`` — the capture carries a Sportradar id; its listing (bookmaker, teams, kickoff)
  joins the resolver's :class:`~streams.matching.NameIndex`, and when the index did not
  hold it yet, :attr:`NameResolver.entry` is the directory entry to share with the other
  workers (:mod:`streams.matching.directory`);
* ``name`` — no id, matched above the high threshold, same orientation: the capture gets
  the candidate's Sportradar id;
* ``review`` — between the thresholds, ambiguous, or matched with home and away swapped
  (prices are never flipped automatically): the capture stays a bookmaker-only event, and
  the first time a capture key meets a candidate :attr:`NameResolver.review` holds the
  :class:`~streams.contracts.review.MatchReviewV1` to publish (the sink files it in
  ``match_reviews``; a person accepts or rejects it);
* ``unmatched`` — no candidate good enough: a bookmaker-only event.

Bounded by stream time, like the match stage's idle close: the resolver's stream time is
the latest ``captured_at`` it saw; each time it passes a new hour, listings no capture
showed (with its id, or through the directory) for ``retain`` of stream time, and the
memos and review pairs of capture keys not seen as long, are forgotten
(:meth:`~streams.matching.NameIndex.prune`); :attr:`NameResolver.expired` names their
directory entries, which the agent deletes (tombstones in the compacted changelog). A
listing its captures keep showing is shared again every ``retain / 2`` of stream time,
so that the workers that learnt it from the directory keep it too.
``retain`` is ``streams.name_match_retain_h``; a listing learnt from the directory before
the worker's first capture counts as seen at that capture.

Scope: the index holds the listings this process saw and those :meth:`NameResolver.learn`
was given — the entries of the directory every worker shares (a faust GlobalTable,
:mod:`streams.stages.normalize.directory`; docs/matching.md), so a capture without id is
matched against events whose captures went to other workers' partitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from streams.contracts.canonical import CanonicalEventOddsV1
from streams.contracts.review import MatchReviewV1
from streams.matching import Decision, Known, NameIndex, Thresholds
from streams.matching.directory import decode_entry, encode_entry, entry_key

OUTCOMES = ("id", "name", "review", "unmatched")


class NameResolver:
    """One per normalize worker; :meth:`resolve` is called once per capture, in order."""

    def __init__(
        self,
        thresholds: Thresholds | None = None,
        aliases: Mapping[str, str] | None = None,
        retain: timedelta = timedelta(hours=48),
    ) -> None:
        self.index = NameIndex(thresholds or Thresholds(), aliases)
        self.retain = retain
        self.stream_time: datetime | None = None  # the latest captured_at seen
        self.expired: list[str] = []  # directory keys forgotten by the last capture's prune
        self._pruned_hour = 0
        self.last: Decision | None = None  # the decision of the last capture without id
        self.review: MatchReviewV1 | None = None  # a review to publish for the last capture
        self.entry: tuple[str, bytes] | None = None  # a directory entry to share, last capture
        self._filed: dict[tuple[str, str, str], datetime] = {}  # pairs published → last seen

    def resolve(self, event: CanonicalEventOddsV1) -> tuple[CanonicalEventOddsV1, str]:
        """``(event, outcome)``; the event gains a Sportradar id only for outcome ``name``.

        Sets :attr:`review` to the record to publish when the outcome is ``review`` and this
        process has not published that (capture, candidate) pair yet; else to ``None``.
        Stream time moves on after the capture is applied (so :attr:`expired` never names
        the listing it showed)."""
        self.review = self.entry = None
        self.expired = []
        resolved = self._resolve(event)
        self._advance(event.captured_at)
        return resolved

    def _resolve(self, event: CanonicalEventOddsV1) -> tuple[CanonicalEventOddsV1, str]:
        sr = event.sportradar_id
        if sr is not None:
            known = Known(f"sr:{sr}", event.sport, event.home, event.away, event.kickoff, sr)
            if self.index.add(known, event.bookmaker, event.captured_at, renew=self.retain / 2):
                self.entry = (entry_key(known, event.bookmaker), encode_entry(known, event.bookmaker))
            return event, "id"
        decision = self.index.decide(
            (event.bookmaker, event.bookmaker_event_id),
            event.sport,
            event.home,
            event.away,
            event.kickoff,
            seen=event.captured_at,
        )
        self.last = decision
        if decision.status == "matched" and not decision.swapped and decision.candidate is not None:
            matched = decision.candidate.sportradar_id
            if matched is not None:
                return replace(event, sportradar_id=matched), "name"
        if decision.status == "unmatched":
            return event, "unmatched"
        review = review_of(event, decision)
        if review is not None:
            if review.pair not in self._filed:
                self.review = review
            self._filed[review.pair] = event.captured_at
        return event, "review"

    def _advance(self, captured_at: datetime) -> None:
        if self.stream_time is not None and captured_at <= self.stream_time:
            return
        if self.stream_time is None:
            self.index.stamp_unseen(captured_at)
        self.stream_time = captured_at
        hour = int(captured_at.timestamp() // 3600)
        if hour <= self._pruned_hour:
            return
        self._pruned_hour = hour
        before = captured_at - self.retain
        self.expired = [entry_key(known, listing) for known, listing in self.index.prune(before)]
        for pair in [p for p, seen in self._filed.items() if seen < before]:
            del self._filed[pair]

    def learn(self, value: bytes | None) -> bool:
        """Index one directory entry (another worker's listing, or this one's read back);
        True when it was new. A deleted entry (``None``) is ignored: the index keeps it.
        Raises :class:`~streams.errors.DataError` for a value that is not an entry."""
        if value is None:
            return False
        known, listing = decode_entry(value)
        return self.index.add(known, listing=listing, seen=self.stream_time)


def review_of(event: CanonicalEventOddsV1, decision: Decision) -> MatchReviewV1 | None:
    """The review record of a capture and its ``review`` decision (``None`` without a candidate)."""
    c = decision.candidate
    if decision.status == "unmatched" or c is None:
        return None
    return MatchReviewV1(
        bookmaker=event.bookmaker,
        bookmaker_event_id=event.bookmaker_event_id,
        sport=event.sport,
        home=event.home,
        away=event.away,
        kickoff=event.kickoff,
        candidate_key=c.event_key,
        candidate_sportradar_id=c.sportradar_id,
        candidate_home=c.home,
        candidate_away=c.away,
        candidate_kickoff=c.kickoff,
        score=round(decision.score, 2),
        home_score=round(decision.home_score, 2),
        away_score=round(decision.away_score, 2),
        runner_up=round(decision.runner_up, 2),
        swapped=decision.swapped,
        at=event.captured_at,
    )
