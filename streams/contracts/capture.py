"""``odds.canonical.v1``: the repartition topic between normalize and match.

Contract
--------
* Key: :func:`streams.contracts.snapshot.event_key` of the capture (``sr:<n>``, or
  ``<bookmaker>:<bookmaker event id>`` for bookmaker-only events), UTF-8. Every capture of
  one canonical event therefore lands on one partition, which is also the partition of
  the match stage's table entries for that event.
* Value: the :mod:`streams.contracts.canonical` JSON object (schema ``odds.canonical.v1``)
  with one extra member, ``"source": [topic, partition, offset]``, naming the raw record
  the capture was normalized from. The match stage uses it to recognise a redelivered
  capture and to put it in the snapshot header.

:func:`encode_capture` / :func:`decode_capture` are the only (de)serializers of this record.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from streams.contracts.canonical import SCHEMA, CanonicalEventOddsV1, canonical_from_dict, canonical_to_dict
from streams.contracts.snapshot import Source, event_key
from streams.errors import DataError


@dataclass(frozen=True, slots=True)
class CanonicalCaptureV1:
    """One normalized capture plus the raw record it came from."""

    event: CanonicalEventOddsV1
    source: Source

    @property
    def key(self) -> str:
        """Canonical event key (the Kafka key of this record and of its snapshot)."""
        ev = self.event
        return event_key(ev.sportradar_id, ev.bookmaker, ev.bookmaker_event_id)

    @property
    def board_key(self) -> str:
        """Key of the event × bookmaker board: the match stage's ``last_prices`` key, and the
        key that orders the normalize stage's sends of one board."""
        return f"{self.key}|{self.event.bookmaker}"


def encode_capture(capture: CanonicalCaptureV1) -> bytes:
    """Serialize to compact JSON bytes."""
    doc = canonical_to_dict(capture.event)
    src = capture.source
    doc["source"] = [src.topic, src.partition, src.offset]
    return orjson.dumps(doc)


def decode_capture(data: bytes | None) -> CanonicalCaptureV1:
    """Bytes → :class:`CanonicalCaptureV1`; raises :class:`DataError` (stage ``decode``)."""
    if data is None:
        raise DataError("decode", "empty", f"{SCHEMA} record has no value")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DataError("decode", "not_json", f"{SCHEMA} is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise DataError("decode", "wrong_type", f"{SCHEMA} must be a JSON object")
    try:
        topic, partition, offset = doc["source"]
        source = Source(str(topic), int(partition), int(offset))
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError("decode", "wrong_type", f"{SCHEMA}: bad 'source' member: {exc!r}") from exc
    return CanonicalCaptureV1(canonical_from_dict(doc), source)
