"""Known events indexed by sport, kickoff hour and meaningful token; one capture → a :class:`Decision`.

Contract
--------
* :meth:`NameIndex.add` registers a known event (one with a Sportradar id, or an event
  already matched), one *listing* (a bookmaker's spelling) at a time; adding the same
  ``event_key`` and listing again replaces it. :meth:`NameIndex.discard` forgets an event
  (closed events); :meth:`NameIndex.prune` forgets the listings and capture memos not
  seen since a given stream time, so a long-running index holds only what its recent
  captures showed. The runner-up is the best *other* event.
* :meth:`NameIndex.match` scores the known events of the same sport whose kickoff is within
  ``thresholds.window`` of the capture's and that share a meaningful token with it (when
  none does, every event in the window is scored: transliterated names share no exact
  token). An event's score is ``0.6 × min + 0.4 × max`` of its two name scores
  (:func:`~streams.matching.similarity.name_score`) less a kickoff penalty; both
  orientations are scored and ``swapped`` says the capture lists the teams the other way
  round (outcome ids ``1``/``3`` and ``4``/``5`` then mean the opposite side).
* ``matched``: best score ≥ ``high`` **and** ahead of the runner-up by ``margin``;
  ``review``: best ≥ ``low`` (or ≥ ``high`` but ambiguous); ``unmatched`` otherwise.
  A review decision is never acted on here: :mod:`sinks.matching` queues it for a person.
* :meth:`NameIndex.decide` memoizes per capture key (bookmaker, its event id): a ``matched``
  decision is kept while names and kickoff stay the same; the others are worked out again
  once the index has changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from streams.matching.normal import Name, Normalizer
from streams.matching.similarity import name_score

Status = Literal["matched", "review", "unmatched"]
_HOUR = 3600


@dataclass(frozen=True, slots=True)
class Thresholds:
    high: float = 88.0
    low: float = 70.0
    margin: float = 3.0
    window: timedelta = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class Known:
    """A known event: its canonical key (``sr:<n>``), sport, teams and kickoff."""

    event_key: str
    sport: str
    home: str
    away: str
    kickoff: datetime
    sportradar_id: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    status: Status
    candidate: Known | None = None
    score: float = 0.0
    swapped: bool = False
    home_score: float = 0.0
    away_score: float = 0.0
    runner_up: float = 0.0


UNMATCHED = Decision("unmatched")


@dataclass(slots=True)
class _Entry:
    known: Known
    home: Name
    away: Name
    ts: float
    listing: str = ""
    seen: float | None = None  # stream time of the listing's latest capture (see prune)
    shared: float | None = None  # stream time it was last reported new (see add)
    alive: bool = True


def _drop_dead(buckets: dict[Any, list[_Entry]], key: Any) -> None:
    """Keep the live entries of one bucket; drop the bucket when none is left."""
    alive = [e for e in buckets.get(key, ()) if e.alive]
    if alive:
        buckets[key] = alive
    else:
        buckets.pop(key, None)


def penalty(seconds: float) -> float:
    """Score points lost to a kickoff difference: none to 10 minutes, 10 at three hours."""
    if seconds <= 600:
        return 0.0
    if seconds <= 1800:
        return 2.0
    if seconds <= 5400:
        return 5.0
    return 10.0


def combine(home: float, away: float) -> float:
    return 0.6 * min(home, away) + 0.4 * max(home, away)


@dataclass
class NameIndex:
    thresholds: Thresholds = field(default_factory=Thresholds)
    aliases: Mapping[str, str] | None = None
    version: int = 0

    def __post_init__(self) -> None:
        self.names = Normalizer(self.aliases)
        self._entries: dict[str, dict[str, _Entry]] = {}  # event key -> listing -> entry
        self._tokens: dict[tuple[str, str, int], list[_Entry]] = {}
        self._hours: dict[tuple[str, int], list[_Entry]] = {}
        self._memo: dict[object, tuple[tuple[str, str, datetime], int, Decision]] = {}
        self._memo_seen: dict[object, float] = {}  # capture key → stream time of its latest decide

    def __len__(self) -> int:
        return len(self._entries)

    def add(
        self, known: Known, listing: str = "", seen: datetime | None = None, renew: timedelta | None = None
    ) -> bool:
        """Register (or replace) one listing of a known event: several bookmakers' spellings
        of one event may be added under their own ``listing``; they compete as one event.
        ``seen`` (stream time of the capture that shows it) keeps the listing from
        :meth:`prune`. True when the listing is new or changed, or when ``renew`` is given
        and ``seen`` is that much past the last time it was True (the caller shares the
        listing again, so that other indexes keep it too); else False."""
        listings = self._entries.setdefault(known.event_key, {})
        old = listings.get(listing)
        ts = None if seen is None else seen.timestamp()
        if old is not None:
            if (old.known.home, old.known.away, old.known.kickoff) == (known.home, known.away, known.kickoff):
                if ts is None:
                    return False
                if old.seen is None or ts > old.seen:
                    old.seen = ts
                due = renew is not None and (old.shared is None or ts - old.shared >= renew.total_seconds())
                if due:
                    old.shared = ts
                return due
            old.alive = False
        sport = known.sport
        entry = _Entry(
            known,
            self.names(known.home, sport),
            self.names(known.away, sport),
            known.kickoff.timestamp(),
            listing,
            ts,
            ts,
        )
        listings[listing] = entry
        hour = int(entry.ts // _HOUR)
        self._hours.setdefault((sport, hour), []).append(entry)
        for tok in entry.home.core | entry.away.core:
            self._tokens.setdefault((sport, tok, hour), []).append(entry)
        self.version += 1
        return True

    def discard(self, event_key: str) -> None:
        """Forget every listing of one event."""
        for entry in self._entries.pop(event_key, {}).values():
            entry.alive = False
        self.version += 1

    def prune(self, before: datetime) -> list[tuple[Known, str]]:
        """Forget the listings last seen (:meth:`add`'s ``seen``) before ``before`` and the
        memos of capture keys last decided before it; returns the listings forgotten.
        Listings added without ``seen`` are kept until :meth:`stamp_unseen` gives them one."""
        cutoff = before.timestamp()
        gone: list[_Entry] = []
        for event_key, listings in list(self._entries.items()):
            for listing, entry in list(listings.items()):
                if entry.seen is not None and entry.seen < cutoff:
                    entry.alive = False
                    del listings[listing]
                    gone.append(entry)
            if not listings:
                del self._entries[event_key]
        hours: set[tuple[str, int]] = set()
        tokens: set[tuple[str, str, int]] = set()
        for entry in gone:
            sport, hour = entry.known.sport, int(entry.ts // _HOUR)
            hours.add((sport, hour))
            tokens.update((sport, tok, hour) for tok in entry.home.core | entry.away.core)
        for hour_key in hours:  # each bucket filtered once, however many of its entries went
            _drop_dead(self._hours, hour_key)
        for token_key in tokens:
            _drop_dead(self._tokens, token_key)
        for key in [k for k, t in self._memo_seen.items() if t < cutoff]:
            del self._memo_seen[key]
            self._memo.pop(key, None)
        if gone:
            self.version += 1
        return [(entry.known, entry.listing) for entry in gone]

    def stamp_unseen(self, seen: datetime) -> None:
        """Give every listing added without ``seen`` this time (a worker's first capture)."""
        ts = seen.timestamp()
        for listings in self._entries.values():
            for entry in listings.values():
                if entry.seen is None:
                    entry.seen = entry.shared = ts

    def _candidates(self, sport: str, home: Name, away: Name, ts: float) -> list[_Entry]:
        window = self.thresholds.window.total_seconds()
        first, last = int((ts - window) // _HOUR), int((ts + window) // _HOUR)
        seen: dict[int, _Entry] = {}
        tokens = self._tokens
        for tok in home.core | away.core:
            for hour in range(first, last + 1):
                for entry in tokens.get((sport, tok, hour), ()):
                    if entry.alive and abs(entry.ts - ts) <= window:
                        seen[id(entry)] = entry
        if not seen:
            for hour in range(first, last + 1):
                for entry in self._hours.get((sport, hour), ()):
                    if entry.alive and abs(entry.ts - ts) <= window:
                        seen[id(entry)] = entry
        return list(seen.values())

    def match(self, sport: str, home: str, away: str, kickoff: datetime) -> Decision:
        """The decision for one capture's teams and kickoff (see the module docstring)."""
        q_home, q_away = self.names(home, sport), self.names(away, sport)
        ts = kickoff.timestamp()
        per_event: dict[str, Decision] = {}
        for entry in self._candidates(sport, q_home, q_away, ts):
            lost = penalty(abs(entry.ts - ts))
            h, a = name_score(q_home, entry.home, sport), name_score(q_away, entry.away, sport)
            score, swapped = combine(h, a) - lost, False
            if score < 100.0 - lost:
                hs, as_ = name_score(q_home, entry.away, sport), name_score(q_away, entry.home, sport)
                if combine(hs, as_) - lost > score:
                    score, swapped, h, a = combine(hs, as_) - lost, True, hs, as_
            key = entry.known.event_key
            found = per_event.get(key)
            if found is None or score > found.score:
                per_event[key] = Decision("unmatched", entry.known, score, swapped, h, a)
        if not per_event:
            return UNMATCHED
        ranked = sorted(per_event.values(), key=lambda d: d.score, reverse=True)
        best = ranked[0]
        runner = ranked[1].score if len(ranked) > 1 else 0.0
        t = self.thresholds
        if best.score >= t.high and best.score - runner >= t.margin:
            status: Status = "matched"
        elif best.score >= t.low:
            status = "review"
        else:
            status = "unmatched"
        return Decision(
            status, best.candidate, best.score, best.swapped, best.home_score, best.away_score, runner
        )

    def decide(
        self, key: object, sport: str, home: str, away: str, kickoff: datetime, seen: datetime | None = None
    ) -> Decision:
        """:meth:`match`, memoized per capture ``key`` (see the module docstring); ``seen``
        (the capture's stream time) keeps the memo from :meth:`prune`."""
        if seen is not None:
            self._memo_seen[key] = seen.timestamp()
        facts = (home, away, kickoff)
        memo = self._memo.get(key)
        if memo is not None and memo[0] == facts:
            decision = memo[2]
            if decision.status == "matched":
                if decision.candidate is not None and self._entries.get(decision.candidate.event_key):
                    return decision
            elif memo[1] == self.version:
                return decision
        decision = self.match(sport, home, away, kickoff)
        self._memo[key] = (facts, self.version, decision)
        return decision

    def forget(self, key: object) -> None:
        """Drop the memo of one capture key (its event closed)."""
        self._memo.pop(key, None)
        self._memo_seen.pop(key, None)
