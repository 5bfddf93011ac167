"""``oddsflow demo``: the main job on embedded defaults, end to end, with a visible result.

Lifecycle: start the embedded broker (unless ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` is set) and
the embedded Postgres (unless ``ODDS_POSTGRES__URL`` is set), migrate, run partition
maintenance, round-trip one simulated capture through the broker, print what is in
Postgres, then stop exactly what it started.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import click
from rich.console import Console
from rich.table import Table

from streams.cli import settings_with
from streams.settings import Settings

console = Console()


@dataclass
class Stack:
    """Addresses of the services the demo runs against."""

    settings: Settings
    started: list[str]


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
        yield Stack(merged, started)


async def _round_trip(settings: Settings) -> tuple[str, int, int]:
    """Publish one message and read it back; returns (topic, offset, size)."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = settings.topics.raw("demo")
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


async def _show_schema(settings: Settings) -> None:
    from sinks.db import connect
    from sinks.partitions import open_backend

    conn = await connect(settings.postgres)
    try:
        backend = await open_backend(conn, settings.partitions)
        report = await backend.run(conn, datetime.now(UTC).date())
        rows = await conn.fetch(
            """SELECT c.relname, c.relkind = 'p' AS partitioned,
                      (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) AS children
                 FROM pg_class c
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                  AND NOT c.relispartition AND c.relname <> 'alembic_version'
                ORDER BY 1"""
        )
        table = Table(title=f"schema in Postgres (partition back end: {report.backend})")
        for col in ("table", "partitioned by day", "child partitions"):
            table.add_column(col)
        for row in rows:
            table.add_row(row["relname"], "yes" if row["partitioned"] else "", str(row["children"] or ""))
        console.print(table)
    finally:
        await conn.close()


@click.command()
def demo() -> None:
    """Run the pipeline on embedded defaults and show the result."""
    from sinks import migrate

    with embedded_stack(settings_with()) as stack:
        for line in stack.started:
            console.print(f"[green]started[/] {line}")
        migrate.upgrade(stack.settings.postgres.dsn())
        console.print("[green]migrated[/] alembic upgrade head")
        asyncio.run(_show_schema(stack.settings))
        topic, offset, size = asyncio.run(_round_trip(stack.settings))
        console.print(f"[green]round trip[/] {size} bytes via {topic} at offset {offset}: identical")
    console.print("[green]stopped[/] everything the demo started")
