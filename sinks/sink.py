"""``oddsflow sink``: ``odds.snapshots.v1`` → Postgres, exactly-once rows.

:class:`PostgresSink` is the process's one entry object. It runs ``writers`` members of the
sink's consumer group (:class:`sinks.write.member.SinkMember`: its docstring has a member's
lifecycle), each with its own consumer, partitions and Postgres connection, exactly as
separate processes would: with ``writers`` > 1 Postgres is written on several connections
while Python decodes. Around them, once per process, :meth:`PostgresSink.run`

* raises the garbage collector's thresholds (restored after);
* serves ``/metrics``, ``/healthz`` and ``/readyz`` on ``ODDS_MONITOR__SINK_PORT`` (ready:
  every member has its consumer started and a Postgres connection) and publishes lag every
  ``ODDS_MONITOR__LAG_INTERVAL_S`` from the offsets stored in Postgres;
* runs every member until :meth:`PostgresSink.stop`, or until one crashes (a bug): then the
  others stop too and the crash is re-raised. A member leaves the group only once every
  member has written its open batch.

:func:`run_sink` runs one until SIGTERM/SIGINT; :func:`sink_command` is ``oddsflow sink``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click

from sinks.write import stats
from sinks.write.member import SinkMember
from sinks.write.stats import SinkStats
from streams.cli.root import settings_with
from streams.observe.monitor import LagPublisher, LagRow, publish_lag_forever, start_health
from streams.settings import Settings

log = logging.getLogger(__name__)
GC_THRESHOLDS = (100_000, 50, 100)  # CPython's default is (700, 10, 10); see PostgresSink.run


class PostgresSink:
    """Runs the sink's group members of this process; see module docstring for the lifecycle."""

    def __init__(
        self,
        settings: Settings,
        *,
        session_timeout_ms: int = 10_000,
        consumer_options: dict[str, Any] | None = None,
        stop_grace_s: float = 20.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        app: str = "oddsflow-sink",
        tune_gc: bool = True,
        writers: int = 1,
    ) -> None:
        self.settings = settings
        self.tune_gc = tune_gc
        self._lag = LagPublisher(settings.sink.group_id)  # one per process: members share it
        #: the group members this process runs (fencing keeps them exactly-once like
        #: separate processes); the first one logs as "sink" when it is alone
        self.members = [
            SinkMember(
                settings,
                lag=self._lag,
                label="sink" if writers == 1 else f"writer {i}",
                session_timeout_ms=session_timeout_ms,
                consumer_options=consumer_options,
                stop_grace_s=stop_grace_s,
                clock=clock,
                app=app,
            )
            for i in range(1, max(writers, 1) + 1)
        ]

    def stop(self) -> None:
        """Ask :meth:`run` to write the open batches and return (signal-handler safe)."""
        for member in self.members:
            member.stop()

    async def run(self) -> None:
        """Run until :meth:`stop`; raises on bugs (after stopping the clients). With
        ``writers`` > 1, every member runs until the stop (or until one crashes: then all stop).

        While running, the garbage collector's thresholds are raised (and restored after):
        a batch is ~10^5 short-lived container objects, and the default thresholds make
        CPython rescan them — with full collections stalling the event loop, and with it
        the write in flight, dozens of times per batch (docs/benchmarks.md). Reference counting
        frees batches; the raised thresholds still collect cycles.
        """
        thresholds = gc.get_threshold()
        if self.tune_gc:
            gc.set_threshold(*GC_THRESHOLDS)
        m = self.settings.monitor
        server = None
        try:
            server = await start_health("sink", m.host, m.sink_port, self.ready)
        except OSError as exc:
            log.warning("sink metrics server not started on %s:%d: %r", m.host, m.sink_port, exc)
        lag_task = asyncio.create_task(publish_lag_forever(self._lag, self.lag_rows, m.lag_interval_s))
        try:
            await self._run_members()
        finally:
            lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag_task
            if server is not None:
                await server.stop()
            if self.tune_gc:
                gc.set_threshold(*thresholds)

    def ready(self) -> bool:
        """Readiness: every member has its consumer started and a Postgres connection."""
        return all(m.ready() for m in self.members)

    def lag_rows(self) -> list[LagRow]:
        """(topic, partition, high watermark, next offset stored in Postgres) per positioned
        partition of every member: the offsets in ``sink_offsets`` are the ones the sink trusts."""
        return [row for m in self.members for row in m.lag_rows()]

    @property
    def stats(self) -> SinkStats:
        """Counters since start (of every member when ``writers`` > 1)."""
        if len(self.members) == 1:
            return self.members[0].stats
        return stats.total([m.stats for m in self.members])

    async def _run_members(self) -> None:
        """Run every member (see :meth:`run`)."""
        members = self.members
        if len(members) == 1:
            await members[0].run()
            return
        drained = [asyncio.Event() for _ in members]
        tasks = [asyncio.create_task(m.run(drained[i:] + drained[:i])) for i, m in enumerate(members)]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        if any(t.exception() is not None for t in done):
            self.stop()  # one member crashed (a bug): stop the others, then re-raise
        await asyncio.gather(*tasks, return_exceptions=True)
        stats.log_stopped(self.stats, "sink")
        for t in tasks:
            t.result()


async def run_sink(settings: Settings, **kwargs: Any) -> SinkStats:
    """Run a sink until SIGTERM/SIGINT; returns its counters."""
    sink = PostgresSink(settings, **kwargs)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, sink.stop)
    try:
        await sink.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return sink.stats


@click.command("sink")
@click.option("--group-id", default=None, help="Consumer group. Env: ODDS_SINK__GROUP_ID")
@click.option("--batch-max-rows", type=int, default=None, help="Env: ODDS_SINK__BATCH_MAX_ROWS")
@click.option("--batch-max-bytes", type=int, default=None, help="Env: ODDS_SINK__BATCH_MAX_BYTES")
@click.option("--linger-ms", type=int, default=None, help="Env: ODDS_SINK__LINGER_MS")
@click.option(
    "--session-timeout-ms",
    type=int,
    default=None,
    help="Kafka group session timeout. Env: ODDS_SINK__SESSION_TIMEOUT_MS",
)
@click.option(
    "--writers",
    type=click.IntRange(1, 64),
    default=None,
    help="Group members in this process, each with its partitions and Postgres connection. "
    "Env: ODDS_SINK__WRITERS",
)
def sink_command(
    group_id: str | None,
    batch_max_rows: int | None,
    batch_max_bytes: int | None,
    linger_ms: int | None,
    session_timeout_ms: int | None,
    writers: int | None,
) -> None:
    """Consume odds.snapshots.v1 into Postgres (exactly-once rows) until SIGTERM."""
    settings = settings_with(
        sink__group_id=group_id,
        sink__batch_max_rows=batch_max_rows,
        sink__batch_max_bytes=batch_max_bytes,
        sink__linger_ms=linger_ms,
        sink__session_timeout_ms=session_timeout_ms,
        sink__writers=writers,
    )
    s = settings.sink
    asyncio.run(run_sink(settings, session_timeout_ms=s.session_timeout_ms, writers=s.writers))
