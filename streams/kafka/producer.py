"""``OddsProducer``: the async client scrapers use to publish raw captures.

    async with OddsProducer.from_settings(load_settings(), source="my-scraper") as producer:
        await producer.publish("betpawa", response_bytes)

Contract
--------
* Topic ``odds.raw.<bookmaker>``, key ``<bookmaker>:<event id>``, headers and envelope as
  in :mod:`streams.contracts.raw`; the payload bytes are published unchanged.
* The event id (and Sportradar id) is taken from the hints or, when missing, read from the
  payload by the bookmaker's adapter; a payload that is not JSON is refused before sending.
* Size is checked before sending: an envelope over ``kafka.max_message_bytes`` raises
  :class:`MessageTooLargeError` and nothing is sent.
* Transient broker errors are retried with exponential back-off (``retries`` attempts);
  :meth:`publish` returns only after the broker acknowledged the record.
* ``acks=all`` and, where the broker allows it, the idempotent producer
  (``ODDS_KAFKA__IDEMPOTENCE``, :mod:`streams.kafka.workarounds.idempotence`): on Apache Kafka a retried send
  cannot store a capture twice; on tansu, which refuses it, :meth:`start` logs one warning
  and sends without. :attr:`idempotent` says which after :meth:`start`.
* Records with the same key (one board: bookmaker × event) are stored in the order
  :meth:`publish` / :meth:`send_raw` were called, however many are awaited at once: one
  record per key is in flight, the next waits for its ack or final failure. Without
  that, a re-sent capture would land after later captures of its board and the match
  stage would drop it as stale. Records of different keys go out concurrently.
* :meth:`stop` (and leaving ``async with``) flushes everything enqueued.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

from streams.contracts.raw import HEADERS, encode_raw, raw_key
from streams.errors import DataError
from streams.kafka.workarounds.idempotence import start_producer
from streams.settings import KafkaSettings, Settings, TopicSettings

log = logging.getLogger(__name__)


class MessageTooLargeError(DataError):
    """The envelope exceeds ``ODDS_KAFKA__MAX_MESSAGE_BYTES``; nothing was sent."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """Where the broker stored a record."""

    topic: str
    partition: int
    offset: int
    size: int


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, KafkaConnectionError | KafkaTimeoutError) or (
        isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False))
    )


class OddsProducer:
    """Publishes raw bookmaker captures; one instance per scraper process."""

    def __init__(
        self,
        kafka: KafkaSettings,
        topics: TopicSettings,
        *,
        source: str,
        retries: int = 5,
        backoff_s: float = 0.2,
    ) -> None:
        self.kafka = kafka
        self.topics = topics
        self.source = source
        self.retries = retries
        self.backoff_s = backoff_s
        self._producer: AIOKafkaProducer | None = None
        #: whether the running producer is idempotent (None before :meth:`start`)
        self.idempotent: bool | None = None
        self._key_locks: dict[bytes, tuple[asyncio.Lock, int]] = {}  # key → (its turn, users)

    @classmethod
    def from_settings(cls, settings: Settings, *, source: str, **kwargs: Any) -> OddsProducer:
        return cls(settings.kafka, settings.topics, source=source, **kwargs)

    async def start(self) -> None:
        """Connect; idempotent unless the broker refuses it (see the module docstring)."""
        compression = None if self.kafka.compression == "none" else self.kafka.compression

        def make(idempotent: bool) -> AIOKafkaProducer:
            return AIOKafkaProducer(
                **self.kafka.client_kwargs(),
                compression_type=compression,
                max_request_size=self.kafka.max_message_bytes + 64 * 1024,
                max_batch_size=max(self.kafka.producer_batch_bytes, 16 * 1024),
                linger_ms=self.kafka.producer_linger_ms,
                acks="all",
                enable_idempotence=idempotent,
            )

        self._producer, self.idempotent = await start_producer(
            make, self.kafka.idempotence, name=f"OddsProducer({self.source})"
        )

    async def stop(self) -> None:
        """Flush and close (idempotent)."""
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def __aenter__(self) -> OddsProducer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def envelope(
        self,
        bookmaker: str,
        payload: bytes | dict[str, Any],
        *,
        captured_at: datetime | None = None,
        bookmaker_event_id: str | None = None,
        sportradar_id: int | None = None,
    ) -> tuple[str, bytes, bytes]:
        """(topic, key, value) for one capture; raises :class:`DataError` before anything is sent."""
        from streams.adapters import extract_ids

        raw = orjson.dumps(payload) if isinstance(payload, dict) else payload
        if bookmaker_event_id is None:
            try:
                doc = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise DataError("produce", "not_json", f"payload is not valid JSON: {exc}") from exc
            bookmaker_event_id, found_sr = extract_ids(bookmaker, doc)
            sportradar_id = sportradar_id if sportradar_id is not None else found_sr
        value = encode_raw(
            bookmaker=bookmaker,
            payload=raw,
            captured_at=captured_at or datetime.now(UTC),
            source=self.source,
            bookmaker_event_id=bookmaker_event_id,
            sportradar_id=sportradar_id,
        )
        if len(value) > self.kafka.max_message_bytes:
            raise MessageTooLargeError(
                "produce",
                "oversize",
                f"envelope is {len(value)} bytes; "
                f"ODDS_KAFKA__MAX_MESSAGE_BYTES is {self.kafka.max_message_bytes}",
            )
        return self.topics.raw(bookmaker), raw_key(bookmaker, bookmaker_event_id), value

    async def publish(self, bookmaker: str, payload: bytes | dict[str, Any], **hints: Any) -> Delivered:
        """Publish one capture and wait for the broker's ack (retrying transient errors)."""
        topic, key, value = self.envelope(bookmaker, payload, **hints)
        return await self.send_raw(topic, key, value)

    async def send_raw(self, topic: str, key: bytes, value: bytes) -> Delivered:
        """Publish an already-built envelope (used by ``oddsflow produce --envelope``), after
        every earlier call with the same key finished (see the module docstring)."""
        if self._producer is None:
            raise RuntimeError("OddsProducer.start() was not called")
        lock, users = self._key_locks.get(key) or (asyncio.Lock(), 0)
        self._key_locks[key] = (lock, users + 1)
        try:
            async with lock:  # asyncio.Lock serves its waiters first come, first served
                return await self._send_with_retries(topic, key, value)
        finally:
            lock, users = self._key_locks[key]
            if users == 1:
                del self._key_locks[key]
            else:
                self._key_locks[key] = (lock, users - 1)

    async def _send_with_retries(self, topic: str, key: bytes, value: bytes) -> Delivered:
        for attempt in range(self.retries + 1):
            if self._producer is None:
                raise RuntimeError("OddsProducer was stopped before this record was sent")
            try:
                meta = await self._producer.send_and_wait(topic, value, key=key, headers=HEADERS)
                return Delivered(meta.topic, meta.partition, meta.offset, len(value))
            except Exception as exc:
                if not _transient(exc) or attempt == self.retries:
                    raise
                log.warning("send to %s failed (%r); retrying", topic, exc)
                await asyncio.sleep(self.backoff_s * 2**attempt * (0.5 + random.random()))
        raise AssertionError("unreachable")

    async def publish_many(
        self, items: list[tuple[str, bytes, bytes]], concurrency: int = 64
    ) -> list[Delivered]:
        """Publish prepared (topic, key, value) triples with bounded concurrency, in order of acks."""
        sem = asyncio.Semaphore(concurrency)

        async def one(item: tuple[str, bytes, bytes]) -> Delivered:
            async with sem:
                return await self.send_raw(*item)

        return list(await asyncio.gather(*(one(i) for i in items)))
