"""OddsProducer is idempotent on Apache Kafka and falls back, with one warning, on tansu.

The tansu test also pins the broker behaviour the fallback exists for
(streams/kafka/workarounds/idempotence.py):
an idempotent aiokafka producer cannot start there. When a tansu release grants
InitProducerId, that assertion fails and the workaround can go.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import UnknownError

from streams.contracts.raw import decode_raw
from streams.kafka.producer import OddsProducer
from streams.settings import load_settings

pytestmark = pytest.mark.integration
FALLBACK = "the broker refused an idempotent producer"


async def round_trip(bootstrap: str) -> tuple[OddsProducer, list[tuple[int, bytes, dict[str, object]]]]:
    """Publish two captures of one board and read them back: (producer, [(partition, key, payload)])."""
    prefix = f"i{uuid.uuid4().hex[:8]}.raw."
    settings = load_settings(kafka={"bootstrap_servers": bootstrap}, topics={"raw_prefix": prefix})
    async with OddsProducer.from_settings(settings, source="idem") as producer:
        sent = [
            await producer.publish("bet9ja", b'{"R": "OK", "D": {"ID": %d}}' % n, bookmaker_event_id="5")
            for n in (1, 2)
        ]
    consumer = AIOKafkaConsumer(
        f"{prefix}bet9ja", bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    got: list[tuple[int, bytes, dict[str, object]]] = []
    try:
        while len(got) < 2:
            batch = await consumer.getmany(timeout_ms=10_000)
            assert batch, f"read {got} of {sent}"
            for msgs in batch.values():
                got += [(m.partition, m.key, decode_raw(m.value).payload) for m in msgs]
    finally:
        await consumer.stop()
    assert [d.offset for d in sent] == [0, 1]
    return producer, got


async def test_idempotent_on_apache_kafka(bootstrap_servers: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="streams.kafka.workarounds.idempotence"):
        producer, got = await round_trip(bootstrap_servers)
    assert producer.idempotent is True
    assert not [r for r in caplog.records if FALLBACK in r.getMessage()]
    assert [(k, p) for _, k, p in got] == [
        (b"bet9ja:5", {"R": "OK", "D": {"ID": 1}}),
        (b"bet9ja:5", {"R": "OK", "D": {"ID": 2}}),
    ]


async def test_tansu_refuses_idempotence(tansu_servers: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=tansu_servers, acks="all", enable_idempotence=True)
    with pytest.raises(UnknownError):
        await producer.start()
    await producer.stop()


async def test_falls_back_on_tansu_with_one_warning(
    tansu_servers: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="streams.kafka.workarounds.idempotence"):
        producer, got = await round_trip(tansu_servers)
    assert producer.idempotent is False
    warnings = [r.getMessage() for r in caplog.records if FALLBACK in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].startswith("OddsProducer(idem): ")
    assert "UnknownError" in warnings[0] and "acks=all without idempotence" in warnings[0]
    assert not [r for r in caplog.records if r.name.startswith("aiokafka") and "InitProducerId" in r.msg]
    assert [p for _, _, p in got] == [{"R": "OK", "D": {"ID": 1}}, {"R": "OK", "D": {"ID": 2}}]
