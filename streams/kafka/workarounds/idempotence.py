"""Starting a raw-topic producer idempotent where the broker allows it (tansu does not).

:func:`start_producer` gets ``make(idempotent)``, which builds an unstarted
``AIOKafkaProducer`` (``acks="all"`` either way), and returns it started with whether it is
idempotent. ``mode`` is ``ODDS_KAFKA__IDEMPOTENCE``:

* ``auto`` (default): start with ``enable_idempotence=True``. If the broker refuses the
  InitProducerId request that ``start()`` makes (:data:`REFUSALS`), stop that producer, log
  one warning with the reason and start a plain ``acks=all`` one. Any other failure
  (connection, authentication, …) is raised unchanged: it is not a verdict on idempotence.
* ``on``: a refusal raises :class:`IdempotenceRefusedError` (naming the setting).
* ``off``: never idempotent; nothing is asked.

What idempotence buys: aiokafka retries a batch it sent until the broker answers (it never
expires it) and the broker drops a repeated sequence number, so a lost ack or a leader
change cannot store a capture twice, and an error that reaches a caller's own retry
(``OddsProducer``) concerns a record the broker never stored. Without it, a batch that timed
out may have been stored and a re-send stores a second copy (the match stage then drops the
copy as stale, and counts it).

Workaround for: tansu 0.6.0 (the embedded broker, docs/operations.md) answers
InitProducerId with error code -1, which aiokafka 0.14 raises from ``start()`` as
``UnknownError`` (nothing sent). Not needed on Apache Kafka.
Test that fails without it: ``tests/integration/producer/test_idempotence.py`` (tansu).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from aiokafka import AIOKafkaProducer
from aiokafka.errors import UnknownError, UnsupportedVersionError

log = logging.getLogger(__name__)
_SENDER_LOG = logging.getLogger("aiokafka.producer.sender")

Mode = Literal["auto", "on", "off"]
#: what a broker without idempotent producers answers InitProducerId (tansu: UnknownError)
REFUSALS: tuple[type[BaseException], ...] = (UnknownError, UnsupportedVersionError)


class _InitPidRefusal(logging.Filter):
    """Drops aiokafka's ERROR line about the refused InitProducerId while ``auto`` tries it:
    the fallback's warning says the same once, as a warning (it is expected on tansu)."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return not (
            msg.startswith("Unexpected error during InitProducerIdRequest")
            and any(refusal.__name__ in msg for refusal in REFUSALS)
        )


class IdempotenceRefusedError(RuntimeError):
    """``ODDS_KAFKA__IDEMPOTENCE=on`` and the broker refused InitProducerId."""


def falls_back(mode: Mode, exc: BaseException) -> bool:
    """Whether a failed idempotent ``start()`` is retried without idempotence (see module doc)."""
    return mode == "auto" and isinstance(exc, REFUSALS)


async def start_producer(
    make: Callable[[bool], AIOKafkaProducer], mode: Mode, *, name: str
) -> tuple[AIOKafkaProducer, bool]:
    """The started producer and whether it is idempotent; ``name`` labels the log lines."""
    if mode == "off":
        producer = make(False)
        await producer.start()
        return producer, False
    producer = make(True)
    quiet = _InitPidRefusal()
    if mode == "auto":
        _SENDER_LOG.addFilter(quiet)
    try:
        await producer.start()
    except Exception as exc:
        await producer.stop()  # closes the connections start() opened
        if not falls_back(mode, exc):
            if mode == "on" and isinstance(exc, REFUSALS):
                raise IdempotenceRefusedError(
                    f"{name}: ODDS_KAFKA__IDEMPOTENCE=on but the broker refused an idempotent "
                    f"producer (InitProducerId: {exc!r})"
                ) from exc
            raise
        log.warning(
            "%s: the broker refused an idempotent producer (InitProducerId: %r, as tansu does); "
            "sending with acks=all without idempotence, so a retried send may store a record twice",
            name,
            exc,
        )
        producer = make(False)
        await producer.start()
        return producer, False
    finally:
        _SENDER_LOG.removeFilter(quiet)
    return producer, True
