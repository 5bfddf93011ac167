"""Create oddsflow's topics with the right configuration (idempotent).

Raw topics allow ``settings.kafka.max_message_bytes`` (raw payloads reach 2 MB of JSON);
the DLQ allows a bit more because it carries the original bytes plus headers. Retention
(``ODDS_TOPICS__RETENTION_MS``, ``ODDS_TOPICS__SEGMENT_MS``) applies to the raw, snapshots
and signals topics (and the workers' canonical topic); dead letters keep the broker's
default. Every topic
gets ``settings.topics.replication_factor`` replicas and ``min.insync.replicas`` from
:meth:`~streams.settings.TopicSettings.insync_replicas`. ``oddsflow topics`` (and
docker-compose's ``kafka-init``) run :func:`ensure_topics`, as do the workers at start.
"""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.settings import Settings


def topic_specs(settings: Settings, bookmakers: tuple[str, ...]) -> list[NewTopic]:
    """Raw topics of ``bookmakers``, the snapshots and signals topics and the DLQ."""
    t, k = settings.topics, settings.kafka
    isr = {"min.insync.replicas": str(t.insync_replicas())}
    big = {"max.message.bytes": str(k.max_message_bytes)} | isr | t.retention_configs()
    specs = [NewTopic(t.raw(b), t.partitions, t.replication_factor, topic_configs=big) for b in bookmakers]
    specs.append(NewTopic(t.snapshots, t.partitions, t.replication_factor, topic_configs=big))
    specs.append(NewTopic(settings.signals.topic, t.partitions, t.replication_factor, topic_configs=big))
    dlq = {"max.message.bytes": str(k.max_message_bytes + 1024 * 1024)} | isr
    specs.append(NewTopic(t.dlq, t.partitions, t.replication_factor, topic_configs=dlq))
    return specs


async def ensure_topics(settings: Settings, bookmakers: tuple[str, ...]) -> list[str]:
    """Create missing topics; returns the names that were created."""
    admin = AIOKafkaAdminClient(**settings.kafka.client_kwargs())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in topic_specs(settings, bookmakers) if s.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # created concurrently elsewhere
                await admin.create_topics(missing)
        return [s.name for s in missing]
    finally:
        await admin.close()
