"""``odds.event_merge.v1``: a bookmaker-only event is the same as another event (identity change).

Contract
--------
One record type on two topics (docs/lifecycle.md, "Identity merges"):

* on ``odds.canonical.v1`` it is a **request** to the match stage: "the event
  ``<bookmaker>:<bookmaker_event_id>`` is ``into_key``". Keyed by the merged-away event's
  key (:attr:`EventMergeV1.key`), so it reaches the partition that owns that event's
  registry entry and board. Sent by the match stage itself (a keyframe of a Sportradar-keyed
  board) or by :func:`streams.stages.match.merge.request_merge` (a name matcher);
* on ``odds.snapshots.v1`` it is the **result**: the match stage dropped the old key's
  board and routes its later captures to ``into_key``. Keyed by the old key, after every
  snapshot published under it; the sink moves the old event's rows into the surviving
  event and records the merge in ``event_merges``.

Members: ``bookmaker`` and ``bookmaker_event_id`` (the merged-away event, which only ever
has that one bookmaker), ``into_key`` (``sr:<n>`` or ``<bookmaker>:<id>``) and
``into_sportradar_id`` (``n`` for ``sr:<n>``, else null), ``reason`` (``sportradar_id``: a
capture of that bookmaker carried the id; ``matched``: a name matcher decided), ``at`` (the
stream time of the decision, UTC). Applying a record twice has the effect of applying it once.

:func:`decode_canonical_record` is the one decoder of the canonical topic's values;
:func:`streams.contracts.lifecycle.decode_snapshots_record` decodes this record on the
snapshots topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from streams.contracts.capture import CanonicalCaptureV1, decode_capture
from streams.contracts.snapshot import event_key
from streams.errors import DataError

SCHEMA = "odds.event_merge.v1"
REASONS = ("sportradar_id", "matched")


@dataclass(frozen=True, slots=True)
class EventMergeV1:
    """The bookmaker-only event ``bookmaker:bookmaker_event_id`` is ``into_key``."""

    bookmaker: str
    bookmaker_event_id: str
    into_key: str
    into_sportradar_id: int | None
    reason: str
    at: datetime

    @property
    def key(self) -> str:
        """Key of the merged-away event (the Kafka key of this record on both topics)."""
        return event_key(None, self.bookmaker, self.bookmaker_event_id)


def into_sportradar(into_key: str) -> int | None:
    """``sr:<n>`` → ``n``; a bookmaker-only key → ``None``."""
    return int(into_key[3:]) if into_key.startswith("sr:") else None


def split_key(key: str) -> tuple[str, str]:
    """A bookmaker-only key ``<bookmaker>:<id>`` → ``(bookmaker, id)`` (ids may contain ``:``)."""
    bookmaker, sep, event_id = key.partition(":")
    if not sep or bookmaker == "sr":
        raise ValueError(f"not a bookmaker-only event key: {key!r}")
    return bookmaker, event_id


def merge_of(from_key: str, into_key: str, reason: str, at: datetime) -> EventMergeV1:
    """The record merging the bookmaker-only event ``from_key`` into ``into_key``."""
    if reason not in REASONS:
        raise ValueError(f"reason {reason!r} not in {REASONS}")
    if from_key == into_key:
        raise ValueError(f"an event cannot be merged into itself: {from_key!r}")
    bookmaker, event_id = split_key(from_key)
    if into_sportradar(into_key) is None:
        split_key(into_key)
    return EventMergeV1(bookmaker, event_id, into_key, into_sportradar(into_key), reason, at.astimezone(UTC))


def encode_merge(record: EventMergeV1) -> bytes:
    return orjson.dumps(
        {
            "schema": SCHEMA,
            "bookmaker": record.bookmaker,
            "bookmaker_event_id": record.bookmaker_event_id,
            "into_key": record.into_key,
            "into_sportradar_id": record.into_sportradar_id,
            "reason": record.reason,
            "at": record.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }
    )


def decode_merge_doc(doc: dict[str, object]) -> EventMergeV1:
    """A decoded JSON object whose ``schema`` is :data:`SCHEMA` → record; raises :class:`DataError`."""
    try:
        at = datetime.fromisoformat(str(doc["at"]))
        if at.tzinfo is None:
            raise ValueError("at has no time zone")
        record = merge_of(
            f"{doc['bookmaker']}:{doc['bookmaker_event_id']}", str(doc["into_key"]), str(doc["reason"]), at
        )
        if record.into_sportradar_id != doc.get("into_sportradar_id"):
            raise ValueError("into_sportradar_id does not match into_key")
        return record
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError("decode", "wrong_type", f"malformed {SCHEMA}: {exc!r}") from exc


def decode_canonical_record(data: bytes | None) -> CanonicalCaptureV1 | EventMergeV1:
    """A value of ``odds.canonical.v1``: a capture or a merge request. Raises :class:`DataError`."""
    if data is not None and b'"schema":"odds.event_merge.v1"' in data[:40]:
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise DataError("decode", "not_json", f"{SCHEMA} is not JSON: {exc}") from exc
        if isinstance(doc, dict) and doc.get("schema") == SCHEMA:
            return decode_merge_doc(doc)
    return decode_capture(data)
