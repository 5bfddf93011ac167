"""``odds.match_review.v1``: a capture without a Sportradar id may be a known event — a person decides.

Contract
--------
Produced by the normalize stage (:mod:`streams.stages.normalize.names`) when the name matcher
puts a capture's best candidate between its two thresholds (or above the high one but
ambiguous, or with home and away swapped). Published on ``odds.snapshots.v1``, keyed by
the capture's bookmaker-only event key (:attr:`MatchReviewV1.key`), so the sink stores it
in the transaction that stores its offsets; the object's ``schema`` member tells it from
a snapshot. Nothing is merged because of it: ``oddsflow matches accept`` asks for the
identity merge (``odds.event_merge.v1``, reason ``matched``).

Members: the capture's ``bookmaker`` and ``bookmaker_event_id`` (the bookmaker-only event),
``sport``, ``home``, ``away``, ``kickoff``; the candidate's ``candidate_key`` (``sr:<n>``),
``candidate_sportradar_id``, ``candidate_home``, ``candidate_away``,
``candidate_kickoff``; the matcher's ``score``, ``home_score``, ``away_score``,
``runner_up`` (best other event's score) and ``swapped``; ``at`` (the capture's time, UTC).

Identity: one review per (bookmaker, bookmaker event id, candidate key). A worker files a
pair once while it runs and again after a restart; the sink keeps the first row and its
decision (a rejected pair stays rejected). :func:`decode_review_doc` is called only by
:func:`streams.contracts.lifecycle.decode_snapshots_record`, the one decoder of the topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from streams.contracts.snapshot import event_key
from streams.errors import DataError

SCHEMA = "odds.match_review.v1"


@dataclass(frozen=True, slots=True)
class MatchReviewV1:
    """The bookmaker-only event ``bookmaker:bookmaker_event_id`` may be ``candidate_key``."""

    bookmaker: str
    bookmaker_event_id: str
    sport: str
    home: str
    away: str
    kickoff: datetime
    candidate_key: str
    candidate_sportradar_id: int | None
    candidate_home: str
    candidate_away: str
    candidate_kickoff: datetime
    score: float
    home_score: float
    away_score: float
    runner_up: float
    swapped: bool
    at: datetime

    @property
    def key(self) -> str:
        """The capture's bookmaker-only event key (the Kafka key of the record)."""
        return event_key(None, self.bookmaker, self.bookmaker_event_id)

    @property
    def pair(self) -> tuple[str, str, str]:
        """What identifies a review: (bookmaker, bookmaker event id, candidate key)."""
        return (self.bookmaker, self.bookmaker_event_id, self.candidate_key)


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def encode_review(r: MatchReviewV1) -> bytes:
    return orjson.dumps(
        {
            "schema": SCHEMA,
            "bookmaker": r.bookmaker,
            "bookmaker_event_id": r.bookmaker_event_id,
            "sport": r.sport,
            "home": r.home,
            "away": r.away,
            "kickoff": _ts(r.kickoff),
            "candidate_key": r.candidate_key,
            "candidate_sportradar_id": r.candidate_sportradar_id,
            "candidate_home": r.candidate_home,
            "candidate_away": r.candidate_away,
            "candidate_kickoff": _ts(r.candidate_kickoff),
            "score": r.score,
            "home_score": r.home_score,
            "away_score": r.away_score,
            "runner_up": r.runner_up,
            "swapped": r.swapped,
            "at": _ts(r.at),
        }
    )


def _time(doc: dict[str, object], name: str) -> datetime:
    value = datetime.fromisoformat(str(doc[name]))
    if value.tzinfo is None:
        raise ValueError(f"{name} has no time zone")
    return value.astimezone(UTC)


def _float(doc: dict[str, object], name: str) -> float:
    value = doc[name]
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number")
    return float(value)


def decode_review_doc(doc: dict[str, object]) -> MatchReviewV1:
    """A decoded JSON object whose ``schema`` is :data:`SCHEMA` → record; raises :class:`DataError`."""
    try:
        sr = doc["candidate_sportradar_id"]
        candidate_key = str(doc["candidate_key"])
        candidate_sr = None if sr is None else int(str(sr))
        if candidate_sr is not None and candidate_key != f"sr:{candidate_sr}":
            raise ValueError("candidate_sportradar_id does not match candidate_key")
        swapped = doc["swapped"]
        if not isinstance(swapped, bool):
            raise TypeError("swapped must be a boolean")
        record = MatchReviewV1(
            bookmaker=str(doc["bookmaker"]),
            bookmaker_event_id=str(doc["bookmaker_event_id"]),
            sport=str(doc["sport"]),
            home=str(doc["home"]),
            away=str(doc["away"]),
            kickoff=_time(doc, "kickoff"),
            candidate_key=candidate_key,
            candidate_sportradar_id=candidate_sr,
            candidate_home=str(doc["candidate_home"]),
            candidate_away=str(doc["candidate_away"]),
            candidate_kickoff=_time(doc, "candidate_kickoff"),
            score=_float(doc, "score"),
            home_score=_float(doc, "home_score"),
            away_score=_float(doc, "away_score"),
            runner_up=_float(doc, "runner_up"),
            swapped=swapped,
            at=_time(doc, "at"),
        )
        if not record.bookmaker or record.key == candidate_key:
            raise ValueError("a review needs a bookmaker and another event as candidate")
        return record
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError("decode", "wrong_type", f"malformed {SCHEMA}: {exc!r}") from exc
