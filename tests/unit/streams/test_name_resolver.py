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
