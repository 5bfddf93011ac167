"""Which raw topics exist: the raw pattern resolved against the broker's topic list."""

from __future__ import annotations

import re

from aiokafka.admin import AIOKafkaAdminClient

from streams.adapters import BOOKMAKERS
from streams.settings import Settings, TopicSettings


def raw_pattern(topics: TopicSettings) -> re.Pattern[str]:
    """``^odds\\.raw\\..+`` for the default prefix."""
    return re.compile("^" + re.escape(topics.raw_prefix) + ".+")


def matching_raw_topics(names: list[str] | set[str], topics: TopicSettings) -> list[str]:
    """The names that match the raw pattern, plus every known bookmaker's raw topic, sorted."""
    pattern = raw_pattern(topics)
    return sorted({n for n in names if pattern.match(n)} | {topics.raw(b) for b in BOOKMAKERS})


async def list_raw_topics(settings: Settings) -> list[str]:
    """Raw topics present on the broker (known bookmakers' always included)."""
    admin = AIOKafkaAdminClient(**settings.kafka.client_kwargs())
    await admin.start()
    try:
        names = await admin.list_topics()
    finally:
        await admin.close()
    return matching_raw_topics(set(names), settings.topics)
