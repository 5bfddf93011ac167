"""The dead-letter record (``odds.dlq.v1``): original bytes plus headers saying why and where.

Contract (in the spirit of Kafka Connect's ``errors.deadletterqueue.context.headers``):

* value and key are the original record's bytes, untouched (``None`` stays ``None``);
* the original headers are kept, followed by ``dlq.*`` headers (UTF-8 strings):
  ``dlq.stage``, ``dlq.error.kind``, ``dlq.error.class``, ``dlq.error.message``,
  ``dlq.source.topic``, ``dlq.source.partition``, ``dlq.source.offset``, ``dlq.app``,
  ``dlq.time`` (ISO-8601 UTC) and, when known, ``dlq.bookmaker``.

Writers send the DLQ record and wait for the broker's ack *before* committing the source
offset, so a crash between the two re-delivers (and re-dead-letters) rather than loses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from streams.errors import DataError

PREFIX = "dlq."


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A record ready to publish to the DLQ topic."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def dead_letter(
    *,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
    error: BaseException,
    topic: str,
    partition: int,
    offset: int,
    app: str,
    bookmaker: str | None = None,
    stage: str = "unknown",
    now: datetime | None = None,
) -> DeadLetter:
    """Wrap a failed record for the DLQ (see module docstring for the headers).

    A :class:`DataError` names its own stage; for any other error (a bug) ``stage`` says
    where it was raised.
    """
    stage = error.stage if isinstance(error, DataError) else stage
    kind = error.kind if isinstance(error, DataError) else "bug"
    message = error.message if isinstance(error, DataError) else repr(error)
    extra = {
        "stage": stage,
        "error.kind": kind,
        "error.class": type(error).__name__,
        "error.message": message[:4000],
        "source.topic": topic,
        "source.partition": str(partition),
        "source.offset": str(offset),
        "app": app,
        "time": (now or datetime.now(UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    if bookmaker is not None:
        extra["bookmaker"] = bookmaker
    kept = [(k, v) for k, v in headers if not k.startswith(PREFIX)]
    return DeadLetter(key, value, kept + [(PREFIX + k, v.encode()) for k, v in extra.items()])


def dlq_headers(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    """The ``dlq.*`` headers of a DLQ record, decoded, without the prefix."""
    return {k[len(PREFIX) :]: v.decode("utf-8", "replace") for k, v in headers if k.startswith(PREFIX)}
