"""Subscribe a running worker to raw topics created after it started (faust ignores ``pattern=``).

The bug: faust-streaming's aiokafka driver subscribes the consumer with topic *names* only
(``AIOKafkaConsumerThread.subscribe``, marked ``# XXX pattern does not work :/``), so a
``faust.Topic(pattern=...)`` subscribes to nothing and a new topic matching it is never
read (faust-streaming/faust#62, robinhood/faust#390; faust-streaming 0.15.3, on every
engine). oddsflow therefore resolves the raw pattern to names at start
(:mod:`streams.kafka.raw_topics`), and a topic created later was read only after a restart.

The workaround, :func:`extend_subscription`, is called by the normalize stage's refresh
timer (every ``streams.raw_topic_refresh_s``) with the raw topics the broker has now. It
appends the ones the conductor has not subscribed yet to every channel the conductor holds
whose topics match the pattern (the agent iterates over a *clone* of its declared topic,
and the clone is what the conductor indexes; ``Topic.topics`` is read whenever faust
rebuilds its indices or the partition → channel map) and flags the
conductor's subscription as changed: faust then resubscribes the consumer with the longer
list, the group rebalances, and the new partitions are read from their log start (no
committed offset; :mod:`streams.kafka.transport`). faust waits
``Conductor._resubscribe_sleep_lock_seconds`` (45 s) after a change before it resubscribes,
to coalesce agents restarting; :data:`RESUBSCRIBE_DELAY_S` shortens that for this app so a
new topic is read within ``raw_topic_refresh_s`` + a few seconds. A change flagged while
the group rebalances is dropped by faust; the next refresh flags it again, because the
check is against what the conductor actually subscribed, not against the channel.

Every worker of the group runs its own timer; the group converges on the union.
tests/integration/streams/test_topic_pattern.py fails without this module.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

#: seconds faust's conductor waits after a subscription change before resubscribing
RESUBSCRIBE_DELAY_S = 2.0


def unsubscribed(conductor: Any, names: Iterable[str]) -> list[str]:
    """``names`` the conductor has not subscribed the consumer to (sorted)."""
    subscribed = conductor._topic_name_index  # faust keeps no public view of it
    return sorted({n for n in names if n not in subscribed})


def extend_subscription(app: Any, declared: Any, pattern: re.Pattern[str], names: Iterable[str]) -> list[str]:
    """Subscribe the channels of ``pattern`` to ``names`` they lack; returns the names still pending.

    ``declared`` is the agent's own topic (extended too, for an agent that restarts);
    every channel the conductor holds whose topics all match ``pattern`` is extended.
    Call from a task or timer of the running app. Returns ``[]`` once every name is
    subscribed (faust resubscribes asynchronously: a name stays pending until it has).
    """
    conductor = app.topics
    pending = unsubscribed(conductor, (n for n in names if pattern.match(n)))
    if not pending:
        return []
    channels = [c for c in conductor if c.topics and all(pattern.match(t) for t in c.topics)]
    for channel in [declared, *channels]:
        added = [n for n in pending if n not in set(channel.topics)]
        if added:
            channel.topics = [*channel.topics, *added]
            log.info("subscribing to new topics %s", added)
    conductor._resubscribe_sleep_lock_seconds = RESUBSCRIBE_DELAY_S
    conductor._flag_changes()
    return pending
