"""A DLQ producer for consumers outside faust (the sink): sending a batch's dead records.

Lifecycle: :meth:`DeadLetterSender.start` before the member consumes,
:meth:`DeadLetterSender.send` inside each batch transaction (the writer's ``send_dead``),
:meth:`DeadLetterSender.stop` at shutdown.

``send`` returns only after the broker acked every letter (``acks=all``), so a dead letter
is durable before the batch's offsets are stored and committed; if it raises, the
transaction rolls back and the records are read again. A letter keeps the record's original
key, value and headers and adds headers naming its source (topic, partition, offset), the
stage and the error (:func:`streams.deadletters.contract.dead_letter`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from streams.deadletters.contract import dead_letter
from streams.errors import DataError
from streams.settings import KafkaSettings


class SourceRecord(Protocol):
    """The consumed record a dead letter keeps (an aiokafka ``ConsumerRecord`` fits)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Any: ...


class DeadRecord(Protocol):
    """A record a consumer will not process, and why."""

    @property
    def record(self) -> SourceRecord: ...
    @property
    def error(self) -> DataError: ...
    @property
    def bookmaker(self) -> str | None: ...


class DeadLetterSender:
    """Publishes dead records to ``topic`` (``app`` names the sender in the letters' headers)."""

    def __init__(self, kafka: KafkaSettings, topic: str, app: str) -> None:
        self.kafka = kafka
        self.topic = topic
        self.app = app
        self.producer: Any = None

    async def start(self) -> None:
        kafka = self.kafka
        self.producer = AIOKafkaProducer(
            **kafka.client_kwargs(),
            acks="all",
            enable_idempotence=False,
            compression_type=None if kafka.compression == "none" else kafka.compression,
            max_request_size=kafka.max_message_bytes + 64 * 1024,
            linger_ms=0,
        )
        await self.producer.start()

    async def send(self, dead: Sequence[DeadRecord]) -> None:
        """Publish dead letters; returns after the broker acked every one (before COMMIT)."""
        futures = []
        for d in dead:
            r = d.record
            letter = dead_letter(
                key=r.key,
                value=r.value,
                headers=r.headers,
                error=d.error,
                topic=r.topic,
                partition=r.partition,
                offset=r.offset,
                app=self.app,
                bookmaker=d.bookmaker,
            )
            futures.append(
                await self.producer.send(
                    self.topic, value=letter.value, key=letter.key, headers=letter.headers
                )
            )
        await asyncio.gather(*futures)

    async def stop(self) -> None:
        """Stop the producer (if it was created); broker errors are ignored."""
        if self.producer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await self.producer.stop()
