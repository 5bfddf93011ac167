"""``oddsflow demo``: the main job on embedded defaults, end to end, with a visible result.

Lifecycle: start the embedded broker (unless ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` is set) and
the embedded Postgres (unless ``ODDS_POSTGRES__URL`` is set), migrate and re-seed the market
names (as ``oddsflow migrate`` does), run partition maintenance, round-trip one simulated
capture through the broker, run a worker, the sink and the signals sink on a simulated feed,
print what is in Postgres (the best prices of one event by market and outcome name, the home
bookmaker's largest deviations from consensus and the arbitrage windows found), then stop
exactly what it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click

from sinks.demo_report import console, show_schema, show_signals, summary
from streams.cli.root import settings_with
from streams.settings import Settings


@dataclass
class Stack:
    """Addresses of the services the demo runs against."""

    settings: Settings
    started: list[str]
    fresh_broker: bool = False  # the demo started the broker: its topics are new and empty


@contextlib.contextmanager
def embedded_stack(settings: Settings) -> Iterator[Stack]:
    """Start whatever is not configured; stop only that on exit."""
    from streams.embedded.broker import EmbeddedBroker
    from streams.embedded.postgres import EmbeddedPostgres

    with contextlib.ExitStack() as stack:
        started: list[str] = []
        kafka: dict[str, object] = {}
        postgres: dict[str, object] = {}
        if "bootstrap_servers" not in settings.kafka.model_fields_set:
            broker = stack.enter_context(EmbeddedBroker(settings.embedded.broker_port))
            kafka["bootstrap_servers"] = broker.bootstrap_servers
            kafka["engine"] = "tansu"  # its gaps: streams/kafka/workarounds/tansu_gaps.py
            kafka["idempotence"] = "off"  # tansu refuses InitProducerId: known, not worth a warning
            started.append(f"embedded broker (tansu) on {broker.bootstrap_servers}")
        if settings.postgres.url is None:
            pg = EmbeddedPostgres(settings.embedded.data_dir / "postgres", settings.embedded.postgres_port)
            stack.enter_context(pg)
            postgres["url"] = pg.url
            started.append(f"embedded PostgreSQL on {pg.url} (data in {pg.data_dir})")
        merged = settings_with(
            **{f"kafka__{k}": v for k, v in kafka.items()},
            **{f"postgres__{k}": v for k, v in postgres.items()},
        )
        yield Stack(merged, started, fresh_broker=bool(kafka))


async def _forget_offsets(settings: Settings) -> int:
    """Delete the stored sink offsets of the topics the sinks read; returns how many.

    Only for a broker the demo just started: its topics are new, so offsets stored by an
    earlier run (in a Postgres that outlived that run's broker) point past their end and
    the sinks would skip everything this run publishes.
    """
    from sinks.store import db

    conn = await db.connect(settings.postgres)
    try:
        done = await conn.execute(
            "DELETE FROM sink_offsets WHERE topic = ANY($1::text[])",
            [settings.topics.snapshots, settings.signals.topic],
        )
    finally:
        await conn.close()
    return int(done.split()[-1])


async def _round_trip(settings: Settings) -> tuple[str, int, int]:
    """Publish one message and read it back; returns (topic, offset, size)."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = "oddsflow.demo.roundtrip"  # not a raw topic: the workers must not read it
    payload = b'{"hello": "oddsflow", "at": "%s"}' % datetime.now(UTC).isoformat().encode()
    producer = AIOKafkaProducer(**settings.kafka.client_kwargs(), compression_type="zstd")
    await producer.start()
    try:
        meta = await producer.send_and_wait(topic, payload, key=b"demo")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, **settings.kafka.client_kwargs(), auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        msg = await consumer.getone()
    finally:
        await consumer.stop()
    if msg.value != payload:
        raise click.ClickException("round trip returned different bytes")
    return topic, meta.offset, len(payload)


def _spawn(
    command: str, settings: Settings, log_dir: Path, module: str = "streams"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ODDS_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "ODDS_KAFKA__ENGINE": settings.kafka.engine,
        "ODDS_POSTGRES__URL": settings.postgres.dsn(),
        # the processes write to log files: INFO there unless the demo runs with -vv
        "ODDS_LOG_LEVEL": "DEBUG" if os.environ.get("ODDS_LOG_LEVEL") == "DEBUG" else "INFO",
    }
    log = open(log_dir / f"{command}.log", "ab")  # noqa: SIM115 - closed with the process
    argv = [sys.executable, "-m", module] + ([command] if module == "streams" else [])
    return subprocess.Popen(argv, env=env, stdout=log, stderr=log)


@click.command()
@click.option(
    "--seconds", type=float, default=60.0, show_default=True, help="How long the simulated feed runs."
)
@click.option("--events", type=int, default=30, show_default=True, help="Simulated events (× 3 bookmakers).")
@click.option("--rate", type=float, default=20.0, show_default=True, help="Captures per second.")
def demo(seconds: float, events: int, rate: float) -> None:
    """Run the whole pipeline on embedded defaults and show odds flowing into Postgres."""
    from sinks.status import collect, render
    from sinks.store import migrate
    from sinks.store.markets import seed_database
    from streams.cli.simulate import SimulationOptions, simulate

    with embedded_stack(settings_with()) as stack:
        settings = stack.settings
        for line in stack.started:
            console.print(f"[green]started[/] {line}")
        migrate.upgrade(settings.postgres.dsn())
        console.print("[green]migrated[/] alembic upgrade head")
        console.print(f"[green]seeded[/] {asyncio.run(seed_database(settings))}")
        if stack.fresh_broker:
            forgotten = asyncio.run(_forget_offsets(settings))
            if forgotten:
                console.print(f"[green]forgot[/] {forgotten} sink offsets of an earlier run's broker")
        asyncio.run(show_schema(settings))
        topic, offset, size = asyncio.run(_round_trip(settings))
        console.print(f"[green]round trip[/] {size} bytes via {topic} at offset {offset}: identical")
        log_dir = settings.embedded.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        procs = [
            _spawn("worker", settings, log_dir),
            _spawn("sink", settings, log_dir),
            _spawn("signals-sink", settings, log_dir, module="sinks.signals"),
            _spawn("api", settings, log_dir),
        ]
        console.print(f"[green]started[/] worker, sink, signals sink and read API (logs in {log_dir})")
        api = settings.api
        console.print(f"[green]read API[/] http://{api.host}:{api.port}/ (live page), /docs, /stream")
        try:
            opts = SimulationOptions(events=events, rate=rate, duration_s=seconds)

            async def feed_and_watch() -> int:
                feed = asyncio.ensure_future(simulate(settings, opts))
                while not feed.done():
                    await asyncio.sleep(5)
                    console.print(render(await collect(settings), console.width))
                published = await feed
                for _ in range(20):  # let the stages drain
                    status = await collect(settings)
                    if all(s["lag"] == 0 for s in status.stages):
                        break
                    await asyncio.sleep(2)
                console.print(render(status, console.width))
                return published

            published = asyncio.run(feed_and_watch())
            console.print(f"[green]simulated[/] {published} captures of {events} events at 3 bookmakers")
            asyncio.run(summary(settings))
            asyncio.run(show_signals(settings))
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    console.print("[green]stopped[/] everything the demo started")
