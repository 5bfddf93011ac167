"""The event registry: one canonical event per key, deterministic conflict resolution."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from streams.contracts.canonical import CanonicalEventOddsV1
from streams.stages.match.registry import decode_entry, encode_entry, merge, resolve, trust_order

KICKOFF = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
TRUST = ("sportybet", "betpawa", "bet9ja")


def event(bookmaker: str, event_id: str, **kw: object) -> CanonicalEventOddsV1:
    base = CanonicalEventOddsV1(
        bookmaker=bookmaker,
        bookmaker_event_id=event_id,
        sportradar_id=68995116,
        sport="soccer",
        home="Wuhan Three Towns FC",
        away="Qingdao Hainiu FC",
        kickoff=KICKOFF,
        live=False,
        captured_at=datetime(2026, 11, 21, 18, 0, tzinfo=UTC),
        tournament="Chinese Super League",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


SPORTY = event("sportybet", "sr:match:68995116", category=None)
PAWA = event("betpawa", "33289995", kickoff=KICKOFF + timedelta(minutes=5), category="China")
NINE = event(
    "bet9ja", "769895636", home="Wuhan Three Towns", tournament="China - Super League", category="China"
)


def test_three_bookmakers_one_event_with_each_own_id() -> None:
    entry = None
    for ev in (NINE, PAWA, SPORTY):
        entry, changed = merge(entry, ev)
        assert changed
    assert entry is not None and entry.sportradar_id == 68995116
    assert {b: ls.bookmaker_event_id for b, ls in entry.listings.items()} == {
        "sportybet": "sr:match:68995116",
        "betpawa": "33289995",
        "bet9ja": "769895636",
    }


def test_most_trusted_bookmaker_wins_whatever_the_arrival_order() -> None:
    resolved = set()
    for order in itertools.permutations((SPORTY, PAWA, NINE)):
        entry = None
        for ev in order:
            entry, _ = merge(entry, ev)
        assert entry is not None
        resolved.add(resolve(entry, TRUST))
    assert len(resolved) == 1
    info = resolved.pop()
    assert (info.home, info.kickoff, info.tournament) == (
        "Wuhan Three Towns FC",
        KICKOFF,
        "Chinese Super League",
    )
    assert info.category == "China"  # SportyBet had none: next trusted listing that has one


def test_without_the_most_trusted_the_next_one_wins() -> None:
    entry, _ = merge(None, NINE)
    assert resolve(entry, TRUST).home == "Wuhan Three Towns"
    entry, _ = merge(entry, PAWA)
    assert resolve(entry, TRUST).kickoff == KICKOFF + timedelta(minutes=5)


def test_unknown_bookmakers_rank_last_by_name() -> None:
    assert trust_order(["zeta", "bet9ja", "alpha", "sportybet"], TRUST) == [
        "sportybet",
        "bet9ja",
        "alpha",
        "zeta",
    ]


def test_unchanged_listing_is_not_rewritten_and_a_new_one_replaces_it() -> None:
    entry, _ = merge(None, PAWA)
    same, changed = merge(entry, replace(PAWA, captured_at=PAWA.captured_at + timedelta(seconds=1)))
    assert not changed and same is entry
    moved, changed = merge(entry, replace(PAWA, kickoff=KICKOFF + timedelta(hours=1)))
    assert changed and moved.listings["betpawa"].kickoff == KICKOFF + timedelta(hours=1)


def test_bookmaker_only_event() -> None:
    entry, _ = merge(None, replace(PAWA, sportradar_id=None))
    assert entry.sportradar_id is None and resolve(entry, TRUST).sportradar_id is None


def test_round_trip() -> None:
    entry = None
    for ev in (SPORTY, PAWA, NINE):
        entry, _ = merge(entry, ev)
    assert entry is not None
    assert decode_entry(encode_entry(entry)) == entry and decode_entry(None) is None
