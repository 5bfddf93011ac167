"""``odds.match_review.v1``: encoded, decoded by the snapshots topic's one decoder, refused when malformed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import orjson
import pytest

from streams.contracts.lifecycle import decode_snapshots_record
from streams.contracts.review import MatchReviewV1, encode_review
from streams.errors import DataError

KO = datetime(2026, 5, 6, 11, 0, tzinfo=UTC)
REVIEW = MatchReviewV1(
    bookmaker="theoddsapi.pinnacle",
    bookmaker_event_id="e91:x",
    sport="soccer",
    home="Ashford United",
    away="Bexbach Rovers",
    kickoff=KO,
    candidate_key="sr:1",
    candidate_sportradar_id=1,
    candidate_home="Ashford United",
    candidate_away="Bexbach Royals",
    candidate_kickoff=KO,
    score=81.25,
    home_score=100.0,
    away_score=68.75,
    runner_up=0.0,
    swapped=False,
    at=datetime(2026, 5, 6, 9, 0, tzinfo=UTC),
)


def test_a_review_round_trips_through_the_snapshots_decoder() -> None:
    decoded = decode_snapshots_record(encode_review(REVIEW))
    assert decoded == REVIEW
    assert isinstance(decoded, MatchReviewV1)
    assert decoded.key == "theoddsapi.pinnacle:e91:x"  # the capture's bookmaker-only key
    assert decoded.pair == ("theoddsapi.pinnacle", "e91:x", "sr:1")


@pytest.mark.parametrize(
    "change",
    [
        {"candidate_sportradar_id": 2},  # disagrees with candidate_key
        {"score": "81"},
        {"swapped": "no"},
        {"kickoff": "2026-05-06T11:00:00"},  # no time zone
        {"candidate_key": "theoddsapi.pinnacle:e91:x", "candidate_sportradar_id": None},  # itself
        {"bookmaker": ""},
    ],
)
def test_a_malformed_review_is_a_data_error(change: dict[str, object]) -> None:
    doc = orjson.loads(encode_review(REVIEW)) | change
    with pytest.raises(DataError) as exc:
        decode_snapshots_record(orjson.dumps(doc))
    assert exc.value.kind == "wrong_type" and "odds.match_review.v1" in exc.value.message


def test_a_missing_member_is_a_data_error() -> None:
    doc = orjson.loads(encode_review(REVIEW))
    del doc["runner_up"]
    with pytest.raises(DataError):
        decode_snapshots_record(orjson.dumps(doc))


def test_a_candidate_without_sportradar_id_is_allowed() -> None:
    other = dataclasses.replace(REVIEW, candidate_key="betpawa:77", candidate_sportradar_id=None)
    assert decode_snapshots_record(encode_review(other)) == other
