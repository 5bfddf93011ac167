"""``oddsflow simulate``: a realistic live feed published like a scraper would.

N events × the seven bookmakers, payloads in each bookmaker's real JSON shape (see
:mod:`streams.simulator`), published with :class:`~streams.kafka.producer.OddsProducer` at
``--rate`` captures per second of wall-clock time. With ``--no-pace`` the captures are
published as fast as possible with capture times spread over the ``--duration`` that just
ended (a backfill: every timestamp lies in the past, so none is refused as "future").
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
import orjson

from streams.settings import Settings


@dataclass(frozen=True, slots=True)
class SimulationOptions:
    """What to simulate and how fast."""

    events: int = 20
    rate: float = 10.0
    duration_s: float | None = 60.0
    count: int | None = None
    change_rate: float = 0.05
    prematch_activity: float = 0.2
    size: str = "normal"
    seed: int = 0
    missing_sr_share: float = 0.10
    live_share: float = 0.25
    pace: bool = True


async def simulate(settings: Settings, opts: SimulationOptions, source: str = "oddsflow-simulator") -> int:
    """Publish the simulated feed; returns the number of captures published."""
    from streams.kafka.producer import OddsProducer
    from streams.kafka.topics import ensure_topics
    from streams.simulator import BOOKMAKERS, World, WorldConfig, iter_captures

    await ensure_topics(settings, BOOKMAKERS)
    now = datetime.now(UTC)
    span = opts.duration_s if opts.duration_s is not None else (opts.count or 0) / opts.rate
    start = now if opts.pace else now - timedelta(seconds=span)
    config = WorldConfig(
        change_rate=opts.change_rate,
        prematch_activity=opts.prematch_activity,
        size=opts.size,  # type: ignore[arg-type]
        missing_sr_share=opts.missing_sr_share,
        live_share=opts.live_share,
        bookmakers=BOOKMAKERS,
    )
    world = World(opts.events, seed=opts.seed, start=start, config=config)
    t0 = time.monotonic()
    published = 0
    pending: set[asyncio.Future[object]] = set()
    async with OddsProducer.from_settings(settings, source=source) as producer:
        for cap in iter_captures(world, rate_per_s=opts.rate, duration_s=opts.duration_s, count=opts.count):
            if opts.pace:
                delay = (cap.captured_at - start).total_seconds() - (time.monotonic() - t0)
                if delay > 0:
                    await asyncio.sleep(delay)
            item = producer.envelope(
                cap.bookmaker,
                orjson.dumps(cap.payload),
                captured_at=cap.captured_at,
                bookmaker_event_id=cap.bookmaker_event_id,
                sportradar_id=cap.sportradar_id,
            )
            pending.add(asyncio.ensure_future(producer.send_raw(*item)))
            if len(pending) >= 128:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for fut in done:
                    fut.result()
                published += len(done)
        await asyncio.gather(*pending)
        published += len(pending)
    return published


@click.command("simulate")
@click.option("--events", type=int, default=20, show_default=True, help="Number of simultaneous events.")
@click.option("--rate", type=float, default=10.0, show_default=True, help="Captures per second.")
@click.option("--duration", type=float, default=60.0, show_default=True, help="Seconds to run (0 = forever).")
@click.option("--count", type=int, default=None, help="Stop after this many captures.")
@click.option(
    "--change-rate",
    type=float,
    default=0.05,
    show_default=True,
    help="Share of a live event's lines re-priced per capture.",
)
@click.option(
    "--prematch-activity",
    type=float,
    default=0.2,
    show_default=True,
    help="Prematch lines are re-priced and suspended at this fraction of the live rates (1: as often).",
)
@click.option("--size", type=click.Choice(["normal", "real"]), default="normal", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--missing-sr-share", type=float, default=0.10, show_default=True)
@click.option("--live-share", type=float, default=0.25, show_default=True)
@click.option(
    "--no-pace", is_flag=True, help="Publish as fast as possible (timestamps spread over the past)."
)
@click.option("--bootstrap-servers", default=None, help="Env: ODDS_KAFKA__BOOTSTRAP_SERVERS")
def simulate_command(
    events: int,
    rate: float,
    duration: float,
    count: int | None,
    change_rate: float,
    prematch_activity: float,
    size: str,
    seed: int,
    missing_sr_share: float,
    live_share: float,
    no_pace: bool,
    bootstrap_servers: str | None,
) -> None:
    """Publish a simulated live feed of N events at the seven bookmakers."""
    from streams.cli.root import settings_with

    opts = SimulationOptions(
        events=events,
        rate=rate,
        duration_s=duration or None,
        count=count,
        change_rate=change_rate,
        prematch_activity=prematch_activity,
        size=size,
        seed=seed,
        missing_sr_share=missing_sr_share,
        live_share=live_share,
        pace=not no_pace,
    )
    if not opts.pace and opts.duration_s is None and opts.count is None:
        raise click.UsageError("--no-pace needs --duration or --count")
    settings = settings_with(kafka__bootstrap_servers=bootstrap_servers)
    t0 = time.monotonic()
    n = asyncio.run(simulate(settings, opts))
    click.echo(f"published {n} captures in {time.monotonic() - t0:.1f}s")
