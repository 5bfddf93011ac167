"""The normalize stage's name resolver on real-shaped fixtures: The Odds API joins SportyBet's event."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from streams import adapters
from streams.adapters import theoddsapi
from streams.stages.normalize.names import NameResolver
from tests.unit.adapters.helpers import NOW, load


def _oddsapi(book: int = 0) -> object:
    return theoddsapi.split_response(load("theoddsapi", "soccer_prematch"))[book][1]


def test_a_feed_capture_takes_the_sportradar_id_of_the_event_it_matches_by_name() -> None:
    resolver = NameResolver()
    for book in ("sportybet", "betpawa"):
        event = adapters.normalize(book, load(book, "soccer_prematch"), NOW, now=NOW)
        assert resolver.resolve(event) == (event, "id")
    feed = theoddsapi.normalize(_oddsapi(), NOW)
    matched, how = resolver.resolve(feed)
    assert (how, matched.sportradar_id, feed.sportradar_id) == ("name", 68995116, None)
    assert replace(matched, sportradar_id=None) == feed  # nothing else changes


def test_swapped_teams_wait_for_review_and_strangers_stay_unmatched() -> None:
    resolver = NameResolver()
    resolver.resolve(adapters.normalize("sportybet", load("sportybet", "soccer_prematch"), NOW, now=NOW))
    payload = copy.deepcopy(_oddsapi())
    payload["home_team"], payload["away_team"] = payload["away_team"], payload["home_team"]
    _, how = resolver.resolve(theoddsapi.normalize(payload, NOW))
    assert how == "review" and resolver.last is not None and resolver.last.swapped
    stranger = copy.deepcopy(_oddsapi(1))
    stranger["id"], stranger["home_team"], stranger["away_team"] = "x1", "Calw", "Dole"
    for outcome in stranger["bookmakers"][0]["markets"][0]["outcomes"]:
        outcome["name"] = {"Wuhan Three Towns": "Calw", "Qingdao Hainiu": "Dole"}.get(
            outcome["name"], outcome["name"]
        )
    event, how = resolver.resolve(theoddsapi.normalize(stranger, NOW))
    assert (how, event.sportradar_id) == ("unmatched", None)


def test_a_review_is_filed_once_per_capture_and_candidate() -> None:
    resolver = NameResolver()
    resolver.resolve(adapters.normalize("sportybet", load("sportybet", "soccer_prematch"), NOW, now=NOW))
    payload = copy.deepcopy(_oddsapi())
    payload["home_team"], payload["away_team"] = payload["away_team"], payload["home_team"]
    feed = theoddsapi.normalize(payload, NOW)
    _, how = resolver.resolve(feed)
    review = resolver.review
    assert how == "review" and review is not None
    assert (review.bookmaker, review.bookmaker_event_id) == (feed.bookmaker, feed.bookmaker_event_id)
    assert (review.candidate_key, review.candidate_sportradar_id, review.swapped) == (
        "sr:68995116",
        68995116,
        True,
    )
    assert review.score >= 70.0 and review.at == feed.captured_at
    assert resolver.resolve(feed) == (feed, "review") and resolver.review is None  # filed already
    matched = theoddsapi.normalize(_oddsapi(), NOW)
    resolver.resolve(matched)
    assert resolver.review is None  # a match files nothing


def test_the_directory_carries_a_listing_from_one_worker_to_another() -> None:
    from streams.errors import DataError

    worker_a, worker_b = NameResolver(), NameResolver()
    sporty = adapters.normalize("sportybet", load("sportybet", "soccer_prematch"), NOW, now=NOW)
    assert worker_a.resolve(sporty) == (sporty, "id")
    assert worker_a.entry is not None and worker_a.entry[0] == "sr:68995116|sportybet"
    worker_a.resolve(sporty)
    assert worker_a.entry is None  # known already: nothing to share again
    feed = theoddsapi.normalize(_oddsapi(), NOW)
    assert worker_b.resolve(feed)[1] == "unmatched"  # B never saw SportyBet's capture
    entry = theoddsapi.normalize(_oddsapi(), NOW)  # (same capture, decided again below)
    assert worker_b.learn(_entry(sporty)) is True
    assert worker_b.learn(_entry(sporty)) is False and worker_b.learn(None) is False
    matched, how = worker_b.resolve(entry)
    assert (how, matched.sportradar_id) == ("name", 68995116)
    worker_b.resolve(sporty)
    assert worker_b.entry is None  # learnt from the directory: B does not write it back
    with pytest.raises(DataError):
        worker_b.learn(b'{"schema":"odds.known_listing.v1"}')


def _entry(event: object) -> bytes:
    from streams.matching import Known
    from streams.matching.directory import decode_entry, encode_entry

    ev: Any = event
    known = Known(f"sr:{ev.sportradar_id}", ev.sport, ev.home, ev.away, ev.kickoff, ev.sportradar_id)
    value = encode_entry(known, ev.bookmaker)
    assert decode_entry(value) == (known, ev.bookmaker)  # round trip
    return value


def test_listings_not_seen_for_the_retain_span_are_forgotten_and_their_entries_expire() -> None:
    """A long-running worker's index holds what recent captures showed: a listing no capture
    showed for ``retain`` of stream time goes with its memos and review pairs, and
    :attr:`NameResolver.expired` names its directory entry; a listing still seen is shared
    again every ``retain / 2`` so that workers that learnt it keep it."""
    from datetime import timedelta

    resolver = NameResolver(retain=timedelta(hours=48))
    sporty = adapters.normalize("sportybet", load("sportybet", "soccer_prematch"), NOW, now=NOW)
    payload = copy.deepcopy(_oddsapi())
    payload["home_team"], payload["away_team"] = payload["away_team"], payload["home_team"]
    swapped = theoddsapi.normalize(payload, NOW)
    other = adapters.normalize("betpawa", load("betpawa", "soccer_prematch"), NOW, now=NOW)
    other = replace(other, sportradar_id=1, kickoff=sporty.kickoff + timedelta(days=4))

    def at(event: Any, hours: float) -> Any:
        return replace(event, captured_at=NOW + timedelta(hours=hours))

    assert resolver.resolve(at(sporty, 0))[1] == "id" and resolver.entry is not None
    assert resolver.resolve(at(swapped, 0.5))[1] == "review" and resolver.review is not None
    resolver.resolve(at(sporty, 20))
    assert resolver.entry is None  # seen again, shared less than retain / 2 ago
    resolver.resolve(at(sporty, 30))
    assert resolver.entry is not None and resolver.expired == []  # shared again
    resolver.resolve(at(swapped, 47))
    assert resolver.review is None  # the pair was filed and is still remembered
    assert resolver.resolve(at(other, 79))[1] == "id"
    assert resolver.expired == ["sr:68995116|sportybet"]  # last seen at 30 h, cutoff 31 h
    assert len(resolver.index) == 1  # only the new listing
    assert resolver.resolve(at(swapped, 79.05))[1] == "unmatched"  # nothing left to match it to
    resolver.resolve(at(other, 79.1))
    assert resolver.expired == []  # one prune per hour of stream time


def test_a_prune_drops_listings_and_memos_last_seen_before_the_cutoff() -> None:
    from datetime import UTC, datetime, timedelta

    from streams.matching import Known, NameIndex

    index = NameIndex()
    t0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    a = Known("sr:1", "soccer", "Arsenal", "Chelsea", t0, 1)
    b = Known("sr:2", "soccer", "Arsenal", "Everton", t0, 2)
    index.add(a, "sportybet", t0)
    index.add(a, "betpawa", t0 + timedelta(hours=1))
    index.add(b, "sportybet", t0)
    index.add(b, "sportybet", t0 + timedelta(hours=2))  # unchanged: seen moves on
    unstamped = Known("sr:3", "soccer", "Leeds", "Fulham", t0, 3)
    index.add(unstamped, "bet9ja")  # learnt before any capture: kept until stamped
    assert index.decide(("x", "1"), "soccer", "Arsenal", "Chelsea", t0, seen=t0).status == "matched"
    gone = index.prune(t0 + timedelta(minutes=30))
    assert [(k.event_key, listing) for k, listing in gone] == [("sr:1", "sportybet")]
    assert index._memo == {} and len(index) == 3  # a keeps BetPawa's listing
    assert index.match("soccer", "Arsenal", "Chelsea", t0).candidate == a
    gone = index.prune(t0 + timedelta(minutes=90))
    assert [(k.event_key, listing) for k, listing in gone] == [("sr:1", "betpawa")]
    assert index.match("soccer", "Arsenal", "Chelsea", t0).candidate != a
    index.stamp_unseen(t0 + timedelta(hours=3))
    assert index.prune(t0 + timedelta(hours=2, minutes=30)) == [(b, "sportybet")]
    assert len(index) == 1 and index.prune(t0 + timedelta(hours=4)) == [(unstamped, "bet9ja")]
    assert index._tokens == {} and index._hours == {}
