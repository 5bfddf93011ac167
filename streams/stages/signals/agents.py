"""The ``compute_signals`` agent: ``odds.snapshots.v1`` → signal tables → ``odds.signals.v1``.

Tables (changelogged, partitioned like the snapshots topic, which is keyed by event, so every
bookmaker's snapshots of one event reach one worker; an entry is only touched while
processing a record of its partition): ``signal_markets`` (``"<event key>|<market id>"``) and
``signal_events`` (event key); values: :mod:`streams.stages.signals.state`. A snapshot writes
the markets whose lines changed, then the event's entry.

Lifecycle of one snapshot record (stream read with ``noack()``; see :mod:`streams.kafka.delivery`),
the match stage's order:

1. decode (a record that is not ``odds.snapshots.v1`` is dead-lettered and skipped);
2. wait until the signals of the previous snapshot of the same event were acknowledged;
3. :meth:`~streams.stages.signals.logic.SignalStage.process` writes the tables and returns the
   message to publish (or nothing);
4. the message is published keyed by event; the record is acked, in offset order, once the
   broker acknowledged it. Faust flushes its producer (changelogs included) before it
   commits, so a committed offset implies durable tables and signals. If the worker dies
   between 3 and the ack, the redelivered record is the entry's last one and the same
   message is published again (rule 2 of :mod:`streams.stages.signals.logic`); the sink stores
   each row once.

Any exception other than a decode error is a bug: dead letter (kind ``bug``), then the
worker stops. Metrics: deviations emitted per bookmaker and direction, arbitrage windows
opened/closed and open now (this worker's).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from mode import CrashingSupervisor

from streams.context import StreamsContext
from streams.contracts.lifecycle import EventLifecycleV1, decode_snapshots_record
from streams.contracts.signals import SignalsV1
from streams.contracts.snapshot import SnapshotV1
from streams.errors import DataError
from streams.kafka.delivery import AckQueue, KeyedSender, OutRecord
from streams.observe import metrics
from streams.stages.signals.logic import SignalStage, Verdict

#: the stage's tables; their changelogs are ``<app_id>-<name>-changelog``
TABLES = ("signal_markets", "signal_events")


def observe(signals: SignalsV1) -> None:
    """Count what one message says (deviations, arbitrage windows) in the worker's metrics."""
    for d in signals.deviations:
        metrics.SIGNAL_DEVIATIONS.labels(d.bookmaker, "above" if d.deviation > 0 else "below").inc()
    for a in signals.arbitrages:
        suspect = "true" if a.suspect else "false"
        if a.ended_at is None:
            metrics.ARB_WINDOWS.labels("opened", suspect).inc()
            metrics.ARB_WINDOWS_OPEN.labels(suspect).inc()
        else:
            metrics.ARB_WINDOWS.labels("closed", suspect).inc()
            metrics.ARB_WINDOWS_OPEN.labels(suspect).dec()


def register(app: Any, ctx: StreamsContext) -> Any:
    """Declare the snapshots topic, both tables and the agent on ``app``; returns the agent."""
    s = ctx.settings
    topics = s.topics
    out_topic = s.signals.topic
    snapshots = app.topic(
        topics.snapshots,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=topics.partitions,
    )
    table_args: dict[str, Any] = {"key_type": str, "value_type": bytes, "partitions": topics.partitions}
    markets = app.Table(TABLES[0], help="event key|market id → every bookmaker's lines", **table_args)
    events = app.Table(TABLES[1], help="event key → open arbitrage windows, last record", **table_args)
    stage = SignalStage(s.signals, markets, events, s.agreement)
    sender = KeyedSender(ctx.send, backoff_max_s=s.streams.send_backoff_max_s)
    acks = AckQueue()
    lag = ctx.lag
    records_in = metrics.RECORDS_IN.labels("signals", topics.snapshots)
    bytes_in = metrics.BYTES_IN.labels("signals", topics.snapshots)
    records_out = metrics.RECORDS_OUT.labels("signals", out_topic)
    entries_boards = metrics.TABLE_ENTRIES.labels(TABLES[0])
    entries_events = metrics.TABLE_ENTRIES.labels(TABLES[1])

    async def compute_signals(stream: Any) -> AsyncIterator[str]:
        async for event in stream.noack().events():
            msg = event.message
            ticket = acks.track(msg.tp, event.ack)
            records_in.inc()
            bytes_in.inc(len(msg.value or b""))
            lag.seen(msg.topic, msg.partition, msg.timestamp)
            try:
                snap = decode_snapshots_record(msg.value or b"")
            except DataError as exc:
                await ctx.dead_letter(msg, exc, stage="signals")
                ticket.done()
                yield f"dlq:{exc.kind}"
                continue
            except Exception as exc:
                await ctx.dead_letter(msg, exc, stage="signals")
                raise
            if not isinstance(snap, SnapshotV1):  # closed, reopened or merged: nothing to price
                if isinstance(snap, EventLifecycleV1) and snap.state == "closed":
                    stage.forget(snap.key)
                    entries_boards.set(len(markets))
                    entries_events.set(len(events))
                ticket.done()
                yield "lifecycle"
                continue
            gate = snap.key
            await sender.wait(gate)
            try:
                result = stage.process(snap, msg.partition, msg.offset, msg.topic)
            except Exception as exc:
                await ctx.dead_letter(msg, exc, stage="signals", bookmaker=snap.bookmaker)
                raise
            if result.verdict is Verdict.NEW:
                entries_boards.set(len(markets))
                entries_events.set(len(events))
            if result.output is None:
                ticket.done()
            else:
                await sender.send(gate, OutRecord(out_topic, gate.encode(), result.output), ticket.done)
                records_out.inc()
                if result.signals is not None:
                    observe(result.signals)
            yield result.verdict.value

    agent = app.agent(snapshots, name="compute_signals", supervisor_strategy=CrashingSupervisor)(
        compute_signals
    )
    agent.sender = sender
    agent.tables = {TABLES[0]: markets, TABLES[1]: events}
    return agent
