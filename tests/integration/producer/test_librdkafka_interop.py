"""Interoperability with librdkafka (confluent-kafka): it publishes envelopes we decode, and
reads what OddsProducer wrote (zstd). Debian's kcat (librdkafka 2.0) cannot talk to the
embedded tansu build (its ApiVersions request fails), so the PyPI librdkafka is used here."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer
from confluent_kafka import Consumer, Producer, TopicPartition

from streams.contracts.raw import HEADERS, decode_raw, encode_raw
from streams.kafka.producer import OddsProducer
from streams.settings import load_settings

pytestmark = pytest.mark.integration


async def test_librdkafka_publishes_an_envelope_we_decode(bootstrap_servers: str) -> None:
    topic = f"k{uuid.uuid4().hex[:8]}.raw.betpawa"
    at = datetime(2026, 11, 21, 18, tzinfo=UTC)
    value = encode_raw(
        bookmaker="betpawa", payload=b'{"id": "9"}', captured_at=at, source="rdkafka", bookmaker_event_id="9"
    )
    producer = Producer({"bootstrap.servers": bootstrap_servers, "compression.type": "zstd"})
    producer.produce(topic, value, key=b"betpawa:9", headers=HEADERS, partition=0)
    assert await asyncio.to_thread(producer.flush, 30) == 0
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest")
    await consumer.start()
    try:
        msg = await consumer.getone()
    finally:
        await consumer.stop()
    env = decode_raw(msg.value)
    assert (msg.key, env.bookmaker_event_id, env.captured_at, env.payload) == (
        b"betpawa:9",
        "9",
        at,
        {"id": "9"},
    )
    assert dict(msg.headers)["schema"] == b"odds.raw.v1"


def _read_one(bootstrap: str, topic: str, partition: int) -> tuple[bytes, bytes]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"g{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "fetch.queue.backoff.ms": 10,
        }
    )
    consumer.assign([TopicPartition(topic, partition, 0)])
    try:
        for _ in range(30):
            msg = consumer.poll(1.0)
            if msg is not None and msg.error() is None:
                return msg.key(), msg.value()
        raise AssertionError("librdkafka read nothing")
    finally:
        consumer.close()


async def test_librdkafka_reads_what_odds_producer_wrote(bootstrap_servers: str) -> None:
    prefix = f"r{uuid.uuid4().hex[:8]}.raw."
    settings = load_settings(kafka={"bootstrap_servers": bootstrap_servers}, topics={"raw_prefix": prefix})
    async with OddsProducer.from_settings(settings, source="t") as producer:
        delivered = await producer.publish("bet9ja", b'{"R": "OK", "D": {"ID": 5}}', bookmaker_event_id="5")
    key, value = await asyncio.to_thread(_read_one, bootstrap_servers, f"{prefix}bet9ja", delivered.partition)
    assert key == b"bet9ja:5"
    assert decode_raw(value).payload == {"R": "OK", "D": {"ID": 5}}
