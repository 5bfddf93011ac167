"""``odds.raw.<bookmaker>``: the raw envelope a scraper publishes (version 1).

Wire format (what kcat, librdkafka or Java producers must send too)
-------------------------------------------------------------------
* **Topic**: ``odds.raw.<bookmaker>`` (``betpawa``, ``sportybet``, ``bet9ja``, ``betika``,
  ``betway``, ``msport``, ``sportpesa``: :data:`streams.adapters.BOOKMAKERS`; and the feeds
  without Sportradar ids, ``theoddsapi``: :data:`streams.adapters.FEEDS`).
* **Key**: ``<bookmaker>:<bookmaker event id>`` in UTF-8 — every capture of one bookmaker
  event lands on one partition, in order.
* **Partition**: chosen from the key by murmur2 (aiokafka's and the Java client's default;
  librdkafka clients set ``partitioner=murmur2_random``, their CRC32 default picks another
  partition). The workers count a board seen on two raw partitions
  (:mod:`streams.stages.match.split`).
* **Headers**: ``content-type: application/json`` and ``schema: odds.raw.v1``.
* **Value**: one JSON object::

      {"schema": "odds.raw.v1", "bookmaker": "betpawa",
       "captured_at": "2026-11-21T18:00:00.123Z", "source": "scraper-ng-1",
       "bookmaker_event_id": "31357750", "sportradar_id": 68995116,
       "payload": { ...the bookmaker's JSON response, unchanged... }}

  Betway and SportPesa split an event over two responses: their ``payload`` is the
  split-event envelope ``{"event": <first response>, "markets": <second response>}``
  (``docs/WIRE.md``); half of it is dead-lettered (``normalize/missing_field``).
  ``captured_at`` is ISO-8601 with a zone (UTC recommended) or epoch milliseconds;
  ``bookmaker_event_id`` and ``sportradar_id`` are optional hints.

:func:`encode_raw` splices the payload bytes into the envelope verbatim (no re-encoding of
a 2 MB document); :func:`decode_raw` is the only decoder and raises :class:`DataError`
with a message written for scraper authors.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from streams.errors import DataError

SCHEMA = "odds.raw.v1"
CONTENT_TYPE = "application/json"
HEADERS: list[tuple[str, bytes]] = [("content-type", CONTENT_TYPE.encode()), ("schema", SCHEMA.encode())]
BOOKMAKER_RE = re.compile(r"^[a-z0-9_]{1,32}$")


class RawOddsV1(BaseModel):
    """A decoded raw envelope. ``payload`` is the bookmaker's parsed JSON, untouched."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_: str = Field(default=SCHEMA, alias="schema")
    bookmaker: str
    captured_at: AwareDatetime
    source: str = Field(min_length=1, max_length=200)
    bookmaker_event_id: str | None = Field(default=None, max_length=200)
    sportradar_id: int | None = Field(default=None, ge=1)
    payload: Any

    @field_validator("schema_")
    @classmethod
    def _schema(cls, value: str) -> str:
        if value != SCHEMA:
            raise ValueError(f"must be {SCHEMA!r}")
        return value

    @field_validator("bookmaker")
    @classmethod
    def _bookmaker(cls, value: str) -> str:
        if not BOOKMAKER_RE.match(value):
            raise ValueError("must be a lower-case bookmaker name such as 'betpawa'")
        return value

    @field_validator("captured_at", mode="before")
    @classmethod
    def _epoch_ms(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, UTC)
        return value

    def key(self) -> bytes:
        """Kafka key: ``<bookmaker>:<bookmaker event id>`` (or just the bookmaker)."""
        return raw_key(self.bookmaker, self.bookmaker_event_id)


def raw_key(bookmaker: str, bookmaker_event_id: str | None) -> bytes:
    """The key rule of raw topics (see module docstring)."""
    return f"{bookmaker}:{bookmaker_event_id or ''}".encode()


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode_raw(
    *,
    bookmaker: str,
    payload: bytes,
    captured_at: datetime,
    source: str,
    bookmaker_event_id: str | None = None,
    sportradar_id: int | None = None,
) -> bytes:
    """Envelope bytes with ``payload`` (JSON bytes) spliced in verbatim."""
    head = {
        "schema": SCHEMA,
        "bookmaker": bookmaker,
        "captured_at": _iso(captured_at),
        "source": source,
        "bookmaker_event_id": bookmaker_event_id,
        "sportradar_id": sportradar_id,
    }
    return orjson.dumps(head)[:-1] + b',"payload":' + payload.strip() + b"}"


def decode_raw(value: bytes | None, max_bytes: int | None = None) -> RawOddsV1:
    """Bytes → :class:`RawOddsV1`. Raises :class:`DataError` (stage ``decode``) on any problem."""
    if value is None:
        raise DataError(
            "decode", "empty", "the message has no value (a tombstone?); expected an odds.raw.v1 JSON object"
        )
    if max_bytes is not None and len(value) > max_bytes:
        raise DataError("decode", "oversize", f"message is {len(value)} bytes; the limit is {max_bytes}")
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise DataError("decode", "not_json", f"the message value is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise DataError(
            "decode", "wrong_envelope", f"expected a JSON object envelope, got {type(doc).__name__}"
        )
    if "payload" not in doc:
        raise DataError("decode", "wrong_envelope", "the envelope has no 'payload' (the bookmaker's JSON)")
    try:
        return RawOddsV1.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "envelope"
        raise DataError("decode", "wrong_envelope", f"field {where!r}: {first['msg']}") from None
