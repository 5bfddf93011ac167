"""Topic metadata on both engines: why :func:`streams.kafka.workarounds.metadata.topic_partitions` exists."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer

from streams.kafka.workarounds.metadata import topic_partitions
from tests.integration.replay.conftest import create_topic, fresh

pytestmark = pytest.mark.integration


async def test_kafka_answers_partitions_only_through_the_all_topics_request(bootstrap_servers: str) -> None:
    topic = fresh("test.metadata")
    await create_topic(bootstrap_servers, topic, 3)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers)
    await consumer.start()
    try:
        assert topic in await consumer.topics()
        # the pairing the code used before: names from topics(), partitions from the
        # consumer's own metadata — on Apache Kafka that metadata has no unassigned topic
        assert consumer.partitions_for_topic(topic) is None
        assert (await topic_partitions(consumer))[topic] == [0, 1, 2]
    finally:
        await consumer.stop()


async def test_topic_partitions_on_tansu(tansu_servers: str) -> None:
    topic = fresh("test.metadata")
    await create_topic(tansu_servers, topic, 2)
    consumer = AIOKafkaConsumer(bootstrap_servers=tansu_servers)
    await consumer.start()
    try:
        assert (await topic_partitions(consumer))[topic] == [0, 1]
    finally:
        await consumer.stop()
