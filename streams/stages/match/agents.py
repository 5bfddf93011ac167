"""The ``match_captures`` agent: ``odds.canonical.v1`` → registry, last prices, ``odds.snapshots.v1``.

Tables (changelogged, partitioned like the canonical topic; an entry is only ever touched
while processing a record of the partition it belongs to):

* ``event_registry``: event key → :class:`~streams.stages.match.registry.RegistryEntry`;
* ``last_prices``: ``"<event key>|<bookmaker>"`` → :class:`~streams.stages.match.board.BoardState`.

Lifecycle of one canonical record (stream read with ``noack()``; see :mod:`streams.kafka.delivery`):

1. decode (a foreign record that is not ``odds.canonical.v1`` is dead-lettered and skipped);
2. wait until the snapshot of the previous capture of the same event × bookmaker was
   acknowledged by the broker;
3. :func:`~streams.stages.match.logic.match_capture` writes the tables and returns the snapshot
   (or nothing for a duplicate or stale capture); a capture that arrived on another raw
   partition than its board's previous one is counted and logged (:mod:`streams.stages.match.split`);
4. the snapshot is published without waiting; the record is acked, in offset order, once
   the broker acknowledged the snapshot. Faust flushes its producer (table changelogs
   included) before it commits, so a committed offset implies durable tables and snapshots;
5. the published capture's changed lines are checked against the other bookmakers' quotes
   of the event (:mod:`streams.stages.match.crossbook`; advisory, memory only).

Event lifecycle (:mod:`streams.stages.match.expiry`, rules in :mod:`streams.stages.match.lifecycle`):
before step 3 stream time advances, due events are closed and the capture is admitted —
a ``late`` one is dead-lettered (kind ``late``) and acked, one after a close is skipped;
after step 4 the event's deadline or pending close is recorded.

Identity merges (:mod:`streams.stages.match.merge`): a keyframe of a Sportradar-keyed board also
sends a merge request to the canonical topic under the old bookmaker-only key (the record
is acked once both were); a merge request record is carried out by :meth:`Expiry.absorb`
(merge record published, then acked); a capture of an alias marker's key is sent on to
the surviving key (``REROUTE``) and acked once that send was.

If the worker dies between 3 and the snapshot's ack, the record is redelivered after the
rebalance; the recovered ``last_prices`` entry names it as the last capture and the same
snapshot is published again (:func:`streams.stages.match.board.replay`). Any exception other than
a decode error is a bug: dead letter (kind ``bug``), then the worker stops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from mode import CrashingSupervisor

from streams.context import StreamsContext
from streams.contracts.capture import encode_capture
from streams.contracts.merge import EventMergeV1, decode_canonical_record, encode_merge
from streams.contracts.snapshot import encode_snapshot
from streams.errors import DataError
from streams.kafka.delivery import AckQueue, KeyedSender, OutRecord, countdown
from streams.observe import metrics
from streams.stages.match.board import KeyframePolicy, Verdict
from streams.stages.match.crossbook import CrossBook
from streams.stages.match.expiry import Expiry, lifecycle_gate
from streams.stages.match.lifecycle import Admission, LifecyclePolicy
from streams.stages.match.logic import match_capture
from streams.stages.match.merge import request_for, reroute
from streams.stages.match.registry import decode_entry
from streams.stages.match.split import SplitBoards


def register(app: Any, ctx: StreamsContext) -> Any:
    """Declare the canonical topic, both tables and the agent on ``app``; returns the agent."""
    s = ctx.settings
    topics = s.topics
    canonical = app.topic(
        topics.canonical,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        internal=True,
        partitions=topics.partitions,
        replicas=topics.replication_factor,
        config={"max.message.bytes": str(s.kafka.max_message_bytes)} | topics.retention_configs(),
    )
    # faust picks changelog codecs from the types: keys JSON strings, values our own bytes
    table_args: dict[str, Any] = {"key_type": str, "value_type": bytes, "partitions": topics.partitions}
    registry = app.Table("event_registry", help="event key → canonical event + listings", **table_args)
    boards = app.Table("last_prices", help="event key|bookmaker → line digests + last snapshot", **table_args)
    sender = KeyedSender(ctx.send, backoff_max_s=s.streams.send_backoff_max_s)
    acks = AckQueue()
    policy = KeyframePolicy(s.streams.keyframe_every, timedelta(minutes=s.streams.keyframe_minutes))
    trust = s.streams.metadata_trust
    counters = ctx.counters
    split_boards = SplitBoards()
    crossbook = CrossBook(s.agreement) if s.agreement.enabled else None
    lag = ctx.lag
    policy_lc = LifecyclePolicy(
        timedelta(hours=s.streams.event_idle_hours), timedelta(hours=s.streams.event_grace_hours)
    )
    expiry = Expiry(
        boards, registry, sender, topic=topics.snapshots, partitions=topics.partitions, policy=policy_lc,
        on_close=crossbook.state.forget if crossbook is not None else None,
    )  # fmt: skip
    app.on_partitions_revoked.connect(expiry.forget)
    records_in = metrics.RECORDS_IN.labels("match", topics.canonical)
    bytes_in = metrics.BYTES_IN.labels("match", topics.canonical)
    snapshots_out = metrics.RECORDS_OUT.labels("match", topics.snapshots)

    async def match_captures(stream: Any) -> AsyncIterator[str]:
        async for event in stream.noack().events():
            msg = event.message
            ticket = acks.track(msg.tp, event.ack)
            records_in.inc()
            bytes_in.inc(len(msg.value or b""))
            lag.seen(msg.topic, msg.partition, msg.timestamp)
            try:
                decoded = decode_canonical_record(msg.value)
            except DataError as exc:
                await ctx.dead_letter(msg, exc, stage="match")
                ticket.done()
                yield f"dlq:{exc.kind}"
                continue
            except Exception as exc:
                await ctx.dead_letter(msg, exc, stage="match")
                raise
            if isinstance(decoded, EventMergeV1):
                yield await absorb(msg, decoded, ticket)
                continue
            capture = decoded
            gate = capture.board_key
            admission = await expiry.before(msg.partition, capture)
            if admission is Admission.REROUTE:
                entry = decode_entry(registry.get(capture.key))
                assert entry is not None and entry.merged_into is not None
                moved = reroute(capture, entry.merged_into)
                out = OutRecord(topics.canonical, moved.key.encode(), encode_capture(moved))
                await sender.send(gate, out, ticket.done)
                metrics.CAPTURES_REROUTED.inc()
                yield admission.value
                continue
            if admission is Admission.LATE:
                late = DataError("match", "late", f"capture of {capture.key} after its close and grace")
                await ctx.dead_letter(msg, late, stage="match", bookmaker=capture.event.bookmaker)
                ticket.done()
                yield "dlq:late"
                continue
            if admission is Admission.AFTER_CLOSE:
                ticket.done()
                yield admission.value
                continue
            await sender.wait(gate)
            unmatched, stale = counters.unmatched_events, counters.stale_captures
            try:
                result = match_capture(
                    capture, boards, registry, policy=policy, trust=trust, counters=counters
                )
            except Exception as exc:
                await ctx.dead_letter(msg, exc, stage="match", bookmaker=capture.event.bookmaker)
                raise
            bookmaker = capture.event.bookmaker
            if counters.unmatched_events > unmatched:
                metrics.UNMATCHED_EVENTS.labels(bookmaker).inc(counters.unmatched_events - unmatched)
            if counters.stale_captures > stale:
                metrics.STALE_CAPTURES.labels(bookmaker).inc(counters.stale_captures - stale)
            if result.verdict in (Verdict.NEW, Verdict.REPLAY):  # not for a skipped redelivery
                expiry.after(msg.partition, capture)
            if result.moved_from is not None:
                split_boards.seen(gate, capture, result.moved_from)
            snapshot = result.snapshot
            if snapshot is None:
                ticket.done()
            else:
                record = OutRecord(topics.snapshots, snapshot.key.encode(), encode_snapshot(snapshot))
                request = request_for(capture, snapshot)
                if request is None:
                    await sender.send(gate, record, ticket.done)
                else:  # the record is acked once the snapshot and the merge request are
                    done = countdown(2, ticket.done)
                    await sender.send(gate, record, done)
                    out = OutRecord(topics.canonical, request.key.encode(), encode_merge(request))
                    await sender.send(f"{request.key}|~request", out, done)
                snapshots_out.inc()
                if crossbook is not None:
                    crossbook.seen(capture, snapshot)
            yield result.verdict.value

    async def absorb(msg: Any, request: EventMergeV1, ticket: Any) -> str:
        if request.into_sportradar_id is None:
            unsupported = DataError("match", "unsupported", f"merge into bookmaker-only {request.into_key}")
            await ctx.dead_letter(msg, unsupported, stage="match", bookmaker=request.bookmaker)
            ticket.done()
            return "dlq:unsupported"
        out = await expiry.absorb(msg.partition, request)
        if out is None:
            ticket.done()
            return "alias"
        await sender.send(lifecycle_gate(request.key), out, ticket.done)
        return "merged"

    agent = app.agent(canonical, name="match_captures", supervisor_strategy=CrashingSupervisor)(
        match_captures
    )
    agent.sender = sender
    agent.tables = {"event_registry": registry, "last_prices": boards}
    agent.expiry = expiry
    return agent
