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
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from sinks.signals.tables import SIGNAL_TABLES
from streams.cli.root import settings_with
from streams.settings import Settings

console = Console()


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


async def _show_schema(settings: Settings) -> None:
    from sinks.partitions import open_backend
    from sinks.store.db import connect

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
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(row["relname"], "yes" if row["partitioned"] else "", str(row["children"] or ""))
        console.print(table)
    finally:
        await conn.close()


SHOWN_MARKETS = (1, 18, 29)  # match result, total goals, both teams to score
#: the line the demo shows of a market with several (else its first line)
SHOWN_LINES = {18: "total=2.5"}


async def showcase_event(conn: Any) -> Any:
    """The matched event the demo shows: most bookmakers, with a current price in one of
    :data:`SHOWN_MARKETS` (a live event suspended whole, or a basketball or tennis match,
    would show an empty table); lowest id first. ``None`` if there is none."""
    return await conn.fetchrow(
        f"""SELECT e.id, e.home, e.away, e.sportradar_id, count(DISTINCT eb.bookmaker_id) AS books
              FROM events e JOIN event_bookmakers eb ON eb.event_id = e.id
             WHERE e.sportradar_id IS NOT NULL
               AND EXISTS (SELECT 1 FROM current_odds c CROSS JOIN LATERAL jsonb_each(c.outcomes) o(k, v)
                            WHERE c.event_id = e.id AND c.market_id IN {SHOWN_MARKETS}
                              AND jsonb_typeof(o.v) = 'number')
             GROUP BY e.id ORDER BY books DESC, e.id LIMIT 1"""
    )


async def best_prices(conn: Any, event_id: int) -> list[Any]:
    """The rows of the demo's price table: one line of each of :data:`SHOWN_MARKETS` (the
    :data:`SHOWN_LINES` one when quoted), every outcome with its best price, named."""
    rows = await conn.fetch(
        f"""SELECT market_id, line, market_name, outcome_name, price, bookmaker FROM best_current_odds
             WHERE event_id = $1 AND market_id IN {SHOWN_MARKETS}
             ORDER BY market_id, line, outcome""",
        event_id,
    )
    lines: dict[int, str] = {}
    for r in rows:
        lines.setdefault(r["market_id"], r["line"])
        if r["line"] == SHOWN_LINES.get(r["market_id"]):
            lines[r["market_id"]] = r["line"]
    return [r for r in rows if lines[r["market_id"]] == r["line"]]


async def _summary(settings: Settings) -> None:
    """What reached Postgres: row counts and the best prices of one matched event."""
    from sinks.store.db import connect

    conn = await connect(settings.postgres)
    try:
        counts = Table(title="rows in Postgres")
        counts.add_column("table")
        counts.add_column("rows", justify="right")
        tables = ("events", "event_bookmakers", "snapshots", "odds_history", "current_odds", *SIGNAL_TABLES)
        for table in tables:
            counts.add_row(table, str(await conn.fetchval(f"SELECT count(*) FROM {table}")))
        console.print(counts)
        event = await showcase_event(conn)
        if event is None:
            return
        best = Table(
            title=f"best prices: {event['home']} v {event['away']} (sr:match:{event['sportradar_id']}, "
            f"{event['books']} bookmakers)"
        )
        for col in ("market", "outcome", "best price", "bookmaker"):
            best.add_column(col, justify="right" if col == "best price" else "left", overflow="fold")
        for r in await best_prices(conn, event["id"]):
            best.add_row(r["market_name"], r["outcome_name"], f"{r['price']:.2f}", r["bookmaker"])
        console.print(best)
    finally:
        await conn.close()


async def _signals(settings: Settings) -> None:
    """The home bookmaker's largest deviations now and the arbitrage windows found."""
    from sinks.signals.reading import ARB_WINDOWS, legs, query, render
    from sinks.store.db import connect

    conn = await connect(settings.postgres)
    try:
        doc = await query(conn, settings.signals.home_bookmaker, limit=10)
        console.print(render(doc).renderables[0])
        arbs = Table(title="arbitrage windows found (newest first)")
        for col in ("event", "market", "open", "profit", "legs (best price per outcome)"):
            arbs.add_column(col)
        for a in await conn.fetch(ARB_WINDOWS, 10):
            text = "\n".join(f"{g['outcome_name']} @{g['price']:.2f} {g['bookmaker']}" for g in legs(a))
            closed = "now" if a["ended_at"] is None else a["ended_at"].strftime("%H:%M:%S")
            span = f"{a['captured_at'].strftime('%H:%M:%S')}–{closed}"
            profit = f"{100 * a['profit']:.2f}%" + ("\nsuspect" if a["suspect"] else "")
            event = f"{a['home']} v {a['away']}"
            arbs.add_row(event, a["market_name"], span, profit, text)
        console.print(arbs if arbs.row_count else "[yellow]no arbitrage window found[/]")
    finally:
        await conn.close()


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
        asyncio.run(_show_schema(settings))
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
            asyncio.run(_summary(settings))
            asyncio.run(_signals(settings))
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    console.print("[green]stopped[/] everything the demo started")
