"""The ``normalize_raw`` agent: every raw topic → ``odds.canonical.v1`` (or the dead-letter topic).

Lifecycle of one raw record (the stream is read with ``noack()``; see :mod:`streams.kafka.delivery`):

* bad input (:class:`~streams.errors.DataError`, see :mod:`streams.stages.normalize.logic`) →
  dead letter, acknowledged by the broker, then the record is acked and the agent moves on;
* good input → one :class:`~streams.contracts.capture.CanonicalCaptureV1` keyed by its event
  key (a capture without Sportradar id may get one from the name matcher first,
  :mod:`streams.stages.normalize.names`; ``streams.match_by_name``), published without
  waiting; a capture the matcher leaves for review also publishes its
  ``odds.match_review.v1`` on the snapshots topic (first time per capture × candidate);
  the raw record is acked (in offset order) when the broker acknowledged both. At
  most one capture per event × bookmaker is in flight, so
  captures keep their order on the canonical topic even when a send has to be retried;
* any other exception is a bug: the record is dead-lettered (kind ``bug``), then the agent
  re-raises, which stops the worker (crashing supervisor). The record is not acked: a
  fixed worker processes it again.

Subscription: faust's own ``pattern=`` subscription does not work with its aiokafka
driver, so the worker resolves the raw pattern (``^<raw_prefix>.+``) against the broker's
topics at start (:func:`streams.kafka.raw_topics.list_raw_topics`) and subscribes to
the names it found. A timer lists the broker's topics every ``streams.raw_topic_refresh_s``
and subscribes the running agent to matching topics created later
(:mod:`streams.kafka.workarounds.faust_topic_pattern`); ``unsubscribed_raw_topics`` counts those not
subscribed yet.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from mode import CrashingSupervisor

from streams.context import StreamsContext
from streams.contracts.capture import CanonicalCaptureV1, encode_capture
from streams.contracts.review import encode_review
from streams.contracts.snapshot import Source
from streams.errors import DataError
from streams.kafka.delivery import AckQueue, KeyedSender, OutRecord, countdown
from streams.kafka.raw_topics import list_raw_topics, raw_pattern
from streams.kafka.workarounds import faust_topic_pattern
from streams.observe import metrics
from streams.stages.normalize import directory
from streams.stages.normalize.logic import normalize_record, topic_bookmaker
from streams.stages.normalize.names import NameResolver

log = logging.getLogger(__name__)


def _resolver(settings: Any) -> NameResolver:
    from streams.matching import Thresholds
    from streams.matching.aliases import seed_aliases

    st = settings.streams
    window = timedelta(hours=st.name_match_window_h)
    thresholds = Thresholds(high=st.name_match_high, low=st.name_match_low, window=window)
    return NameResolver(thresholds, seed_aliases(), timedelta(hours=st.name_match_retain_h))


def _learn(resolver: NameResolver, value: bytes | None) -> None:
    try:
        resolver.learn(value)
    except DataError as exc:  # not an entry: skip it (the directory is advisory)
        log.warning("known_events: %s", exc)


def register(app: Any, ctx: StreamsContext, raw_topics: Sequence[str]) -> Any:
    """Declare the agent (and the new-topic watcher) on ``app``; returns the agent."""
    s = ctx.settings
    topics = s.topics
    raw = app.topic(
        *raw_topics,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )
    sender = KeyedSender(ctx.send, backoff_max_s=s.streams.send_backoff_max_s)
    acks = AckQueue()
    normalize = partial(
        normalize_record,
        raw_prefix=topics.raw_prefix,
        max_bytes=s.kafka.max_message_bytes,
        max_age=timedelta(days=s.streams.max_capture_age_days),
        max_skew=timedelta(seconds=s.streams.max_skew_s),
    )
    counters = ctx.counters
    lag = ctx.lag
    resolver = _resolver(s) if s.streams.match_by_name else None
    known_events = None
    if resolver is not None:  # the listings of every worker's captures with an id
        known_events = directory.register(app)
        known_events.listeners.append(partial(_learn, resolver))
    tally = {
        "id": "matched_by_id",
        "name": "matched_by_name",
        "review": "name_review",
        "unmatched": "name_unmatched",
    }
    canonical_out = metrics.RECORDS_OUT.labels("normalize", topics.canonical)

    async def normalize_raw(stream: Any) -> AsyncIterator[str]:
        async for event in stream.noack().events():
            msg = event.message
            ticket = acks.track(msg.tp, event.ack)
            counters.raw_records += 1
            metrics.RECORDS_IN.labels("normalize", msg.topic).inc()
            metrics.BYTES_IN.labels("normalize", msg.topic).inc(len(msg.value or b""))
            lag.seen(msg.topic, msg.partition, msg.timestamp)
            bookmaker = topic_bookmaker(msg.topic, topics.raw_prefix)
            try:
                capture = normalize(Source(msg.topic, msg.partition, msg.offset), msg.value)
            except DataError as exc:
                await ctx.dead_letter(msg, exc, stage=exc.stage, bookmaker=bookmaker)
                ticket.done()
                yield f"dlq:{exc.kind}"
                continue
            except Exception as exc:
                await ctx.dead_letter(msg, exc, stage="normalize", bookmaker=bookmaker)
                raise
            event = capture.event
            review = None
            if resolver is not None:
                resolved, how = resolver.resolve(event)
                review = resolver.review
                if known_events is not None:
                    for gone in resolver.expired:  # not seen for the retain span: a tombstone each
                        if gone in known_events:
                            del known_events[gone]
                    if resolver.entry is not None:
                        known_events[resolver.entry[0]] = resolver.entry[1]  # shared with every worker
                if resolved is not event:
                    capture = CanonicalCaptureV1(resolved, capture.source)
                setattr(counters, tally[how], getattr(counters, tally[how]) + 1)
                metrics.NAME_MATCHING.labels(event.bookmaker, how).inc()
            unmapped = sum(event.unmapped.values())
            counters.unmapped_lines += unmapped
            if unmapped:
                metrics.UNMAPPED_LINES.labels(event.bookmaker, event.sport).inc(unmapped)
            metrics.MAPPED_LINES.labels(event.bookmaker, event.sport).inc(event.mapped_lines or 0)
            record = OutRecord(topics.canonical, capture.key.encode(), encode_capture(capture))
            if review is None:
                await sender.send(capture.board_key, record, ticket.done)
            else:  # the raw record is acked once the capture and the review are
                done = countdown(2, ticket.done)
                await sender.send(capture.board_key, record, done)
                filed = OutRecord(topics.snapshots, review.key.encode(), encode_review(review))
                await sender.send(f"{review.key}|~review", filed, done)
            counters.canonical_forwarded += 1
            canonical_out.inc()
            yield "forwarded"

    agent = app.agent(raw, name="normalize_raw", supervisor_strategy=CrashingSupervisor)(normalize_raw)
    agent.sender = sender  # for tests: drain() before asserting on what was sent
    agent.resolver = resolver
    pattern = raw_pattern(topics)

    async def watch_raw_topics() -> None:
        try:
            found = await list_raw_topics(s)
        except Exception as exc:  # a timer that raises would stop the worker: just try again later
            log.warning("could not list raw topics: %r", exc)
            return
        pending = faust_topic_pattern.extend_subscription(app, raw, pattern, found)
        counters.unsubscribed_raw_topics = len(pending)

    app.timer(s.streams.raw_topic_refresh_s, name="watch_raw_topics")(watch_raw_topics)
    return agent
