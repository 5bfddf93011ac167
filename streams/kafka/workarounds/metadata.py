"""Which topics the cluster has, and their partitions, from one Metadata request.

aiokafka's ``consumer.topics()`` fetches metadata for *all* topics but returns only their
names; ``consumer.partitions_for_topic()`` then answers from the consumer's own metadata,
which on Apache Kafka covers only the topics it subscribed to or was assigned (a Metadata
request for no topics returns none). tansu answers every topic to such a request, so code
that paired the two calls worked there and saw no partitions at all on Kafka
(tests/integration/streams/test_metadata.py shows both). :func:`topic_partitions` keeps
the partitions of the all-topics answer instead.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer


async def topic_partitions(consumer: AIOKafkaConsumer) -> dict[str, list[int]]:
    """Every topic the client may see → its sorted partition ids (internal topics included)."""
    client: Any = consumer._client  # the all-topics answer; aiokafka has no public call for it
    cluster = await client.fetch_all_metadata()
    return {name: sorted(cluster.partitions_for_topic(name) or ()) for name in cluster.topics()}
