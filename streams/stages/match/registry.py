"""The event registry: one canonical event per event key, each bookmaker's own listing attached.

One ``event_registry`` table value per event key (``sr:<n>``, or
``<bookmaker>:<bookmaker event id>`` for an event without a Sportradar id, which then only
ever has that one bookmaker). A :class:`RegistryEntry` keeps every bookmaker's latest
:class:`Listing` of the event: its own event id, sport, names, kickoff, category, tournament.

Conflicting metadata — the bookmakers disagree on kickoff, names or tournament — is
resolved by one deterministic rule (:func:`resolve`) that does not depend on the order in
which captures arrived: the listing of the **most trusted bookmaker seen** wins
(``streams.metadata_trust``, default SportyBet — Sportradar's own URNs and epoch-ms
kickoffs —, then BetPawa — ISO-8601 UTC —, then Bet9ja — local time read as UTC);
bookmakers not in that list rank after it, ties by name. Category and tournament, which a
bookmaker may leave empty, fall back to the next listing in that order that has one.
A listing is replaced by each newer capture of its bookmaker (captures reach the registry
in capture order, see :mod:`streams.stages.match.board`); the table is written only when a
listing actually changed.

Lifecycle (:mod:`streams.stages.match.lifecycle`): ``closing`` names the reason of a close the
stage decided but has not carried out yet (a bookmaker's ``ended`` status); ``closed``
turns the entry into a *closed marker*, kept for the grace period, with the last capture
seen per bookmaker so a redelivered capture is recognised once its board is gone.

Identity merges (:mod:`streams.stages.match.merge`): ``merged_into`` turns the entry of a
bookmaker-only key into an *alias marker* (a closed marker whose captures are routed to
the surviving event's key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from streams.contracts.canonical import CanonicalEventOddsV1
from streams.contracts.snapshot import EventInfo, Source

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Listing:
    """One bookmaker's view of the event."""

    bookmaker_event_id: str
    sport: str
    home: str
    away: str
    kickoff: datetime
    category: str | None
    tournament: str | None


@dataclass(frozen=True, slots=True)
class Closed:
    """When (stream time) and why an event closed; each bookmaker's last capture before it."""

    at: datetime
    reason: str
    seen: dict[str, tuple[Source, datetime]]  # bookmaker → (raw source, captured_at)


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """The canonical event: its Sportradar id (``None`` = bookmaker-only) and every listing."""

    sportradar_id: int | None
    listings: dict[str, Listing]  # bookmaker → listing
    closing: str | None = None  # reason of a close decided, not carried out yet
    closed: Closed | None = None  # set: this entry is a closed marker
    merged_into: str | None = None  # set (with closed): an alias marker, captures go to this key


def listing_of(event: CanonicalEventOddsV1) -> Listing:
    return Listing(
        bookmaker_event_id=event.bookmaker_event_id,
        sport=event.sport,
        home=event.home,
        away=event.away,
        kickoff=event.kickoff,
        category=event.category,
        tournament=event.tournament,
    )


def merge(entry: RegistryEntry | None, event: CanonicalEventOddsV1) -> tuple[RegistryEntry, bool]:
    """``entry`` with ``event``'s listing (replacing its bookmaker's); ``True`` when it changed."""
    listing = listing_of(event)
    if entry is None:
        return RegistryEntry(event.sportradar_id, {event.bookmaker: listing}), True
    if entry.listings.get(event.bookmaker) == listing:
        return entry, False
    listings = {**entry.listings, event.bookmaker: listing}
    return RegistryEntry(entry.sportradar_id, listings, entry.closing, entry.closed, entry.merged_into), True


def trust_order(bookmakers: Sequence[str] | set[str], trust: Sequence[str]) -> list[str]:
    """``bookmakers`` sorted most trusted first (unknown ones after, by name)."""
    rank = {b: i for i, b in enumerate(trust)}
    return sorted(bookmakers, key=lambda b: (rank.get(b, len(trust)), b))


def resolve(entry: RegistryEntry, trust: Sequence[str]) -> EventInfo:
    """The canonical event metadata (rule in the module docstring)."""
    order = [entry.listings[b] for b in trust_order(list(entry.listings), trust)]
    top = order[0]
    return EventInfo(
        sportradar_id=entry.sportradar_id,
        sport=top.sport,
        home=top.home,
        away=top.away,
        kickoff=top.kickoff,
        category=next((ls.category for ls in order if ls.category is not None), None),
        tournament=next((ls.tournament for ls in order if ls.tournament is not None), None),
    )


# -- bytes <-> RegistryEntry (the only (de)serializer of event_registry values) ------------


def encode_entry(entry: RegistryEntry) -> bytes:
    extra: dict[str, object] = {}
    if entry.closing is not None:
        extra["x"] = entry.closing
    if entry.merged_into is not None:
        extra["m"] = entry.merged_into
    if entry.closed is not None:
        c = entry.closed
        extra["cl"] = [
            (c.at - _EPOCH) // _US,
            c.reason,
            {
                b: [s.topic, s.partition, s.offset, (at - _EPOCH) // _US]
                for b, (s, at) in sorted(c.seen.items())
            },
        ]
    return orjson.dumps(
        {
            **extra,
            "sr": entry.sportradar_id,
            "b": {
                b: [
                    ls.bookmaker_event_id,
                    ls.sport,
                    ls.home,
                    ls.away,
                    (ls.kickoff - _EPOCH) // _US,
                    ls.category,
                    ls.tournament,
                ]
                for b, ls in sorted(entry.listings.items())
            },
        }
    )


def decode_entry(data: bytes | None) -> RegistryEntry | None:
    if data is None:
        return None
    doc = orjson.loads(data)
    listings = {
        b: Listing(event_id, sport, home, away, _EPOCH + kickoff * _US, category, tournament)
        for b, (event_id, sport, home, away, kickoff, category, tournament) in doc["b"].items()
    }
    closed = None
    if "cl" in doc:
        at, reason, seen = doc["cl"]
        closed = Closed(
            _EPOCH + at * _US,
            reason,
            {b: (Source(t, p, o), _EPOCH + a * _US) for b, (t, p, o, a) in seen.items()},
        )
    return RegistryEntry(doc["sr"], listings, doc.get("x"), closed, doc.get("m"))
