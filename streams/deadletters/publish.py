"""Publishing a failed record to the dead-letter topic from an agent (contract:
:mod:`streams.deadletters.contract`).

:func:`publish_dead_letter` waits for the broker's ack (retrying transient errors) before it
returns, so the agent acks the source record only once its dead letter is durable.
Data errors carry their own stage; for a bug (any other exception) the agent's stage is
written to ``dlq.stage`` and ``dlq.error.kind`` is ``bug``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from streams.deadletters.contract import PREFIX, dead_letter
from streams.errors import DataError
from streams.kafka.delivery import OutRecord, SendFn, send_acked
from streams.observe import metrics
from streams.observe.counters import StreamCounters

log = logging.getLogger(__name__)


def plain_headers(headers: Any) -> list[tuple[str, bytes]]:
    """Kafka headers as a list of ``(str, bytes)`` whatever shape the client gave them in."""
    if not headers:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), bytes(v) if v is not None else b"") for k, v in items]


def dead_letter_record(
    *,
    dlq_topic: str,
    app_id: str,
    stage: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
    error: BaseException,
    bookmaker: str | None,
) -> OutRecord:
    """The DLQ record for ``error`` raised while processing the given source record."""
    dl = dead_letter(
        key=key,
        value=value,
        headers=headers,
        error=error,
        topic=topic,
        partition=partition,
        offset=offset,
        app=app_id,
        bookmaker=bookmaker,
        stage=stage,
    )
    return OutRecord(dlq_topic, dl.key, dl.value, dl.headers)


async def publish_dead_letter(
    send: SendFn, record: OutRecord, error: BaseException, counters: StreamCounters, *, backoff_max_s: float
) -> None:
    """Send ``record`` to the DLQ and wait for the ack; count it by error kind."""
    await send_acked(send, record, backoff_max_s=backoff_max_s)
    kind = error.kind if isinstance(error, DataError) else "bug"
    counters.dead_letters[kind] += 1
    stage = next((v.decode() for k, v in record.headers if k == PREFIX + "stage"), "unknown")
    metrics.DLQ_RECORDS.labels(stage, type(error).__name__, kind).inc()
    log.warning("dead-lettered a record to %s: %s", record.topic, error)
