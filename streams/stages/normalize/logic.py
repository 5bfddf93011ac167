"""One raw record through decode and the bookmaker's adapter (pure; the agent adds Kafka).

Checks, in order, each a :class:`~streams.errors.DataError` for the dead-letter topic:

1. :func:`~streams.contracts.raw.decode_raw`: ``empty``, ``oversize`` (over
   ``kafka.max_message_bytes``), ``not_json``, ``wrong_envelope``;
2. the topic's bookmaker (``<raw_prefix><bookmaker>``) has an adapter, else
   ``normalize/unknown_bookmaker`` (a topic matched by the raw pattern but unknown to us);
3. the envelope names the topic's bookmaker, else ``decode/bookmaker_mismatch``;
4. :func:`streams.adapters.normalize`: ``absurd_odds``, ``bad_timestamp`` (``captured_at``
   older than ``max_capture_age_days`` or more than ``max_skew_s`` in the future) and the
   adapter's structural kinds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from streams import adapters
from streams.contracts.capture import CanonicalCaptureV1
from streams.contracts.raw import decode_raw
from streams.contracts.snapshot import Source
from streams.errors import DataError


def topic_bookmaker(topic: str, raw_prefix: str) -> str:
    """``odds.raw.betpawa`` → ``betpawa`` (the topic itself when it lacks the prefix)."""
    return topic[len(raw_prefix) :] if topic.startswith(raw_prefix) else topic


def normalize_record(
    source: Source,
    value: bytes | None,
    *,
    raw_prefix: str,
    max_bytes: int,
    max_age: timedelta,
    max_skew: timedelta,
    now: datetime | None = None,
) -> CanonicalCaptureV1:
    """The canonical capture of one raw record; raises only :class:`DataError` for bad input."""
    bookmaker = topic_bookmaker(source.topic, raw_prefix)
    raw = decode_raw(value, max_bytes)
    if bookmaker not in adapters.SOURCES:
        raise DataError(
            "normalize",
            "unknown_bookmaker",
            f"topic {source.topic!r} is for bookmaker {bookmaker!r}, which has no adapter"
            f" (known: {', '.join(adapters.SOURCES)})",
        )
    if raw.bookmaker != bookmaker:
        raise DataError(
            "decode",
            "bookmaker_mismatch",
            f"envelope says bookmaker {raw.bookmaker!r} but it was published to {source.topic!r}",
        )
    event = adapters.normalize(
        bookmaker, raw.payload, raw.captured_at, now=now, max_age=max_age, max_skew=max_skew
    )
    return CanonicalCaptureV1(event, source)
