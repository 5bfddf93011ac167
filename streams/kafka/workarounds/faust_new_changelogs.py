"""Create the tables' changelog topics before faust starts (faust bug robinhood/faust#499).

faust creates a table's changelog topic during its own start-up and then trusts the
consumer's cluster metadata for its partition count. On Apache Kafka a topic created a
moment ago can be missing from that metadata for a while (CreateTopics returns before every
broker's metadata cache has it), so the first table write compares the source topic's 6
partitions with the changelog's 0 and raises ``PartitionsMismatch``: the capture is
dead-lettered as a bug and the worker stops. Seen on Kafka 4.4 with faust-streaming 0.15.3
when two workers start at once on a fresh cluster (in
tests/integration/producer/test_kcat.py); never on tansu, which has no such delay.
robinhood/faust PR #500 refreshed the metadata for table routing only.

:func:`ensure_changelogs` creates them up front, compacted and partitioned like the
canonical topic (what faust would create), and waits until a metadata request lists all
their partitions; faust then finds them existing. Both engines run it (it is harmless on
tansu).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.kafka.workarounds.metadata import topic_partitions
from streams.settings import Settings

#: the match stage's tables (streams/stages/match/agents.py) and the signals stage's
#: (streams/stages/signals/agents.py); their changelogs are ``<app_id>-<name>-changelog``
TABLES = ("event_registry", "last_prices", "signal_markets", "signal_events")
#: global tables (one partition each): the name matcher's directory
#: (streams/stages/normalize/directory.py, with ``streams.match_by_name``)
GLOBAL_TABLES = ("known_events",)


def changelog_specs(settings: Settings) -> list[NewTopic]:
    """The changelog topics faust would create for :data:`TABLES`."""
    t = settings.topics
    config = {
        "cleanup.policy": "compact",
        "max.message.bytes": str(settings.kafka.max_message_bytes),
        "min.insync.replicas": str(t.insync_replicas()),
    }
    return [
        NewTopic(
            f"{settings.streams.app_id}-{name}-changelog",
            t.partitions,
            t.replication_factor,
            topic_configs=config,
        )
        for name in TABLES
    ] + [
        NewTopic(f"{settings.streams.app_id}-{name}-changelog", 1, t.replication_factor, topic_configs=config)
        for name in GLOBAL_TABLES
        if settings.streams.match_by_name
    ]


async def ensure_changelogs(settings: Settings, timeout_s: float = 30.0) -> list[str]:
    """Create missing changelogs; wait until metadata shows every partition. Returns those created."""
    specs = changelog_specs(settings)
    admin = AIOKafkaAdminClient(**settings.kafka.client_kwargs())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another worker was quicker
                await admin.create_topics(missing)
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(**settings.kafka.client_kwargs(), enable_auto_commit=False)
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            known = await topic_partitions(consumer)
            if all(len(known.get(s.name, ())) == s.num_partitions for s in specs):
                return [s.name for s in missing]
            if time.monotonic() > deadline:
                raise TimeoutError(f"changelog topics not in the cluster metadata after {timeout_s:.0f}s")
            await asyncio.sleep(0.2)
    finally:
        await consumer.stop()
