"""``oddsflow worker``: run the stream processors (faust worker) until SIGINT/SIGTERM.

Before faust starts, the command creates the topics oddsflow owns (raw topics of the known
bookmakers, snapshots, DLQ — see :mod:`streams.kafka.topics` — and the canonical repartition
topic), the table changelogs (:mod:`streams.kafka.workarounds.faust_new_changelogs`), and resolves the raw
pattern (``^<raw_prefix>.+``) against the broker's topics. A partition the group never
committed is read from its log start (:mod:`streams.kafka.transport`). Start as many workers as
you like with the same settings: they form one consumer group (``streams.app_id``) and
share partitions.
Exit code 0 after a clean stop, 1 when an agent crashed (a bug; the record that caused it
is in the DLQ with kind ``bug``), 2 on a settings error.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

import click
import faust
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.adapters import SOURCES
from streams.app import create_app
from streams.cli import gc_policy
from streams.kafka.raw_topics import list_raw_topics
from streams.kafka.topics import ensure_topics
from streams.kafka.workarounds.faust_new_changelogs import ensure_changelogs
from streams.observe import heap
from streams.observe.monitor import LagRow, publish_lag_forever, start_health
from streams.settings import Settings

log = logging.getLogger(__name__)


async def prepare_topics(settings: Settings) -> list[str]:
    """Create oddsflow's topics when missing; returns the raw topics."""
    created = await ensure_topics(settings, SOURCES)
    if created:
        log.info("created topics %s", created)
    await _ensure_canonical(settings)
    await ensure_changelogs(settings)  # faust bug robinhood/faust#499, see that module
    return await list_raw_topics(settings)


async def _ensure_canonical(settings: Settings) -> None:
    t = settings.topics
    config = {"max.message.bytes": str(settings.kafka.max_message_bytes)}
    admin = AIOKafkaAdminClient(**settings.kafka.client_kwargs())
    await admin.start()
    try:
        if t.canonical not in await admin.list_topics():
            with suppress(TopicAlreadyExistsError):  # another worker was quicker
                await admin.create_topics(
                    [NewTopic(t.canonical, t.partitions, t.replication_factor, topic_configs=config)]
                )
    finally:
        await admin.close()


def install_monitor(app: Any, settings: Settings) -> None:
    """Serve /metrics, /healthz, /readyz and publish the group's lag (an app task).

    Ready once every agent has started. Lag: faust's fetch high watermark of each assigned
    input partition (raw topics, canonical) minus the offset faust last committed for it
    (``consumer._committed_offset``: the committed offsets it read at assignment, then
    every offset it committed since). A bind failure (port in use) is logged, not fatal.
    """
    m, t = settings.monitor, settings.topics

    def ready() -> bool:
        agents = list(app.agents.values())
        return bool(agents) and all(agent.started for agent in agents)

    def rows() -> list[LagRow]:
        consumer = app.consumer
        committed = consumer._committed_offset  # faust has no public accessor
        return [
            (tp.topic, tp.partition, consumer.highwater(tp), committed.get(tp))
            for tp in consumer.assignment()
            if tp.topic in (t.canonical, t.snapshots) or tp.topic.startswith(t.raw_prefix)
        ]

    async def monitor() -> None:
        server = None
        try:
            server = await start_health("worker", m.host, m.worker_port, ready)
        except OSError as exc:
            log.warning("worker metrics server not started on %s:%d: %r", m.host, m.worker_port, exc)
        try:
            await publish_lag_forever(app.oddsflow.lag, rows, m.lag_interval_s)
        finally:
            if server is not None:
                await server.stop()

    app.task(monitor)


def run_worker(settings: Settings) -> None:
    """Blocks until the worker stops; raises ``SystemExit`` (see module docstring)."""
    settings.streams.data_dir.mkdir(parents=True, exist_ok=True)  # faust makes only the last level
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    raw_topics = loop.run_until_complete(prepare_topics(settings))
    log.info("subscribing to raw topics %s", raw_topics)
    app: Any = create_app(settings, raw_topics)
    install_monitor(app, settings)
    heap.install(app, settings.streams.heap_trace_s, settings.streams.heap_trace_file)
    worker: Any = faust.Worker(app, loglevel=settings.log_level, loop=loop, redirect_stdouts=False)
    log.info("gc thresholds %s", gc_policy.apply(settings.streams.gc_threshold))
    worker.execute_from_commandline()


@click.command("worker")
@click.option("--app-id", default=None, help="Consumer group / changelog prefix. Env: ODDS_STREAMS__APP_ID")
@click.option("--web/--no-web", "web", default=None, help="Faust web server. Env: ODDS_STREAMS__WEB_ENABLED")
@click.option("--web-port", type=int, default=None, help="Env: ODDS_STREAMS__WEB_PORT")
def worker_command(app_id: str | None, web: bool | None, web_port: int | None) -> None:
    """Run the stream processors (normalize, match + diff) as one faust worker."""
    from streams.cli.root import settings_with

    settings = settings_with(streams__app_id=app_id, streams__web_enabled=web, streams__web_port=web_port)
    run_worker(settings)
