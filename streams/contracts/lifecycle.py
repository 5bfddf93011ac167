"""``odds.event_lifecycle.v1``: an event closed or reopened by the match stage, on ``odds.snapshots.v1``.

Contract
--------
Produced by the match stage (:mod:`streams.stages.match.lifecycle`) on the snapshots topic, keyed
like the event's snapshots (:func:`streams.contracts.snapshot.event_key`), so it stays in
order with them; the object's ``schema`` member tells it from a snapshot.

* ``state``: ``closed`` (the event's boards were deleted from the worker's tables) or
  ``reopened`` (a capture arrived within the grace period after the close);
* ``at``: the stream time (capture time, UTC) of the change; ``reason``: why — ``ended``,
  ``settled``, ``removed`` (a bookmaker said so), ``idle`` (no capture for
  ``streams.event_idle_hours`` past kickoff) or ``capture`` (a reopen);
* ``sportradar_id`` and ``bookmakers`` (bookmaker → its own event id) name the event as
  the sink stored it.

A record may be published again with the same content (after a worker restart, see
docs/lifecycle.md): applying it twice has the effect of applying it once.
:func:`decode_snapshots_record` is the one decoder of the snapshots topic's values (a
snapshot, a lifecycle record, an identity merge, :mod:`streams.contracts.merge`, or a match
review, :mod:`streams.contracts.review`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import orjson

from streams.contracts.merge import SCHEMA as MERGE_SCHEMA
from streams.contracts.merge import EventMergeV1, decode_merge_doc
from streams.contracts.review import SCHEMA as REVIEW_SCHEMA
from streams.contracts.review import MatchReviewV1, decode_review_doc
from streams.contracts.snapshot import SCHEMA as SNAPSHOT_SCHEMA
from streams.contracts.snapshot import SnapshotV1, decode_snapshot_doc, event_key
from streams.errors import DataError

SCHEMA = "odds.event_lifecycle.v1"

State = Literal["closed", "reopened"]
STATES: tuple[State, ...] = ("closed", "reopened")


@dataclass(frozen=True, slots=True)
class EventLifecycleV1:
    """An event closed or reopened, at a stream time."""

    sportradar_id: int | None
    bookmakers: dict[str, str]  # bookmaker → bookmaker event id
    state: State
    at: datetime
    reason: str

    @property
    def key(self) -> str:
        if self.sportradar_id is not None or not self.bookmakers:
            return f"sr:{self.sportradar_id}"
        bookmaker, event_id = min(self.bookmakers.items())
        return event_key(None, bookmaker, event_id)


def encode_lifecycle(record: EventLifecycleV1) -> bytes:
    return orjson.dumps(
        {
            "schema": SCHEMA,
            "sportradar_id": record.sportradar_id,
            "bookmakers": dict(sorted(record.bookmakers.items())),
            "state": record.state,
            "at": record.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "reason": record.reason,
        }
    )


def _decode_lifecycle(doc: dict[str, object]) -> EventLifecycleV1:
    try:
        sr = doc["sportradar_id"]
        state = doc["state"]
        if state not in STATES:
            raise ValueError(f"state {state!r}")
        at = datetime.fromisoformat(str(doc["at"]))
        if at.tzinfo is None:
            raise ValueError("at has no time zone")
        books = doc["bookmakers"]
        if not isinstance(books, dict):
            raise TypeError("bookmakers must be an object")
        return EventLifecycleV1(
            sportradar_id=None if sr is None else int(str(sr)),
            bookmakers={str(b): str(i) for b, i in books.items()},
            state=state,  # checked above
            at=at.astimezone(UTC),
            reason=str(doc["reason"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError("decode", "wrong_type", f"malformed {SCHEMA}: {exc!r}") from exc


def decode_snapshots_record(data: bytes) -> SnapshotV1 | EventLifecycleV1 | EventMergeV1 | MatchReviewV1:
    """A value of ``odds.snapshots.v1``: a snapshot, a lifecycle, a merge or a review record.

    Raises :class:`DataError`."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DataError("decode", "not_json", f"{SNAPSHOT_SCHEMA} record is not JSON: {exc}") from exc
    if isinstance(doc, dict) and doc.get("schema") == SCHEMA:
        return _decode_lifecycle(doc)
    if isinstance(doc, dict) and doc.get("schema") == MERGE_SCHEMA:
        return decode_merge_doc(doc)
    if isinstance(doc, dict) and doc.get("schema") == REVIEW_SCHEMA:
        return decode_review_doc(doc)
    return decode_snapshot_doc(doc)
